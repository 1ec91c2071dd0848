"""What would averaging networks add to ``MLP*CV``? Measured before building it.

For each data set and seed: fit ``MLPClassifierCV()`` / ``MLPRegressorCV()``
with their defaults (the single best network, ``best_estimator_``), then
average the predictions (probabilities for a classifier) of

- ``folds``: the best configuration fitted on each of the search's 5 CV
  training folds, at the refit's epochs (what a search that kept its fold
  models would have for free);
- ``top3``: the three best configurations of the search's last round, each
  refitted on all the training data;
- ``seeds5``: the best configuration refitted with 5 random states.

Held-out scores (accuracy or R^2), mean and standard deviation over seeds,
and the extra fit time of each ensemble against the search's time.

    python benchmarks/ensemble_study.py [--seeds 3] [--datasets digits,...]
"""

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from sklearn.model_selection import check_cv  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import ALL  # noqa: E402
from lr_cells import split  # noqa: E402

import skreg  # noqa: E402


def _predict(est, X, task):
    return est.predict_proba(X) if task == "classification" else est.predict(X)


def _score(avg, yte, task, classes):
    if task == "classification":
        return accuracy_score(yte, classes[np.argmax(avg, axis=1)])
    return r2_score(yte, avg)


def one(name, seed, n_jobs):
    warnings.simplefilter("ignore")
    Xtr, Xte, ytr, yte, task = split(name)
    cls = skreg.MLPClassifierCV if task == "classification" else skreg.MLPRegressorCV
    tic = time.perf_counter()
    search = cls(random_state=seed, n_jobs=n_jobs).fit(Xtr, ytr)
    t_search = time.perf_counter() - tic
    best = search.best_estimator_
    classes = getattr(best, "classes_", None)
    out = {"single": (_score(_predict(best, Xte, task), yte, task, classes), 0.0)}
    config = clone(best)

    def average(models):
        return np.mean([_predict(m, Xte, task) for m in models], axis=0)

    # the search's folds (the same splitter as the search's cv=5)
    cv = check_cv(5, ytr, classifier=task == "classification")
    tic = time.perf_counter()
    folds = [clone(config).fit(Xtr[tr], ytr[tr]) for tr, _ in cv.split(Xtr, ytr)]
    out["folds"] = (_score(average(folds), yte, task, classes), time.perf_counter() - tic)
    # the three best of the last round, refitted
    res = search.cv_results_
    it = np.asarray(res["iter"])
    last = np.flatnonzero(it == it.max())
    order = last[np.argsort(-np.asarray(res["mean_test_score"])[last])][:3]
    tic = time.perf_counter()
    top = [best] + [clone(config).set_params(**res["params"][i]).fit(Xtr, ytr)
                    for i in order if res["params"][i] != search.best_params_][:2]
    out["top3"] = (_score(average(top), yte, task, classes), time.perf_counter() - tic)
    tic = time.perf_counter()
    seeds = [best] + [clone(config).set_params(random_state=1000 + k).fit(Xtr, ytr)
                      for k in range(4)]
    out["seeds5"] = (_score(average(seeds), yte, task, classes), time.perf_counter() - tic)
    return name, seed, t_search, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--datasets", default=",".join(ALL))
    p.add_argument("--n-jobs", type=int, default=2)
    args = p.parse_args(argv)
    rows = [one(d, s, args.n_jobs) for d in args.datasets.split(",")
            for s in range(args.seeds)]
    kinds = ["single", "folds", "top3", "seeds5"]
    print(f"{'data set':>17} {'search s':>9} " + " ".join(f"{k:>24}" for k in kinds))
    for d in dict.fromkeys(r[0] for r in rows):
        rs = [r for r in rows if r[0] == d]
        cells = []
        for k in kinds:
            s = np.array([r[3][k][0] for r in rs])
            t = np.mean([r[3][k][1] for r in rs])
            cells.append(f"{s.mean():.4f} ± {s.std():.4f} (+{t:.0f} s)")
        print(f"{d:>17} {np.mean([r[2] for r in rs]):>9.0f} " + " ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    main()

"""Which of skreg's knobs matter? The evidence behind MLP*CV's default space.

For each data set of ``_datasets.py`` (the split of ``tuning.py``) and seed,
a wide random search (``RandomizedSearchCV``, ``--n-iter`` candidates x
3-fold CV, 200 epochs, every candidate with ``learning_rate_init='auto'``)
over a space wider than the default one: more hidden sizes, the three
initialisations, three penalties, alpha up to 0.1, dropout up to 0.3, early
stopping, three batch sizes. Then, for each value of each dimension:

- ``mean pct``: the mean percentile of the candidates drawn with that value
  in their own search's ranking (1 = best, 0.5 = no effect);
- ``top-5 share``: how often the value is among each search's five best
  candidates, against how often it was drawn.

    python benchmarks/space_study.py [--seeds 2] [--n-iter 40] [--datasets ...]
        [--json out.json] [--from-json out.json]
"""

import argparse
import collections
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import DATASETS  # noqa: E402
from tuning import _data, _pipe, _space  # noqa: E402

import skreg  # noqa: E402

WIDE_SPACE = {
    "hidden_layer_sizes": [(32,), (64,), (128,), (256,), (512,), (64, 64), (128, 128),
                           (256, 256)],
    "activation": ["relu", "tanh"],
    "solver": ["adam", "adamw", "sgd", "rmsprop", "adagrad"],
    "penalty": ["l2", "l1", "elasticnet"],
    "alpha": loguniform(1e-7, 1e-1),
    "init": ["auto", "he", "xavier"],
    "lr_schedule": ["constant", "cosine", "onecycle", "step", "exponential"],
    "dropout": [0.0, 0.1, 0.2, 0.3],
    "batch_norm": [False, True],
    "early_stopping": [False, True],
    "batch_size": [32, 64, "auto"],
}


def run(datasets, seeds, n_iter, n_jobs):
    out = []
    for dname in datasets:
        Xtr, Xte, ytr, yte, task = _data(dname)
        clf = task == "classification"
        mlp = skreg.MLPClassifier if clf else skreg.MLPRegressor
        prefix = "mlpclassifier" if clf else "mlpregressor"
        for seed in range(seeds):
            search = RandomizedSearchCV(
                _pipe(mlp(random_state=seed, learning_rate_init="auto")),
                _space(WIDE_SPACE, prefix), n_iter=n_iter, cv=3, random_state=100 + seed,
                n_jobs=n_jobs, error_score=np.nan)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tic = time.perf_counter()
                search.fit(Xtr, ytr)
                wall = time.perf_counter() - tic
            r = search.cv_results_
            cands = [dict({k.split("__")[1]: (list(v) if isinstance(v, tuple) else v)
                           for k, v in p.items()},
                          score=float(r["mean_test_score"][i]),
                          fit_time=float(r["mean_fit_time"][i]))
                     for i, p in enumerate(r["params"])]
            out.append(dict(dataset=dname, seed=seed, test=float(search.score(Xte, yte)),
                            wall=wall, cands=cands))
            print(f"  {dname} seed {seed}: held-out {out[-1]['test']:.4f} ({wall:.0f} s)",
                  file=sys.stderr, flush=True)
    return out


def _value(dim, v):
    if dim == "alpha":  # by decade
        return f"1e{int(np.floor(np.log10(v)))}"
    return str(tuple(v) if isinstance(v, list) else v)


def report(runs):
    dims = [k for k in runs[0]["cands"][0] if k not in ("score", "fit_time")]
    pct = collections.defaultdict(lambda: collections.defaultdict(list))
    top = collections.defaultdict(collections.Counter)
    drawn = collections.defaultdict(collections.Counter)
    n_top = 0
    for r in runs:
        s = np.array([c["score"] for c in r["cands"]], float)
        s = np.where(np.isfinite(s), s, -np.inf)
        p = (np.argsort(np.argsort(s)) + 0.5) / len(s)
        best = set(np.argsort(-s)[:5].tolist())
        n_top += len(best)
        for i, c in enumerate(r["cands"]):
            for d in dims:
                v = _value(d, c[d])
                pct[d][v].append(p[i])
                drawn[d][v] += 1
                top[d][v] += i in best
    n_draws = sum(len(r["cands"]) for r in runs)
    lines = [f"{len(runs)} searches: " + ", ".join(f"{r['dataset']} {r['seed']}" for r in runs),
             f"{'dimension':>18} {'value':>12}  mean pct  top-5 share (drawn)"]
    for d in dims:
        for v in sorted(pct[d]):
            lines.append(f"{d:>18} {v:>12}  {np.mean(pct[d][v]):8.2f}  "
                         f"{top[d][v] / n_top:5.0%} ({drawn[d][v] / n_draws:4.0%})")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--n-iter", type=int, default=40)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--json", default=None)
    p.add_argument("--from-json", default=None)
    args = p.parse_args(argv)
    if args.from_json:
        runs = json.load(open(args.from_json))
    else:
        runs = run(args.datasets.split(","), args.seeds, args.n_iter, args.n_jobs)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(runs, fh, default=str)
    print(report(runs))


if __name__ == "__main__":
    main()

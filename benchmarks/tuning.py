"""Does tuning skreg pay off? Defaults and searches against scikit-learn's MLP.

For each real data set (``_datasets.py``), one fixed train/test split, and
each seed (which seeds the models and the search's sampling), this fits:

- ``sklearn default``: ``sklearn.neural_network.MLP*`` with its defaults;
- ``sklearn tuned``: ``RandomizedSearchCV`` over scikit-learn's own knobs;
- ``skreg default``: skreg with the defaults it ships (its rate is
  scikit-learn's 0.001);
- ``skreg auto``: the same with ``learning_rate_init='auto'``;
- ``skreg tuned``: the same search budget over skreg's knobs, the rate drawn
  from a log-uniform range like scikit-learn's;
- ``skreg tuned auto``: the same, with ``learning_rate_init='auto'``;
- ``HistGradientBoosting``: the non-neural reference, defaults;
- ``sklearn tuned 20x5``: scikit-learn's search at the budget issue 13 sets
  for the one-liner to beat, ``RandomizedSearchCV(n_iter=20, cv=5)``
  whatever ``--n-iter`` and ``--cv`` say;
- ``skreg CV``: ``skreg.MLPClassifierCV()`` / ``MLPRegressorCV()`` with
  their defaults (successive halving, 5-fold CV); only ``random_state`` and
  ``n_jobs`` are set;
- ``RealMLP-TD`` / ``RealMLP-HPO``: pytabkit's tuned-default and
  hyper-parameter-optimised RealMLP (Holzmueller et al. 2024), on the CPU,
  when pytabkit is installed (it needs torch: not a skreg extra; see
  benchmarks/README.md). ``--realmlp-hpo-steps`` sets the HPO's number of
  random-search steps (pytabkit's default is 50).

Every search has the same budget: ``--n-iter`` candidates x ``--cv`` folds,
then a refit on the whole training set. All models sit in a pipeline after a
``StandardScaler``. Reported: the held-out score (accuracy or R^2) as mean
and standard deviation over seeds, and the wall time of each contender.

    python benchmarks/tuning.py [--seeds 3] [--n-iter 10] [--cv 3] [--n-jobs 2]
        [--datasets digits,fair,...] [--contenders "skreg CV,sklearn tuned 20x5"]
        [--format text|rst] [--json out.json]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn import neural_network as sknn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import ALL, DATASETS  # noqa: E402

import skreg  # noqa: E402

HIDDEN = [(64,), (128,), (256,), (64, 64), (128, 128)]

#: scikit-learn's own knobs
SKLEARN_SPACE = {
    "hidden_layer_sizes": HIDDEN,
    "activation": ["relu", "tanh"],
    "solver": ["adam", "sgd"],
    "alpha": loguniform(1e-6, 1e-1),
    "learning_rate_init": loguniform(1e-4, 1e-1),
    "learning_rate": ["constant", "adaptive", "invscaling"],
}

#: skreg's knobs (its alpha is not divided by the batch size: a range 200x
#: below scikit-learn's covers the same strengths)
SKREG_SPACE = {
    "hidden_layer_sizes": HIDDEN,
    "activation": ["relu", "tanh"],
    "solver": ["adam", "adamw", "sgd", "rmsprop", "adagrad"],
    "penalty": ["l2", "l1", "elasticnet"],
    "alpha": loguniform(1e-7, 1e-2),
    "init": ["auto", "he", "xavier"],
    "lr_schedule": ["constant", "cosine", "onecycle", "step", "exponential"],
    "dropout": [0.0, 0.1, 0.2],
    "batch_norm": [False, True],
}

CONTENDERS = ["sklearn default", "sklearn tuned", "skreg default", "skreg auto",
              "skreg tuned", "skreg tuned auto", "HistGradientBoosting",
              "sklearn tuned 20x5", "skreg CV", "RealMLP-TD", "RealMLP-HPO"]

#: contenders that need an optional package, and that package
OPTIONAL = {"RealMLP-TD": "pytabkit", "RealMLP-HPO": "pytabkit"}


def _available(name):
    mod = OPTIONAL.get(name)
    if mod is None:
        return True
    try:
        __import__(mod)
    except ImportError:
        print(f"  {name}: skipped, {mod} is not installed", file=sys.stderr)
        return False
    return True


def _data(name):
    X, y, task = ALL[name]()
    strat = y if task == "classification" else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=strat)
    return Xtr, Xte, ytr, yte, task


def _pipe(est):
    return make_pipeline(StandardScaler(), est)


def _space(space, prefix):
    return {f"{prefix}__{k}": v for k, v in space.items()}


def contender(name, task, seed, n_iter, cv, n_jobs, realmlp_hpo_steps=50):
    clf = task == "classification"
    sk = sknn.MLPClassifier if clf else sknn.MLPRegressor
    sr = skreg.MLPClassifier if clf else skreg.MLPRegressor
    if name == "sklearn default":
        return _pipe(sk(random_state=seed))
    if name == "skreg default":
        return _pipe(sr(random_state=seed))
    if name == "skreg auto":
        return _pipe(sr(random_state=seed, learning_rate_init="auto"))
    if name == "HistGradientBoosting":
        hgb = HistGradientBoostingClassifier if clf else HistGradientBoostingRegressor
        return _pipe(hgb(random_state=seed))
    if name == "skreg CV":
        cv_cls = skreg.MLPClassifierCV if clf else skreg.MLPRegressorCV
        return _pipe(cv_cls(random_state=seed, n_jobs=n_jobs))
    if name.startswith("RealMLP"):
        import pytabkit

        kind = ("Classifier" if clf else "Regressor")
        if name == "RealMLP-TD":
            return _pipe(getattr(pytabkit, f"RealMLP_TD_{kind}")(random_state=seed, device="cpu",
                                                                 n_threads=n_jobs))
        return _pipe(getattr(pytabkit, f"RealMLP_HPO_{kind}")(
            random_state=seed, device="cpu", n_threads=n_jobs, n_hyperopt_steps=realmlp_hpo_steps))
    if name == "sklearn tuned 20x5":
        n_iter, cv = 20, 5
    if name in ("sklearn tuned", "sklearn tuned 20x5"):
        est, space, prefix = sk(random_state=seed), SKLEARN_SPACE, "mlpclassifier" if clf else "mlpregressor"
    elif name == "skreg tuned":
        space = dict(SKREG_SPACE, learning_rate_init=loguniform(1e-4, 1e-1))
        est, prefix = sr(random_state=seed, learning_rate_init=0.001), "mlpclassifier" if clf else "mlpregressor"
    elif name == "skreg tuned auto":
        est, space, prefix = sr(random_state=seed, learning_rate_init="auto"), SKREG_SPACE, \
            "mlpclassifier" if clf else "mlpregressor"
    else:
        raise ValueError(name)
    return RandomizedSearchCV(_pipe(est), _space(space, prefix), n_iter=n_iter, cv=cv,
                              random_state=seed, n_jobs=n_jobs, error_score=np.nan)


def _plain(params):
    """Parameters as JSON can hold them (tuples and numpy scalars as strings)."""
    return {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
            for k, v in params.items()}


def run(datasets, seeds, n_iter, cv, n_jobs, contenders, realmlp_hpo_steps=50):
    contenders = [c for c in contenders if _available(c)]
    rows = []
    for dname in datasets:
        Xtr, Xte, ytr, yte, task = _data(dname)
        for seed in range(seeds):
            for cname in contenders:
                est = contender(cname, task, seed, n_iter, cv, n_jobs, realmlp_hpo_steps)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tic = time.perf_counter()
                    try:
                        est.fit(Xtr, ytr)
                        score = float(est.score(Xte, yte))
                    except ValueError as exc:  # a diverged default fit
                        print(f"  {dname} {cname} seed {seed}: {exc}", file=sys.stderr)
                        score = float("nan")
                    wall = time.perf_counter() - tic
                row = dict(dataset=dname, task=task, seed=seed, contender=cname,
                           score=score, time=wall)
                model = est.best_estimator_ if hasattr(est, "best_estimator_") else est
                mlp = model[-1]
                if hasattr(mlp, "best_estimator_"):  # skreg CV: the search is the last step
                    row["best_params"] = _plain(mlp.best_params_)
                    row["rounds"] = dict(n_candidates=mlp.n_candidates_, n_resources=mlp.n_resources_,
                                         round_times=mlp.round_times_, refit_time=mlp.refit_time_)
                    mlp = mlp.best_estimator_
                if hasattr(mlp, "learning_rate_"):
                    row["learning_rate_"] = mlp.learning_rate_
                if hasattr(est, "best_params_"):
                    row["best_params"] = _plain({k.split("__", 1)[1]: v
                                                 for k, v in est.best_params_.items()})
                rows.append(row)
                print(f"  {dname:>13} seed {seed} {cname:>20}: {score:.4f} ({wall:.1f} s)",
                      file=sys.stderr, flush=True)
    return rows


def table(rows, fmt="text"):
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    contenders = list(dict.fromkeys(r["contender"] for r in rows))
    head = ["data set (metric)"] + contenders
    body = []
    for d in datasets:
        task = next(r["task"] for r in rows if r["dataset"] == d)
        line = [f"{d} ({'accuracy' if task == 'classification' else 'R2'})"]
        for c in contenders:
            rs = [r for r in rows if r["dataset"] == d and r["contender"] == c]
            s = np.array([r["score"] for r in rs])
            t = np.mean([r["time"] for r in rs])
            line.append(f"{np.nanmean(s):.3f} ± {np.nanstd(s):.3f} ({t:.0f} s)"
                        + (f" [{np.isnan(s).sum()} failed]" if np.isnan(s).any() else ""))
        body.append(line)
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    if fmt == "rst":
        sep = "  ".join("=" * w for w in widths)
        out = [sep, "  ".join(h.ljust(w) for h, w in zip(head, widths)), sep]
        out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in body]
        return "\n".join(out + [sep])
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths))]
    out += [" | ".join(c.ljust(w) for c, w in zip(line, widths)) for line in body]
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n-iter", type=int, default=10)
    p.add_argument("--cv", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--realmlp-hpo-steps", type=int, default=50)
    p.add_argument("--format", choices=["text", "rst"], default="text")
    p.add_argument("--json", default=None, help="write every run's record here")
    p.add_argument("--from-json", default=None, help="only print the table of saved records")
    args = p.parse_args(argv)
    if args.from_json:
        rows = json.load(open(args.from_json))
    else:
        rows = run(args.datasets.split(","), args.seeds, args.n_iter, args.cv, args.n_jobs,
                   args.contenders.split(","), args.realmlp_hpo_steps)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(rows, fh, indent=1)
    print(f"held-out score, mean ± sd over {args.seeds} seeds (mean wall time); "
          f"searches: {args.n_iter} candidates x {args.cv}-fold CV")
    print(table(rows, args.format))


if __name__ == "__main__":
    main()

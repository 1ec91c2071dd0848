"""``python -m skreg``: a cross-validated hyper-parameter search on a bundled
scikit-learn dataset, with a Pipeline of StandardScaler and an skreg MLP.

The grid spans penalty x alpha x init x lr_schedule. The program prints the
top of the results table, the best parameters, the held-out score, and the
share of exactly-zero weights of the best L1-penalised model.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import MLPClassifier, MLPRegressor, __version__

DATASETS = {
    "digits": (datasets.load_digits, "classification"),
    "breast_cancer": (datasets.load_breast_cancer, "classification"),
    "wine": (datasets.load_wine, "classification"),
    "iris": (datasets.load_iris, "classification"),
    "diabetes": (datasets.load_diabetes, "regression"),
}


def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m skreg",
        description=(
            "Cross-validated search over penalty x alpha x init x lr_schedule for an "
            "skreg MLP (StandardScaler + MLPClassifier/MLPRegressor) on a dataset "
            "bundled with scikit-learn."
        ),
    )
    p.add_argument("--dataset", choices=sorted(DATASETS), default="digits",
                   help="bundled dataset (diabetes is a regression task; default: digits)")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel jobs for the search (default: -1, all cores)")
    p.add_argument("--cv", type=int, default=3, help="cross-validation folds (default: 3)")
    p.add_argument("--max-iter", type=int, default=40, help="epochs per fit (default: 40)")
    p.add_argument("--hidden", type=int, nargs="*", default=[64],
                   help="hidden layer sizes (default: 64)")
    p.add_argument("--alphas", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2],
                   help="alpha values of the grid (default: 1e-4 1e-3 1e-2)")
    p.add_argument("--top", type=int, default=10, help="rows of the results table to print")
    p.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    p.add_argument("--quick", action="store_true",
                   help="a tiny grid and few epochs, to check the installation in seconds")
    p.add_argument("--version", action="version", version=f"skreg {__version__}")
    return p


def _zero_share(model):
    weights = np.concatenate([w.ravel() for w in model.coefs_])
    return float(np.mean(weights == 0.0))


def main(argv=None):
    args = build_parser().parse_args(argv)
    loader, task = DATASETS[args.dataset]
    X, y = loader(return_X_y=True)
    stratify = y if task == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=args.random_state, stratify=stratify)

    Est = MLPClassifier if task == "classification" else MLPRegressor
    est = Est(hidden_layer_sizes=tuple(args.hidden), solver="adam",
              learning_rate_init=0.01, max_iter=args.max_iter,
              random_state=args.random_state)
    grid = {
        "mlp__penalty": ["l2", "l1", "elasticnet"],
        "mlp__alpha": args.alphas,
        "mlp__init": ["xavier", "he"],
        "mlp__lr_schedule": ["constant", "cosine", "onecycle"],
    }
    if args.quick:
        est.set_params(max_iter=5)
        grid = {"mlp__penalty": ["l2", "l1"], "mlp__alpha": args.alphas[:1],
                "mlp__init": ["he"], "mlp__lr_schedule": ["constant", "cosine"]}
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", est)])
    search = GridSearchCV(pipe, grid, cv=args.cv, n_jobs=args.n_jobs)

    n_fits = args.cv * int(np.prod([len(v) for v in grid.values()]))
    print(f"skreg {__version__}: {Est.__name__} on {args.dataset} "
          f"({X_train.shape[0]} training / {X_test.shape[0]} held-out samples, "
          f"{X.shape[1]} features)")
    print(f"Grid search: {n_fits} fits ({args.cv}-fold CV), n_jobs={args.n_jobs}")
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    elapsed = time.perf_counter() - tic

    res = search.cv_results_
    order = np.argsort(res["rank_test_score"], kind="stable")[: args.top]
    metric = "accuracy" if task == "classification" else "R^2"
    print(f"\nTop {len(order)} of {len(res['params'])} candidates (mean CV {metric}):")
    header = f"{'rank':>4}  {'mean':>7}  {'std':>6}  {'penalty':<10} {'alpha':>8}  {'init':<6} lr_schedule"
    print(header)
    print("-" * len(header))
    for i in order:
        p = res["params"][i]
        print(f"{res['rank_test_score'][i]:>4}  {res['mean_test_score'][i]:7.4f}  "
              f"{res['std_test_score'][i]:6.4f}  {str(p['mlp__penalty']):<10} "
              f"{p['mlp__alpha']:>8.0e}  {p['mlp__init']:<6} {p['mlp__lr_schedule']}")

    best = {k.replace("mlp__", ""): v for k, v in search.best_params_.items()}
    print(f"\nBest parameters: {best}")
    print(f"Best mean CV {metric}: {search.best_score_:.4f}")
    print(f"Held-out {metric} of the refitted best model: "
          f"{search.score(X_test, y_test):.4f}")

    # the best L1-penalised candidate, refitted, and its exact zeros
    l1 = [i for i, p in enumerate(res["params"]) if p["mlp__penalty"] == "l1"]
    if l1:
        i = max(l1, key=lambda j: (res["mean_test_score"][j], -j))
        from sklearn.base import clone

        model = clone(pipe).set_params(**res["params"][i])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        share = _zero_share(model.named_steps["mlp"])
        pretty = {k.replace("mlp__", ""): v for k, v in res["params"][i].items()}
        print(f"Best L1 model {pretty}: held-out {metric} "
              f"{model.score(X_test, y_test):.4f}, exactly-zero weights {100 * share:.1f}%")
    print(f"\nSearch time: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

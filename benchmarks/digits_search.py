"""The new user's search on the digits, with and without learning_rate_init='auto'.

``StandardScaler + MLPClassifier((32,), max_iter=M, random_state=0)``,
``RandomizedSearchCV(n_iter=12, cv=3, random_state=0)`` over penalty x alpha
x init x solver x lr_schedule, every solver sharing one rate: the default
0.001 against 'auto' (the only change). scikit-learn's MLP with its defaults
and the same hidden layer and epochs is the reference. Held-out accuracy on
a fixed 25% split; ``--seeds`` repeats everything with other random states
(the search's and the models') to show the spread.

    python benchmarks/digits_search.py [--max-iter 30 200] [--seeds 3]
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn import neural_network as sknn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import skreg  # noqa: E402

SPACE = {
    "mlpclassifier__penalty": ["l2", "l1", "elasticnet"],
    "mlpclassifier__alpha": [1e-5, 1e-4, 1e-3, 1e-2],
    "mlpclassifier__init": ["xavier", "he"],
    "mlpclassifier__solver": ["adam", "sgd", "adamw", "rmsprop", "adagrad"],
    "mlpclassifier__lr_schedule": ["constant", "cosine", "onecycle", "step", "exponential"],
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-iter", type=int, nargs="+", default=[30, 200])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=2)
    args = p.parse_args(argv)
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    warnings.simplefilter("ignore")
    print(f"{'max_iter':>8} {'contender':>28} {'held-out accuracy (per seed)':>30} "
          f"{'mean':>6} {'CV scores < 0.6':>16} {'time':>6}")
    for max_iter in args.max_iter:
        rows = {}
        for seed in range(args.seeds):
            sk = make_pipeline(StandardScaler(),
                               sknn.MLPClassifier((32,), max_iter=max_iter, random_state=seed))
            tic = time.perf_counter()
            rows.setdefault("sklearn default", []).append(
                (sk.fit(Xtr, ytr).score(Xte, yte), 0, time.perf_counter() - tic))
            for lr in (0.001, "auto"):
                est = make_pipeline(StandardScaler(), skreg.MLPClassifier(
                    (32,), max_iter=max_iter, learning_rate_init=lr, random_state=seed))
                search = RandomizedSearchCV(est, SPACE, n_iter=12, cv=3, random_state=seed,
                                            n_jobs=args.n_jobs)
                tic = time.perf_counter()
                search.fit(Xtr, ytr)
                bad = int((search.cv_results_["mean_test_score"] < 0.6).sum())
                rows.setdefault(f"skreg search, lr={lr}", []).append(
                    (search.score(Xte, yte), bad, time.perf_counter() - tic))
        for name, rs in rows.items():
            accs = [r[0] for r in rs]
            print(f"{max_iter:>8} {name:>28} {' '.join(f'{a:.3f}' for a in accs):>30} "
                  f"{np.mean(accs):>6.3f} {sum(r[1] for r in rs):>10}/{12 * len(rs) if 'search' in name else 0:<5}"
                  f" {np.mean([r[2] for r in rs]):>5.1f}s")


if __name__ == "__main__":
    main()

"""``learning_rate_init='auto'`` against scikit-learn's default MLP on a
regression with an uncentred target.

diamonds' log price (10,000 stones, mean 7.8, standard deviation 1.0: the
mean lies 7.8 standard deviations from zero), standardised inputs, the raw
target, ``hidden_layer_sizes=(64, 64)``, 200 epochs; one fixed 70/30 split.
Every stochastic solver of skreg with 'auto' beside scikit-learn's
``MLPRegressor`` with its defaults (Adam at 0.001), seeds 0-2. "Matches"
is the rule of the tuning issues: skreg's mean is no lower than
scikit-learn's mean minus the larger standard deviation (and minus at
least 0.002).

    python benchmarks/uncentred.py [--seeds 3] [--dataset diamonds]
"""

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lr_cells import SOLVERS, split  # noqa: E402

from skreg import MLPRegressor  # noqa: E402


def one(dataset, who, seed, hidden, max_iter):
    warnings.simplefilter("ignore")
    Xtr, Xte, ytr, yte, task = split(dataset)
    assert task == "regression"
    if who == "sklearn":
        est = SkMLPRegressor(hidden_layer_sizes=hidden, max_iter=max_iter, random_state=seed)
    else:
        est = MLPRegressor(hidden_layer_sizes=hidden, solver=who, learning_rate_init="auto",
                           max_iter=max_iter, random_state=seed)
    tic = time.perf_counter()
    est.fit(Xtr, ytr)
    return who, seed, float(est.score(Xte, yte)), time.perf_counter() - tic, \
        getattr(est, "learning_rate_", 0.001)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--dataset", default="diamonds")
    p.add_argument("--hidden", default="64,64")
    p.add_argument("--max-iter", type=int, default=200)
    p.add_argument("--n-jobs", type=int, default=2)
    args = p.parse_args(argv)
    hidden = tuple(int(h) for h in args.hidden.split(","))
    _, _, ytr, _, _ = split(args.dataset)
    print(f"{args.dataset}: target mean {ytr.mean():.3g}, standard deviation {ytr.std():.3g}")
    whos = ["sklearn"] + SOLVERS
    out = Parallel(n_jobs=args.n_jobs)(delayed(one)(args.dataset, w, s, hidden, args.max_iter)
                                       for w in whos for s in range(args.seeds))
    res = {w: [o for o in out if o[0] == w] for w in whos}
    ref = np.array([o[2] for o in res["sklearn"]])
    print(f"{'model':>24} {'R2 mean ± sd':>16} {'rate (geo. mean)':>17} {'fit s':>7}  matches")
    for w in whos:
        s = np.array([o[2] for o in res[w]])
        rate = np.exp(np.mean(np.log([o[4] for o in res[w]])))
        fit = np.mean([o[3] for o in res[w]])
        name = "scikit-learn default" if w == "sklearn" else f"skreg {w} 'auto'"
        ok = s.mean() >= ref.mean() - max(s.std(), ref.std(), 0.002)
        print(f"{name:>24} {s.mean():>9.4f} ± {s.std():.4f} {rate:>17.3g} {fit:>7.1f}  "
              f"{'-' if w == 'sklearn' else ('yes' if ok else 'NO')}")


if __name__ == "__main__":
    main()

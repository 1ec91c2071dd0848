#!/usr/bin/env python
"""Where does a fit spend its time? cProfile over a few hundred mini-batches.

Run from the repository root::

    python benchmarks/profile_fit.py                       # d=20, (32,), float32, adam
    python benchmarks/profile_fit.py --features 100 --hidden 256 256
    python benchmarks/profile_fit.py --library sklearn     # the same for scikit-learn

It fits one network (make_classification data, 5 classes, batch 200, alpha=0,
BLAS limited to ``--threads`` threads) for as many epochs as needed to run
``--batches`` mini-batches, once without the profiler (wall time per
mini-batch) and once under cProfile, and prints the functions with the
largest own time ("tottime") and their cost per mini-batch. cProfile adds a
fixed cost to every Python-level call, so it overstates code that makes many
small calls; compare the per-batch numbers with the unprofiled wall time.
"""

import argparse
import cProfile
import io
import math
import os
import pstats
import sys
import time
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skreg import MLPClassifier as SkregMLP  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", choices=["skreg", "sklearn"], default="skreg")
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--hidden", type=int, nargs="+", default=[32])
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--solver", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--batches", type=int, default=200,
                        help="mini-batches to run (rounded up to whole epochs)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = make_classification(n_samples=args.samples, n_features=args.features,
                               n_informative=max(2, args.features // 2), n_redundant=0,
                               n_classes=5, random_state=0)
    X = X.astype(args.dtype)
    per_epoch = math.ceil(args.samples / args.batch_size)
    epochs = max(1, math.ceil(args.batches / per_epoch))
    n_batches = epochs * per_epoch
    cls = SkregMLP if args.library == "skreg" else SklearnMLP
    params = dict(hidden_layer_sizes=tuple(args.hidden), solver=args.solver, alpha=0.0,
                  batch_size=args.batch_size, max_iter=epochs, tol=0.0,
                  n_iter_no_change=epochs + 10, random_state=0)

    with threadpool_limits(limits=args.threads):
        cls(**dict(params, max_iter=1)).fit(X[:1000], y[:1000])  # warm-up
        tic = time.perf_counter()
        cls(**params).fit(X, y)
        wall = time.perf_counter() - tic
        profiler = cProfile.Profile()
        est = cls(**params)
        profiler.enable()
        est.fit(X, y)
        profiler.disable()

    print(f"{args.library}: {X.shape[0]}x{X.shape[1]} {tuple(args.hidden)} {args.dtype} "
          f"{args.solver}, batch {args.batch_size}, {epochs} epoch(s) = {n_batches} mini-batches")
    print(f"wall time without profiler: {1e6 * wall / n_batches:.0f} us per mini-batch "
          f"({1e3 * wall / epochs:.1f} ms per epoch)")
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = stats.total_tt
    print(f"under cProfile: {1e6 * total / n_batches:.0f} us per mini-batch\n")
    print(f"{'us/batch':>9} {'share':>6} {'calls/batch':>11}  function")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)
    for (filename, line, name), (cc, nc, tt, ct, callers) in rows[: args.top]:
        where = f"{os.path.basename(filename)}:{line}" if line else filename
        print(f"{1e6 * tt / n_batches:9.1f} {100 * tt / total:5.1f}% {nc / n_batches:11.2f}  "
              f"{name} ({where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

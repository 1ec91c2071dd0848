#!/usr/bin/env python
"""Time small-network fits under three ways of handling BLAS threads.

Run from the repository root::

    python benchmarks/blas_threads.py              # about a minute
    python benchmarks/blas_threads.py --repeats 9  # steadier medians

Variants, interleaved within every repeat on identical data:

``new``
    skreg as it is: one reference-counted process-wide limiter
    (``skreg._threads``), one BLAS thread while a small network trains.
``old``
    skreg 0.1.0's mechanism (commit f84869c): every small fit entered
    ``ThreadpoolController().limit(limits=1, user_api="blas")`` on its own.
    Not safe with concurrent fits (issue 14); timed here as the reference.
    Both use the same size policy (``skreg._threads.blas_threads_for``); the
    variant swaps what a small fit enters, ``skreg._threads.single_blas_thread``.
``off``
    ``SKREG_BLAS_THREADS=off``: fits never touch the thread settings and run
    with the process's BLAS threads (all cores unless limited).

Cases: fit of a 20000x20 problem with hidden (32,), adam; fit of digits
with hidden (64,); many short ``partial_fit`` calls on digits (where a fixed
cost per call shows); and 4 threads fitting 20000x20 (32,) at once (wall
time of all four), after which the script reports the BLAS thread counts the
process is left with. Before every timed run the process's BLAS threads are
put back to what they were at start, so one variant's leftovers cannot slow
the next. A last row times entering and leaving the mechanism alone (what
every fit and partial_fit call pays). Timings are medians, in milliseconds;
the ratios are what to read.
"""

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import ThreadpoolController, threadpool_info  # noqa: E402

import skreg  # noqa: E402
from skreg import MLPClassifier  # noqa: E402
from skreg import _threads  # noqa: E402

# A fit decides small or large with _threads.blas_threads_for(width, batch),
# which enters _threads.single_blas_thread() for a small one: the variants
# replace that module-level function, so they do not depend on where in
# skreg the size of a fit is worked out.
NEW = _threads.single_blas_thread
_OLD_CONTROLLER = None


@contextlib.contextmanager
def old_single_blas_thread():
    """What skreg 0.1.0 (f84869c) did around a small fit: its own limit."""
    global _OLD_CONTROLLER
    if _OLD_CONTROLLER is None:
        _OLD_CONTROLLER = ThreadpoolController()
    with _OLD_CONTROLLER.limit(limits=1, user_api="blas"):
        yield


@contextlib.contextmanager
def variant(name):
    if name == "old":
        _threads.single_blas_thread = old_single_blas_thread
    elif name == "off":
        os.environ["SKREG_BLAS_THREADS"] = "off"
    try:
        yield
    finally:
        _threads.single_blas_thread = NEW
        os.environ.pop("SKREG_BLAS_THREADS", None)


_LIBS = ThreadpoolController().select(user_api="blas").lib_controllers
_START = [lib.get_num_threads() for lib in _LIBS]


def reset_threads():
    from threadpoolctl import OpenBLASController

    for lib, n in zip(_LIBS, _START):
        getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


def blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def make_cases(epochs):
    X, y = make_classification(20000, 20, n_informative=10, n_classes=3, random_state=0)
    X = StandardScaler().fit_transform(X)
    D, t = load_digits(return_X_y=True)
    D = StandardScaler().fit_transform(D)

    def fit_20000():
        MLPClassifier(hidden_layer_sizes=(32,), max_iter=epochs, random_state=0).fit(X, y)

    def fit_digits():
        MLPClassifier(hidden_layer_sizes=(64,), max_iter=4 * epochs, random_state=0).fit(D, t)

    def partial_digits():
        est = MLPClassifier(hidden_layer_sizes=(64,), batch_size=32, random_state=0)
        classes = np.unique(t)
        for _ in range(epochs):
            for start in range(0, len(D), 64):  # 29 calls of 64 rows per pass
                est.partial_fit(D[start:start + 64], t[start:start + 64], classes=classes)

    def four_threads():
        threads = [threading.Thread(target=fit_20000) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()

    return {
        f"fit 20000x20 (32,) adam, {epochs} epochs": fit_20000,
        f"fit digits (64,) adam, {4 * epochs} epochs": fit_digits,
        f"partial_fit digits (64,), {29 * epochs} calls of 64 rows": partial_digits,
        f"4 threads x fit 20000x20 (32,), {epochs} epochs": four_threads,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    cases = make_cases(args.epochs)
    names = ["new", "old", "off"]
    print(f"skreg {skreg.__version__} from {os.path.dirname(skreg.__file__)}; "
          f"BLAS threads at start {blas_threads()}; cpus {os.cpu_count()}; "
          f"load {os.getloadavg()[0]:.2f}; repeats {args.repeats}")
    left = {}
    rows = []
    for case, run in cases.items():
        times = {n: [] for n in names}
        for r in range(args.repeats):
            order = names[r % 3:] + names[:r % 3]  # rotate who goes first
            for name in order:
                reset_threads()
                with variant(name):
                    t0 = time.perf_counter()
                    run()
                    times[name].append(time.perf_counter() - t0)
                    if case.startswith("4 threads"):
                        left.setdefault(name, []).append(blas_threads())
        med = {n: 1e3 * statistics.median(v) for n, v in times.items()}
        rows.append((case, med))
    # the mechanism's own cost: entering and leaving it for a (32,) network
    # with batches of 200, no training
    cost = {n: [] for n in names}
    for r in range(args.repeats):
        for name in names:
            reset_threads()
            with variant(name):
                t0 = time.perf_counter()
                for _ in range(1000):
                    with _threads.blas_threads_for(32, 200):
                        pass
                cost[name].append((time.perf_counter() - t0) / 1000)
    rows.append(("enter + leave the mechanism once (no fit)",
                 {n: 1e3 * statistics.median(v) for n, v in cost.items()}))
    reset_threads()
    w = max(len(c) for c, _ in rows)
    print(f"\n{'case':<{w}}  {'new ms':>8}  {'old ms':>8}  {'off ms':>8}  "
          f"{'old/new':>7}  {'off/new':>7}")
    for case, m in rows:
        fmt = "8.4f" if m["old"] < 1 else "8.1f"
        print(f"{case:<{w}}  {m['new']:{fmt}}  {m['old']:{fmt}}  {m['off']:{fmt}}  "
              f"{m['old'] / m['new']:7.2f}  {m['off'] / m['new']:7.2f}")
    print(f"\nBLAS threads left after the 4-thread runs (start {_START}):")
    for name in names:
        print(f"  {name}: {left.get(name)}")
    print(f"load at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

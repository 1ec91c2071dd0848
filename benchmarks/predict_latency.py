#!/usr/bin/env python
"""Prediction latency of a skreg model, its scikit-learn export and ONNX.

Run from the repository root::

    python benchmarks/predict_latency.py              # ~1 minute
    python benchmarks/predict_latency.py --quick      # a few seconds
    python benchmarks/predict_latency.py --format rst # the table of docs/deploying.rst

For a small (16 units) and a large (256, 256) network with batch
normalisation, fitted on scikit-learn's digits, the script times
``predict_proba`` on 1 row and on 10,000 rows (digits rows drawn with
replacement) for

* skreg: ``MLPClassifier.predict_proba`` (float64, unfolded batch norm);
* sklearn: the model exported with ``to_sklearn()`` (float64, folded);
* onnxruntime: the ONNX graph of ``skreg.onnx`` run by an
  ``InferenceSession`` on float32 input (one thread).

Repeats are interleaved (skreg, sklearn, onnx, skreg, ...) and the table
shows medians; a 1-row time is the mean of a loop of calls, so that the
timer's resolution does not matter. BLAS runs on one thread
(threadpoolctl). The script checks that the three give the same
probabilities (1e-5) before timing anything, and exits non-zero otherwise.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skreg  # noqa: E402
from skreg import MLPClassifier  # noqa: E402

NETWORKS = {"small (16,)": (16,), "large (256, 256)": (256, 256)}


def _timed(fn, loops):
    tic = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - tic) / loops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 repeats, fewer loops")
    parser.add_argument("--format", choices=["md", "rst"], default="md")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    loops_one = 20 if args.quick else 200

    import onnxruntime as rt
    from skl2onnx import to_onnx

    import skreg.onnx  # noqa: F401

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.RandomState(0)
    X_big = X[rng.randint(0, len(X), 10_000)]
    rows = {"1 row": X_big[:1], "10,000 rows": X_big}

    results = []  # (network, rows, {lib: median seconds})
    opts = rt.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    with threadpool_limits(limits=1, user_api="blas"):
        for net_name, hidden in NETWORKS.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = MLPClassifier(hidden, batch_norm=True, max_iter=5,
                                    random_state=0).fit(X, y)
            sk = est.to_sklearn()
            onx = to_onnx(est, X[:1].astype(np.float32), options={"zipmap": False})
            sess = rt.InferenceSession(onx.SerializeToString(), opts,
                                       providers=["CPUExecutionProvider"])
            inp = sess.get_inputs()[0].name
            for row_name, Xr in rows.items():
                X32 = Xr.astype(np.float32)
                ref = est.predict_proba(Xr)
                got = {"sklearn": sk.predict_proba(Xr),
                       "onnxruntime": sess.run(None, {inp: X32})[1]}
                for lib, p in got.items():
                    if not np.allclose(p, ref, rtol=1e-5, atol=1e-5):
                        print(f"{lib} differs from skreg on {net_name}, {row_name}",
                              file=sys.stderr)
                        return 1
                fns = {
                    "skreg": lambda: est.predict_proba(Xr),
                    "sklearn": lambda: sk.predict_proba(Xr),
                    "onnxruntime": lambda: sess.run(None, {inp: X32}),
                }
                loops = loops_one if len(Xr) == 1 else 1
                times = {lib: [] for lib in fns}
                for fn in fns.values():  # warm-up
                    fn()
                for _ in range(repeats):
                    for lib, fn in fns.items():  # interleaved
                        times[lib].append(_timed(fn, loops))
                results.append((net_name, row_name,
                                {lib: statistics.median(t) for lib, t in times.items()}))

    libs = ["skreg", "sklearn", "onnxruntime"]
    header = ["network", "rows"] + [f"{lib}" for lib in libs] + \
             ["sklearn / skreg", "onnx / skreg"]

    def fmt(s):
        return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"

    body = []
    for net_name, row_name, med in results:
        body.append([net_name, row_name] + [fmt(med[lib]) for lib in libs] + [
            f"{med['sklearn'] / med['skreg']:.2f}", f"{med['onnxruntime'] / med['skreg']:.2f}"])
    print(f"skreg {skreg.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, 1 thread, median of {repeats} interleaved repeats "
          f"(1-row times: mean of {loops_one} calls)\n")
    if args.format == "md":
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in body:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(header)]
        line = "  ".join("=" * w for w in widths)
        print(line)
        print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        print(line)
        for r in body:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

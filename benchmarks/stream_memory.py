"""Peak memory of a streamed fit versus loading everything and calling fit.

Writes a regression data set to disk (``--rows`` x ``--features`` float32,
200,000 x 50 = 40 MB by default), then trains an MLPRegressor for one epoch
in a fresh Python process per method:

* ``load+fit``      read the whole file into memory, then ``fit``;
* ``stream-memmap`` ``partial_fit_chunks`` over ``np.load(..., mmap_mode="r")``;
* ``stream-dask``   ``partial_fit_chunks`` over a dask array whose blocks
                    are read lazily from the file (``dask.delayed`` +
                    ``da.from_delayed``), one block per chunk;
* ``stream-read``   ``partial_fit_chunks`` over a generator that reads each
                    chunk from the file with ``np.fromfile`` (no mapping);
* ``dask-from_array`` the same over ``da.from_array(memmap)``: the pitfall.
                    Since dask 2024.12, ``from_array`` copies its input
                    (dask/dask#11850), i.e. reads the whole memmap into memory.

The dask methods are skipped when dask is absent.

Each method runs twice, in two fresh processes: once under ``tracemalloc``
(exact peak of the Python and numpy allocations made during training), once
without it, reporting the growth of the peak resident set size (``VmHWM``
in /proc/self/status after training minus before) and of the peak of the
anonymous (non file-backed) resident memory, ``RssAnon`` sampled every 2 ms
(Linux only). ``VmHWM`` rather than ``getrusage().ru_maxrss``: the latter
survives ``exec`` and so starts at the parent process's peak.

Usage::

    python benchmarks/stream_memory.py [--rows 200000] [--features 50]
                                       [--chunk 5000] [--dir /tmp]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

METHODS = ["load+fit", "stream-memmap", "stream-dask", "stream-read", "dask-from_array"]
MB = 2**20


def make_data(directory, rows, features, seed=0):
    """Write X (float32, .npy) and y (float32, .npy) chunk by chunk."""
    rng = np.random.RandomState(seed)
    w = rng.normal(size=features).astype(np.float32)
    X = np.lib.format.open_memmap(os.path.join(directory, "X.npy"), mode="w+",
                                  dtype=np.float32, shape=(rows, features))
    y = np.lib.format.open_memmap(os.path.join(directory, "y.npy"), mode="w+",
                                  dtype=np.float32, shape=(rows,))
    for a in range(0, rows, 10_000):
        b = min(a + 10_000, rows)
        Xc = rng.normal(size=(b - a, features)).astype(np.float32)
        X[a:b] = Xc
        y[a:b] = np.tanh(Xc @ w / np.sqrt(features)) + 0.1 * rng.normal(size=b - a)
    X.flush()
    y.flush()
    del X, y


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class AnonSampler(threading.Thread):
    """Peak of RssAnon (resident memory not backed by a file), sampled."""

    def __init__(self, period=0.002):
        super().__init__(daemon=True)
        self.period = period
        self.peak = 0
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak = max(self.peak, _status_kb("RssAnon"))
            time.sleep(self.period)

    def stop(self):
        self._done.set()
        self.join()
        self.peak = max(self.peak, _status_kb("RssAnon"))


def run_one(method, directory, chunk, trace):
    """Train with one method in this (fresh) process; return measurements."""
    from skreg import MLPRegressor
    from skreg.streaming import partial_fit_chunks

    if method.startswith(("stream-dask", "dask")):
        import dask
        import dask.array as da

        dask.config.set(scheduler="synchronous")

    est = MLPRegressor(hidden_layer_sizes=(32,), batch_size=200, max_iter=1,
                       learning_rate_init=1e-3, random_state=0)
    x_path = os.path.join(directory, "X.npy")
    y_path = os.path.join(directory, "y.npy")
    X_map = np.load(x_path, mmap_mode="r")
    y_map = np.load(y_path, mmap_mode="r")
    rows, features = X_map.shape
    # a small in-memory sample to score the trained model
    X_eval, y_eval = np.array(X_map[:2000]), np.array(y_map[:2000])

    # warm-up on the small sample, through the same code path, so that the
    # modules imported on first use are not counted as training memory
    warm = MLPRegressor(hidden_layer_sizes=(4,), max_iter=1)
    if method == "load+fit":
        warm.fit(X_eval, y_eval)
    elif method.startswith(("stream-dask", "dask")):
        partial_fit_chunks(warm, da.from_array(X_eval, chunks=(500, -1)),
                           da.from_array(y_eval, chunks=500))
        partial_fit_chunks(warm, lazy_npy(x_path, 500, 1000), lazy_npy(y_path, 500, 1000))
    else:
        partial_fit_chunks(warm, X_eval, y_eval, chunk_size=500)
    del warm

    if trace:
        import tracemalloc

        tracemalloc.start()
    anon0 = _status_kb("RssAnon")
    sampler = AnonSampler()
    sampler.start()
    hwm0 = _status_kb("VmHWM")
    tic = time.perf_counter()

    if method == "load+fit":
        X = np.load(x_path)  # the whole array in memory
        y = np.load(y_path)
        est.fit(X, y)
    elif method == "stream-memmap":
        partial_fit_chunks(est, X_map, y_map, chunk_size=chunk)
    elif method == "stream-dask":
        partial_fit_chunks(est, lazy_npy(x_path, chunk), lazy_npy(y_path, chunk))
    elif method == "dask-from_array":
        Xd = da.from_array(X_map, chunks=(chunk, -1))
        yd = da.from_array(y_map, chunks=chunk)
        partial_fit_chunks(est, Xd, yd)
    elif method == "stream-read":
        def chunks():
            with open(x_path, "rb") as fx, open(y_path, "rb") as fy:
                _skip_npy_header(fx)
                _skip_npy_header(fy)
                for a in range(0, rows, chunk):
                    m = min(chunk, rows - a)
                    # the files are positioned after their headers: read on.
                    # Yield without keeping local names, so that the previous
                    # chunk is freed before the next one is read.
                    yield (np.fromfile(fx, np.float32, m * features).reshape(m, features),
                           np.fromfile(fy, np.float32, m))

        partial_fit_chunks(est, chunks)
    else:
        raise ValueError(method)

    seconds = time.perf_counter() - tic
    hwm1 = _status_kb("VmHWM")
    sampler.stop()
    out = {
        "method": method,
        "seconds": seconds,
        "hwm_delta_mb": (hwm1 - hwm0) / 1024,  # /proc reports KiB
        "anon_peak_delta_mb": (sampler.peak - anon0) / 1024,
        "r2_on_sample": float(est.score(X_eval, y_eval)),
        "n_iter": int(est.n_iter_),
    }
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return out


def _skip_npy_header(f):
    """Move the file f to the start of the data of an .npy file."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        np.lib.format.read_array_header_1_0(f)
    else:
        np.lib.format.read_array_header_2_0(f)


def lazy_npy(path, chunk, rows=None):
    """A dask array over (the first ``rows`` rows of) an .npy file, each
    block read from the file when it is computed."""
    import dask
    import dask.array as da

    mm = np.load(path, mmap_mode="r")
    shape, dtype = mm.shape, mm.dtype
    del mm
    if rows is not None:
        shape = (rows,) + shape[1:]

    @dask.delayed
    def block(a, b):
        return np.load(path, mmap_mode="r")[a:b]

    return da.concatenate([
        da.from_delayed(block(a, min(a + chunk, shape[0])),
                        shape=(min(a + chunk, shape[0]) - a,) + shape[1:], dtype=dtype)
        for a in range(0, shape[0], chunk)
    ])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=5_000)
    parser.add_argument("--dir", default=None, help="where to write the data")
    parser.add_argument("--child", nargs=4, metavar=("METHOD", "DIR", "CHUNK", "TRACE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        method, directory, chunk, trace = args.child
        print(json.dumps(run_one(method, directory, int(chunk), trace == "1")))
        return

    directory = tempfile.mkdtemp(prefix="skreg-stream-", dir=args.dir)
    try:
        make_data(directory, args.rows, args.features)
        data_mb = args.rows * args.features * 4 / MB
        chunk_mb = args.chunk * args.features * 4 / MB
        print(f"data: {args.rows} x {args.features} float32 = {data_mb:.1f} MiB on disk; "
              f"chunk: {args.chunk} rows = {chunk_mb:.2f} MiB")
        try:
            import dask.array  # noqa: F401
            methods = METHODS
        except ImportError:
            methods = [m for m in METHODS if "dask" not in m]
        header = (f"{'method':<17}{'tracemalloc peak':>18}{'VmHWM growth':>18}"
                  f"{'RssAnon peak growth':>21}{'time':>8}{'R^2':>8}")
        print(header)
        print("-" * len(header))
        for method in methods:
            traced, res = (
                json.loads(subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "--child", method,
                     directory, str(args.chunk), trace],
                    check=True, capture_output=True, text=True).stdout)
                for trace in ("1", "0"))
            res["tracemalloc_peak_mb"] = traced["tracemalloc_peak_mb"]
            print(f"{method:<17}{res['tracemalloc_peak_mb']:>14.1f} MiB"
                  f"{res['hwm_delta_mb']:>14.1f} MiB{res['anon_peak_delta_mb']:>17.1f} MiB"
                  f"{res['seconds']:>7.1f}s{res['r2_on_sample']:>8.3f}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

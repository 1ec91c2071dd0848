#!/usr/bin/env python
"""Train skreg and scikit-learn MLPs side by side and compare their speed.

Run from the repository root::

    python benchmarks/bench.py                 # full grid, a few minutes
    python benchmarks/bench.py --quick         # tiny sizes, for CI (< 30 s)
    python benchmarks/bench.py --format rst --update-docs docs/performance.rst

What is measured (see ``--help`` and docs/performance.rst):

* for every case of a grid (samples, features, hidden layers, dtype, solver,
  batch size): median time per epoch of ``fit`` for each library, repeats
  interleaved (skreg, sklearn, skreg, sklearn, ...) on identical data and
  identical hyper-parameters, the speed-up, skreg's arithmetic rate in
  GFLOP/s and its share of the GEMM rate measured in the same run, and the
  peak memory of ``fit`` (tracemalloc);
* the training loss of both libraries epoch by epoch on one case, so a reader
  can see that both do the same work;
* time-to-accuracy on the digits data set: training wall time until a
  held-out accuracy target is reached, one ``partial_fit`` epoch at a time.

The script exits with a non-zero status when anything fails (a library
raises, runs the wrong number of epochs, trains in the wrong dtype, or
produces a non-finite loss), so CI can run ``--quick`` to keep it working.
Timings are never judged here.
"""

import argparse
import datetime
import gc
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from dataclasses import asdict, dataclass

# Benchmark the checkout this file lives in, even when another skreg is
# installed: put the repository root first on the import path.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SklearnMLP  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import skreg  # noqa: E402
from skreg import MLPClassifier as SkregMLP  # noqa: E402

LIBRARIES = {"skreg": SkregMLP, "sklearn": SklearnMLP}
# Parameters only one library has. scikit-learn draws weights (and biases)
# from Glorot's uniform distribution; skreg's default for relu is He, so ask
# for Glorot's (skreg's biases start at zero).
EXTRA_PARAMS = {"skreg": {"init": "xavier_uniform"}, "sklearn": {}}
N_CLASSES = 5
MIB = 2.0**20


# --------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One benchmark configuration."""

    n_samples: int
    n_features: int
    hidden: tuple
    dtype: str
    solver: str = "adam"
    batch_size: int = 200

    @property
    def network(self):
        return f"{self.n_samples}x{self.n_features} {self.hidden}"

    def layer_units(self):
        return [self.n_features, *self.hidden, N_CLASSES]

    def flops_per_epoch(self):
        """Matrix-product flops of one epoch (forward + backward).

        A product of (n x a) by (a x b) costs 2*n*a*b flops. Per layer:
        forward Z = H W (1 product), backward dW = H^T delta (1 product) and,
        except for the first layer, the error passed down, delta W^T
        (1 product). Element-wise work is not counted.
        """
        units = self.layer_units()
        total = 0
        for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
            products = 2 if i == 0 else 3
            total += products * 2 * self.n_samples * fan_in * fan_out
        return total


def full_grid():
    cases = []
    for n_features, hidden in [(20, (32,)), (50, (100,)), (100, (256, 256))]:
        for dtype in ("float32", "float64"):
            cases.append(Case(20000, n_features, hidden, dtype))
    # mini-batch SGD with Nesterov momentum, on the network where per-batch
    # overhead dominates
    cases.append(Case(20000, 20, (32,), "float32", solver="sgd"))
    return cases


def quick_grid():
    return [
        Case(2000, 20, (32,), "float32"),
        Case(2000, 20, (16, 16), "float64", solver="sgd"),
    ]


def make_data(case, seed):
    """Identical data for both libraries: make_classification with a fixed seed."""
    X, y = make_classification(
        n_samples=case.n_samples,
        n_features=case.n_features,
        n_informative=max(2, case.n_features // 2),
        n_redundant=0,
        n_classes=N_CLASSES,
        random_state=seed,
    )
    return X.astype(case.dtype), y


def estimator_params(case, epochs, seed):
    """The same hyper-parameters for both libraries.

    alpha=0 makes the two objectives identical (skreg does not divide alpha
    by the batch size, scikit-learn does); tol=0 with a patience longer than
    the run makes both train exactly ``epochs`` epochs.
    """
    params = dict(
        hidden_layer_sizes=case.hidden,
        activation="relu",
        solver=case.solver,
        alpha=0.0,
        batch_size=case.batch_size,
        learning_rate="constant",
        learning_rate_init=1e-3 if case.solver == "adam" else 1e-2,
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=epochs + 10,
        early_stopping=False,
    )
    if case.solver == "sgd":
        params.update(momentum=0.9, nesterovs_momentum=True)
    return params


def check_fit(lib, est, case, epochs):
    """Fail loudly when a fit did not do the work we are timing."""
    if est.n_iter_ != epochs:
        raise RuntimeError(f"{lib} ran {est.n_iter_} epochs instead of {epochs} on {case}")
    if est.coefs_[0].dtype != np.dtype(case.dtype):
        raise RuntimeError(f"{lib} trained in {est.coefs_[0].dtype}, expected {case.dtype}")
    if not np.all(np.isfinite(est.loss_curve_)):
        raise RuntimeError(f"{lib} produced a non-finite loss on {case}: {est.loss_curve_}")


# ------------------------------------------------------------------- timing
def time_case(case, *, epochs, repeats, seed, threads, gemm_shape):
    """Interleaved fits and GEMM measurements.

    Each repeat fits skreg, then scikit-learn, then measures the GEMM rate
    (so a change of machine load hits all three alike). Returns
    ``({lib: [seconds per epoch, ...]}, [GEMM GFLOP/s, ...], loss curves of
    the last repeat)``."""
    X, y = make_data(case, seed)
    params = estimator_params(case, epochs, seed)
    times = {lib: [] for lib in LIBRARIES}
    gemm = []
    curves = {}
    for _ in range(repeats):
        for lib, cls in LIBRARIES.items():  # skreg, sklearn, skreg, sklearn, ...
            est = cls(**params, **EXTRA_PARAMS[lib])
            gc.collect()
            with threadpool_limits(limits=threads):
                tic = time.perf_counter()
                est.fit(X, y)
                elapsed = time.perf_counter() - tic
            check_fit(lib, est, case, epochs)
            times[lib].append(elapsed / est.n_iter_)
            curves[lib] = [float(v) for v in est.loss_curve_]
        gemm += gemm_rates(case.dtype, *gemm_shape, threads, blocks=3)
    return times, gemm, curves


def gemm_rates(dtype, batch, width, threads, *, block_seconds=0.05, blocks=3):
    """GFLOP/s of np.matmul on the three products of a (width x width) layer
    with ``batch`` rows: forward H W, weight gradient H^T D and back-propagated
    error D W^T, with BLAS limited to ``threads`` threads. One rate per block
    of about ``block_seconds``."""
    rng = np.random.default_rng(0)
    H = rng.standard_normal((batch, width)).astype(dtype)
    D = rng.standard_normal((batch, width)).astype(dtype)
    W = rng.standard_normal((width, width)).astype(dtype)
    out_bw = np.empty((batch, width), dtype=dtype)
    out_ww = np.empty((width, width), dtype=dtype)
    products = [(H, W, out_bw), (H.T, D, out_ww), (D, W.T, out_bw)]
    flops = len(products) * 2 * batch * width * width
    with threadpool_limits(limits=threads, user_api="blas"):

        def run(reps):
            tic = time.perf_counter()
            for _ in range(reps):
                for a, b, out in products:
                    np.matmul(a, b, out=out)
            return time.perf_counter() - tic

        run(3)  # warm up (BLAS buffers, thread pool)
        reps = 1
        while run(reps) < block_seconds / 4:
            reps *= 2
        reps = max(1, int(reps * block_seconds / max(run(reps), 1e-9)))
        return [flops * reps / run(reps) / 1e9 for _ in range(blocks)]


# ------------------------------------------------------------------- memory
def peak_memory(cases, libs, epochs, seed, threads):
    """tracemalloc peak (bytes) of one fit per library and case, in this
    process: ``{lib: [peak of each case]}``.

    Before each traced fit, a small fit of the same estimator imports
    whatever ``fit`` imports lazily, so the peak is that of training, not of
    module loading; the data are created before tracing starts. numpy
    registers its buffers with tracemalloc; memory that BLAS allocates for
    itself is not seen.
    """
    peaks = {lib: [] for lib in libs}
    for case in cases:
        X, y = make_data(case, seed)
        for lib in libs:
            cls = LIBRARIES[lib]
            params = dict(estimator_params(case, epochs, seed), **EXTRA_PARAMS[lib])
            warm = dict(params, max_iter=1, n_iter_no_change=11)
            cls(**warm).fit(X[: 2 * case.batch_size], y[: 2 * case.batch_size])
            est = cls(**params)
            gc.collect()
            with threadpool_limits(limits=threads):
                tracemalloc.start()
                try:
                    est.fit(X, y)
                    peaks[lib].append(tracemalloc.get_traced_memory()[1])
                finally:
                    tracemalloc.stop()
            check_fit(lib, est, case, epochs)
    return peaks


def peak_memory_subprocess(cases, epochs, seed, threads):
    """The same measurement with one fresh interpreter per library, so that
    nothing the other library (or the timing runs) allocated or imported
    interferes."""
    peaks = {}
    for lib in LIBRARIES:
        job = json.dumps({"cases": [asdict(c) for c in cases], "lib": lib,
                          "epochs": epochs, "seed": seed, "threads": threads})
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--memory-child", job],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory measurement of {lib} failed:\n{proc.stderr}")
        peaks[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
    return peaks


def memory_child(job):
    """Entry point of the subprocess started by peak_memory_subprocess."""
    warnings.simplefilter("ignore", ConvergenceWarning)
    spec = json.loads(job)
    cases = [Case(c["n_samples"], c["n_features"], tuple(c["hidden"]), c["dtype"],
                  c["solver"], c["batch_size"]) for c in spec["cases"]]
    lib = spec["lib"]
    peaks = peak_memory(cases, [lib], spec["epochs"], spec["seed"], spec["threads"])
    print(json.dumps(peaks[lib]))


# ---------------------------------------------------------- time to accuracy
def time_to_accuracy(*, target, max_epochs, runs, seed, threads, hidden):
    """Training wall time (held-out scoring excluded) until the held-out
    accuracy on digits reaches ``target``, one partial_fit epoch at a time.

    Run ``r`` uses ``random_state=seed + r`` for both libraries: the epochs
    needed depend on the random start as much as on the library, so one seed
    says little; the split of the data is the same for every run."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    classes = np.unique(y)
    params = dict(hidden_layer_sizes=hidden, activation="relu", solver="adam",
                  alpha=0.0, batch_size=200, learning_rate_init=1e-3,
                  shuffle=True, max_iter=max_epochs)
    results = {lib: [] for lib in LIBRARIES}
    for r in range(runs):
        for lib, cls in LIBRARIES.items():
            est = cls(**params, **EXTRA_PARAMS[lib], random_state=seed + r)
            train_time, acc, epochs = 0.0, 0.0, 0
            gc.collect()
            with threadpool_limits(limits=threads):
                while epochs < max_epochs and acc < target:
                    tic = time.perf_counter()
                    est.partial_fit(X_train, y_train, classes=classes)
                    train_time += time.perf_counter() - tic
                    epochs += 1
                    acc = est.score(X_test, y_test)
            # (scikit-learn resets n_iter_ to 0 in every partial_fit; both
            # libraries append one loss per epoch to loss_curve_)
            if len(est.loss_curve_) != epochs:
                raise RuntimeError(f"{lib}: {len(est.loss_curve_)} losses recorded "
                                   f"after {epochs} partial_fit calls")
            results[lib].append((train_time, epochs, acc, acc >= target))
    return results


# ------------------------------------------------------------------- output
class Writer:
    """Minimal Markdown / reStructuredText emitter."""

    def __init__(self, fmt):
        self.fmt = fmt
        self.lines = []

    def heading(self, text):
        if self.fmt == "rst":
            self.lines += [f".. rubric:: {text}", ""]
        else:
            self.lines += [f"### {text}", ""]

    def text(self, text):
        self.lines += [text, ""]

    def code(self, text):
        return f"``{text}``" if self.fmt == "rst" else f"`{text}`"

    def bullets(self, items):
        self.lines += [f"- {item}" for item in items] + [""]

    def table(self, header, rows):
        rows = [[str(c) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        if self.fmt == "rst":
            rule = "  ".join("=" * w for w in widths)
            fmt_row = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
            self.lines += [rule, fmt_row(header), rule, *map(fmt_row, rows), rule, ""]
        else:
            fmt_row = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
            sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
            self.lines += [fmt_row(header), sep, *map(fmt_row, rows), ""]

    def render(self):
        return "\n".join(self.lines).rstrip() + "\n"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_summary(code):
    """One line per thread pool loaded by numpy, scipy and scikit-learn."""
    out = []
    for info in sorted(threadpool_info(), key=lambda i: i["filepath"]):
        parts = [info.get("internal_api", "?"), str(info.get("version"))]
        if info.get("architecture"):
            parts.append(f"kernel {info['architecture']}")
        if info.get("threading_layer"):
            parts.append(info["threading_layer"])
        parts.append(f"{info.get('num_threads')} threads by default")
        if "numpy" in info["filepath"]:
            parts.append("numpy's BLAS: runs the matrix products of both libraries")
        out.append(f"{code(os.path.basename(info['filepath']))}: {', '.join(parts)}")
    return out


def skreg_location(code):
    """Where skreg was imported from: this checkout, or another path."""
    where = os.path.dirname(os.path.abspath(skreg.__file__))
    if where == os.path.join(REPO_ROOT, "skreg"):
        return f"this checkout's {code('skreg/')}"
    return code(where)


def skreg_revision():
    """Commit of the checkout being measured, and whether skreg/ has
    uncommitted changes (the benchmark measures the working tree)."""
    try:
        def git(*cmd):
            return subprocess.run(["git", "-C", REPO_ROOT, *cmd], capture_output=True,
                                  text=True, check=True, timeout=10).stdout.strip()
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "skreg")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return rev + (" with uncommitted changes in skreg/" if dirty else "")


def load_average():
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (OSError, AttributeError):  # not available on this platform
        return "n/a"


def fmt_ms(seconds):
    return f"{1e3 * seconds:.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Side-by-side training speed of skreg and scikit-learn MLPClassifier.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, 2 epochs, 1 repeat: checks the script works (CI)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads during every fit and GEMM (default 1)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="interleaved fits per library and case (default 3, quick 1)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per fit (default 5, quick 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory", choices=["subprocess", "inprocess", "none"],
                        default="subprocess",
                        help="peak memory of fit with tracemalloc: in one fresh interpreter per "
                             "library (default), in this process, or not at all")
    parser.add_argument("--memory-epochs", type=int, default=1,
                        help="epochs of the (traced, hence slow) memory fits (default 1)")
    parser.add_argument("--target", type=float, default=None,
                        help="held-out accuracy target on digits (default 0.95, quick 0.9)")
    parser.add_argument("--tta-runs", type=int, default=None,
                        help="time-to-accuracy runs per library, one seed each "
                             "(default 7, quick 1)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="epoch cap of the time-to-accuracy runs (default 200, quick 50)")
    parser.add_argument("--format", choices=["markdown", "rst"], default="markdown")
    parser.add_argument("--output", metavar="FILE", help="also write the report to FILE")
    parser.add_argument("--json", metavar="FILE", help="write raw timings to FILE")
    parser.add_argument("--update-docs", metavar="RST",
                        help="replace the text between the BEGIN/END BENCHMARK OUTPUT "
                             "comments of RST with the report (use with --format rst)")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    for name in ("threads", "repeats", "epochs", "memory_epochs", "max_epochs", "tta_runs"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    quick = args.quick
    repeats = args.repeats or (1 if quick else 3)
    epochs = args.epochs or (2 if quick else 5)
    target = args.target or (0.9 if quick else 0.95)
    max_epochs = args.max_epochs or (50 if quick else 200)
    tta_runs = args.tta_runs or (1 if quick else 7)
    cases = quick_grid() if quick else full_grid()
    if args.update_docs and args.format != "rst":
        parser.error("--update-docs needs --format rst")
    warnings.simplefilter("ignore", ConvergenceWarning)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    load_start = load_average()
    # warm-up: first fits pay for lazy imports and BLAS initialisation
    X0, y0 = make_data(Case(400, 8, (8,), "float64"), args.seed)
    for cls in LIBRARIES.values():
        cls(hidden_layer_sizes=(8,), max_iter=1).fit(X0, y0)

    # GEMM reference: the products of the widest layer of the grid
    width = max(max(c.hidden) for c in cases)
    batch = max(c.batch_size for c in cases)

    results = []
    curve_case = cases[2] if len(cases) > 2 else cases[0]
    curves = None
    for case in cases:
        log(f"timing {case} ...")
        times, gemm, case_curves = time_case(case, epochs=epochs, repeats=repeats,
                                             seed=args.seed, threads=args.threads,
                                             gemm_shape=(batch, width))
        if case == curve_case:
            curves = case_curves
        results.append((case, times, statistics.median(gemm)))

    if args.memory == "subprocess":
        log("peak memory (one subprocess per library) ...")
        peaks = peak_memory_subprocess(cases, args.memory_epochs, args.seed, args.threads)
    elif args.memory == "inprocess":
        log("peak memory ...")
        peaks = peak_memory(cases, list(LIBRARIES), args.memory_epochs, args.seed,
                            args.threads)
    else:
        peaks = None

    log("time to accuracy on digits ...")
    hidden_digits = (32,) if quick else (100,)
    tta = time_to_accuracy(target=target, max_epochs=max_epochs, runs=tta_runs,
                           seed=args.seed, threads=args.threads, hidden=hidden_digits)

    load_end = load_average()

    # ---------------------------------------------------------------- report
    w = Writer(args.format)
    command = "python " + " ".join(
        shlex.quote(a) for a in [os.path.relpath(__file__, os.getcwd()), *sys.argv[1:]])
    blas_vars = ", ".join(f"{v}={os.environ[v]}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                          if v in os.environ) or "none"
    w.heading("Set-up")
    w.bullets([
        f"Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"Command: {w.code(command)}",
        f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} "
        f"{platform.release()}",
        f"Load average (1 min) at start / end of the run: {load_start} / {load_end} "
        "(other processes share these CPUs)",
        f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, skreg {skreg.__version__} from {skreg_location(w.code)} "
        f"(commit {skreg_revision()})",
        f"Threads during fits and GEMM: {args.threads} ({w.code('threadpoolctl.threadpool_limits')})",
        f"{w.code('OPENBLAS_CORETYPE')} / {w.code('OPENBLAS_L2_SIZE')} set: {blas_vars}",
        *[f"Thread pool: {line}" for line in blas_summary(w.code)],
        f"Each fit: {epochs} epochs, relu, alpha=0, tol=0, shuffle=True, batch as listed, "
        f"skreg {w.code('init=xavier_uniform')} (scikit-learn's weight distribution), "
        f"{repeats} interleaved repeat(s) per library; times are medians of "
        f"{w.code('fit time / n_iter_')}",
    ])

    w.heading("Median epoch time, speed-up, arithmetic rate and peak memory")
    header = ["network (n x d, hidden)", "dtype", "solver", "batch",
              "skreg ms/epoch", "sklearn ms/epoch", "speed-up",
              "skreg GFLOP/s", "GEMM GFLOP/s", "share of GEMM",
              "skreg peak MiB", "sklearn peak MiB"]
    rows, raw = [], []
    for c, (case, times, gemm) in enumerate(results):
        t_skreg = statistics.median(times["skreg"])
        t_sklearn = statistics.median(times["sklearn"])
        gflops = case.flops_per_epoch() / t_skreg / 1e9
        rows.append([
            case.network, case.dtype, case.solver, case.batch_size,
            fmt_ms(t_skreg), fmt_ms(t_sklearn), f"{t_sklearn / t_skreg:.2f}x",
            f"{gflops:.1f}", f"{gemm:.1f}", f"{100 * gflops / gemm:.0f}%",
            f"{peaks['skreg'][c] / MIB:.2f}" if peaks else "-",
            f"{peaks['sklearn'][c] / MIB:.2f}" if peaks else "-",
        ])
        raw.append({"case": asdict(case), "epoch_seconds": times, "gemm_gflops": gemm,
                    "peak_bytes": {lib: p[c] for lib, p in peaks.items()} if peaks else None,
                    "flops_per_epoch": case.flops_per_epoch()})
    w.table(header, rows)
    mem_note = {
        "subprocess": "a fresh interpreter per library, after a warm-up fit",
        "inprocess": "the benchmark's process, after a warm-up fit",
        "none": "not measured",
    }[args.memory]
    w.text(
        f"GEMM: median rate of {w.code('np.matmul')} on the three products of a "
        f"({batch} x {width}) @ ({width} x {width}) layer (forward, weight gradient, "
        f"back-propagated error) with {args.threads} BLAS thread(s), measured after each "
        "repeat of the case's fits (median). "
        "GFLOP/s counts only the matrix products of an epoch (forward and backward: "
        f"{w.code('2 * n * fan_in * fan_out')} each; the first layer has no back-propagated "
        "error). "
        f"Peak memory: tracemalloc peak during fit ({args.memory_epochs} epoch(s)) in "
        f"{mem_note}; numpy buffers are traced, BLAS-internal buffers are not."
    )

    w.heading(f"Training loss per epoch, {curve_case.network}, {curve_case.dtype}, "
              f"{curve_case.solver}")
    w.table(["epoch", "skreg loss", "sklearn loss"],
            [[i + 1, f"{a:.4f}", f"{b:.4f}"]
             for i, (a, b) in enumerate(zip(curves["skreg"], curves["sklearn"]))])
    w.text("Same data, objective (mean log-loss, alpha=0), optimizer and batches per epoch; "
           "both draw weights from Glorot's uniform distribution (skreg with "
           f"{w.code('init=xavier_uniform')}); the curves differ a little because the random draws, "
           "the initial biases (scikit-learn: uniform, skreg: zero) and the shuffles differ.")

    w.heading(f"Time to {target:.0%} held-out accuracy on digits")
    rows = []
    for lib, runs in tta.items():
        reached = sum(r[3] for r in runs)
        rows.append([
            lib,
            fmt_ms(statistics.median(r[0] for r in runs)),
            f"{statistics.median(r[1] for r in runs):g}",
            f"{min(r[1] for r in runs)}-{max(r[1] for r in runs)}",
            fmt_ms(statistics.median(r[0] / r[1] for r in runs)),
            f"{reached}/{len(runs)}",
        ])
    w.table(["library", "train ms to target", "epochs", "epochs (min-max)",
             "ms/epoch", "runs reaching target"], rows)
    w.text(f"{w.code('load_digits')}, {w.code('StandardScaler')}, 25% held out "
           f"(stratified), hidden {hidden_digits}, adam, lr 1e-3, batch 200, alpha=0; one "
           f"{w.code('partial_fit')} per epoch (cap {max_epochs}), held-out scoring not "
           f"timed. Medians over {tta_runs} run(s) with seeds {args.seed} to "
           f"{args.seed + tta_runs - 1}, libraries interleaved; a run that never reaches "
           "the target counts with its time and epochs at the cap.")

    report = w.render()
    sys.stdout.write(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cases": raw, "curves": curves,
                       "time_to_accuracy": tta}, f, indent=1)
    if args.update_docs:
        update_docs(args.update_docs, report)
    return 0


BEGIN = ".. BEGIN BENCHMARK OUTPUT"
END = ".. END BENCHMARK OUTPUT"


def update_docs(path, report):
    """Replace the report between the BEGIN/END comments of an rst page."""
    with open(path) as f:
        page = f.read()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(page):
        raise RuntimeError(f"{path} has no '{BEGIN}' ... '{END}' block")
    page = pattern.sub(lambda _: f"{BEGIN}\n\n{report}\n{END}", page, count=1)
    with open(path, "w") as f:
        f.write(page)


if __name__ == "__main__":
    sys.exit(main())

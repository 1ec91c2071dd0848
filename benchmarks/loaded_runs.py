#!/usr/bin/env python
"""Run a pytest command several times while another process keeps the CPUs
busy with BLAS work, and count the runs that pass.

Run from the repository root::

    python benchmarks/loaded_runs.py --runs 20 -- tests/test_threads.py tests/test_concurrency_persistence.py
    python benchmarks/loaded_runs.py --runs 2 -- tests

Everything after ``--`` is passed to ``python -m pytest`` unchanged (default:
``tests``). The load is one separate Python process multiplying 512 x 512
float64 matrices in a loop with ``--load-threads`` OpenBLAS threads (default:
one per CPU), so every core is busy all the time, the way another program
on the same machine would keep it. It is started before the first run,
checked to be alive before every run, and always stopped at the end, on a
failure, on Ctrl-C and on SIGTERM too; it also stops by itself if this script
is killed outright.

One line is printed per run (pass or fail, duration, pytest's summary line)
and the full output of every run is kept in ``--log-dir`` (default: a new
temporary folder, named at the start). The last line reads
``N passed, M failed runs``; the exit status is 0 when every run passed.
"""

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The load: runs until terminated, or until its parent is gone. Prints
# "ready" once BLAS is working, and how much it did when it stops.
_LOAD = r"""
import os, signal, sys, time
parent = int(sys.argv[1])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the runner stops us
import numpy as np
a = np.random.RandomState(0).rand(512, 512)
b = a.copy()
count, start = 0, time.perf_counter()
try:
    a @ b
    print("ready", flush=True)
    while os.getppid() == parent:
        for _ in range(20):
            np.matmul(a, b, out=b)
            b *= 1e-3  # keep the numbers finite
        count += 20
finally:
    wall = time.perf_counter() - start
    t = os.times()
    cpu = t.user + t.system
    print(f"{count} matmuls, {cpu:.0f} CPU-s in {wall:.0f} s "
          f"({cpu / max(wall, 1e-9):.2f} cores busy)", flush=True)
"""


class Load:
    """The background BLAS load, as a context manager that always stops it."""

    def __init__(self, threads):
        self.threads = threads
        self.proc = None
        self.report = ""

    def __enter__(self):
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(self.threads)
        # its own session: a Ctrl-C in the terminal reaches the runner, which
        # then stops the load itself (and reports what it did)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LOAD, str(os.getpid())], env=env,
            stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            line = self.proc.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"the load process did not start (said {line!r})")
        except BaseException:
            self.stop()
            raise
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.report = proc.stdout.read().strip()
        proc.stdout.close()

    def __exit__(self, *exc):
        self.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _summary_line(output):
    """pytest's last line ("3 passed in 4.5s"), without the ==== frame."""
    lines = [line.strip(" =") for line in output.splitlines() if line.strip(" =")]
    return lines[-1] if lines else "(no output)"


def _failures(output, most=3):
    """The first FAILED/ERROR lines of pytest's short summary."""
    found = [line for line in output.splitlines()
             if line.startswith(("FAILED ", "ERROR "))]
    more = f" (+{len(found) - most} more)" if len(found) > most else ""
    return "; ".join(found[:most]) + more


def _tested_skreg(env):
    """Which skreg the runs import (PYTHONPATH or the installed one)."""
    out = subprocess.run([sys.executable, "-c", "import skreg; print(skreg.__file__)"],
                         env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    return out.stdout.strip() or f"(import failed: {_summary_line(out.stderr)})"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1:]
    else:
        pytest_args = []
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        usage="%(prog)s [options] [-- PYTEST ARGUMENTS]")
    parser.add_argument("--runs", type=int, default=20, help="consecutive runs (default 20)")
    parser.add_argument("--load-threads", type=int, default=os.cpu_count() or 2,
                        help="BLAS threads of the load process (default: one per CPU)")
    parser.add_argument("--log-dir", help="where each run's output is kept "
                        "(default: a new temporary folder)")
    parser.add_argument("--stop-on-failure", action="store_true",
                        help="stop after the first failed run")
    args = parser.parse_args(argv)
    pytest_args = pytest_args or ["tests"]
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="loaded_runs-")
    os.makedirs(log_dir, exist_ok=True)

    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    env = dict(os.environ)
    print(f"skreg from {_tested_skreg(env)}; {os.cpu_count()} CPUs; "
          f"load: 1 process x {args.load_threads} BLAS threads")
    print(f"command: {shlex.join(command[1:])} (in {REPO_ROOT})")
    print(f"logs: {log_dir}", flush=True)

    # a kill (SIGTERM) unwinds like Ctrl-C: the current run and the load stop
    signal.signal(signal.SIGTERM, _interrupt)
    passed = failed = 0
    interrupted = broken = False
    load = Load(args.load_threads)
    try:
        with load:
            for run in range(1, args.runs + 1):
                if not load.alive():
                    raise RuntimeError("the load process died: runs without load do not count")
                log = os.path.join(log_dir, f"run-{run:02d}.log")
                start = time.perf_counter()
                with open(log, "w") as out:
                    rc = subprocess.call(command, cwd=REPO_ROOT, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)
                seconds = time.perf_counter() - start
                with open(log) as f:
                    output = f.read()
                if rc == -signal.SIGINT or rc == 2 and "KeyboardInterrupt" in output:
                    raise KeyboardInterrupt
                ok = rc == 0
                passed += ok
                failed += not ok
                line = (f"run {run}/{args.runs}: {'passed' if ok else f'FAILED (rc {rc})'}, "
                        f"{seconds:.0f} s, load avg {os.getloadavg()[0]:.1f}: "
                        f"{_summary_line(output)}")
                if not ok:
                    line += f"\n    {_failures(output) or 'see ' + log}"
                print(line, flush=True)
                if not ok and args.stop_on_failure:
                    break
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted", flush=True)
    except RuntimeError as exc:  # the load did not start or died
        broken = True
        print(f"stopped: {exc}", flush=True)
    finally:
        load.stop()  # already stopped on a normal exit; never left running
        if load.report:
            print(f"load: {load.report}")
    note = " (interrupted)" if interrupted else " (no load)" if broken else ""
    print(f"{passed} passed, {failed} failed runs{note}", flush=True)
    if interrupted:
        return 130
    return 0 if failed == 0 and passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())

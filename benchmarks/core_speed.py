#!/usr/bin/env python
"""Is a change to skreg's training core slower? Paired whole-process timings.

Run from anywhere::

    python benchmarks/core_speed.py --base /work/base --new /work/main
    python benchmarks/core_speed.py --base /work/base --new /work/main --repeats 3 \\
        --configs 'adam|lbfgs'

For each configuration, one repeat runs four fresh interpreters, base, new,
new, base (both orders, so that a drift of the machine's speed cancels), each
importing skreg from its tree (``PYTHONPATH=<tree>``; the worker checks that
``skreg.__file__`` lies in the tree). A worker times the configuration's fit
with ``time.perf_counter``: one warm-up fit, then the best of ``--inner``
(default 3). Each repeat gives two ratios new/base; the report gives, per
configuration, the median of the ``2 * repeats`` ratios, their range, the
smallest time of each tree, the median ratio of the process CPU times
(``time.process_time``: steadier than the wall clock on a busy machine, for
fits that run on one thread) and whether both trees did the same work (same
epochs and final loss), then a Markdown table. BLAS threads are left as they
are: skreg limits them itself while fitting a small network.

One worker by hand::

    PYTHONPATH=/work/base python benchmarks/core_speed.py worker adam-100-digits
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np


# -------------------------------------------------------------------- configs
def _fixed(max_iter):
    """Exactly ``max_iter`` epochs: no stop on a stalled training loss."""
    return dict(max_iter=max_iter, n_iter_no_change=10**6)


#: name -> (data set, estimator class, parameters, how it is fitted)
CONFIGS = {
    "adam-100-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(100,), **_fixed(20)), "fit"),
    "sgd-nesterov-32-cancer-b32": (
        "cancer", "MLPClassifier", dict(hidden_layer_sizes=(32,), solver="sgd",
                                        learning_rate_init=0.01, batch_size=32, **_fixed(50)),
        "fit"),
    "tiny-8-iris-b16": (
        "iris", "MLPClassifier", dict(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                                      batch_size=16, **_fixed(100)), "fit"),
    "adamw-l1-64x64-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64, 64), solver="adamw",
                                        penalty="l1", alpha=1e-3, **_fixed(40)), "fit"),
    "bn-dropout-64-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), batch_norm=True, dropout=0.2,
                                        **_fixed(40)), "fit"),
    "early-stopping-adam-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), early_stopping=True,
                                        n_iter_no_change=5, max_iter=40), "fit"),
    "adaptive-sgd-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), solver="sgd",
                                        lr_schedule="adaptive", learning_rate_init=0.05,
                                        n_iter_no_change=2, tol=1e-2, max_iter=40), "fit"),
    "partial_fit-20-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,)), "partial_fit_20"),
    "lbfgs-50-cancer": (
        "cancer", "MLPClassifier", dict(hidden_layer_sizes=(50,), solver="lbfgs", max_iter=30),
        "fit"),
    "auto-sgd-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), solver="sgd",
                                        learning_rate_init="auto", **_fixed(40)), "fit"),
    "regressor-adam-100-diabetes": (
        "diabetes", "MLPRegressor", dict(hidden_layer_sizes=(100,), learning_rate_init=0.01,
                                         **_fixed(400)), "fit"),
    "group_lasso-sgd-digits": (
        "digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), solver="sgd",
                                        penalty="group_lasso", alpha=1e-3,
                                        learning_rate_init=0.05, **_fixed(50)), "fit"),
}


def load(name):
    """Real data shipped with scikit-learn, standardised (targets too, for diabetes)."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    loader = {"digits": datasets.load_digits, "cancer": datasets.load_breast_cancer,
              "iris": datasets.load_iris, "diabetes": datasets.load_diabetes}[name]
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    if name == "iris":  # sorted by class: shuffle once, as a user would
        order = np.random.RandomState(0).permutation(len(y))
        X, y = X[order], y[order]
    return X, y


# --------------------------------------------------------------------- worker
def worker(config, tree, inner):
    import skreg

    where = os.path.realpath(skreg.__file__)
    if tree is not None and not where.startswith(
            os.path.join(os.path.realpath(tree), "skreg") + os.sep):
        sys.exit(f"error: skreg was imported from {where}, not from the tree {tree}")
    data, cls_name, params, how = CONFIGS[config]
    X, y = load(data)
    cls = getattr(skreg, cls_name)
    warnings.simplefilter("ignore")  # ConvergenceWarning: the epochs are fixed on purpose

    def one_fit():
        est = cls(random_state=0, **params)
        cpu, tic = time.process_time(), time.perf_counter()
        if how == "fit":
            est.fit(X, y)
        else:  # partial_fit on 20 consecutive chunks
            classes = np.unique(y)
            for idx in np.array_split(np.arange(len(y)), 20):
                est.partial_fit(X[idx], y[idx], classes=classes)
        return time.perf_counter() - tic, time.process_time() - cpu, est

    one_fit()  # warm-up: imports, caches, first-touch of memory
    times, cpu_times = [], []
    for _ in range(inner):
        seconds, cpu_seconds, est = one_fit()
        times.append(seconds)
        cpu_times.append(cpu_seconds)
    # what the fit did, so that the driver can check both trees did the same work
    work = {"n_iter": int(est.n_iter_), "t": int(getattr(est, "t_", 0)),
            "loss": float(est.loss_)}
    print(json.dumps({"config": config, "seconds": min(times), "times": times,
                      "cpu_seconds": min(cpu_times), "work": work, "skreg": where}))


# --------------------------------------------------------------------- driver
def subprocess_env(tree):
    env = dict(os.environ)
    rest = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = os.path.abspath(tree) + (os.pathsep + rest if rest else "")
    env["PYTHONHASHSEED"] = "0"
    return env


def run_worker(config, tree, inner):
    """One fresh interpreter: the worker's result (dict), or an error string."""
    cmd = [sys.executable, os.path.abspath(__file__), "worker", config, "--tree", tree,
           "--inner", str(inner)]
    proc = subprocess.run(cmd, env=subprocess_env(tree), capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit {proc.returncode}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(config, base, new, repeats, inner):
    """Paired runs; returns a summary dict (or one with 'error')."""
    runs = {"base": [], "new": []}
    ratios, cpu_ratios = [], []
    for _ in range(repeats):
        for order in (("base", "new"), ("new", "base")):
            pair = {}
            for label in order:
                res = run_worker(config, base if label == "base" else new, inner)
                if isinstance(res, str):
                    return {"error": f"{label}: {res}"}
                runs[label].append(res)
                pair[label] = res
            ratios.append(pair["new"]["seconds"] / pair["base"]["seconds"])
            cpu_ratios.append(pair["new"]["cpu_seconds"] / pair["base"]["cpu_seconds"])
    work = {label: {json.dumps(r["work"], sort_keys=True) for r in rs}
            for label, rs in runs.items()}
    return {
        "base_min": min(r["seconds"] for r in runs["base"]),
        "new_min": min(r["seconds"] for r in runs["new"]),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "cpu_ratio_median": statistics.median(cpu_ratios),
        "n_pairs": len(ratios),
        # deterministic fits: one signature per tree, the same for both
        "same_work": len(work["base"]) == 1 and work["base"] == work["new"],
    }


def table(results):
    lines = ["| configuration | base min (s) | new min (s) | new/base median | range "
             "| CPU time new/base | same work |",
             "|---|---:|---:|---:|---|---:|:-:|"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | | | FAILED | {r['error'][:80]} | | |")
            continue
        lines.append(f"| {name} | {r['base_min']:.3f} | {r['new_min']:.3f} | "
                     f"{r['ratio_median']:.3f} | {r['ratio_min']:.2f}-{r['ratio_max']:.2f} | "
                     f"{r['cpu_ratio_median']:.3f} | {'yes' if r['same_work'] else 'NO'} |")
    ok = [r for r in results.values() if "error" not in r]
    if ok:
        geo = float(np.exp(np.mean([np.log(r["ratio_median"]) for r in ok])))
        geo_cpu = float(np.exp(np.mean([np.log(r["cpu_ratio_median"]) for r in ok])))
        lines.append(f"| **geometric mean** | | | **{geo:.3f}** | | **{geo_cpu:.3f}** | |")
    return "\n".join(lines)


def driver(args):
    names = [n for n in CONFIGS if not args.configs or re.search(args.configs, n)]
    if not names:
        sys.exit(f"error: no configuration matches {args.configs!r}; there are: "
                 + ", ".join(CONFIGS))
    print(f"base: {args.base}\nnew:  {args.new}\n{args.repeats} repeats x (base, new, new, "
          f"base), best of {args.inner} fits after a warm-up per process\n")
    results = {}
    tic = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        r = results[name] = measure(name, args.base, args.new, args.repeats, args.inner)
        if "error" in r:
            print(f"{name}: FAILED ({r['error']})", flush=True)
        else:
            print(f"{name}: base {r['base_min']:.3f} s, new {r['new_min']:.3f} s, new/base "
                  f"median {r['ratio_median']:.3f} [{r['ratio_min']:.3f}, {r['ratio_max']:.3f}], "
                  f"CPU time {r['cpu_ratio_median']:.3f}"
                  f"{'' if r['same_work'] else ', DIFFERENT WORK'} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"\ntotal {time.perf_counter() - tic:.0f} s\n")
    print(table(results))
    return 1 if any("error" in r for r in results.values()) else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        p = argparse.ArgumentParser(prog="core_speed.py worker")
        p.add_argument("config", choices=list(CONFIGS))
        p.add_argument("--tree", help="the tree skreg must come from (checked)")
        p.add_argument("--inner", type=int, default=3, help="timed fits (best is reported)")
        a = p.parse_args(argv[1:])
        worker(a.config, a.tree, a.inner)
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", required=True, help="the reference tree (holds skreg/)")
    p.add_argument("--new", required=True, help="the tree under test")
    p.add_argument("--repeats", type=int, default=5, help="(base, new, new, base) rounds")
    p.add_argument("--inner", type=int, default=3, help="timed fits per process")
    p.add_argument("--configs", help="regular expression: the configurations to run")
    return driver(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""Does ``learning_rate_init='auto'`` pick a good rate? Cell by cell.

For every data set x stochastic solver x schedule (constant, cosine,
onecycle) x seed, fit a standardised MLP (default: hidden (100,), 200 epochs)
at each fixed rate of the grid {1e-4, 3e-4, ..., 1}, with
``learning_rate_init='auto'`` (rule 'auto'), and at the rate each other
range-test rule suggests, and score on a fixed held-out split (30%). A cell is one (data set, solver, schedule); its
score at a rate is the mean over seeds.

Reported per rule: the share of cells where the rule is within 1 accuracy
point (0.02 R^2) of the best fixed rate, the cells where it is more than that
below the default rate 0.001, and the number of fits that diverged.

    python benchmarks/lr_cells.py [--seeds 3] [--max-iter 100] [--n-jobs 2]
        [--datasets digits,fair,...] [--json out.json]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import ALL, DATASETS  # noqa: E402

from skreg import MLPClassifier, MLPRegressor, lr_range_test  # noqa: E402
from skreg._range_test import RULES  # noqa: E402

SOLVERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
SCHEDULES = ["constant", "cosine", "onecycle"]
GRID = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]
TOL = {"classification": 0.01, "regression": 0.02}


def split(name):
    X, y, task = ALL[name]()
    strat = y if task == "classification" else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=strat)
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte, task


def model(task, hidden, **kw):
    est = MLPClassifier if task == "classification" else MLPRegressor
    return est(hidden_layer_sizes=hidden, **kw)


def one(name, solver, seed, max_iter, hidden, rules, grid=True):
    """All fits of one (data set, solver, seed): each schedule at each rate of
    the grid, with learning_rate_init='auto' (the shipped rule), and at the
    rate each other rule of the range test suggests."""
    warnings.simplefilter("ignore")
    Xtr, Xte, ytr, yte, task = split(name)
    base = dict(solver=solver, max_iter=max_iter, random_state=seed)
    out = []
    for sched in SCHEDULES:
        rates = ([("grid", lr) for lr in GRID] if grid else []) + [("auto", "auto")]
        for rule in rules:
            if rule == "curve":  # 'auto' without its held-out probe
                res = lr_range_test(model(task, hidden, **base, lr_schedule=sched), Xtr, ytr)
                rates.append((rule, res.curve_suggestion))
            elif rule != "auto":
                res = lr_range_test(model(task, hidden, **base, lr_schedule=sched), Xtr, ytr,
                                    rule=rule)
                rates.append((rule, res.suggestion))
        for label, lr in rates:
            tic = time.perf_counter()
            est = model(task, hidden, **base, lr_schedule=sched, learning_rate_init=lr)
            try:
                est.fit(Xtr, ytr)
                score = float(est.score(Xte, yte))
                diverged = False
            except ValueError:
                score, diverged = np.nan, True
            fit_time = time.perf_counter() - tic
            used = getattr(est, "learning_rate_", lr) if not diverged else lr
            test_time = probe_time = np.nan
            if lr == "auto" and not diverged:
                # the range test alone (a rule without the probe), then with
                # the probe, timed apart from the fit
                tic = time.perf_counter()
                lr_range_test(model(task, hidden, **base, lr_schedule=sched), Xtr, ytr,
                              rule="minimum")
                test_time = time.perf_counter() - tic
                tic = time.perf_counter()
                lr_range_test(model(task, hidden, **base, lr_schedule=sched), Xtr, ytr)
                probe_time = time.perf_counter() - tic - test_time
            out.append(dict(dataset=name, solver=solver, schedule=sched, seed=seed,
                            label=label, lr=float(used) if used != "auto" else np.nan,
                            score=score, diverged=diverged, fit_time=fit_time,
                            test_time=test_time, probe_time=probe_time, task=task))
    return out


def summarise(rows, rules):
    cells = {}
    for r in rows:
        key = (r["dataset"], r["solver"], r["schedule"])
        cells.setdefault(key, {}).setdefault((r["label"], r["lr"] if r["label"] == "grid" else None), []).append(r)
    report = {rule: dict(within=0, below_default=0, diverged=0, n=0) for rule in rules}
    lines = []
    for key, fits in sorted(cells.items()):
        task = next(iter(fits.values()))[0]["task"]
        tol = TOL[task]
        # diverged fits score as the worst possible for the mean
        floor = 0.0 if task == "classification" else -1.0

        def mean(rs):
            return float(np.mean([floor if np.isnan(x["score"]) else max(x["score"], floor)
                                  for x in rs]))

        grid = {lr: mean(fits[("grid", lr)]) for lr in GRID}
        best_lr = max(grid, key=grid.get)
        best, default = grid[best_lr], grid[1e-3]
        parts = [f"{key[0]:>13} {key[1]:>7} {key[2]:>8} best {best:.3f}@{best_lr:g} "
                 f"0.001: {default:.3f}"]
        for rule in rules:
            rs = fits[(rule, None)]
            s = mean(rs)
            rep = report[rule]
            rep["n"] += 1
            rep["within"] += s >= best - tol
            rep["below_default"] += s < default - tol
            rep["diverged"] += sum(x["diverged"] for x in rs)
            lr = np.exp(np.mean([np.log(x["lr"]) for x in rs]))
            parts.append(f"{rule}: {s:.3f}@{lr:.2g}")
        lines.append(" | ".join(parts))
    # what the range test and the probe cost, per data set: their medians
    # against the median 'auto' fit (which includes both)
    for d in sorted({r["dataset"] for r in rows}):
        rs = [r for r in rows if r["dataset"] == d and r["label"] == "auto"
              and np.isfinite(r["test_time"])]
        if rs:
            t = np.median([r["test_time"] for r in rs])
            pt = np.median([r.get("probe_time", np.nan) for r in rs])
            f = np.median([r["fit_time"] for r in rs])
            lines.append(f"{d:>13}: median 'auto' fit {1000 * f:.0f} ms, of which range test "
                         f"{1000 * t:.0f} ms ({100 * t / f:.0f}%), held-out probe "
                         f"{1000 * pt:.0f} ms ({100 * pt / f:.0f}%)")
    return report, lines


def rst_table(rows, rule="auto"):
    """The cell table of docs/tuning.rst: per data set x solver, for each
    schedule ``rule @ its rate / best fixed @ its rate / the default 0.001``,
    marked with a dot when the rule is more than the tolerance below the
    best fixed rate, and a cross when also below 0.001."""
    def mean(rs, floor):
        return float(np.mean([floor if np.isnan(x["score"]) else max(x["score"], floor)
                              for x in rs]))

    body = []
    for d in dict.fromkeys(r["dataset"] for r in rows):
        for i, solver in enumerate(dict.fromkeys(r["solver"] for r in rows)):
            row = [d if i == 0 else "", solver]
            for sched in SCHEDULES:
                rs = [r for r in rows if (r["dataset"], r["solver"], r["schedule"])
                      == (d, solver, sched)]
                if not rs:
                    row.append("")
                    continue
                task = rs[0]["task"]
                floor = 0.0 if task == "classification" else -1.0
                grid = {lr: mean([r for r in rs if r["label"] == "grid" and r["lr"] == lr],
                                 floor) for lr in GRID}
                best_lr = max(grid, key=grid.get)
                auto = [r for r in rs if r["label"] == rule]
                s = mean(auto, floor)
                lr = np.exp(np.mean([np.log(r["lr"]) for r in auto]))
                mark = ""
                if s < grid[best_lr] - TOL[task]:
                    mark = " ✗" if s < grid[1e-3] - TOL[task] else " ·"
                row.append(f"{s:.3f} @{lr:.1g} / {grid[best_lr]:.3f} @{best_lr:g} / "
                           f"{grid[1e-3]:.3f}{mark}")
            body.append(row)
    head = ["data set", "solver"] + SCHEDULES
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    rule_line = "  ".join("=" * w for w in widths)
    fmt = lambda r: "  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([rule_line, fmt(head), rule_line] + [fmt(r) for r in body] + [rule_line])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=200)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--solvers", default=",".join(SOLVERS))
    p.add_argument("--hidden", default="100", help="hidden layer sizes, e.g. 64 or 64,64")
    p.add_argument("--rules", default=",".join(["auto", "curve"] + [r for r in RULES
                                                                     if r != "auto"]),
                   help="'auto' (the shipped rule), 'curve' ('auto' without its "
                        "held-out probe) and the range test's other rules")
    p.add_argument("--json", default=None, help="write every fit's record here")
    p.add_argument("--from-json", default=None, help="summarise saved records only")
    p.add_argument("--rst", action="store_true", help="also print the cell table as RST")
    p.add_argument("--grid-from", default=None,
                   help="take the fixed-rate fits from this saved run (same data sets, "
                        "solvers, seeds and settings) and fit only the rules")
    args = p.parse_args(argv)
    rules = args.rules.split(",")
    hidden = tuple(int(h) for h in args.hidden.split(","))
    if args.from_json:
        rows = json.load(open(args.from_json))
    else:
        tasks = [(d, s, seed) for d in args.datasets.split(",")
                 for s in args.solvers.split(",") for seed in range(args.seeds)]
        tic = time.perf_counter()
        rows = [r for chunk in Parallel(n_jobs=args.n_jobs, verbose=0)(
            delayed(one)(d, s, seed, args.max_iter, hidden, rules, args.grid_from is None)
            for d, s, seed in tasks) for r in chunk]
        if args.grid_from:
            keep = {(d, s, seed) for d, s, seed in tasks}
            rows += [r for r in json.load(open(args.grid_from)) if r["label"] == "grid"
                     and (r["dataset"], r["solver"], r["seed"]) in keep]
        print(f"{len(rows)} fits in {time.perf_counter() - tic:.0f} s")
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(rows, fh)
    report, lines = summarise(rows, rules)
    print("\n".join(lines))
    if args.rst:
        print(rst_table(rows))
    print()
    print(f"{'rule':>10} {'within tol of best':>20} {'below 0.001 by > tol':>22} {'diverged fits':>14}")
    for rule, rep in report.items():
        print(f"{rule:>10} {rep['within']:>12}/{rep['n']} ({100 * rep['within'] / rep['n']:.0f}%)"
              f" {rep['below_default']:>20} {rep['diverged']:>14}")


if __name__ == "__main__":
    main()

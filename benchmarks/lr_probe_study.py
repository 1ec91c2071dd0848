"""How the held-out probe of ``learning_rate_init='auto'`` was chosen.

Step 1 (``record``): for every data set x stochastic solver x seed of
``lr_cells.py``, prepare the run ``fit`` would train, run the range test,
and record the probe's held-out curve at several probe rates (multiples of
the range test's suggestion), plus each schedule's suggestion and rate mass.

Step 2 (``rank``): read a rate off the recorded curves for each variant of
the rule (probe-rate factor, rise threshold, number of evaluations) and
score it on the grid of fixed rates that ``lr_cells.py --json`` recorded
(interpolated linearly in log-rate between the grid's rates, per seed), with
``lr_cells.py``'s criteria. Only the chosen variant is then checked by real
fits (``lr_cells.py``); this step is a screen, not the evidence.

    python benchmarks/lr_cells.py --json cells.json          # the grid
    python benchmarks/lr_probe_study.py record --json probes.json
    python benchmarks/lr_probe_study.py rank --grid cells.json --probes probes.json
"""

import argparse
import copy
import json
import os
import sys
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import DATASETS  # noqa: E402
from lr_cells import GRID, SCHEDULES, SOLVERS, TOL, model, split  # noqa: E402

from skreg._fitting import prepare  # noqa: E402
from skreg._probe import PROBE, hold_out_slice, horizon_mass, read_probe, run_probe  # noqa: E402
from skreg._range_core import DEFAULTS, run_range_test  # noqa: E402

FACTORS = [1.0, 2.0, 4.0, 8.0]


def record_one(name, solver, seed, max_iter, hidden):
    warnings.simplefilter("ignore")
    Xtr, _, ytr, _, task = split(name)
    out = dict(dataset=name, solver=solver, seed=seed, task=task, schedules={})
    for sched in SCHEDULES:
        est = model(task, hidden, solver=solver, max_iter=max_iter, random_state=seed,
                    lr_schedule=sched, learning_rate_init="auto")
        run = prepare(est, Xtr, ytr, rate=None)
        res = run_range_test(run.setup, run.state, run.data, **DEFAULTS)
        opt = run.setup.optimizer
        masses = [horizon_mass(run.setup.schedule, run.setup.max_iter, run.data.X.shape[0],
                               run.setup.batch_size, prof)[1] for prof in (None, opt.step_profile)]
        out["schedules"][sched] = dict(suggestion=res["suggestion"], mass=masses[0],
                                       mass_decay=masses[1])
        out["profile"] = opt.step_profile(np.arange(1, PROBE["n_steps"] + 1)).tolist()
        if sched == "constant":
            eta = res["suggestion"]
            split_ = hold_out_slice(run.data, copy.deepcopy(run.state.rng),
                                    run.cfg.validation_fraction, PROBE["max_rows"],
                                    PROBE["min_samples"])
            data, *held = split_
            out["eta"] = eta
            out["curves"] = {}
            for f in FACTORS:
                mon = run_probe(run.setup, run.state, data, held, f * eta,
                                n_steps=PROBE["n_steps"], n_evals=PROBE["n_steps"])
                out["curves"][str(f)] = dict(steps=mon.steps, losses=mon.losses)
    return out


def grid_scores(rows):
    """{(dataset, solver, schedule, seed): (log-rates, scores)} of the grid."""
    table = {}
    for r in rows:
        if r["label"] != "grid":
            continue
        floor = 0.0 if r["task"] == "classification" else -1.0
        s = floor if not np.isfinite(r["score"]) else max(r["score"], floor)
        table.setdefault((r["dataset"], r["solver"], r["schedule"], r["seed"]), {})[r["lr"]] = s
    return {k: (np.log(sorted(v)), np.array([v[lr] for lr in sorted(v)]))
            for k, v in table.items()}


def variant_rate(rec, sched, factor, rise, n_evals, decay=True):
    s = rec["schedules"][sched]
    if factor == 0:
        return s["suggestion"]  # the range test alone (today's 'auto')
    c = rec["curves"][str(factor)]
    every = max(1, PROBE["n_steps"] // n_evals)
    keep = [i for i, t in enumerate(c["steps"]) if t % every == 0]
    steps = [c["steps"][i] for i in keep]
    losses = [c["losses"][i] for i in keep]
    if decay:  # the optimizer's step profile (Adagrad's 1 / sqrt(t), ...)
        lr, _, _ = read_probe(steps, losses, factor * rec["eta"], s["mass_decay"],
                              s["suggestion"], rise,
                              lambda t: np.asarray(rec["profile"])[np.asarray(t) - 1])
    else:
        lr, _, _ = read_probe(steps, losses, factor * rec["eta"], s["mass"], s["suggestion"],
                              rise)
    return lr


def rank(grid_rows, probes):
    grid = grid_scores(grid_rows)
    variants = [(0, 0, 0, False)] + [(f, r, e, d) for f in FACTORS
                                     for r in (0.005, 0.01, 0.02, 0.05)
                                     for e in (10, 25, 50) for d in (False, True)]
    results = []
    for f, r, e, d in variants:
        cells = {}
        for rec in probes:
            for sched in SCHEDULES:
                key = (rec["dataset"], rec["solver"], sched)
                lr = variant_rate(rec, sched, f, r, e, d)
                x, y = grid[key + (rec["seed"],)]
                cells.setdefault(key, []).append(float(np.interp(np.log(lr), x, y)))
        within = below = 0
        for key, scores in cells.items():
            task = next(p["task"] for p in probes if p["dataset"] == key[0])
            means = {lr: np.mean([grid[key + (seed,)][1][i] for seed in range(3)])
                     for i, lr in enumerate(GRID)}
            best, default = max(means.values()), means[1e-3]
            s = np.mean(scores)
            within += s >= best - TOL[task]
            below += s < default - TOL[task]
        results.append((within, -below, f, r, e, d))
    results.sort(reverse=True)
    for within, below, f, r, e, d in results[:15] + [x for x in results if x[2] == 0]:
        name = ("range test only" if f == 0 else
                f"factor {f:g}, rise {r:g}, {e} evals, {'with' if d else 'no'} step profile")
        print(f"{name:>52}: within {within}/{len(cells)}, below 0.001: {-below}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("step", choices=["record", "rank"])
    p.add_argument("--json", default="probes.json")
    p.add_argument("--grid", default="cells.json")
    p.add_argument("--probes", default="probes.json")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=200)
    p.add_argument("--hidden", default="100")
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--n-jobs", type=int, default=2)
    args = p.parse_args(argv)
    if args.step == "record":
        hidden = tuple(int(h) for h in args.hidden.split(","))
        tasks = [(d, s, seed) for d in args.datasets.split(",") for s in SOLVERS
                 for seed in range(args.seeds)]
        recs = Parallel(n_jobs=args.n_jobs)(
            delayed(record_one)(d, s, seed, args.max_iter, hidden) for d, s, seed in tasks)
        with open(args.json, "w") as fh:
            json.dump(recs, fh)
        print(f"{len(recs)} records -> {args.json}")
    else:
        rank(json.load(open(args.grid)), json.load(open(args.probes)))


if __name__ == "__main__":
    main()

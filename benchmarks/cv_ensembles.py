"""MLP*CV's ensembles against its single network, boosting and the code before.

For each data set (``_datasets.ALL``), the split of ``tuning.py`` and each
seed, this fits ``MLPClassifierCV()`` / ``MLPRegressorCV()`` with its
defaults (``random_state=seed``, ``n_jobs``) once, and scores on the
held-out rows, from that one search:

- ``single``: ``best_estimator_``, the refit of the best candidate (what
  ``ensemble=None`` predicts);
- ``folds``: the best candidate's fold models, averaged;
- ``greedy``: greedy ensemble selection over every candidate's fold models
  (each candidate at the round where it scored best);
- ``greedy-all``: the same over every candidate at every round it reached.

The time is the search's fit (search + refit + ensembles) and its parts.
``--baseline JSON`` reads ``tuning.py --json`` records of an earlier commit
(contenders ``skreg CV`` and ``HistGradientBoosting``, same data sets and
seeds) and prints them side by side, with the time ratio.

    python benchmarks/cv_ensembles.py [--seeds 3] [--n-jobs 2] [--datasets ...]
        [--json out.json] [--baseline before.json] [--from-json out.json]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import ALL  # noqa: E402
from tuning import _data, _pipe  # noqa: E402

import skreg  # noqa: E402
import skreg._search as search_module  # noqa: E402
from skreg._ensemble import ensemble_predict  # noqa: E402

VARIANTS = ("single", "folds", "greedy", "greedy-all")


def _every_row(found, results):
    """The pool of 'greedy-all': every scored row (each candidate at every
    round it reached), best score first."""
    scores = np.asarray(results["mean_test_score"], dtype=float)
    rows = [i for i in range(len(scores)) if np.isfinite(scores[i]) and found.oof[i] is not None]
    return sorted(rows, key=lambda i: -scores[i])


def _recording(cls):
    """``cls`` that builds every ensemble from its one search and keeps them."""

    class Recording(cls):
        def _make_ensemble(self, found, results, best, y, scorer):
            saved, self.variants_ = self.ensemble, {}
            tic = time.perf_counter()
            try:
                for name in ("folds", "greedy"):
                    self.ensemble = name
                    self.variants_[name] = super()._make_ensemble(found, results, best, y,
                                                                  scorer)
                self.ensemble = "greedy"
                pool, search_module._pool = search_module._pool, _every_row
                try:
                    self.variants_["greedy-all"] = super()._make_ensemble(
                        found, results, best, y, scorer)
                finally:
                    search_module._pool = pool
            finally:
                self.ensemble = saved
            self.ensemble_time_ = time.perf_counter() - tic
            return self.variants_.get(saved)

    Recording.__name__ = cls.__name__
    return Recording


def one(name, seed, n_jobs):
    Xtr, Xte, ytr, yte, task = _data(name)
    clf = task == "classification"
    cls = _recording(skreg.MLPClassifierCV if clf else skreg.MLPRegressorCV)
    pipe = _pipe(cls(random_state=seed, n_jobs=n_jobs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        pipe.fit(Xtr, ytr)
        wall = time.perf_counter() - tic
    search = pipe[-1]
    Z = pipe[:-1].transform(Xte)
    from sklearn.metrics import accuracy_score, r2_score

    metric = accuracy_score if clf else r2_score
    scores = {"single": float(metric(yte, search.best_estimator_.predict(Z)))}
    for v in VARIANTS[1:]:
        ens = search.variants_[v]
        scores[v] = float(metric(yte, ensemble_predict(ens, Z)))
    greedy = search.variants_["greedy"]
    return dict(dataset=name, task=task, seed=seed, time=wall, scores=scores,
                search_time=search.search_time_, refit_time=search.refit_time_,
                ensemble_time=search.ensemble_time_, round_times=search.round_times_,
                n_greedy_candidates=len(set(greedy["rows"])),
                n_greedy_members=len(greedy["members"]))


def _ms(values):
    v = np.asarray(values, dtype=float)
    return f"{np.nanmean(v):.4f} ± {np.nanstd(v):.4f}"


def table(rows, baseline=None):
    head = ["data set", *VARIANTS, "time (search+refit)"]
    if baseline:
        head += ["skreg CV before", "time before", "time ratio", "HistGB"]
    out = [" | ".join(head)]
    for d in dict.fromkeys(r["dataset"] for r in rows):
        rs = [r for r in rows if r["dataset"] == d]
        t = np.mean([r["time"] for r in rs])
        line = [d] + [_ms([r["scores"][v] for r in rs]) for v in VARIANTS]
        line.append(f"{t:.1f} s ({np.mean([r['search_time'] for r in rs]):.1f}"
                    f"+{np.mean([r['refit_time'] for r in rs]):.1f})")
        if baseline:
            old = [b for b in baseline if b["dataset"] == d and b["contender"] == "skreg CV"]
            hgb = [b for b in baseline
                   if b["dataset"] == d and b["contender"] == "HistGradientBoosting"]
            t_old = np.mean([b["time"] for b in old]) if old else np.nan
            line += [_ms([b["score"] for b in old]) if old else "-", f"{t_old:.1f} s",
                     f"{t / t_old:.2f}", _ms([b["score"] for b in hgb]) if hgb else "-"]
        out.append(" | ".join(line))
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--datasets", default=",".join(ALL))
    p.add_argument("--json", default=None)
    p.add_argument("--baseline", default=None)
    p.add_argument("--from-json", default=None)
    args = p.parse_args(argv)
    if args.from_json:
        rows = json.load(open(args.from_json))
    else:
        rows = []
        for name in args.datasets.split(","):
            for seed in range(args.seeds):
                rows.append(one(name, seed, args.n_jobs))
                r = rows[-1]
                print(f"  {name:>16} seed {seed}: "
                      + " ".join(f"{v} {r['scores'][v]:.4f}" for v in VARIANTS)
                      + f" ({r['time']:.1f} s)", file=sys.stderr, flush=True)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(rows, fh, indent=1)
    baseline = json.load(open(args.baseline)) if args.baseline else None
    print(table(rows, baseline))


if __name__ == "__main__":
    main()

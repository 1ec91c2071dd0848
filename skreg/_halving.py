"""The successive-halving search of MLPClassifierCV / MLPRegressorCV.

The rounds are scikit-learn's ``HalvingRandomSearchCV`` rule with the epochs
(``max_iter``) as the resource and ``min_resources='exhaust'``: the same
candidates, the same epochs per round, the same survivors (the best
``ceil(n / factor)`` by mean score) and ``cv_results_`` with the same keys
and row order. What differs is what a round trains:

* **survivors resume.** Each candidate and fold is one
  :class:`~skreg._resume.Resumable` fit planned for the last round's epochs;
  a round trains only its new epochs and scores the checkpoint. The 'auto'
  learning rate is found once per candidate and fold, for that horizon.
* **the fold models and out-of-fold predictions are kept**, per row of the
  results, for the ensembles (:mod:`skreg._ensemble`).
* **a deadline**: a fit that would start after ``max_time`` does not start.
  The fits already running finish, so the search overshoots by at most one
  fit per worker; a candidate counts only once every fold of it is scored.

The folds are split once: every round, and every stage of a resumed fit,
sees the same training rows.
"""

import math
import time
import warnings

import numpy as np
from numpy.ma import MaskedArray
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import ParameterSampler
from sklearn.utils.parallel import Parallel, delayed

from ._ensemble import outputs
from ._resume import Resumable

__all__ = ["plan_rounds", "draw_candidates", "run_search"]

#: the clock of the deadline (wall time: comparable between the processes
#: of one machine); a test replaces it
_now = time.time


def plan_rounds(n_candidates, factor, max_resources):
    """The epochs of each round: scikit-learn's halving rule with
    ``min_resources='exhaust'`` and no aggressive elimination."""
    n_required = 1 + math.floor(math.log(n_candidates, factor))
    min_resources = max(1, max_resources // factor ** (n_required - 1))
    n_possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    return [min(int(factor ** i * min_resources), max_resources)
            for i in range(min(n_required, n_possible))]


def draw_candidates(space, n_candidates, try_estimator, random_state):
    """The first round's candidates as scikit-learn draws them; with
    ``try_estimator`` the estimator as given ({}: nothing drawn) comes first,
    in place of the last draw."""
    first = [{}] if try_estimator else []
    n_draws = n_candidates - len(first)
    drawn = ParameterSampler(space, n_draws, random_state=random_state) if n_draws else []
    return first + list(drawn)


def _task(res, base, params, X, y, sw, train, test, epochs, scorer, deadline, train_score):
    """One candidate on one fold for one round (``res`` its run so far, None
    in the first round); a dict of what happened."""
    if deadline is not None and _now() >= deadline:
        return {"skipped": True, "resumable": res}
    out = {"skipped": False, "error": None, "train_score": np.nan}
    tic = time.perf_counter()
    trained = False
    try:
        if isinstance(res, BaseException):
            raise res  # this fold's run failed in an earlier round
        if res is None:
            res = Resumable(clone(base).set_params(**params))
        sw_train = None if sw is None else sw[train]
        X_train, y_train = _take(X, train), _take(y, train)
        model = res.advance(X_train, y_train, sw_train, epochs)
        trained = True
        out["fit_time"] = time.perf_counter() - tic
        tic = time.perf_counter()
        X_test = _take(X, test)
        out["test_score"] = float(scorer(model, X_test, _take(y, test)))
        if train_score:
            out["train_score"] = float(scorer(model, X_train, y_train))
        out["score_time"] = time.perf_counter() - tic
        out["model"], out["outputs"] = model, outputs(model, X_test)
    except Exception as exc:  # noqa: BLE001 (error_score decides)
        out.update(error=exc, fit_time=out.get("fit_time", time.perf_counter() - tic),
                   score_time=0.0, test_score=np.nan, model=None, outputs=None)
        if not trained:
            res = exc  # the run is broken: later rounds report the error again
    out["resumable"] = res
    return out


def _take(a, rows):
    return a.iloc[rows] if hasattr(a, "iloc") else a[rows]


class _Results:
    """The rows of ``cv_results_`` as the rounds add them, and per row the
    fold models and out-of-fold outputs."""

    def __init__(self, n_splits, n_rows, train_score):
        self.n_splits, self.n_rows, self.train_score = n_splits, n_rows, train_score
        self.params, self.iters, self.resources, self.candidates = [], [], [], []
        self.test, self.train, self.fit_time, self.score_time = [], [], [], []
        self.models, self.oof = [], []

    def add(self, params, itr, epochs, outs, splits, candidate=None):
        self.params.append(params)
        self.candidates.append(candidate)
        self.iters.append(itr)
        self.resources.append(epochs)
        self.test.append([o["test_score"] for o in outs])
        self.train.append([o["train_score"] for o in outs])
        self.fit_time.append([o["fit_time"] for o in outs])
        self.score_time.append([o["score_time"] for o in outs])
        self.models.append([o["model"] for o in outs])
        oof = None
        widths = {None if o["outputs"] is None else o["outputs"].shape[1] for o in outs}
        if None not in widths and len(widths) == 1:  # (a fold may lack a class)
            oof = np.full((self.n_rows, widths.pop()), np.nan)
            for o, (_, test) in zip(outs, splits):
                oof[test] = o["outputs"]
        self.oof.append(oof)

    def mean_scores(self, rows):
        return np.array([np.mean(self.test[i]) for i in rows])

    def cv_results(self):
        """``cv_results_`` with the keys and conventions of scikit-learn's
        searches (masked ``param_*`` columns, NaN scores ranked last)."""
        r = {}
        for key, table in (("fit_time", self.fit_time), ("score_time", self.score_time)):
            a = np.asarray(table, dtype=float).reshape(-1, self.n_splits)
            r["mean_" + key], r["std_" + key] = a.mean(axis=1), a.std(axis=1)
        r.update(_param_columns(self.params))
        r["params"] = self.params
        sets = [("test", self.test)] + ([("train", self.train)] if self.train_score else [])
        for name, table in sets:
            a = np.asarray(table, dtype=float).reshape(-1, self.n_splits)
            for k in range(self.n_splits):
                r[f"split{k}_{name}_score"] = a[:, k]
            r[f"mean_{name}_score"] = mean = a.mean(axis=1)
            r[f"std_{name}_score"] = a.std(axis=1)
            if name == "test":
                r["rank_test_score"] = _rank(mean)
        r["iter"] = np.asarray(self.iters)
        r["n_resources"] = np.asarray(self.resources)
        return r


def _rank(mean):
    if np.isnan(mean).all():
        return np.ones(mean.size, dtype=np.int32)
    filled = np.where(np.isnan(mean), np.nanmin(mean) - 1, mean)
    return rankdata(-filled, method="min").astype(np.int32)


def _param_columns(params):
    """One masked array per parameter name (masked where a row lacks it)."""
    names = dict.fromkeys(k for p in params for k in p)  # (in order of first appearance)
    cols = {}
    for name in names:
        values = [p[name] for p in params if name in p]
        try:
            arr = np.array(values)
            dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else object
        except ValueError:
            dtype = object
        col = MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, p in enumerate(params):
            if name in p:
                col[i] = p[name]
        cols["param_" + name] = col
    return cols


def _top(scores, candidates, k):
    """scikit-learn's survivors: the ``k`` best by mean score, NaN lowest,
    in ascending order of score (the order of the next round's rows)."""
    order = np.roll(np.argsort(scores), np.count_nonzero(np.isnan(scores)))
    return [candidates[i] for i in order[-k:]]


def _check_failures(outs, error_score, n_fits):
    failed = [o for o in outs if not o["skipped"] and o["error"] is not None]
    if not failed:
        return
    if error_score == "raise":
        raise failed[0]["error"]
    if len(failed) == n_fits:
        raise ValueError(
            f"All the {n_fits} fits of a round failed (the first error: "
            f"{type(failed[0]['error']).__name__}: {failed[0]['error']}). Check the "
            "data and param_distributions, or pass error_score='raise' to see the "
            "whole error."
        )
    warnings.warn(
        f"{len(failed)} fits failed out of a total of {n_fits}; their scores are "
        f"set to error_score={error_score!r}. The first error: "
        f"{type(failed[0]['error']).__name__}: {failed[0]['error']}",
        FitFailedWarning,
    )


def run_search(base, candidates, plan, factor, X, y, sw, splits, scorer, *, n_jobs=None,
               max_time=None, error_score=np.nan, train_score=False, on_round=None):
    """Run the rounds; return ``(results, exhausted)``: the :class:`_Results`
    and whether ``max_time`` ended the search before its last round had
    scored every candidate. ``on_round(itr, rows, results)`` is called after
    each round (progress lines)."""
    deadline = None if max_time is None else _now() + max_time
    base = clone(base).set_params(max_iter=plan[-1])
    results = _Results(len(splits), X.shape[0], train_score)
    # by index in the first round's list: two equal draws are two candidates
    runs = {i: [None] * len(splits) for i in range(len(candidates))}
    alive = list(runs)
    parallel = Parallel(n_jobs=n_jobs)
    exhausted = False
    for itr, epochs in enumerate(plan):
        # the first round in the order drawn (the estimator as given first),
        # then the most promising first (``alive`` ascends by score): a
        # deadline cuts the weakest
        order = alive if itr == 0 else alive[::-1]
        jobs = [(i, f) for i in order for f in range(len(splits))]
        outs = parallel(
            delayed(_task)(runs[i][f], base, candidates[i], X, y, sw, *splits[f], epochs,
                           scorer, deadline, train_score)
            for i, f in jobs)
        _check_failures(outs, error_score, len(outs))
        done = {}
        for (i, f), out in zip(jobs, outs):
            runs[i][f] = out["resumable"]
            if not out["skipped"]:
                if out["error"] is not None:
                    out["test_score"] = out["train_score"] = error_score
                done.setdefault(i, []).append(out)
        scored = [i for i in alive if len(done.get(i, ())) == len(splits)]
        exhausted = len(scored) < len(alive)
        rows = []
        for i in scored:
            rows.append(len(results.params))
            results.add({**candidates[i], "max_iter": epochs}, itr, epochs, done[i], splits,
                        candidate=i)
        if on_round is not None and rows:
            on_round(itr, rows, results)
        if exhausted or itr == len(plan) - 1:
            break
        alive = _top(results.mean_scores(rows), scored, math.ceil(len(alive) / factor))
        runs = {i: runs[i] for i in alive}  # (the others' runs are done with)
    if not results.params:
        raise ValueError(
            f"max_time={max_time} s was spent before any candidate was scored on every "
            "fold; no candidate can be chosen. Increase max_time (the first round "
            f"trains {len(candidates)} candidates x {len(splits)} folds for "
            f"{plan[0]} epochs)."
        )
    return results, exhausted

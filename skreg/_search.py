"""MLPClassifierCV and MLPRegressorCV: networks that tune themselves.

Each is a successive-halving random search over skreg's knobs with the
number of epochs (``max_iter``) as the resource (:mod:`skreg._halving`:
scikit-learn's rounds, with survivors that resume), a refit of the best
candidate on all the data, and an ensemble of the search's fold models
(:mod:`skreg._ensemble`). This module holds the estimator interface: the
parameters, the default space, the choice of the best candidate, the
progress lines, and prediction.
"""

import numbers
import threading
import time
import warnings

import numpy as np
from scipy.stats import loguniform
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._data import check_sample_weight
from ._ensemble import (ensemble_outputs, ensemble_predict, greedy_selection, oof_scorer)
from ._halving import draw_candidates, plan_rounds, run_search
from ._mlp import MLPClassifier, MLPRegressor
from ._params import InvalidParameterError, check_bool, check_int, check_options, check_real

__all__ = ["MLPClassifierCV", "MLPRegressorCV"]

_FILTERS_LOCK = threading.Lock()

#: the ensembles (see skreg._ensemble)
ENSEMBLES = (None, "folds", "greedy")


def _candidate_key(params, resource="max_iter"):
    """A candidate's parameters without the resource, as a hashable key: the
    same candidate in every round it was scored (the display reads it too)."""
    return repr(sorted((k, repr(v)) for k, v in params.items() if k != resource))


#: what validate_data sets on the search
_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


class _Progress:
    """One line per round (``verbose >= 1``), and the round times."""

    def __init__(self, name, n_rounds, verbose, n_splits):
        self.name, self.n_rounds, self.verbose, self.n_splits = name, n_rounds, verbose, n_splits
        self.start = time.perf_counter()
        self.ends = []  # elapsed seconds at the end of each round

    def __call__(self, itr, rows, results):
        self.ends.append(time.perf_counter() - self.start)
        if self.verbose:
            scores = results.mean_scores(rows)
            best = np.nanmax(scores) if np.isfinite(scores).any() else float("nan")
            n = len(rows)
            print(f"[{self.name}] round {itr + 1}/{self.n_rounds}: {n} "
                  f"candidate{'' if n == 1 else 's'} x {self.n_splits} folds, "
                  f"max_iter={results.resources[rows[0]]}, best score {best:.4f}, "
                  f"{self.ends[-1]:.1f} s", flush=True)


def _best_index(results, refit_max_iter="best"):
    """The row to refit. The configuration is the best of the last round run
    (scikit-learn's rule for halving searches: scores of earlier rounds used
    fewer epochs). With ``refit_max_iter='best'``, its number of epochs is
    then the one of its rounds with the best mean score."""
    it = np.asarray(results["iter"])
    scores = np.asarray(results["mean_test_score"], dtype=float)
    last = np.flatnonzero(it == it.max())
    if not np.isfinite(scores[last]).any():
        raise ValueError(
            f"Every candidate of the last round failed to fit or score ({last.size} "
            "candidates); the errors were reported as FitFailedWarning. Check the data "
            "and param_distributions, or pass error_score='raise' to see the first error."
        )
    best = int(last[np.nanargmax(scores[last])])
    if refit_max_iter == "last":
        return best
    key = _candidate_key(results["params"][best])
    rows = [i for i, p in enumerate(results["params"]) if _candidate_key(p) == key]
    path = np.where(np.isfinite(scores[rows]), scores[rows], -np.inf)
    # strictly better only: on a tie the longer run (the later round) wins
    return int(rows[len(rows) - 1 - int(np.argmax(path[::-1]))])


def _pool(found, results):
    """The rows greedy selection chooses from: each candidate at the round
    where it scored best (on a tie the later round), best score first; rows
    with a failed fold (no model there) left out."""
    scores = np.asarray(results["mean_test_score"], dtype=float)
    best_of = {}
    for i, cand in enumerate(found.candidates):
        if not np.isfinite(scores[i]) or found.oof[i] is None:
            continue
        if cand not in best_of or scores[i] >= scores[best_of[cand]]:
            best_of[cand] = i
    return sorted(best_of.values(), key=lambda i: -scores[i])


def _check_member_classes(members, ensemble):
    """Fold models of a classifier must know every class: their
    probabilities are averaged column by column."""
    if not members or not is_classifier(members[0]):
        return
    classes = [np.asarray(m.classes_) for m in members]
    if any(c.shape != classes[0].shape or (c != classes[0]).any() for c in classes):
        raise ValueError(
            f"ensemble={ensemble!r} averages the class probabilities of fold models, "
            "but the training rows of some folds lack a class (the fold models know "
            f"{sorted({len(c) for c in classes})} classes). Use fewer folds (cv) or "
            "ensemble=None."
        )


def _as_weights(sample_weight, n):
    """Checked weights as an array the folds slice (the candidates rescale
    their own)."""
    if isinstance(sample_weight, numbers.Number):
        return np.full(n, float(sample_weight))
    return np.asarray(sample_weight, dtype=float).ravel()


def _indexable(a):
    """``a`` as the search slices it by rows: data frames, sparse matrices
    and arrays as they are, anything else as an array."""
    if hasattr(a, "iloc") or sp.issparse(a) or isinstance(a, np.ndarray):
        return a
    return np.asarray(a)


def _default_space():
    """The default search space; docs/tuning.rst gives the evidence for each
    dimension (the same space serves both tasks)."""
    return {
        "hidden_layer_sizes": [(64,), (128,), (256,), (64, 64), (128, 128)],
        "activation": ["relu", "tanh"],
        "solver": ["adam", "adamw", "sgd", "rmsprop", "adagrad"],
        "penalty": ["l2", "elasticnet"],
        "alpha": loguniform(1e-6, 1e-2),
        "lr_schedule": ["constant", "cosine", "onecycle", "step", "exponential"],
        "dropout": [0.0, 0.1, 0.2, 0.3],
        "batch_norm": [False, True],
    }


class _BaseMLPCV:
    """The search, the refit and the delegation shared by both estimators
    (first in their bases, so that its ``score`` comes before the mixins')."""

    _mlp_class = None  # MLPClassifier or MLPRegressor

    def __init__(self, estimator=None, *, param_distributions=None, n_candidates=27, factor=3,
                 try_estimator=True, refit_max_iter="best", ensemble="greedy", max_time=None,
                 cv=5, scoring=None, n_jobs=None, random_state=None, verbose=0,
                 error_score=np.nan, return_train_score=False):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.try_estimator = try_estimator
        self.refit_max_iter = refit_max_iter
        self.ensemble = ensemble
        self.max_time = max_time
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.error_score = error_score
        self.return_train_score = return_train_score

    @classmethod
    def default_param_distributions(cls):
        """The space searched when ``param_distributions`` is None.

        Returns
        -------
        param_distributions : dict
            A new dict (safe to modify) in scikit-learn's format: lists are
            sampled uniformly, distributions through their ``rvs`` method.
        """
        return _default_space()

    # ---------------------------------------------------------------- checks
    def _base_estimator(self):
        est = self.estimator
        if est is None:
            return self._mlp_class(learning_rate_init="auto")
        if not isinstance(est, self._mlp_class):
            raise InvalidParameterError(
                f"estimator must be a skreg.{self._mlp_class.__name__} (or None for "
                f"{self._mlp_class.__name__}(learning_rate_init='auto')), got "
                f"{type(est).__name__}."
            )
        return clone(est)

    def _check_search_params(self, base):
        check_int("n_candidates", self.n_candidates, 1)
        check_int("factor", self.factor, 2)
        check_bool("try_estimator", self.try_estimator)
        check_options("refit_max_iter", self.refit_max_iter, ("best", "last"))
        check_options("ensemble", self.ensemble, ENSEMBLES)
        if self.max_time is not None:
            check_real("max_time", self.max_time, 0, low_open=True)
        if not isinstance(self.verbose, (bool, np.bool_)):  # True/False as in MLP*
            check_int("verbose", self.verbose, 0)
        space = self.param_distributions
        spaces = [] if space is None else space if isinstance(space, list) and space else [space]
        for s in spaces:
            if not isinstance(s, dict) or not s:
                raise InvalidParameterError(
                    "param_distributions must be None, a non-empty dict or a list of "
                    f"non-empty dicts (scikit-learn's format), got {space!r}."
                )
            if "max_iter" in s:
                raise InvalidParameterError(
                    "param_distributions must not hold 'max_iter': it is the resource "
                    "the rounds of the search grow; set the largest number of epochs "
                    "with estimator=...(max_iter=...)."
                )
        if isinstance(self.scoring, (list, tuple, set, dict)):
            raise InvalidParameterError(
                "scoring must be a single scorer (None, a string or a callable): the "
                f"search keeps the candidate that scores best on it; got {self.scoring!r}."
            )
        # the epochs of the last round; the first gets about 1/factor**(rounds-1)
        check_int("estimator.max_iter", base.max_iter, self.factor)

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None):
        """Search the space, then refit the best candidate on all of X, y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in each candidate's objective and in the
            refit (not in the cross-validation scores, which are unweighted
            as in scikit-learn's searches).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        base = self._base_estimator()
        self._check_search_params(base)
        # checked here, so that bad data fails once with a clear message, not
        # once per candidate; the candidates get X as it was passed (its
        # column names included), a sparse X in a format they take
        # (on a copy: what validation learns of X reaches the search only
        # with the rest of the fit, so a failed fit leaves the last one whole)
        seen = clone(self)
        checked, _ = validate_data(seen, X, y, accept_sparse=["csr", "csc"],
                                   multi_output=True,
                                   y_numeric=self._mlp_class is MLPRegressor)
        if sp.issparse(X):
            X = checked
        check_sample_weight(sample_weight, checked)
        if self._mlp_class is MLPClassifier:
            check_classification_targets(y)
        rng = check_random_state(self.random_state)
        if self.random_state is not None and base.random_state is None:
            # a seeded search gives seeded candidates, so that it repeats
            base.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        space = (self.default_param_distributions() if self.param_distributions is None
                 else self.param_distributions)
        candidates = draw_candidates(space, self.n_candidates, self.try_estimator,
                                     self.random_state)
        # (a small space of lists can give fewer candidates than asked for)
        plan = plan_rounds(len(candidates), self.factor, int(base.max_iter))
        X, y = _indexable(X), _indexable(y)
        sw = None if sample_weight is None else _as_weights(sample_weight, X.shape[0])
        # one split for every round: a resumed fit keeps its training rows
        splits = list(check_cv(self.cv, y, classifier=is_classifier(base)).split(X, y))
        scorer = check_scoring(base, scoring=self.scoring)
        progress = _Progress(type(self).__name__, len(plan), self.verbose, len(splits))
        # candidates stop at their round's epochs by design ('lbfgs' stages
        # warn). warnings.filters is process-wide: the lock keeps two searches
        # in different threads from restoring each other's filters out of order
        with _FILTERS_LOCK, warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            found, exhausted = run_search(
                base, candidates, plan, self.factor, X, y, sw, splits, scorer,
                n_jobs=self.n_jobs, max_time=self.max_time, error_score=self.error_score,
                train_score=self.return_train_score, on_round=progress)
        results = found.cv_results()
        best = _best_index(results, self.refit_max_iter)
        best_params = dict(results["params"][best])
        tic = time.perf_counter()
        refitted = clone(base).set_params(**best_params).fit(X, y, sample_weight=sample_weight)
        refit_time = time.perf_counter() - tic
        ensemble = self._make_ensemble(found, results, best, y, scorer)
        # only now, with every step done, does the estimator change
        iters = np.asarray(results["iter"])
        rounds_run = range(int(iters.max()) + 1)
        for name in _INPUT_ATTRIBUTES:
            if hasattr(seen, name):
                setattr(self, name, getattr(seen, name))
            else:
                vars(self).pop(name, None)
        self.cv_results_ = results
        self.best_index_ = best
        self.best_params_ = best_params
        self.best_score_ = float(results["mean_test_score"][best])
        self.best_estimator_ = refitted
        self.ensemble_ = ensemble
        self.n_iterations_ = len(rounds_run)
        self.n_candidates_ = [int((iters == i).sum()) for i in rounds_run]
        self.n_resources_ = [int(np.asarray(results["n_resources"])[iters == i][0])
                             for i in rounds_run]
        self.round_times_ = [float(t) for t in np.diff(np.r_[0.0, progress.ends])]
        self.search_time_ = progress.ends[-1]
        self.refit_time_ = refit_time
        self.budget_exhausted_ = exhausted
        self.n_splits_ = len(splits)
        if self.verbose:
            print(f"[{type(self).__name__}] refit of the best candidate "
                  f"(score {self.best_score_:.4f}): {self.refit_time_:.1f} s", flush=True)
        return self

    def _make_ensemble(self, found, results, best, y, scorer):
        """The fitted ``ensemble_`` (None without one)."""
        if self.ensemble is None:
            return None
        n_folds = len(found.models[best])
        if all(m is not None for m in found.models[best]):
            _check_member_classes(found.models[best], self.ensemble)
        if self.ensemble == "folds":
            if any(m is None for m in found.models[best]):
                raise ValueError(
                    "ensemble='folds' needs the best candidate's model on every fold, "
                    f"but its fit failed on some (error_score={self.error_score!r} "
                    "kept it in the search). Use ensemble='greedy' or None, or "
                    "error_score=np.nan."
                )
            rows, counts = [best], np.array([1])
            oof_score = None
        else:
            rows = _pool(found, results)
            if not rows:
                raise ValueError(
                    "ensemble='greedy' found no candidate with a model on every fold "
                    "(their fits failed); use ensemble=None."
                )
            like = found.models[rows[0]][0]
            covered = np.flatnonzero(np.isfinite(found.oof[rows[0]]).all(axis=1))
            score = oof_scorer(scorer, like, y, covered)
            counts = greedy_selection([found.oof[i] for i in rows], score)
            oof_score = score(sum(c * found.oof[i] for i, c in zip(rows, counts)) / counts.sum())
        members, weights, member_rows, folds = [], [], [], []
        for i, c in zip(rows, counts):
            if c:
                for f, model in enumerate(found.models[i]):
                    members.append(model)
                    weights.append(c / (counts.sum() * n_folds))
                    member_rows.append(int(i))
                    folds.append(f)
        _check_member_classes(members, self.ensemble)
        return {"members": members, "weights": np.asarray(weights), "rows": member_rows,
                "folds": folds, "oof_score": oof_score}

    # ------------------------------------------------------------- delegation
    def predict(self, X):
        """Predict with the ensemble (``ensemble_``), or with the best
        estimator refitted on all the data when there is none.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        if self.ensemble_ is not None:
            return ensemble_predict(self.ensemble_, X)
        return self.best_estimator_.predict(X)

    def score(self, X, y, sample_weight=None):
        """Score of the predictions (the ensemble's, or the best estimator's
        without one) on X, y with ``scoring`` (accuracy or R^2 when
        ``scoring`` is None).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        if self.scoring is None:  # the mixin's accuracy or R^2 of self.predict
            return super().score(X, y, sample_weight=sample_weight)
        scorer = check_scoring(self, scoring=self.scoring)
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self, X, y, **kw)

    def to_sklearn(self):
        """The equal fitted scikit-learn model: a soft voting ensemble of the
        members with their weights, or the best estimator's network without
        an ensemble (see :func:`skreg.export.ensemble_to_sklearn`).

        Returns
        -------
        model : VotingClassifier, VotingRegressor or a scikit-learn MLP
        """
        from .export import ensemble_to_sklearn

        return ensemble_to_sklearn(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_SHARED_DOC = """
    The search is successive halving with the number of epochs as the
    resource, by the rule of scikit-learn's
    :class:`~sklearn.model_selection.HalvingRandomSearchCV`:
    ``n_candidates`` configurations drawn from ``param_distributions`` are
    cross-validated with few epochs, the best ``1/factor`` of them go on to
    the next round with ``factor`` times as many, and so on up to the
    estimator's ``max_iter``. A survivor resumes where it stopped: each
    candidate and fold is one run planned for the last round's epochs, of
    which each round trains only the new ones (the ``'auto'`` rate is found
    once, for that horizon). The best candidate of the last round is then
    refitted on all the data, with the number of epochs at which it scored
    best, and by default an ensemble of the search's fold models predicts.
    Read more in :ref:`tuned-estimators`.

    Parameters
    ----------
    estimator : {est} or None, default=None
        The network whose parameters the search does not set (for example
        ``class_weight``, ``batch_size`` or ``max_iter``, the number of
        epochs of the last round). None means
        ``{est}(learning_rate_init='auto')``: each candidate picks its own
        learning rate with the range test, which is what makes a search over
        solvers and schedules work (:ref:`learning-rate`).

    param_distributions : dict, list of dicts or None, default=None
        The space, in scikit-learn's format: a dict from parameter names of
        the estimator to lists (sampled uniformly) or distributions (with an
        ``rvs`` method), or a list of such dicts. ``max_iter`` cannot be in
        it: it is the resource. None means
        :meth:`default_param_distributions`.

    n_candidates : int, default=27
        The number of candidates of the first round, the estimator itself
        included when ``try_estimator`` is True.

    factor : int, default=3
        The ratio of the number of epochs between rounds, and of the
        candidates kept (``1/factor`` of them go on).

    try_estimator : bool, default=True
        Whether the first candidate is the estimator itself, with nothing
        drawn (then ``n_candidates - 1`` are drawn). Trying the default
        configuration first, as SMAC and auto-sklearn do, means the search
        compares every draw with it: it can lose to the defaults only on
        cross-validation noise, not for want of trying them.

    refit_max_iter : {{'best', 'last'}}, default='best'
        The epochs of the refit. The configuration refitted is always the
        best of the last round; 'best' refits it with the epochs of the
        round where it scored best (so cross-validation also chooses how
        long to train, which matters on small data, where the longest run
        can overfit), 'last' with those of the last round (scikit-learn's
        rule for halving searches). On a tie the longer run wins. The refit
        is a plain fit: its schedule runs over its own epochs.

    ensemble : {{'greedy', 'folds'}} or None, default='greedy'
        What predicts. 'greedy': greedy ensemble selection with replacement
        (Caruana et al. 2004, 25 additions) over every candidate's fold
        models, judged by ``scoring`` on their out-of-fold predictions;
        'folds': the best candidate's fold models, equally weighted; None:
        ``best_estimator_`` alone. An ensemble averages its members'
        probabilities (outputs) with its weights.

    max_time : float or None, default=None
        A wall-time budget in seconds for the search (the refit is not
        counted). Once it is spent no new fit starts; fits already running
        finish, so the search overshoots by at most one fit per worker. The
        best candidate of the last round reached (among those scored on
        every fold) is then refitted and ``budget_exhausted_`` is True; a
        ``ValueError`` says when no candidate was scored on every fold.

    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn's searches (stratified folds for a classifier),
        split once: every round trains on the same rows.

    scoring : str, callable or None, default=None
        One scorer, used to rank the candidates and by :meth:`score`; None
        means the estimator's ``score`` ({metric}).

    n_jobs : int or None, default=None
        Fits run in parallel, as in scikit-learn's searches (joblib; a dask
        backend spreads them over a cluster).

    random_state : int, RandomState instance or None, default=None
        Seeds the sampling of the candidates and, when the estimator's own
        ``random_state`` is None, the candidates' initialisation, so that a
        seeded search repeats exactly.

    verbose : int, default=0
        1 prints one line per round (candidates, folds, epochs, best score,
        elapsed time) and one for the refit; 2 and more add the search's own
        output.

    error_score : 'raise' or float, default=np.nan
        The score of a candidate whose fit fails (as in scikit-learn's
        searches).

    return_train_score : bool, default=False
        Whether ``cv_results_`` includes training scores.

    Attributes
    ----------
    best_estimator_ : {est}
        The best candidate, refitted on all the data.

    ensemble_ : dict or None
        The ensemble that predicts (None with ``ensemble=None``):
        ``'members'`` (fitted {est}: fold models, each trained on one
        fold's training rows; a member is a checkpoint, ``n_iter_`` epochs
        of a run planned for its ``max_iter``, the last round's), ``'weights'`` (an array summing to 1),
        ``'rows'`` and ``'folds'`` (each member's row in ``cv_results_``
        and fold), ``'oof_score'`` (the ensemble's score on the out-of-fold
        predictions; None for 'folds').

    best_params_ : dict
        Its parameters, including the ``max_iter`` it was refitted with
        (see ``refit_max_iter``).

    best_score_ : float
        Its mean cross-validated score with that ``max_iter``.

    best_index_ : int
        Its row in ``cv_results_``.

    cv_results_ : dict of numpy arrays
        One row per candidate and round, with the keys of scikit-learn's
        searches (``params``, ``mean_test_score``, ``rank_test_score``, ...,
        plus ``iter`` and ``n_resources``, the round and its epochs).

    n_iterations_ : int
        The number of rounds run.

    n_candidates_ : list of int
        The candidates of each round.

    n_resources_ : list of int
        The epochs (``max_iter``) of each round.

    round_times_ : list of float
        The wall time of each round, in seconds.

    search_time_ : float
        The wall time of the search, in seconds.

    refit_time_ : float
        The wall time of the refit, in seconds.

    budget_exhausted_ : bool
        Whether ``max_time`` stopped the search before its last round had
        scored every candidate.

    n_splits_ : int
        The number of cross-validation folds.

    n_features_in_ : int
        The number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Their names, when X has string column names.
"""


class MLPClassifierCV(_BaseMLPCV, ClassifierMixin, BaseEstimator):
    _mlp_class = MLPClassifier

    def predict_proba(self, X):
        """Class probabilities: the ensemble's weighted average of its
        members', or the best estimator's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.ensemble_ is not None:
            return ensemble_outputs(self.ensemble_, X)
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if self.ensemble_ is not None:
            with np.errstate(divide="ignore"):
                return np.log(self.predict_proba(X))
        return self.best_estimator_.predict_log_proba(X)

    @property
    def classes_(self):
        """The class labels (of the best estimator)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressorCV(_BaseMLPCV, RegressorMixin, BaseEstimator):
    _mlp_class = MLPRegressor


MLPClassifierCV.__doc__ = (
    "A multilayer-perceptron classifier that tunes itself by successive halving.\n"
    + _SHARED_DOC.format(est="MLPClassifier", metric="accuracy")
    + """
    See Also
    --------
    MLPClassifier : the network, with its parameters set by hand.
    sklearn.model_selection.HalvingRandomSearchCV : the rule of the rounds.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier, MLPClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), MLPClassifierCV(
    ...     MLPClassifier(learning_rate_init="auto", max_iter=30),
    ...     n_candidates=9, cv=3, random_state=0)).fit(X, y)
    >>> search = clf[-1]
    >>> search.n_candidates_, search.n_resources_
    ([9, 3, 1], [3, 9, 27])
    >>> sorted(search.best_params_)[:3]
    ['activation', 'alpha', 'batch_norm']
"""
)

MLPRegressorCV.__doc__ = (
    "A multilayer-perceptron regressor that tunes itself by successive halving.\n"
    + _SHARED_DOC.format(est="MLPRegressor", metric="R^2")
    + """
    See Also
    --------
    MLPRegressor : the network, with its parameters set by hand.
    sklearn.model_selection.HalvingRandomSearchCV : the rule of the rounds.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPRegressor, MLPRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), MLPRegressorCV(
    ...     MLPRegressor(learning_rate_init="auto", max_iter=30),
    ...     n_candidates=9, cv=3, random_state=0)).fit(X, y)
    >>> reg[-1].n_iterations_
    3
"""
)

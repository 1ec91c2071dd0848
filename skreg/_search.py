"""MLPClassifierCV and MLPRegressorCV: networks that tune themselves.

Each is a successive-halving random search (scikit-learn's
``HalvingRandomSearchCV``) over skreg's knobs, with the number of epochs
(``max_iter``) as the resource, followed by a refit of the best candidate on
all the data. This module adds only what the search does not do: a default
space, a wall-time budget, one progress line per round, and the estimator
interface around the refitted network.
"""

import math
import threading
import time
import warnings

import numpy as np
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

# the one place that touches scikit-learn's experimental halving search
from sklearn.experimental import enable_halving_search_cv  # noqa: F401, I001
from sklearn.model_selection import HalvingRandomSearchCV, ParameterSampler

from ._mlp import MLPClassifier, MLPRegressor
from ._params import InvalidParameterError, check_bool, check_int, check_options, check_real

__all__ = ["MLPClassifierCV", "MLPRegressorCV"]

_FILTERS_LOCK = threading.Lock()


class _OutOfTime(Exception):
    """Raised between rounds when the next round would overrun ``max_time``
    (the results so far are the hook's ``results``)."""


class _HalvingSearch(HalvingRandomSearchCV):
    """scikit-learn's halving random search, with a hook called around each
    round. ``_run_search`` is where a search schedules its evaluations;
    scikit-learn 1.9 added a ``callback_ctx`` argument (and passes it only to
    a ``_run_search`` that declares it), 1.6 to 1.8 have none: it is passed
    through when given."""

    def _run_search(self, evaluate_candidates, callback_ctx=None):
        hook = self._round_hook

        def evaluate(candidate_params, cv=None, more_results=None, **kw):
            candidate_params = list(candidate_params)
            hook.before(self, len(candidate_params))
            results = evaluate_candidates(candidate_params, cv, more_results=more_results, **kw)
            hook.after(self, results)
            return results

        extra = {} if callback_ctx is None else {"callback_ctx": callback_ctx}
        super()._run_search(evaluate, **extra)

    def _generate_candidate_params(self):
        # as scikit-learn draws them; with _try_estimator, the estimator as
        # given ({}: nothing drawn) comes first, in place of the last draw
        first = [{}] if self._try_estimator else []
        n_draws = self.n_candidates - len(first)
        drawn = ParameterSampler(self.param_distributions, n_draws,
                                 random_state=self.random_state) if n_draws else []
        return first + list(drawn)


class _Rounds:
    """Times the rounds, prints the progress lines, enforces ``max_time``."""

    def __init__(self, name, max_time, verbose):
        self.name, self.max_time, self.verbose = name, max_time, verbose
        self.start = time.perf_counter()
        self.ends = []  # elapsed seconds at the end of each round
        self.results = None
        self.n_rounds = None

    def before(self, search, n_candidates):
        if self.n_rounds is None:  # the first round: the search has sized itself
            self.n_rounds = _n_rounds(n_candidates, search.factor, search.max_resources_,
                                      search.min_resources_)
        if self.ends and self.max_time is not None:
            # rounds of a halving search cost about the same: the last one is
            # the estimate of the next
            last = self.ends[-1] - (self.ends[-2] if len(self.ends) > 1 else 0.0)
            if self.ends[-1] + last > self.max_time:
                raise _OutOfTime

    def after(self, search, results):
        self.results = results
        self.ends.append(time.perf_counter() - self.start)
        if self.verbose:
            itr = len(self.ends) - 1
            in_round = np.flatnonzero(np.asarray(results["iter"]) == itr)
            scores = np.asarray(results["mean_test_score"], dtype=float)[in_round]
            best = np.nanmax(scores) if np.isfinite(scores).any() else float("nan")
            print(f"[{self.name}] round {itr + 1}/{self.n_rounds}: {in_round.size} "
                  f"candidate{'' if in_round.size == 1 else 's'} "
                  f"x {_n_splits(results)} folds, max_iter={results['n_resources'][in_round[0]]}, "
                  f"best score {best:.4f}, {self.ends[-1]:.1f} s", flush=True)


def _n_rounds(n_candidates, factor, max_resources, min_resources):
    """The number of rounds scikit-learn's halving search runs (without
    aggressive elimination): until fewer than ``factor`` candidates are left
    or the resource would exceed its maximum."""
    required = 1 + math.floor(math.log(n_candidates, factor)) if n_candidates > 1 else 1
    possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    return min(required, possible)


def _n_splits(results):
    """The number of folds, from the per-split columns of ``cv_results_``."""
    return sum(1 for key in results if key.startswith("split") and key.endswith("_test_score"))


def _candidate_key(params, resource="max_iter"):
    """A candidate's parameters without the resource, as a hashable key: the
    same candidate in every round it was scored."""
    return repr(sorted((k, repr(v)) for k, v in params.items() if k != resource))


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
                 try_estimator=True, refit_max_iter="best", max_time=None, cv=5,
                 scoring=None, n_jobs=None, random_state=None, verbose=0,
                 error_score=np.nan, return_train_score=False):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.try_estimator = try_estimator
        self.refit_max_iter = refit_max_iter
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
        # column names included)
        validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                      y_numeric=self._mlp_class is MLPRegressor)
        if self._mlp_class is MLPClassifier:
            check_classification_targets(y)
        rng = check_random_state(self.random_state)
        if self.random_state is not None and base.random_state is None:
            # a seeded search gives seeded candidates, so that it repeats
            base.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        space = (self.default_param_distributions() if self.param_distributions is None
                 else self.param_distributions)
        search = _HalvingSearch(
            base, space, n_candidates=self.n_candidates, factor=self.factor,
            resource="max_iter", max_resources=int(base.max_iter), min_resources="exhaust",
            cv=self.cv, scoring=self.scoring, refit=False, error_score=self.error_score,
            return_train_score=self.return_train_score, random_state=self.random_state,
            n_jobs=self.n_jobs, verbose=max(int(self.verbose) - 1, 0),
        )
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        search._try_estimator = self.try_estimator
        rounds = search._round_hook = _Rounds(type(self).__name__, self.max_time, self.verbose)
        # the early rounds stop candidates before they converge, by design.
        # warnings.filters is process-wide: the lock keeps two searches in
        # different threads from restoring each other's filters out of order
        with _FILTERS_LOCK, warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            try:
                search.fit(X, y, **fit_params)
                results, exhausted = search.cv_results_, False
            except _OutOfTime:
                results, exhausted = rounds.results, True
        best = _best_index(results, self.refit_max_iter)
        best_params = dict(results["params"][best])
        tic = time.perf_counter()
        refitted = clone(base).set_params(**best_params).fit(X, y, **fit_params)
        refit_time = time.perf_counter() - tic
        # only now, with every step done, does the estimator change
        iters = np.asarray(results["iter"])
        rounds_run = range(int(iters.max()) + 1)
        self.cv_results_ = results
        self.best_index_ = best
        self.best_params_ = best_params
        self.best_score_ = float(results["mean_test_score"][best])
        self.best_estimator_ = refitted
        self.n_iterations_ = len(rounds_run)
        self.n_candidates_ = [int((iters == i).sum()) for i in rounds_run]
        self.n_resources_ = [int(np.asarray(results["n_resources"])[iters == i][0])
                             for i in rounds_run]
        self.round_times_ = [float(t) for t in np.diff(np.r_[0.0, rounds.ends])]
        self.search_time_ = rounds.ends[-1]
        self.refit_time_ = refit_time
        self.budget_exhausted_ = exhausted
        self.n_splits_ = _n_splits(results)
        if self.verbose:
            print(f"[{type(self).__name__}] refit of the best candidate "
                  f"(score {self.best_score_:.4f}): {self.refit_time_:.1f} s", flush=True)
        return self

    # ------------------------------------------------------------- delegation
    def predict(self, X):
        """Predict with the best estimator, refitted on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    def score(self, X, y, sample_weight=None):
        """Score of the best estimator on X, y with ``scoring`` (the
        estimator's own ``score`` when ``scoring`` is None: accuracy or R^2).

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
        scorer = check_scoring(self.best_estimator_, scoring=self.scoring)
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self.best_estimator_, X, y, **kw)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


_SHARED_DOC = """
    The search is scikit-learn's
    :class:`~sklearn.model_selection.HalvingRandomSearchCV` with the number
    of epochs as the resource: ``n_candidates`` configurations drawn from
    ``param_distributions`` are cross-validated with few epochs, the best
    ``1/factor`` of them go on to the next round with ``factor`` times as
    many, and so on up to the estimator's ``max_iter``. The best candidate
    of the last round is then refitted on all the data and used for
    prediction, with the number of epochs at which it scored best. Read more
    in :ref:`tuned-estimators`.

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
        rule for halving searches). On a tie the longer run wins.

    max_time : float or None, default=None
        A wall-time budget in seconds for the search (the refit is not
        counted). Before each round after the first, the search stops if
        that round, estimated to last as long as the previous one, would end
        after ``max_time``; the best candidate of the last round run is then
        refitted (with the epochs it was scored with) and
        ``budget_exhausted_`` is True. The first round always runs.

    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn's searches (stratified folds for a classifier).

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
        Whether ``max_time`` stopped the search before its last round.

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
        """Class probabilities from the best estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log of the class probabilities from the best estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
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
    sklearn.model_selection.HalvingRandomSearchCV : the search.

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
    sklearn.model_selection.HalvingRandomSearchCV : the search.

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

"""Feature selection with the group lasso: a path over alpha, and a selector
that chooses its point by cross-validation.

:func:`group_lasso_path` fits the network without penalty first (the dense
fit, ``alpha=0``), then at increasing ``alpha``, each fit warm-started from
the previous one (``warm_start=True``, ``path_max_iter`` epochs, then the
full-batch proximal phase), until no input is left. Along the path an input
*leaves* when its first-layer row becomes zero; its *exit alpha* is the
smallest alpha of the path from which its row stays zero (an input that
re-enters counts by its last exit).

:class:`GroupLassoSelectorCV` is a transformer for pipelines: the path on the
whole data fixes the alphas, the same path on the training part of each
cross-validation fold is scored on the held-out part, and the selector keeps
the inputs the whole-data path keeps at the chosen alpha.
"""

import copy
import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectorMixin
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv, train_test_split
from sklearn.utils import Bunch
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._params import check_int, check_options, check_real

__all__ = ["group_lasso_path", "GroupLassoSelectorCV"]

_GROUP_PENALTIES = ("group_lasso", "group_elasticnet")
#: beyond the grid the path goes on by the grid's ratio, for at most this
#: many times the grid's length, until no input is left
_EXTEND = 3


def _path_estimator(estimator, y, random_state=None):
    """A fresh copy of the path's network: ``estimator`` (a skreg MLP with a
    group penalty and a stochastic solver), or for None a default network
    with ``penalty='group_lasso'`` chosen by the type of ``y``."""
    from ._mlp import MLPClassifier, MLPRegressor

    if estimator is None:
        regression = type_of_target(y) in ("continuous", "continuous-multioutput")
        cls = MLPRegressor if regression else MLPClassifier
        return cls(penalty="group_lasso", random_state=random_state)
    if not isinstance(estimator, (MLPClassifier, MLPRegressor)):
        raise TypeError("estimator must be a skreg MLPClassifier or MLPRegressor, or None; "
                        f"got {type(estimator).__name__}.")
    if estimator.penalty not in _GROUP_PENALTIES:
        raise ValueError("estimator.penalty must be 'group_lasso' or 'group_elasticnet' "
                         f"for a group-lasso path; got {estimator.penalty!r}.")
    if isinstance(estimator.solver, str) and estimator.solver == "lbfgs":
        raise ValueError("estimator.solver='lbfgs' has no group penalty; use a stochastic "
                         "solver ('adam', 'sgd', ...).")
    return clone(estimator)


def _check_path_params(alphas, n_alphas, eps, path_max_iter):
    check_int("n_alphas", n_alphas, 2)
    check_real("eps", eps, 0, 1, low_open=True, high_open=True)
    check_int("path_max_iter", path_max_iter, 1)
    if alphas is None:
        return None
    alphas = np.asarray(alphas, dtype=float)
    if (alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas))
            or np.any(alphas <= 0) or np.any(np.diff(alphas) <= 0)):
        raise ValueError("alphas must be a non-empty 1-D sequence of positive, finite, "
                         f"strictly increasing numbers; got {alphas!r}.")
    return alphas


def alpha_max(estimator, X, y):
    """Top of the path's grid, from a fitted network (the dense fit).

    ``max_i ||G_i|| / (rho * sqrt(n_1))``, where ``G`` is the gradient of the
    full-batch data loss with respect to the first weight matrix, evaluated
    with that matrix at zero and every other parameter at ``estimator``'s
    (without dropout), ``G_i`` its row for input ``i``, ``n_1`` the width of
    the first layer and ``rho`` the group weight (1 for 'group_lasso',
    ``l1_ratio`` for 'group_elasticnet'). At this alpha the all-zero first
    layer satisfies the group optimality condition with the rest of the
    network held fixed. 1.0 when that gradient is zero (no first-layer unit
    passes a gradient at ``W_1 = 0``, or the target is constant).
    """
    from ._fitting import prepare
    from ._proximal import _objective
    from .penalties import NoPenalty

    est = copy.deepcopy(estimator)
    est.set_params(warm_start=True, early_stopping=False)
    run = prepare(est, X, y, rate=None)
    theta = run.state.theta.copy()
    run.net.views(theta).coefs[0][...] = 0.0
    f, *_ = _objective(run.net, NoPenalty(), 0.0, run.data, theta.dtype)
    grad = np.empty_like(theta)
    with np.errstate(all="ignore"):
        f(theta, grad)
    G = run.net.views(grad).coefs[0]
    rho = 1.0 if estimator.penalty == "group_lasso" else float(estimator.l1_ratio)
    top = float(np.sqrt(np.einsum("ij,ij->i", G, G)).max()) / (rho * np.sqrt(G.shape[1]))
    if not np.isfinite(top) or top <= 0:
        # no unit passes a gradient at W_1 = 0 (every first-layer unit dead
        # there, or a constant target): start from 1 and let the path extend
        return 1.0
    return top


def _row_norms(est):
    W = est.coefs_[0]
    return np.sqrt(np.einsum("ij,ij->i", W, W))


def _run_path(estimator, X, y, alphas, *, n_alphas, eps, path_max_iter, extend, keep=False,
              evals=()):
    """Fit the dense network, then every alpha warm-started from the last.

    Returns the alphas (0 first), the first-layer row norms of every point,
    copies of every point's network when ``keep`` (else None), and the
    score of every point on each ``(X, y)`` of ``evals`` (n_points, len(evals)).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = clone(estimator).set_params(alpha=0.0).fit(X, y)
        if alphas is None:
            alphas = alpha_max(est, X, y) * np.geomspace(eps, 1.0, n_alphas)
        grid, norms, scores, kept = [], [], [], [] if keep else None

        def record(alpha):
            grid.append(float(alpha))
            norms.append(_row_norms(est))
            scores.append([est.score(Xe, ye) for Xe, ye in evals])
            if keep:
                kept.append(copy.deepcopy(est))

        record(0.0)
        est.set_params(warm_start=True, max_iter=path_max_iter)
        todo = [float(a) for a in alphas]
        ratio = todo[-1] / todo[-2] if len(todo) > 1 else 2.0
        limit = (1 + _EXTEND) * len(todo)
        i = 0
        while i < len(todo):
            est.set_params(alpha=todo[i]).fit(X, y)
            record(todo[i])
            i += 1
            if extend and i == len(todo) and norms[-1].any() and len(todo) < limit:
                todo.append(todo[-1] * ratio)
    if extend and norms[-1].any():
        warnings.warn(f"{int((norms[-1] > 0).sum())} inputs are still in at alpha="
                      f"{grid[-1]:.3g}, the end of the extended path: pass larger alphas.",
                      ConvergenceWarning, stacklevel=3)
    return (np.asarray(grid), np.asarray(norms), kept,
            np.asarray(scores, dtype=float).reshape(len(grid), len(evals)))


def last_inside(support):
    """For each input (column), the index of the last point of the path
    where it is in; -1 if it never is."""
    support = np.asarray(support, dtype=bool)
    n = support.shape[0]
    last = n - 1 - np.argmax(support[::-1], axis=0)
    return np.where(support.any(axis=0), last, -1)


def exit_alphas(alphas, support):
    """For each input, the smallest alpha of the path from which it stays
    out (its last exit); ``inf`` for an input still in at the last point."""
    alphas = np.asarray(alphas, dtype=float)
    after = last_inside(support) + 1  # the first point of the final absence
    padded = np.append(alphas, np.inf)
    return padded[after]


def group_lasso_path(estimator, X, y, *, alphas=None, n_alphas=30, eps=1e-2, path_max_iter=20,
                     validation_fraction=0.2, return_estimators=False, random_state=None):
    """The group-lasso path of a network: a dense fit, then increasing alpha.

    The first point is the dense fit: ``estimator`` with ``alpha=0`` (no
    penalty) and its own ``max_iter``. Every later point continues from the
    previous one with ``warm_start=True``, ``path_max_iter`` epochs at its alpha
    and the full-batch proximal phase (``prox_max_iter``). By default the
    alphas are ``n_alphas`` values spaced evenly on a log scale from
    ``eps * alpha_max`` to ``alpha_max`` (:func:`alpha_max`: the smallest
    alpha at which an all-zero first layer is optimal with the dense fit's
    other weights), and the path goes on past ``alpha_max`` by the grid's
    ratio until no input is left (at most ``3 * n_alphas`` more points, then
    a warning). Given ``alphas`` are used as they are.

    Parameters
    ----------
    estimator : MLPRegressor or MLPClassifier
        The network, with ``penalty='group_lasso'`` or 'group_elasticnet'
        and a stochastic solver. Not changed.
    X : array-like or sparse matrix of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    alphas : array-like or None, default=None
        Increasing positive alphas (the dense point ``alpha=0`` comes first
        in any case).
    n_alphas : int, default=30
    eps : float, default=1e-2
        ``alphas[0] / alpha_max`` of the default grid.
    path_max_iter : int, default=20
        Epochs of each warm-started point.
    validation_fraction : float or None, default=0.2
        Share of the samples held out (stratified for a classifier) to score
        each point; the path trains on the rest. None: no hold-out, the path
        trains on everything and ``validation_scores`` is None.
    return_estimators : bool, default=False
        Keep a copy of the fitted network of every point (memory: one network
        per point); otherwise only the first-layer row norms are kept.
    random_state : int, RandomState or None, default=None
        The hold-out split.

    Returns
    -------
    path : Bunch
        ``alphas`` (n_points,), 0 first; ``row_norms`` (n_points, n_features),
        the norms ``||W_1[i, :]||`` (batch normalisation not folded);
        ``support`` (row norms > 0) and ``n_selected``; ``exit_alphas``
        (n_features,), each input's last exit; ``train_scores`` and
        ``validation_scores`` (the estimator's ``score``, per point) when
        ``return_estimators`` or a hold-out gives them; ``estimators``
        (list or None).

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skreg import MLPRegressor, group_lasso_path
    >>> X, y = make_friedman1(n_samples=300, n_features=10, random_state=0)
    >>> path = group_lasso_path(MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(16,),
    ...                                      max_iter=50, random_state=0),
    ...                         X, y, n_alphas=8, path_max_iter=10, random_state=0)
    >>> bool(path.alphas[0] == 0 and path.n_selected[0] == 10 and path.n_selected[-1] == 0)
    True
    """
    alphas = _check_path_params(alphas, n_alphas, eps, path_max_iter)
    if validation_fraction is not None:
        check_real("validation_fraction", validation_fraction, 0, 1, low_open=True,
                   high_open=True)
    est = _path_estimator(estimator, y)
    X_val = y_val = None
    if validation_fraction is not None:
        stratify = y if est._kind == "classifier" and np.ndim(y) == 1 else None
        X, X_val, y, y_val = train_test_split(X, y, test_size=validation_fraction,
                                              stratify=stratify, random_state=random_state)
    evals = [(X, y)] + ([(X_val, y_val)] if X_val is not None else [])
    grid, norms, kept, scores = _run_path(est, X, y, alphas, n_alphas=n_alphas, eps=eps,
                                          path_max_iter=path_max_iter, extend=alphas is None,
                                          keep=return_estimators, evals=evals)
    support = norms > 0
    return Bunch(alphas=grid, row_norms=norms, support=support,
                 n_selected=support.sum(axis=1), exit_alphas=exit_alphas(grid, support),
                 train_scores=scores[:, 0],
                 validation_scores=scores[:, 1] if X_val is not None else None,
                 estimators=kept)


def _score_support(est, scorer, mask, X_tr, y_tr, X_te, y_te):
    """Held-out score of the network refit without penalty on the kept inputs
    (relaxed), or of a constant prediction when none is kept."""
    if not mask.any():
        dummy = (DummyClassifier() if est._kind == "classifier" else DummyRegressor())
        return scorer(dummy.fit(X_tr, y_tr), X_te, y_te)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = clone(est).set_params(alpha=0.0).fit(X_tr[:, mask], y_tr)
    return scorer(refit, X_te[:, mask], y_te)


class GroupLassoSelectorCV(SelectorMixin, BaseEstimator):
    """Selects input features along a group-lasso path, the point chosen by
    cross-validation.

    ``fit`` runs :func:`group_lasso_path` on the whole data (no hold-out):
    a dense fit, then increasing alphas until no input is left. Then, for
    every fold of ``cv``, the same path with the same alphas on the fold's
    training part, each point scored on its held-out part: with
    ``relaxed=True`` (relaxed lasso, Meinshausen 2007) by the network refit
    without penalty on the inputs the point keeps (a constant prediction
    when it keeps none), otherwise by the path's own network. The chosen
    alpha has the best mean score (``selection='best'``) or is the largest
    alpha whose mean score is within one standard error of the best
    (``'1se'``); the selected inputs are those the whole-data path keeps at
    that alpha.

    Parameters
    ----------
    estimator : MLPRegressor, MLPClassifier or None, default=None
        The network of the path (``penalty='group_lasso'`` or
        'group_elasticnet', a stochastic solver). None:
        ``MLPRegressor(penalty='group_lasso', random_state=random_state)``
        for a continuous target, else ``MLPClassifier(...)`` alike.
    alphas : array-like or None, default=None
        The path's alphas (see :func:`group_lasso_path`); None: derived from
        the data and extended until no input is left.
    n_alphas : int, default=30
    eps : float, default=1e-2
    path_max_iter : int, default=20
        Epochs of each warm-started point of the path.
    cv : int, cross-validation generator or iterable, default=3
        As in scikit-learn (stratified folds for a classifier).
    scoring : str, callable or None, default=None
        How a point is scored on a fold's held-out part (scikit-learn's
        scorers); None: the network's ``score`` (R^2, accuracy).
    selection : {'1se', 'best'}, default='1se'
    relaxed : bool, default=True
    n_jobs : int or None, default=None
        Folds run in parallel through joblib (``-1``: all cores; with
        ``joblib.parallel_backend('dask')`` on a cluster). None: one after
        the other. The result does not depend on it.
    random_state : int, RandomState or None, default=None
        Only for ``estimator=None``: the default network's ``random_state``.

    Attributes
    ----------
    support_ : ndarray of bool of shape (`n_features_in_`,)
    alpha_ : float
        The chosen alpha (0: the dense point, every input).
    alphas_ : ndarray
        The path's alphas, 0 first.
    cv_scores_ : ndarray of shape (n_alphas_path, n_folds)
        Held-out score of every point in every fold.
    feature_importances_ : ndarray of shape (`n_features_in_`,)
        Each input's exit alpha on the whole-data path (the smallest alpha
        from which it stays out): larger means kept longer. Finite when the
        path ran until no input was left.
    path_ : Bunch
        The whole-data path (:func:`group_lasso_path`'s keys).
    estimator_ : MLPRegressor or MLPClassifier
        The whole-data path's network at ``alpha_``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skreg import GroupLassoSelectorCV, MLPRegressor
    >>> X, y = make_friedman1(n_samples=300, n_features=8, random_state=0)
    >>> sel = GroupLassoSelectorCV(MLPRegressor(penalty="group_lasso",
    ...                                         hidden_layer_sizes=(16,), max_iter=50,
    ...                                         random_state=0),
    ...                            n_alphas=6, path_max_iter=10, cv=2).fit(X, y)
    >>> bool(sel.transform(X).shape[1] == sel.support_.sum())
    True
    """

    def __init__(self, estimator=None, *, alphas=None, n_alphas=30, eps=1e-2, path_max_iter=20,
                 cv=3, scoring=None, selection="1se", relaxed=True, n_jobs=None,
                 random_state=None):
        self.estimator = estimator
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.eps = eps
        self.path_max_iter = path_max_iter
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.relaxed = relaxed
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y):
        """Run the paths and choose the point.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : GroupLassoSelectorCV
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True)
        alphas = _check_path_params(self.alphas, self.n_alphas, self.eps, self.path_max_iter)
        check_options("selection", self.selection, ("1se", "best"))
        if not isinstance(self.relaxed, (bool, np.bool_)):
            raise ValueError(f"relaxed must be True or False; got {self.relaxed!r}.")
        est = _path_estimator(self.estimator, y, self.random_state)
        cv = check_cv(self.cv, y, classifier=est._kind == "classifier")
        scorer = check_scoring(est, scoring=self.scoring)
        grid, norms, kept, _ = _run_path(est, X, y, alphas, n_alphas=self.n_alphas,
                                         eps=self.eps, path_max_iter=self.path_max_iter,
                                         extend=alphas is None, keep=True)
        # the folds' paths are independent: joblib runs them (dask backend too)
        scores = Parallel(n_jobs=self.n_jobs)(
            delayed(self._fold_scores)(est, scorer, X, y, train, test, grid[1:])
            for train, test in cv.split(X, y))
        self.cv_scores_ = np.column_stack(scores)
        mean = self.cv_scores_.mean(axis=1)
        best = int(np.argmax(mean))
        index = best
        if self.selection == "1se":
            k = self.cv_scores_.shape[1]
            se = self.cv_scores_[best].std(ddof=1) / np.sqrt(k) if k > 1 else 0.0
            index = int(np.flatnonzero(mean >= mean[best] - se)[-1])
        support = norms > 0
        self.alphas_ = grid
        self.alpha_ = float(grid[index])
        self.support_ = support[index].copy()
        self.feature_importances_ = exit_alphas(grid, support)
        self.path_ = Bunch(alphas=grid, row_norms=norms, support=support,
                           n_selected=support.sum(axis=1),
                           exit_alphas=self.feature_importances_,
                           mean_cv_scores=mean, std_cv_scores=self.cv_scores_.std(axis=1))
        self.estimator_ = kept[index]
        return self

    def _fold_scores(self, est, scorer, X, y, train, test, alphas):
        X_tr, y_tr, X_te, y_te = X[train], y[train], X[test], y[test]
        _, norms, kept, _ = _run_path(est, X_tr, y_tr, alphas, n_alphas=self.n_alphas,
                                      eps=self.eps, path_max_iter=self.path_max_iter,
                                      extend=False, keep=not self.relaxed)
        if not self.relaxed:
            return np.array([scorer(e, X_te, y_te) for e in kept])
        cache = {}
        out = []
        for row in norms:
            mask = row > 0
            key = mask.tobytes()
            if key not in cache:
                cache[key] = _score_support(est, scorer, mask, X_tr, y_tr, X_te, y_te)
            out.append(cache[key])
        return np.array(out)

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        return tags

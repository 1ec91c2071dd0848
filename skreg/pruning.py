"""Removing hidden units that no longer influence the output.

A hidden unit can go when

* its outgoing row ``W_{l+1}[j, :]`` is zero: nothing it computes reaches
  the next layer; or
* its incoming column ``W_l[:, j]`` is zero: it outputs the same value
  ``c_j = f(b'_j)`` for every sample (``b'_j`` its bias, batch normalisation
  at prediction folded in), so its contribution ``c_j * W_{l+1}[j, :]`` is a
  constant that is added to the next layer's bias.

Removing a unit can make a unit of the layer before lose its last non-zero
outgoing weight, so the rules are applied until nothing changes. The group
penalties (``penalty='group_lasso'``) produce such zero rows on purpose.
"""

import copy

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from . import _state
from ._fold import fold_batch_norm
from ._network import Network, Params
from .activations import ACTIVATIONS

__all__ = ["prune"]

# fitted state tied to the old layout: dropped, so the next partial_fit or
# warm-started fit starts the optimizer afresh from the pruned weights; the
# weights are rebuilt for the new layout
_LAYOUT_STATE = frozenset(_state.names(layout=True))
_WEIGHTS = frozenset(_state.names("weights"))


def prune(estimator):
    """A copy of a fitted MLP without the hidden units that do not matter.

    A hidden unit is removed when its outgoing weights are all zero, or when
    its incoming weights are all zero (it then outputs a constant, which is
    folded into the next layer's bias). The rules are applied until no unit
    changes, so a unit whose every successor was removed goes too. Every
    hidden layer keeps at least one unit (when all of a layer's units could
    go, one stays, with zero outgoing weights), so ``hidden_layer_sizes``
    stays a valid setting and the layer count does not change.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator; it is not modified.

    Returns
    -------
    pruned : MLPClassifier or MLPRegressor
        A new fitted estimator, a clone of ``estimator`` with
        ``hidden_layer_sizes`` set to the remaining sizes, whose predictions
        are those of ``estimator`` (up to rounding). With batch
        normalisation it keeps ``batch_norm=True`` and the scale, shift and
        running statistics of the remaining units, so further training works
        as before. The optimizer state (momentum, moment estimates) of the
        last fit belongs to the old layout and is dropped: a
        ``warm_start=True`` fit or ``partial_fit`` continues from the pruned
        weights with a fresh optimizer.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier, prune
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), penalty="group_lasso",
    ...                     alpha=0.1, solver="sgd", learning_rate_init=0.05,
    ...                     max_iter=300, random_state=0).fit(X, y)
    >>> small = prune(clf)
    >>> small.hidden_layer_sizes[0] < 32
    True
    >>> bool((small.predict(X) == clf.predict(X)).all())
    True
    """
    check_is_fitted(estimator, "coefs_")
    coefs = [np.array(W, copy=True) for W in estimator.coefs_]
    intercepts = [np.array(b, copy=True) for b in estimator.intercepts_]
    bn = bool(estimator.bn_gammas_)
    gammas = [np.array(g, copy=True) for g in estimator.bn_gammas_]
    betas = [np.array(b, copy=True) for b in estimator.bn_betas_]
    means = [np.array(m, copy=True) for m in estimator.bn_running_means_]
    variances = [np.array(v, copy=True) for v in estimator.bn_running_vars_]
    act = ACTIVATIONS[estimator.activation][0]
    n_hidden = len(coefs) - 1

    changed = True
    while changed:
        changed = False
        for l in range(n_hidden):  # hidden layer l: columns of coefs[l]
            W_in, W_out = coefs[l], coefs[l + 1]
            dead_out = ~W_out.any(axis=1)
            const_in = ~W_in.any(axis=0) & ~dead_out
            if const_in.any():
                # the bias each unit sees at prediction (batch norm folded in)
                if bn:
                    _, folded = fold_batch_norm(
                        coefs[l:l + 2], intercepts[l:l + 2], [gammas[l]], [betas[l]],
                        [means[l]], [variances[l]])
                    b_eff = folded[0]
                else:
                    b_eff = intercepts[l]
                c = np.array(b_eff[const_in], copy=True)[None, :]
                act(c)  # constant output f(b'_j) of each such unit
                # its contribution c_j * W_out[j, :] moves into the next bias
                intercepts[l + 1] = intercepts[l + 1] + (c @ W_out[const_in])[0]
            drop = dead_out | const_in
            if drop.all():
                # keep one unit with no influence: zero outgoing weights
                drop[0] = False
                if W_out[0].any():
                    coefs[l + 1] = W_out = W_out.copy()
                    W_out[0] = 0.0
                    changed = True
            if drop.any():
                keep = ~drop
                coefs[l] = W_in[:, keep]
                coefs[l + 1] = coefs[l + 1][keep]
                intercepts[l] = intercepts[l][keep]
                if bn:
                    gammas[l], betas[l] = gammas[l][keep], betas[l][keep]
                    means[l], variances[l] = means[l][keep], variances[l][keep]
                changed = True

    sizes = tuple(int(W.shape[1]) for W in coefs[:-1])
    pruned = clone(estimator)
    pruned.set_params(hidden_layer_sizes=sizes)
    for key, value in _state.snapshot(estimator).items():
        if key not in _LAYOUT_STATE and key not in _WEIGHTS:
            setattr(pruned, key, copy.deepcopy(value))
    units = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    net = Network(units, estimator.activation, None, bn)
    dtype = coefs[0].dtype
    theta = net.pack(Params(coefs, intercepts, gammas, betas), dtype)
    P = net.views(theta)
    # coefs_ and friends are views of one flat vector, as after a fit
    pruned.coefs_, pruned.intercepts_ = P.coefs, P.intercepts
    pruned.bn_gammas_, pruned.bn_betas_ = P.gammas, P.betas
    pruned.bn_running_means_ = means if bn else []
    pruned.bn_running_vars_ = variances if bn else []
    return pruned


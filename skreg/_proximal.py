"""The full-batch proximal phase that ends a fit under a non-smooth penalty.

Mini-batch proximal steps give exact zeros, but not the objective's: the
noise of each mini-batch gradient reopens rows that a step has just closed,
and the adaptive solvers' per-coordinate steps make the group step a
compromise. So after the stochastic phase (and after early stopping and
weight averaging have chosen the weights), a fit with ``penalty`` 'l1',
'elasticnet', 'group_lasso' or 'group_elasticnet' runs up to
``prox_max_iter`` steps of proximal gradient descent on the *full-batch*
objective

    F(theta) = sum_i w_i loss_i(theta) + alpha * R(W)

(the same objective as the stochastic phase and 'lbfgs'; the network without
dropout, batch normalisation with the statistics of the whole training set,
as 'lbfgs' uses them). The steps are SpaRSA's (Wright, Nowak & Figueiredo
2009) with the adaptive Barzilai-Borwein step size of Zhou, Gao & Dai
(2006): accepted when F falls below the largest of its last few values by a
sufficient amount, halved until it does.

It stops when the optimality conditions hold to ``prox_tol``: the largest
*KKT violation* (:meth:`skreg.penalties.Penalty.kkt_violation`) over the
penalised groups, and the unpenalised parameters' gradient relative to the
smallest threshold, is at most ``prox_tol``.
"""

import numpy as np

from ._network import Network
from ._training import Part

__all__ = ["ProximalPhase", "proximal_gradient"]

#: F must fall by SIGMA / (2 s) ||step||^2 below the largest of the last MEMORY values
_SIGMA = 1e-4
_MEMORY = 5
#: halvings of a step before the phase gives up (the step is then ~1e-9 of the first)
_MAX_HALVINGS = 30
_STEP_RANGE = (1e-10, 1e10)
#: rows per block of the full-batch sums (without batch normalisation)
_BLOCK = 4096


class ProximalPhase(Part):
    """Runs :func:`proximal_gradient` on the training data when training
    ends (the first part, so that its end comes last: after early stopping
    has restored its weights and the weight average has replaced them)."""

    def __init__(self, data, max_iter, tol):
        self.data, self.max_iter, self.tol = data, max_iter, tol

    def on_train_end(self, setup, state, reason):
        theta, n_iter, violation = proximal_gradient(
            setup.net, setup.penalty, setup.alpha, state.theta, self.data,
            max_iter=self.max_iter, tol=self.tol, stats=state.stats)
        state.theta[...] = theta
        state.history.prox_n_iter = n_iter
        state.history.kkt_violation = violation


def _objective(net, penalty, alpha, data, dtype):
    """``f(theta, grad) -> smooth objective`` (gradient into grad) and
    ``h(theta) -> non-smooth part``, full batch, without dropout.

    Without batch normalisation the sums over samples run in blocks of
    ``_BLOCK`` rows (the loss and gradient are sums over samples of
    ``w_i loss_i``), so memory stays that of a block; batch normalisation
    needs the whole set's statistics, hence one block.
    """
    det = Network(net.layer_units, net.activation, net.loss, net.batch_norm, None)
    X, Y, sw = data.X, data.Y, data.sw
    n = X.shape[0]
    w = (sw / sw.sum()) if sw is not None and sw.sum() > 0 else np.full(n, 1.0 / n)
    w = w.astype(dtype, copy=False)
    block = n if net.batch_norm else min(n, _BLOCK)
    ws = det.workspace(block, dtype)
    nw = net.n_weights
    starts = range(0, n, block)
    part = np.empty(net.size, dtype=dtype) if len(starts) > 1 else None

    def f(theta, grad):
        P, G = det.views(theta), det.views(grad)
        value = ws.loss_grad(P, G, X[:block], Y[:block], w[:block])
        if part is not None:
            Gp = det.views(part)
            for start in starts[1:]:
                stop = min(start + block, n)
                value += ws.loss_grad(P, Gp, X[start:stop], Y[start:stop], w[start:stop])
                grad += part
        W = theta[:nw]
        value += alpha * penalty.smooth_value(W)
        penalty.add_grad(W, grad[:nw], alpha)
        return value

    def h(theta):
        return alpha * penalty.nonsmooth_value(theta[:nw])

    return f, h, ws, det, w


def _violation(penalty, alpha, theta, grad, nw):
    """The largest KKT violation: penalised groups relative to their
    threshold, the unpenalised parameters' gradient relative to the smallest
    threshold."""
    groups, smallest = penalty.kkt_violation(theta[:nw], grad[:nw], alpha)
    worst = float(groups.max()) if groups.size else 0.0
    if theta.size > nw:
        worst = max(worst, float(np.abs(grad[nw:]).max()) / smallest)
    return worst


def proximal_gradient(net, penalty, alpha, theta, data, *, max_iter, tol, stats=None):
    """Minimise the full-batch objective from ``theta`` (not changed);
    return ``(theta, n_steps, kkt_violation)``.

    With batch normalisation, ``stats`` (when given) are set to the
    statistics of the whole training set at the end.
    """
    f, h, ws, det, w = _objective(net, penalty, alpha, data, theta.dtype)
    nw = net.n_weights
    theta = theta.copy()
    grad = np.empty_like(theta)
    smooth = f(theta, grad)
    F = smooth + h(theta)
    violation = _violation(penalty, alpha, theta, grad, nw)
    recent = [F]
    new, new_grad = np.empty_like(theta), np.empty_like(theta)
    step, n_steps = 1.0, 0
    while n_steps < max_iter and violation > tol:
        for _ in range(_MAX_HALVINGS):
            # new = prox_{s h}(theta - s grad): gradient step, then the
            # penalty's proximal step on the weights
            np.multiply(grad, -step, out=new)
            new += theta
            penalty.prox(new[:nw], step, alpha)
            with np.errstate(all="ignore"):
                new_smooth = f(new, new_grad)
                new_F = new_smooth + h(new)
            moved = new - theta
            sq = float(np.dot(moved, moved))
            if np.isfinite(new_F) and new_F <= max(recent) - _SIGMA / (2 * step) * sq:
                break
            step *= 0.5
        else:
            break  # no step decreases F enough: as good as this method gets
        n_steps += 1
        # adaptive Barzilai-Borwein (Zhou, Gao & Dai 2006): the short step
        # <d theta, d grad> / ||d grad||^2 when it is under half the long one
        # <d theta, d theta> / <d theta, d grad>, else the long one (rejected
        # steps are then rare: about 1.05 evaluations per step, measured)
        change = new_grad - grad
        curvature = float(np.dot(moved, change))
        if curvature > 0:
            bb_long, bb_short = sq / curvature, curvature / float(np.dot(change, change))
            step = bb_short if bb_short < 0.5 * bb_long else bb_long
        else:
            step = 2.0 * step
        step = min(max(step, _STEP_RANGE[0]), _STEP_RANGE[1])
        theta, new = new, theta
        grad, new_grad = new_grad, grad
        recent = (recent + [new_F])[-_MEMORY:]
        violation = _violation(penalty, alpha, theta, grad, nw)
        if sq == 0.0:
            break  # a fixed point of the step
    if stats is not None and net.batch_norm:
        # running statistics := those of the whole training set (as 'lbfgs')
        X, Y = data.X, data.Y
        ws.loss_grad(det.views(theta), det.views(new_grad), X, Y, w,
                     stats=stats, momentum=1.0)
    return theta, n_steps, violation

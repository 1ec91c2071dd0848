"""Full-batch L-BFGS-B on the same objective as the stochastic solvers.

The smooth objective ``data(theta) + alpha * 0.5 * l2 * ||W||^2`` goes to
scipy's L-BFGS-B directly. When the penalty has an L1 part the weights are
split, W = U - V with U, V >= 0 (box constraints), which turns
``alpha * l1 * ||W||_1`` into the smooth, linear ``alpha * l1 * sum(U + V)``
and solves the non-smooth problem exactly: coordinates where both U and V sit
on their bound 0 are exact zeros.
"""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

__all__ = ["minimize_lbfgs"]

#: scipy's default relative-decrease tolerance of L-BFGS-B (factr=1e7 * eps)
_SCIPY_FTOL = 2.220446049250313e-09


def minimize_lbfgs(fun, theta, n_weights, penalty, alpha, *, max_iter, max_fun,
                   tol, verbose=False):
    """Minimise ``fun(theta) + alpha * penalty(theta[:n_weights])``.

    ``fun(theta, grad_out) -> data loss`` writes the data gradient into
    ``grad_out``. Returns ``(theta, objective, n_iter, objective_curve)``.
    """
    if penalty.group:
        raise ValueError(
            "solver='lbfgs' does not support the group penalties ('group_lasso', "
            "'group_elasticnet'): L-BFGS-B handles only box constraints, and the "
            "group norm cannot be split into them as L1 can. Use a stochastic "
            "solver ('adam', 'sgd', 'adamw', 'rmsprop', 'adagrad'), whose proximal "
            "step gives exact zero rows."
        )
    l1 = alpha * penalty.l1
    l2 = alpha * penalty.l2
    dtype = theta.dtype
    nw = n_weights
    size = theta.size
    grad = np.empty(size, dtype=dtype)
    curve = []

    if l1 > 0:
        # x = [U, V, rest]; W = U - V
        def unpack(x):
            th = np.empty(size, dtype=dtype)
            np.subtract(x[:nw], x[nw:2 * nw], out=th[:nw])
            th[nw:] = x[2 * nw:]
            return th

        def objective(x):
            th = unpack(x)
            value = fun(th, grad)
            w = th[:nw]
            g = grad.astype(np.float64)
            gw = g[:nw] + l2 * w
            value += l1 * float(x[:2 * nw].sum()) + 0.5 * l2 * float(np.dot(w, w))
            full = np.concatenate([gw + l1, l1 - gw, g[nw:]])
            return float(value), full

        x0 = np.concatenate([np.maximum(theta[:nw], 0), np.maximum(-theta[:nw], 0),
                             theta[nw:]]).astype(np.float64)
        bounds = [(0, None)] * (2 * nw) + [(None, None)] * (size - nw)
    else:
        def unpack(x):
            return x.astype(dtype, copy=False)

        def objective(x):
            th = unpack(x)
            value = fun(th, grad)
            g = grad.astype(np.float64)
            if l2 > 0:
                w = th[:nw]
                value += 0.5 * l2 * float(np.dot(w, w))
                g[:nw] += l2 * w
            return float(value), g

        x0 = theta.astype(np.float64)
        bounds = None

    def callback(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}")

    res = scipy.optimize.minimize(
        objective, x0, method="L-BFGS-B", jac=True, bounds=bounds,
        callback=callback,
        # gtol = tol as scikit-learn; the relative-decrease test (ftol) keeps
        # scipy's default unless tol asks for more precision than that
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol,
                 "ftol": min(tol, _SCIPY_FTOL)},
    )
    if res.status != 0:
        msg = res.message.decode() if isinstance(res.message, bytes) else res.message
        # scikit-learn's wording first (it too caps nit at max_iter)
        warnings.warn(
            f"lbfgs failed to converge after {min(res.nit, max_iter)} iteration(s) "
            f"(status={res.status}):\n{msg}\n\nIncrease max_iter / max_fun or "
            "scale the data.",
            ConvergenceWarning,
        )
    return unpack(res.x).astype(dtype, copy=True), float(res.fun), int(res.nit), curve

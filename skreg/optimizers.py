"""First-order optimizers acting in place on one flat parameter vector.

An optimizer object holds only hyper-parameters (it is a scikit-learn
estimator, so ``solver__beta_1`` works in a grid search). Its running state is
explicit: ``state = opt.init(theta)`` and ``opt.update(theta, grad, state,
lr)`` changes ``theta`` and ``state`` in place. ``opt.step_size(state, lr)``
is the step each coordinate just took per unit of gradient (a scalar for SGD,
an array for the adaptive methods); the proximal step of the L1 and group
penalties uses it. For SGD with momentum it is the *effective* step: the
displacement that a gradient held constant over all past steps would have
produced in the last one, ``lr / (1 - momentum)`` once the rate has been
constant for a while, which is what makes the proximal step's fixed points
the objective's stationary points (see :meth:`SGD.step_size`).

Formulas: SGD with momentum in scikit-learn's velocity form; Adagrad,
RMSprop, Adam and AdamW as documented for ``torch.optim`` (no lr decay,
no centering, no amsgrad).
"""

import math

import numpy as np
from sklearn.base import BaseEstimator

from ._params import check_bool, check_real

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


class Optimizer(BaseEstimator):
    """Base class: ``init(theta) -> state`` and in-place ``update``.

    ``update`` may overwrite ``grad`` (it is recomputed for every step).
    """

    #: True when the L2 part of the penalty is applied as decoupled weight
    #: decay (AdamW) instead of through the gradient.
    decoupled_weight_decay = False

    def init(self, theta):
        return {"t": 0}

    def update(self, theta, grad, state, lr):  # pragma: no cover - abstract
        raise NotImplementedError

    def step_size(self, state, lr):
        """Per-coordinate step of the last update, per unit of gradient."""
        return lr

    def step_profile(self, t):
        """How far the ``t``-th update (1-based, an array) moves at a constant
        rate of 1 and a steady gradient scale, as a multiple of the gradient
        scale: 1 for a solver whose step neither grows nor shrinks. The
        held-out probe of ``learning_rate_init='auto'`` weighs a fit's steps
        by it (see :mod:`skreg._probe`)."""
        return np.ones(np.shape(t))

    def _check(self):
        """Validate hyper-parameters; raise ValueError naming the bad one."""


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    scikit-learn's velocity form: ``v <- momentum * v - lr * g``, then
    ``theta <- theta + v`` (classical) or
    ``theta <- theta + momentum * v - lr * g`` (Nesterov).

    Parameters
    ----------
    momentum : float, default=0.9
        Momentum in [0, 1]; 0 is plain SGD.
    nesterov : bool, default=True
        Use Nesterov's momentum.
    """

    def __init__(self, momentum=0.9, nesterov=True):
        self.momentum = momentum
        self.nesterov = nesterov

    def _check(self):
        check_real("SGD.momentum", self.momentum, 0, 1)
        check_bool("SGD.nesterov", self.nesterov)

    def init(self, theta):
        state = {"t": 0}
        if self.momentum > 0:
            state["velocity"] = np.zeros_like(theta)
            state["tmp"] = np.empty_like(theta)
            state["reach"] = 0.0
        return state

    def step_size(self, state, lr):
        """The effective step of the last update, per unit of gradient.

        The velocity sums past gradients with weights ``lr_k * m^(t-k)``, so
        a constant gradient ``g`` moves theta by ``-s_t g`` in step t with
        ``r_t = m r_{t-1} + lr_t`` and ``s_t = r_t`` (classical) or
        ``s_t = m r_t + lr_t`` (Nesterov); both tend to ``lr / (1 - m)``
        at a constant rate. A proximal step taken with ``s_t`` has as fixed
        points exactly the points where ``0`` is in the gradient plus the
        subdifferential of the penalty; taken with ``lr`` (as plain SGD
        would) its threshold would be ``1 - m`` times too small.
        """
        m = self.momentum
        if m <= 0:
            return lr
        reach = state["reach"]
        return m * reach + lr if self.nesterov else reach

    def step_profile(self, t):
        """The effective step r_t = (1 - m^t) / (1 - m) (classical), or
        m r_t + 1 (Nesterov), of a constant unit gradient: see step_size."""
        t = np.asarray(t, dtype=float)
        m = self.momentum
        if m <= 0:
            return np.ones_like(t)
        reach = t if m >= 1 else (1.0 - m**t) / (1.0 - m)
        return m * reach + 1.0 if self.nesterov else reach

    def update(self, theta, grad, state, lr):
        state["t"] += 1
        m = self.momentum
        if m > 0:
            # r_t = m r_{t-1} + lr_t (see step_size); a state saved before r
            # existed resumes from its steady value
            prev = state.get("reach")
            if prev is None:
                prev = lr / (1.0 - m) if 0 < m < 1 and state["t"] > 1 else 0.0
            state["reach"] = m * prev + lr
        if m <= 0:
            # theta <- theta - lr * g
            theta -= lr * grad
            return
        v, tmp = state["velocity"], state["tmp"]
        np.multiply(grad, lr, out=tmp)
        v *= self.momentum
        v -= tmp  # v <- momentum * v - lr * g
        if self.nesterov:
            # theta <- theta + momentum * v - lr * g
            theta -= tmp
            np.multiply(v, self.momentum, out=tmp)
            theta += tmp
        else:
            theta += v


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011; torch.optim.Adagrad with lr_decay=0).

    ``G <- G + g**2``; ``theta <- theta - lr * g / (sqrt(G) + epsilon)``.

    Parameters
    ----------
    epsilon : float, default=1e-10
        Added to the denominator.
    """

    def __init__(self, epsilon=1e-10):
        self.epsilon = epsilon

    def _check(self):
        check_real("Adagrad.epsilon", self.epsilon, 0, low_open=True)

    def init(self, theta):
        return {"t": 0, "sum": np.zeros_like(theta), "denom": np.empty_like(theta)}

    def update(self, theta, grad, state, lr):
        state["t"] += 1
        s, d = state["sum"], state["denom"]
        np.multiply(grad, grad, out=d)
        s += d  # G <- G + g^2
        np.sqrt(s, out=d)
        d += self.epsilon  # sqrt(G) + eps
        np.divide(grad, d, out=d)
        d *= lr
        theta -= d
        state["lr"] = lr

    def step_size(self, state, lr):
        return lr / (np.sqrt(state["sum"]) + self.epsilon)

    def step_profile(self, t):
        """t^(-1/2): the summed squares of a steady gradient grow like t."""
        return np.asarray(t, dtype=float) ** -0.5


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e; torch.optim.RMSprop, not centered).

    ``v <- rho * v + (1 - rho) * g**2``;
    ``theta <- theta - lr * g / (sqrt(v) + epsilon)``.

    Parameters
    ----------
    rho : float, default=0.99
        Decay of the running average of squared gradients (torch's ``alpha``).
    epsilon : float, default=1e-8
        Added to the denominator.
    """

    def __init__(self, rho=0.99, epsilon=1e-8):
        self.rho = rho
        self.epsilon = epsilon

    def _check(self):
        check_real("RMSprop.rho", self.rho, 0, 1, high_open=True)
        check_real("RMSprop.epsilon", self.epsilon, 0, low_open=True)

    def init(self, theta):
        return {"t": 0, "sq": np.zeros_like(theta), "denom": np.empty_like(theta)}

    def update(self, theta, grad, state, lr):
        state["t"] += 1
        v, d = state["sq"], state["denom"]
        np.multiply(grad, grad, out=d)
        d *= 1.0 - self.rho
        v *= self.rho
        v += d  # v <- rho v + (1 - rho) g^2
        np.sqrt(v, out=d)
        d += self.epsilon
        np.divide(grad, d, out=d)
        d *= lr
        theta -= d

    def step_size(self, state, lr):
        return lr / (np.sqrt(state["sq"]) + self.epsilon)

    def step_profile(self, t):
        """(1 - rho^t)^(-1/2): the average of squares starts at 0 and is not
        bias-corrected, so the first steps are larger (about 10x at t = 1
        with rho = 0.99)."""
        return (1.0 - self.rho ** np.asarray(t, dtype=float)) ** -0.5


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1; torch.optim.Adam).

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``,
    ``theta <- theta - lr * m_hat / (sqrt(v_hat) + epsilon)`` with
    ``m_hat = m / (1 - b1**t)`` and ``v_hat = v / (1 - b2**t)``.

    Parameters
    ----------
    beta_1 : float, default=0.9
    beta_2 : float, default=0.999
    epsilon : float, default=1e-8
    """

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _check(self):
        name = type(self).__name__
        check_real(f"{name}.beta_1", self.beta_1, 0, 1, high_open=True)
        check_real(f"{name}.beta_2", self.beta_2, 0, 1, high_open=True)
        check_real(f"{name}.epsilon", self.epsilon, 0, low_open=True)

    def init(self, theta):
        return {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}

    def update(self, theta, grad, state, lr):
        state["t"] = t = state["t"] + 1
        b1, b2 = self.beta_1, self.beta_2
        # ``grad`` serves as scratch space: the training loop recomputes it
        # before every update, and this saves one parameter-sized buffer
        m, v, d = state["m"], state["v"], grad
        # m <- b1 m + (1 - b1) g, written b1 (m - g) + g: no temporary
        m -= grad
        m *= b1
        m += grad
        # v <- b2 v + (1 - b2) g^2 = b2 (v - g^2) + g^2 (g^2 overwrites grad)
        np.multiply(grad, grad, out=d)
        v -= d
        v *= b2
        v += d
        bc1 = 1.0 - b1**t
        c2 = math.sqrt(1.0 - b2**t)
        # lr m_hat / (sqrt(v_hat) + eps) = (lr c2 / bc1) m / (sqrt(v) + eps c2),
        # with bc1 = 1 - b1^t and c2 = sqrt(1 - b2^t): one operation fewer
        np.sqrt(v, out=d)
        d += self.epsilon * c2
        np.divide(m, d, out=d)
        d *= lr * c2 / bc1
        theta -= d

    def step_size(self, state, lr):
        t = state["t"]
        bc1 = 1.0 - self.beta_1**t
        bc2 = 1.0 - self.beta_2**t
        return (lr / bc1) / (np.sqrt(state["v"]) * (1.0 / math.sqrt(bc2)) + self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    The L2 part of the estimator's penalty is not added to the gradient;
    instead the weights are shrunk, ``W <- W * (1 - lr * alpha * l2)``, before
    the Adam step (torch.optim.AdamW's order). Biases are never decayed.
    """

    decoupled_weight_decay = True

"""The step: what one mini-batch does to the parameters, as a chain of entries.

After the loop has computed the data gradient into ``grad``, the entries of
``setup.steps`` run in order, each a small transformation of ``theta`` and
``grad`` (optax's ``chain``). :func:`chain` builds today's order, which is
torch's::

    PenaltyGradient   grad[:nw] += alpha * l2 * W       (coupled L2 part)
    ClipGradNorm      grad *= min(1, c / (||grad|| + 1e-6))   (``max_grad_norm``)
    DecoupledDecay    W *= 1 - lr * alpha * l2          (AdamW, before its step)
    OptimizerUpdate   the optimizer's update with rate lr
    ProximalStep      the prox of the non-smooth part (L1 / group), with the
                      step each coordinate just took

An entry's ``bind(setup, state, grad)`` returns the function of the rate
that the loop calls per mini-batch; binding once per run keeps the views and
lookups out of the hot path.
"""

import math

import numpy as np

__all__ = ["PenaltyGradient", "ClipGradNorm", "DecoupledDecay", "OptimizerUpdate",
           "ProximalStep", "chain"]


class PenaltyGradient:
    """Adds the gradient of the penalty's smooth part to the weights' gradient."""

    def bind(self, setup, state, grad):
        add_grad, alpha = setup.penalty.add_grad, setup.alpha
        theta_w, grad_w = state.theta[:setup.net.n_weights], grad[:setup.net.n_weights]

        def step(lr):
            add_grad(theta_w, grad_w, alpha)
        return step


class ClipGradNorm:
    """Gradient clipping by the global L2 norm, as torch's ``clip_grad_norm_``:
    ``grad *= min(1, max_norm / (||grad||_2 + 1e-6))``, over every parameter."""

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def bind(self, setup, state, grad):
        max_norm = self.max_norm

        def step(lr):
            coef = max_norm / (math.sqrt(float(np.dot(grad, grad))) + 1e-6)
            if coef < 1.0:
                np.multiply(grad, coef, out=grad)
        return step


class DecoupledDecay:
    """Decoupled weight decay (Loshchilov & Hutter 2019): W <- W (1 - lr alpha l2)."""

    def bind(self, setup, state, grad):
        alpha, l2 = setup.alpha, setup.penalty.l2
        theta_w = state.theta[:setup.net.n_weights]

        def step(lr):
            np.multiply(theta_w, 1.0 - lr * alpha * l2, out=theta_w)
        return step


class OptimizerUpdate:
    """The optimizer's in-place update of theta from grad."""

    def bind(self, setup, state, grad):
        update, theta, opt_state = setup.optimizer.update, state.theta, state.opt_state

        def step(lr):
            update(theta, grad, opt_state, lr)
        return step


class ProximalStep:
    """Proximal step of the penalty's non-smooth part, with the step size each
    coordinate just took (a scalar for SGD, per coordinate for the adaptive
    methods): this is what makes L1 and group zeros exact."""

    def bind(self, setup, state, grad):
        nw, alpha = setup.net.n_weights, setup.alpha
        prox, step_size = setup.penalty.prox, setup.optimizer.step_size
        theta_w, opt_state = state.theta[:nw], state.opt_state

        def step(lr):
            size = step_size(opt_state, lr)
            prox(theta_w, size if np.isscalar(size) else size[:nw], alpha)
        return step


def chain(optimizer, penalty, alpha, max_grad_norm=None):
    """The step entries for this optimizer, penalty and clipping, in torch's order."""
    entries = []
    if alpha and not optimizer.decoupled_weight_decay:
        entries.append(PenaltyGradient())
    if max_grad_norm is not None:
        entries.append(ClipGradNorm(max_grad_norm))
    if alpha and optimizer.decoupled_weight_decay:
        entries.append(DecoupledDecay())
    entries.append(OptimizerUpdate())
    if alpha and penalty.has_prox:
        entries.append(ProximalStep())
    return tuple(entries)

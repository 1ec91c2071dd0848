"""Penalties on the weight matrices (never on biases).

Every penalty here is a member of one family,
``R(W) = l1 * ||W||_1 + 0.5 * l2 * ||W||_2^2``,
split into a smooth part (the L2 term, which goes through the gradient, or
through decoupled weight decay for AdamW) and a non-smooth part (the L1 term,
applied after each optimizer step as a proximal step: soft-thresholding,
which is what produces exact zeros).
"""

import numpy as np

__all__ = ["Penalty", "L2", "L1", "ElasticNet", "NoPenalty", "get_penalty"]


class Penalty:
    """``R(W) = l1 * ||W||_1 + 0.5 * l2 * ||W||^2`` (multiplied by alpha outside)."""

    l1 = 0.0
    l2 = 0.0

    def value(self, w):
        """``R(w)`` for the flat weight vector ``w``."""
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.abs(w).sum())
        if self.l2:
            out += 0.5 * self.l2 * float(np.dot(w, w))
        return out

    def add_grad(self, w, grad, alpha):
        """``grad += alpha * l2 * w`` (gradient of the smooth part), in place."""
        if self.l2 and alpha:
            grad += (alpha * self.l2) * w
        return grad

    def prox(self, w, step, alpha):
        """Proximal step of ``alpha * l1 * ||w||_1`` with ``step`` (scalar or
        per coordinate), in place: soft-thresholding
        ``w <- sign(w) * max(|w| - alpha * l1 * step, 0)``."""
        if not (self.l1 and alpha):
            return w
        thresh = (alpha * self.l1) * step
        shrunk = np.abs(w) - thresh
        np.maximum(shrunk, 0, out=shrunk)
        np.copysign(shrunk, w, out=w)
        return w

    def __repr__(self):
        return f"{type(self).__name__}(l1={self.l1}, l2={self.l2})"


class L2(Penalty):
    """``R(W) = 0.5 * ||W||^2`` (weight decay)."""

    l2 = 1.0


class L1(Penalty):
    """``R(W) = ||W||_1`` (exact zeros through soft-thresholding)."""

    l1 = 1.0


class ElasticNet(Penalty):
    """``R(W) = l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2``."""

    def __init__(self, l1_ratio=0.15):
        self.l1 = float(l1_ratio)
        self.l2 = 1.0 - float(l1_ratio)


class NoPenalty(Penalty):
    """``R(W) = 0``."""


def get_penalty(name, l1_ratio=0.15):
    """Penalty object for the estimator parameter ``penalty``."""
    if name is None:
        return NoPenalty()
    return {"l2": L2, "l1": L1}[name]() if name != "elasticnet" else ElasticNet(l1_ratio)

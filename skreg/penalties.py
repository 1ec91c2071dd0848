"""Penalties on the weight matrices (never on biases).

Every penalty here is a member of one family,
``R(W) = l1 * ||W||_1 + 0.5 * l2 * ||W||_2^2``,
split into a smooth part (the L2 term, which goes through the gradient, or
through decoupled weight decay for AdamW) and a non-smooth part (the L1 term,
applied after each optimizer step as a proximal step: soft-thresholding,
which is what produces exact zeros).

:class:`GroupLasso` adds a group term on the rows of every weight matrix,
``R(W) = group * sum_l sum_i sqrt(fan_out_l) * ||W_l[i, :]||_2 +
0.5 * l2 * ||W||^2`` (Yuan & Lin 2006, on rows as in Scardapane et al. 2017):
row i of W_l holds every outgoing weight of input feature i (l = 0) or of
hidden unit i, so a zero row is a feature the network does not use or a unit
that can be removed. Its proximal step is block soft-thresholding. It needs
the layout of the flat weight vector, given by :meth:`Penalty.bind` once the
network is built; the other penalties ignore the layout.

The training loop sees one interface for all of them: ``value``,
``add_grad`` (smooth part), and ``prox`` applied when ``has_prox``.
"""

import numpy as np

__all__ = ["Penalty", "L2", "L1", "ElasticNet", "GroupLasso", "NoPenalty", "get_penalty"]


class Penalty:
    """``R(W) = l1 * ||W||_1 + 0.5 * l2 * ||W||^2`` (multiplied by alpha outside)."""

    l1 = 0.0
    l2 = 0.0
    #: weight of the group (row-norm) term; only :class:`GroupLasso` has one
    group = 0.0

    @property
    def has_prox(self):
        """True when the penalty has a non-smooth part, applied by ``prox``."""
        return self.l1 > 0

    def bind(self, shapes):
        """The penalty for a flat weight vector made of matrices of ``shapes``
        (``(fan_in, fan_out)`` per layer, raveled in C order, concatenated).
        Element-wise penalties do not depend on the layout: ``self``."""
        return self

    def value(self, w):
        """``R(w)`` for the flat weight vector ``w``."""
        return self.nonsmooth_value(w) + self.smooth_value(w)

    def smooth_value(self, w):
        """The smooth part of ``R(w)``: ``0.5 * l2 * ||w||^2``."""
        return 0.5 * self.l2 * float(np.dot(w, w)) if self.l2 else 0.0

    def nonsmooth_value(self, w):
        """The non-smooth part of ``R(w)``: ``l1 * ||w||_1``."""
        return self.l1 * float(np.abs(w).sum()) if self.l1 else 0.0

    def kkt_violation(self, w, grad, alpha):
        """How far ``w`` is from satisfying the optimality conditions.

        ``grad`` is the gradient of the smooth part of the objective (data
        loss plus ``alpha`` times the smooth part of R) at ``w``. For each
        coordinate, with threshold ``tau = alpha * l1``:

        * ``w_j == 0``: optimal when ``|grad_j| <= tau``; violation
          ``max(0, |grad_j| - tau) / tau``;
        * ``w_j != 0``: optimal when ``grad_j = -tau * sign(w_j)``; violation
          ``|grad_j + tau * sign(w_j)| / tau``.

        Returns ``(violations, smallest threshold)``; without a non-smooth
        part every coordinate is measured against ``1`` (plain stationarity).
        """
        tau = alpha * self.l1
        if tau <= 0:
            return np.abs(grad), 1.0
        zero = w == 0
        out = np.abs(grad + tau * np.sign(w))
        out[zero] = np.maximum(np.abs(grad[zero]) - tau, 0.0)
        return out / tau, tau

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


class GroupLasso(Penalty):
    """Group lasso on the rows of every weight matrix, optionally mixed with L2.

    ``R(W) = l1_ratio * sum_l sum_i sqrt(fan_out_l) * ||W_l[i, :]||_2
    + 0.5 * (1 - l1_ratio) * ||W||^2``.

    Row i of ``W_l`` (shape ``(fan_in, fan_out)``) holds all outgoing weights
    of input feature i (first layer) or hidden unit i; the factor
    ``sqrt(fan_out_l)``, the square root of the group size, is Yuan & Lin's
    weighting, so that groups of different sizes are penalised alike.

    The proximal step is block soft-thresholding,
    ``w_g <- max(0, 1 - alpha * l1_ratio * sqrt(fan_out) * t_g / ||w_g||) * w_g``,
    which sets whole rows to exactly zero. ``t_g`` is the step of group g:
    the optimizer's step when it is a scalar (SGD); for per-coordinate steps
    ``d_j`` (Adam, RMSprop, Adagrad, AdamW) it is their *harmonic mean* over
    the row, ``t_g = n_g / sum_j (1 / d_j)``. With one scalar per group the
    update is still the exact proximal operator of a (per-group weighted)
    group norm, so it keeps the rotation invariance of the group norm and
    gives exact zeros. The harmonic mean is the step of the row's mean
    inverse step, ``1 / t_g = mean_j (1 / d_j)`` (for Adam: the row's mean
    ``sqrt(v_hat) + epsilon`` in the denominator). It equals the common step when
    all steps are equal; a row whose data gradient is zero has only huge steps
    (``lr / epsilon``) and goes to zero at once; and, unlike the arithmetic
    mean or the maximum, one coordinate with a huge step (a weight into a
    dead unit, whose gradient is zero) cannot drive a whole row to zero.

    Parameters
    ----------
    l1_ratio : float, default=1.0
        Weight of the group term; ``1 - l1_ratio`` weighs the L2 part.
    shapes : list of (int, int) or None, default=None
        ``(fan_in, fan_out)`` of each weight matrix, in the order of the flat
        weight vector. The estimators set it through :meth:`bind`.
    """

    def __init__(self, l1_ratio=1.0, shapes=None):
        self.group = float(l1_ratio)
        self.l2 = 1.0 - float(l1_ratio)
        self.shapes = None if shapes is None else [(int(a), int(b)) for a, b in shapes]
        # (start, fan_in, fan_out) of each matrix in the flat vector, computed once
        self._layout, start = [], 0
        for a, b in self.shapes or []:
            self._layout.append((start, a, b))
            start += a * b
        self._size = start

    @property
    def has_prox(self):
        return self.group > 0

    def bind(self, shapes):
        return GroupLasso(self.group, shapes)

    def _rows(self, w):
        """(fan_in, fan_out) views of each layer's slice of ``w``."""
        if self.shapes is None:
            raise ValueError(
                "GroupLasso needs the shapes of the weight matrices: create it with "
                "shapes=[(fan_in, fan_out), ...] or call .bind(shapes)."
            )
        if w.shape != (self._size,):
            raise ValueError(
                f"GroupLasso bound to shapes {self.shapes} ({self._size} weights) got a "
                f"weight vector of shape {w.shape}."
            )
        return [w[start:start + a * b].reshape(a, b) for start, a, b in self._layout]

    def nonsmooth_value(self, w):
        if not self.group:
            return 0.0
        total = 0.0
        for W in self._rows(w):
            # sqrt(fan_out) * sum_i ||W[i, :]||_2
            norms = np.sqrt(np.einsum("ij,ij->i", W, W))
            total += np.sqrt(W.shape[1]) * float(norms.sum())
        return self.group * total

    def kkt_violation(self, w, grad, alpha):
        """How far ``w`` is from satisfying the group optimality conditions.

        ``grad`` is the gradient of the smooth part of the objective at
        ``w``. For each row ``g`` (of size ``n_g``), with threshold
        ``tau_g = alpha * l1_ratio * sqrt(n_g)``:

        * ``w_g == 0``: optimal when ``||grad_g|| <= tau_g``; violation
          ``max(0, ||grad_g|| - tau_g) / tau_g``;
        * ``w_g != 0``: optimal when ``grad_g = -tau_g * w_g / ||w_g||``;
          violation ``||grad_g + tau_g * w_g / ||w_g|| || / tau_g``.

        Returns ``(violations of every row, layer by layer; smallest tau_g)``.
        """
        if not (self.group and alpha):
            return np.abs(grad), 1.0
        out, smallest = [], np.inf
        for W, G in zip(self._rows(w), self._rows(grad)):
            tau = alpha * self.group * np.sqrt(W.shape[1])
            smallest = min(smallest, tau)
            norms = np.sqrt(np.einsum("ij,ij->i", W, W))
            zero = norms == 0
            with np.errstate(divide="ignore", invalid="ignore"):
                R = G + tau * W / norms[:, None]
            R[zero] = 0.0
            v = np.sqrt(np.einsum("ij,ij->i", R, R))
            gnorm = np.sqrt(np.einsum("ij,ij->i", G, G))
            v[zero] = np.maximum(gnorm[zero] - tau, 0.0)
            out.append(v / tau)
        return np.concatenate(out), smallest

    def prox(self, w, step, alpha):
        """Block soft-thresholding of every row, in place, with the step of
        each row taken as described in the class docstring."""
        if not (self.group and alpha):
            return w
        per_coord = not np.isscalar(step)
        steps = self._rows(np.asarray(step)) if per_coord else None
        for k, W in enumerate(self._rows(w)):
            n_g = W.shape[1]
            if per_coord:
                with np.errstate(divide="ignore"):
                    # harmonic mean of the row's steps: n_g / sum_j 1 / d_j
                    t = n_g / (1.0 / steps[k]).sum(axis=1)
            else:
                t = step
            thresh = (alpha * self.group * np.sqrt(n_g)) * t
            norms = np.sqrt(np.einsum("ij,ij->i", W, W))
            with np.errstate(divide="ignore", invalid="ignore"):
                # max(0, 1 - thresh / ||w_g||); a zero row stays zero
                scale = 1.0 - thresh / norms
            scale = np.where(norms > thresh, scale, 0.0)
            W *= scale.astype(W.dtype, copy=False)[:, None]
        return w

    def __repr__(self):
        return f"GroupLasso(l1_ratio={self.group}, shapes={self.shapes})"


class NoPenalty(Penalty):
    """``R(W) = 0``."""


def get_penalty(name, l1_ratio=0.15):
    """Penalty object for the estimator parameter ``penalty``.

    'group_lasso' is the pure group penalty (``l1_ratio`` is not used, as
    for 'l1'); 'group_elasticnet' mixes it with L2 through ``l1_ratio``, as
    'elasticnet' mixes L1 and L2. Both need :meth:`Penalty.bind` before use.
    """
    if name is None:
        return NoPenalty()
    if name == "group_lasso":
        return GroupLasso(1.0)
    if name == "group_elasticnet":
        return GroupLasso(l1_ratio)
    return {"l2": L2, "l1": L1}[name]() if name != "elasticnet" else ElasticNet(l1_ratio)

"""Loss functions paired with their output activation (canonical link).

Every loss works on the raw output ``Z = H W + b`` of the last layer and on
*normalised* sample weights ``w`` (``w_i = s_i / sum(s)``), so that

    loss = sum_i w_i * loss_i.

``loss_and_delta`` returns that value and overwrites ``Z`` with dloss/dZ,
which for a canonical link is ``w_i * (output - y)`` (divided by the number of
outputs for the squared error, whose per-sample loss is averaged over
outputs). ``link`` turns ``Z`` into predictions in place.

The losses are those of scikit-learn's MLP:

* ``squared_error``: 0.5 * mean_k (y_k - z_k)**2, identity output;
* ``poisson``: half Poisson deviance sum_k y log(y / mu) - y + mu with
  mu = exp(z);
* ``log_loss``: cross-entropy of the softmax, -sum_k y_k log p_k;
* ``binary_log_loss``: sum over outputs of -y log p - (1 - y) log(1 - p),
  p = sigmoid(z) (binary and multilabel classification).

Log losses are computed from the logits (log-sum-exp and softplus), which is
exact and never takes the log of 0.
"""

import numpy as np
from scipy.special import expit, xlogy

__all__ = ["LOSSES", "get_loss"]


class SquaredError:
    name = "squared_error"
    out_activation = "identity"

    def link(self, Z):
        return Z

    def loss_and_delta(self, Z, Y, w, tmp=None):
        # delta = w_i * (z - y) / K ; loss = 0.5 * sum_i w_i * sum_k (z - y)^2 / K
        Z -= Y
        k = Z.shape[1]
        loss = 0.5 * float(np.dot(w, np.einsum("ij,ij->i", Z, Z))) / k
        Z *= (w / k)[:, None]
        return loss


class Poisson:
    name = "poisson"
    out_activation = "exp"

    def link(self, Z):
        return np.exp(Z, out=Z)

    def loss_and_delta(self, Z, Y, w, tmp=None):
        # loss_i = sum_k y log y - y z - y + exp(z) ; delta = w_i (exp(z) - y)
        per = xlogy(Y, Y) - Y * Z - Y
        np.exp(Z, out=Z)
        per += Z
        loss = float(np.dot(w, per.sum(axis=1)))
        Z -= Y
        Z *= w[:, None]
        return loss


class LogLoss:
    """Softmax cross-entropy (multiclass)."""

    name = "log_loss"
    out_activation = "softmax"

    def link(self, Z):
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
        return Z

    def loss_and_delta(self, Z, Y, w, tmp=None):
        # log p_ik = z_ik - logsumexp_k(z_i) ; loss_i = -sum_k y_ik log p_ik
        Z -= Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Z).sum(axis=1))
        # Y is one-hot, so sum_k y_ik (lse_i - z_ik) = lse_i - (Y * Z).sum(1)
        per = lse * Y.sum(axis=1) - np.einsum("ij,ij->i", Y, Z)
        loss = float(np.dot(w, per))
        Z -= lse[:, None]
        np.exp(Z, out=Z)  # softmax probabilities
        Z -= Y
        Z *= w[:, None]
        return loss


class BinaryLogLoss:
    """Logistic cross-entropy summed over outputs (binary, multilabel)."""

    name = "binary_log_loss"
    out_activation = "logistic"

    def link(self, Z):
        return expit(Z, out=Z)

    def loss_and_delta(self, Z, Y, w, tmp=None):
        # -y log p - (1-y) log(1-p) = softplus(z) - y z = logaddexp(0, z) - y z
        per = np.logaddexp(0, Z)
        per -= Y * Z
        loss = float(np.dot(w, per.sum(axis=1)))
        expit(Z, out=Z)
        Z -= Y
        Z *= w[:, None]
        return loss


LOSSES = {
    cls.name: cls for cls in (SquaredError, Poisson, LogLoss, BinaryLogLoss)
}


def get_loss(name):
    """Return the loss object called ``name``."""
    return LOSSES[name]()

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


_ONES = {}


def _ones(k, dtype):
    """A cached read-only vector of k ones."""
    key = (k, np.dtype(dtype))
    if key not in _ONES:
        ones = np.ones(k, dtype=dtype)
        ones.flags.writeable = False
        _ONES[key] = ones
    return _ONES[key]


def _row_sums(A):
    """Sum of each row through a matrix-vector product (much faster than
    ``A.sum(axis=1)`` for the narrow matrices of an output layer)."""
    return A @ _ones(A.shape[1], A.dtype)


def _subtract_row_max(Z):
    """Shift each row of Z so that exp(Z) cannot overflow and each row keeps
    a term >= exp(-limit) > 0 (log-sum-exp). When all entries lie within
    ``limit`` of each other, the global maximum does this in one cheap
    reduction; otherwise each row's own maximum is used."""
    top, bottom = Z.max(), Z.min()
    limit = 80.0 if Z.dtype == np.float32 else 700.0
    if top - bottom < limit:
        Z -= top
    else:
        Z -= Z[np.arange(Z.shape[0]), Z.argmax(axis=1)][:, None]
    return Z


class SquaredError:
    name = "squared_error"
    out_activation = "identity"

    def link(self, Z):
        return Z

    def loss_and_delta(self, Z, Y, w):
        # delta = w_i * (z - y) / K ; loss = 0.5 * sum_i w_i * sum_k (z - y)^2 / K
        Z -= Y
        k = Z.shape[1]
        loss = 0.5 * float(np.dot(w, np.einsum("ij,ij->i", Z, Z))) / k
        Z *= (w * (1.0 / k))[:, None]
        return loss


class Poisson:
    name = "poisson"
    out_activation = "exp"

    def link(self, Z):
        return np.exp(Z, out=Z)

    def loss_and_delta(self, Z, Y, w):
        # loss_i = sum_k y log y - y z - y + exp(z) ; delta = w_i (exp(z) - y)
        per = xlogy(Y, Y) - Y * Z - Y
        np.exp(Z, out=Z)
        per += Z
        loss = float(np.dot(w, _row_sums(per)))
        Z -= Y
        Z *= w[:, None]
        return loss


class LogLoss:
    """Softmax cross-entropy (multiclass). Targets are class codes: ``Y[i]``
    is the column of sample i's class. With ``label_smoothing`` eps the
    target distribution is ``(1 - eps) * onehot + eps / K`` (torch's
    ``CrossEntropyLoss(label_smoothing=eps)``)."""

    name = "log_loss"
    out_activation = "softmax"

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = label_smoothing

    def link(self, Z):
        _subtract_row_max(Z)
        np.exp(Z, out=Z)
        Z /= _row_sums(Z)[:, None]
        return Z

    def loss_and_delta(self, Z, Y, w):
        rows = np.arange(Z.shape[0])
        eps = self.label_smoothing
        _subtract_row_max(Z)  # log-sum-exp shift: exp(z) never overflows
        z_true = Z[rows, Y]  # logit of the true class
        if eps:
            # -sum_k q_k log p_k = log sum_k exp(z_k) - (1 - eps) z_true - eps mean_k z_k
            z_target = (1.0 - eps) * z_true + eps * (_row_sums(Z) / Z.shape[1])
        np.exp(Z, out=Z)
        total = _row_sums(Z)
        # -log p_true = log sum_k exp(z_k) - z_true
        loss = float(np.dot(w, np.log(total) - (z_target if eps else z_true)))
        Z /= total[:, None]  # softmax probabilities p
        if eps:
            Z[rows, Y] -= 1.0 - eps  # p - q
            Z -= eps / Z.shape[1]
        else:
            Z[rows, Y] -= 1.0  # p - onehot(y)
        Z *= w[:, None]
        return loss


class BinaryLogLoss:
    """Logistic cross-entropy summed over outputs (binary, multilabel). With
    ``label_smoothing`` eps the targets are ``y * (1 - eps) + eps / 2``
    (Keras's ``BinaryCrossentropy(label_smoothing=eps)``)."""

    name = "binary_log_loss"
    out_activation = "logistic"

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = label_smoothing

    def link(self, Z):
        return expit(Z, out=Z)

    def loss_and_delta(self, Z, Y, w):
        if self.label_smoothing:
            eps = self.label_smoothing
            Y = Y * (1.0 - eps) + eps / 2.0  # smoothed targets
        # -y log p - (1-y) log(1-p) = softplus(z) - y z, with the stable
        # softplus(z) = max(z, 0) + log1p(exp(-|z|))
        per = np.abs(Z)
        np.negative(per, out=per)
        np.exp(per, out=per)
        np.log1p(per, out=per)
        per += np.maximum(Z, 0)
        per -= Y * Z
        loss = float(np.dot(w, _row_sums(per)))
        expit(Z, out=Z)
        Z -= Y
        Z *= w[:, None]
        return loss


LOSSES = {
    cls.name: cls for cls in (SquaredError, Poisson, LogLoss, BinaryLogLoss)
}


def get_loss(name, label_smoothing=0.0):
    """Return the loss object called ``name`` (``label_smoothing``: the two
    log losses only)."""
    if label_smoothing:
        return LOSSES[name](label_smoothing=label_smoothing)
    return LOSSES[name]()

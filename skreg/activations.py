"""Hidden-layer activation functions.

Each activation is applied in place to the pre-activation ``Z``. Its
derivative is computed from the *output* ``A = f(Z)`` (every activation here
allows that), and multiplied in place into the back-propagated error, so the
backward pass needs no copy of ``Z``.
"""

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "apply_activation", "apply_derivative"]


def _identity(Z):
    return Z


def _logistic(Z):
    # sigma(z) = 1 / (1 + exp(-z))
    return expit(Z, out=Z)


def _tanh(Z):
    return np.tanh(Z, out=Z)


def _relu(Z):
    # max(0, z)
    return np.maximum(Z, 0, out=Z)


def _identity_grad(A, delta, tmp):
    return delta


def _logistic_grad(A, delta, tmp):
    # sigma'(z) = a * (1 - a)
    np.subtract(1, A, out=tmp)
    tmp *= A
    delta *= tmp
    return delta


def _tanh_grad(A, delta, tmp):
    # tanh'(z) = 1 - a**2
    np.multiply(A, A, out=tmp)
    np.subtract(1, tmp, out=tmp)
    delta *= tmp
    return delta


def _relu_grad(A, delta, tmp):
    # relu'(z) = 1 where a > 0, else 0 (0 at z == 0, as scikit-learn)
    np.greater(A, 0, out=tmp)
    delta *= tmp
    return delta


#: name -> (forward in place, derivative in place from the output)
ACTIVATIONS = {
    "identity": (_identity, _identity_grad),
    "logistic": (_logistic, _logistic_grad),
    "tanh": (_tanh, _tanh_grad),
    "relu": (_relu, _relu_grad),
}


def apply_activation(name, Z):
    """Apply activation ``name`` to ``Z`` in place and return it."""
    return ACTIVATIONS[name][0](Z)


def apply_derivative(name, A, delta, tmp=None):
    """Multiply ``delta`` in place by f'(z), computed from ``A = f(z)``.

    ``tmp`` is a scratch array shaped like ``A`` (allocated when omitted).
    """
    if tmp is None:
        tmp = np.empty_like(A)
    return ACTIVATIONS[name][1](A, delta, tmp)

"""Weight initialisers.

All have the signature ``init(fan_in, fan_out, random_state, dtype)`` and
return a ``(fan_in, fan_out)`` array. Biases always start at zero.
"""

import numpy as np

__all__ = [
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "INITIALIZERS",
]


def xavier_uniform(fan_in, fan_out, random_state, dtype=np.float64):
    """Glorot & Bengio 2010: U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


def xavier_normal(fan_in, fan_out, random_state, dtype=np.float64):
    """Glorot & Bengio 2010: N(0, 2 / (fan_in + fan_out))."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return random_state.normal(0.0, std, (fan_in, fan_out)).astype(dtype)


def he_uniform(fan_in, fan_out, random_state, dtype=np.float64):
    """He et al. 2015: U(-a, a), a = sqrt(6 / fan_in) (variance 2 / fan_in)."""
    bound = np.sqrt(6.0 / fan_in)
    return random_state.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)


def he_normal(fan_in, fan_out, random_state, dtype=np.float64):
    """He et al. 2015: N(0, 2 / fan_in)."""
    std = np.sqrt(2.0 / fan_in)
    return random_state.normal(0.0, std, (fan_in, fan_out)).astype(dtype)


INITIALIZERS = {
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}

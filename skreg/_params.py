"""Checks of constructor parameters, done at ``fit`` time.

Each check raises :class:`InvalidParameterError` (a ValueError and a
TypeError, as scikit-learn's own) that names the parameter, shows the value
received and says what is allowed.
"""

import numbers

import numpy as np

__all__ = [
    "InvalidParameterError",
    "check_bool",
    "check_int",
    "check_real",
    "check_options",
]


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a wrong type or value."""


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_real(value):
    return isinstance(value, numbers.Real) and not _is_bool(value)


def check_bool(name, value):
    if not _is_bool(value):
        raise InvalidParameterError(f"{name} must be a bool, got {value!r} of type {type(value).__name__}.")
    return bool(value)


def check_int(name, value, low=None, *, allow_inf=False):
    if allow_inf and _is_real(value) and value == np.inf:
        return value
    if not _is_int(value):
        extra = " or numpy.inf" if allow_inf else ""
        raise InvalidParameterError(
            f"{name} must be an int{extra}, got {value!r} of type {type(value).__name__}."
        )
    if low is not None and value < low:
        raise InvalidParameterError(f"{name} must be >= {low}, got {value!r}.")
    return int(value)


def check_real(name, value, low=None, high=None, *, low_open=False, high_open=False):
    """A finite real in the interval given by low/high (open or closed ends)."""
    if not _is_real(value):
        raise InvalidParameterError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}."
        )
    value = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    interval = f"{lo}{low if low is not None else '-inf'}, {high if high is not None else 'inf'}{hi}"
    bad = not np.isfinite(value)
    if low is not None:
        bad |= value <= low if low_open else value < low
    if high is not None:
        bad |= value >= high if high_open else value > high
    if bad:
        raise InvalidParameterError(f"{name} must be a finite number in {interval}, got {value!r}.")
    return value


def check_options(name, value, options):
    if isinstance(value, str) or value is None:
        if value in options:
            return value
    allowed = ", ".join(repr(o) for o in options)
    raise InvalidParameterError(f"{name} must be one of {allowed}; got {value!r}.")

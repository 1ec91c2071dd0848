"""Checks of the data a fit receives: sample weights, numbers too large
for a float, regression targets."""

import contextlib
import numbers

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils import column_or_1d

__all__ = ["rescale_weights", "overflow_as_value_error", "check_sample_weight",
           "check_regression_targets", "r2"]


def rescale_weights(sw, dtype):
    """Cast weights to ``dtype`` after dividing them by the power of two that
    puts the largest one in [0.5, 1). Only ratios of weights enter the
    objective and scaling by 2**k is exact, so this changes nothing except
    that weights like 1e300 or 1e-300 no longer overflow / underflow float32."""
    if sw.size:
        sw = np.ldexp(sw, -np.frexp(sw.max())[1])
    return sw.astype(dtype)


@contextlib.contextmanager
def overflow_as_value_error():
    """numpy raises OverflowError for a Python int too large for a float."""
    try:
        yield
    except OverflowError as exc:
        raise ValueError(f"X or y holds a number too large for a float: {exc}") from None


def check_sample_weight(sample_weight, X):
    """Non-negative finite weights, one per sample, not all zero; rescaled
    (:func:`rescale_weights`) in X's dtype. None stays None."""
    n = X.shape[0]
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n, sample_weight, dtype=np.float64)
    sw = column_or_1d(np.asarray(sample_weight, dtype=np.float64), warn=False)
    if sw.shape[0] != n:
        raise ValueError(f"sample_weight has {sw.shape[0]} entries but X has {n} samples.")
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    if (sw < 0).any():
        raise ValueError("sample_weight must be non-negative; negative weights found.")
    if n and sw.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one weight must be > 0.")
    return rescale_weights(sw, X.dtype)


def check_regression_targets(y, loss, dtype):
    """(y as given, 1-D when one column; Y: 2-D in X's dtype, as the loss takes it)."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if loss == "poisson" and (y < 0).any():
        raise ValueError("loss='poisson' requires non-negative targets y.")
    Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype, copy=False)
    return y, Y


def r2(out, y, sample_weight):
    """The early-stopping metric of a regressor (nan for a non-finite output)."""
    if not np.isfinite(out).all():
        return np.nan
    if out.shape[1] == 1:
        out = out.ravel()
    return r2_score(y, out, sample_weight=sample_weight)

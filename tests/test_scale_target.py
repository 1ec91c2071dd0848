"""MLPRegressor(scale_target=True): a fit on standardised targets whose
scaling is folded into the output layer.

The reference is a plain fit on targets standardised here, its predictions
mapped back by hand: ``mean + std * prediction``.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skreg import MLPRegressor


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=2, noise=3.0,
                           random_state=0)
    return X, 2000.0 + 300.0 * y / y.std(0)  # far from unit scale, like a price


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


@pytest.mark.parametrize("kw", [dict(solver="adam", learning_rate_init="auto"),
                                dict(solver="sgd", batch_norm=True, early_stopping=True),
                                dict(solver="lbfgs")])
def test_equals_a_fit_on_standardised_targets(data, kw):
    X, Y = data
    w = np.linspace(0.5, 1.5, len(Y))
    mean = np.average(Y, axis=0, weights=w)
    std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
    params = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0, **kw)
    scaled = _fit(MLPRegressor(scale_target=True, **params), X, Y, sample_weight=w)
    ref = _fit(MLPRegressor(**params), X, (Y - mean) / std, sample_weight=w)
    np.testing.assert_allclose(scaled.predict(X), mean + std * ref.predict(X), rtol=1e-12)
    np.testing.assert_allclose(scaled._target_scale[0], mean, rtol=1e-12)
    assert scaled.loss_curve_ == ref.loss_curve_  # (the objective is the scaled one)
    # the network alone predicts in y's units: what export sees
    from sklearn.neural_network import MLPRegressor as SkMLP

    sk = scaled.to_sklearn()
    assert type(sk) is SkMLP
    np.testing.assert_allclose(sk.predict(X), scaled.predict(X), rtol=1e-12)


def test_it_helps_adam_on_a_target_far_from_unit_scale(data):
    X, Y = data
    y = Y[:, 0]
    params = dict(hidden_layer_sizes=(32,), max_iter=50, batch_size=20, random_state=0)
    plain = _fit(MLPRegressor(**params), X, y)
    scaled = _fit(MLPRegressor(scale_target=True, **params), X, y)
    # 500 Adam steps of about 1e-3 each cannot grow output weights of ~300
    assert scaled.score(X, y) > 0.9 > plain.score(X, y)


def test_partial_fit_and_warm_start_keep_the_first_scale(data):
    X, Y = data
    est = MLPRegressor(hidden_layer_sizes=(8,), scale_target=True, random_state=0)
    est.partial_fit(X[:100], Y[:100])
    first = est._target_scale
    est.partial_fit(X[100:], Y[100:] + 1e4)
    assert est._target_scale is first
    # one more step from the continued weights is a step in standardised units:
    # a second partial_fit of a plain regressor on targets scaled by hand agrees
    ref = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    ref.partial_fit(X[:100], (Y[:100] - first[0]) / first[1])
    ref.partial_fit(X[100:], (Y[100:] + 1e4 - first[0]) / first[1])
    np.testing.assert_allclose(est.predict(X), first[0] + first[1] * ref.predict(X),
                               rtol=1e-10)
    warm = MLPRegressor(hidden_layer_sizes=(8,), scale_target=True, warm_start=True,
                        max_iter=5, random_state=0)
    _fit(warm, X, Y)
    kept = warm._target_scale
    _fit(warm, X, Y * 2)
    assert warm._target_scale is kept


def test_constant_output_and_poisson():
    X = np.random.RandomState(0).normal(size=(50, 3))
    Y = np.column_stack([np.full(50, 7.0), X[:, 0]])
    est = _fit(MLPRegressor(hidden_layer_sizes=(4,), scale_target=True, max_iter=5,
                            random_state=0), X, Y)
    assert est._target_scale[1][0] == 1.0 and np.isfinite(est.predict(X)).all()
    with pytest.raises(ValueError, match="scale_target=True needs loss='squared_error'"):
        MLPRegressor(loss="poisson", scale_target=True).fit(X, np.abs(Y[:, 1]))

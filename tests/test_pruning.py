"""skreg.prune: removed units, equal predictions, batch norm, warm start,
pickling."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skreg import MLPClassifier, MLPRegressor, prune


def _data(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(120, 5)
    y = X[:, 0] - 2 * X[:, 1] * X[:, 2] + 0.1 * rng.randn(120)
    return X, y


def _fit(cls, X, y, **kw):
    est = cls(hidden_layer_sizes=(12, 8), max_iter=20, random_state=0,
              learning_rate_init=0.01, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _make_removable(est):
    """Zero weights so that, in layer 1: unit 0 has no outgoing weights, unit 1
    no incoming weights (a constant), unit 5 feeds only unit 4 of layer 2; in
    layer 2: unit 2 has no incoming weights, unit 4 no outgoing weights (its
    removal then leaves unit 5 of layer 1 without outgoing weights)."""
    W0, W1, W2 = est.coefs_
    W1[0, :] = 0.0
    W0[:, 1] = 0.0
    W1[5, :] = 0.0
    W1[5, 4] = 0.7
    W1[:, 2] = 0.0
    W2[4, :] = 0.0
    est.intercepts_[0][1] = 0.3  # a non-trivial constant f(0.3 ...)
    est.intercepts_[1][2] = -0.4
    return (12 - 3, 8 - 2)


def _outputs(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_prune_keeps_predictions(activation, batch_norm, cls):
    X, y = _data()
    target = (y > 0).astype(int) + (y > 1) if cls is MLPClassifier else y
    est = _fit(cls, X, target, activation=activation, batch_norm=batch_norm)
    sizes = _make_removable(est)
    before = [W.copy() for W in est.coefs_]
    expected = _outputs(est, X)
    pruned = prune(est)
    assert pruned is not est
    assert pruned.hidden_layer_sizes == sizes
    assert [W.shape for W in pruned.coefs_] == [(5, sizes[0]), sizes, (sizes[1], est.n_outputs_)]
    np.testing.assert_allclose(_outputs(pruned, X), expected, rtol=1e-12, atol=1e-14)
    if cls is MLPClassifier:
        np.testing.assert_array_equal(pruned.predict(X), est.predict(X))
    for W, W0 in zip(est.coefs_, before):  # the original is untouched
        np.testing.assert_array_equal(W, W0)
    assert est.hidden_layer_sizes == (12, 8)
    assert pruned.batch_norm == batch_norm
    assert len(pruned.bn_gammas_) == (2 if batch_norm else 0)
    if batch_norm:
        assert [g.shape[0] for g in pruned.bn_gammas_] == list(sizes)
        assert [m.shape[0] for m in pruned.bn_running_means_] == list(sizes)


def test_nothing_to_remove_gives_an_equal_copy():
    X, y = _data()
    est = _fit(MLPRegressor, X, y)
    pruned = prune(est)
    assert pruned.hidden_layer_sizes == (12, 8)
    np.testing.assert_array_equal(pruned.predict(X), est.predict(X))


def test_a_layer_that_would_vanish_keeps_one_unit():
    X, y = _data()
    est = _fit(MLPRegressor, X, y, activation="tanh")
    est.coefs_[0][...] = 0.0  # every first-layer unit outputs a constant
    expected = est.predict(X)
    pruned = prune(est)
    assert pruned.hidden_layer_sizes[0] == 1
    assert not pruned.coefs_[1].any()  # the kept unit has no influence
    np.testing.assert_allclose(pruned.predict(X), expected, rtol=1e-12)
    np.testing.assert_allclose(expected, expected[0], rtol=1e-12)  # constant model


def test_group_lasso_fit_then_prune():
    X, y = _data()
    est = MLPRegressor(hidden_layer_sizes=(32,), penalty="group_lasso", alpha=0.03,
                       solver="sgd", learning_rate_init=0.05, batch_size=20,
                       max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    alive = np.linalg.norm(est.coefs_[1], axis=1) > 0
    assert 0 < alive.sum() < 32
    pruned = prune(est)
    assert pruned.hidden_layer_sizes[0] <= alive.sum()
    np.testing.assert_allclose(pruned.predict(X), est.predict(X), rtol=1e-12)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_pruned_model_warm_starts_partial_fits_and_pickles(batch_norm):
    X, y = _data()
    est = _fit(MLPRegressor, X, y, batch_norm=batch_norm, solver="adam")
    sizes = _make_removable(est)
    pruned = prune(est)
    assert not hasattr(pruned, "_opt_state")  # belonged to the old layout

    again = pickle.loads(pickle.dumps(pruned))
    np.testing.assert_array_equal(again.predict(X), pruned.predict(X))

    start = [W.copy() for W in pruned.coefs_]
    pruned.set_params(warm_start=True, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pruned.fit(X, y)
    assert pruned.hidden_layer_sizes == sizes
    assert [W.shape for W in pruned.coefs_] == [W.shape for W in start]
    assert not np.array_equal(pruned.coefs_[0], start[0])  # it trained on
    assert np.isfinite(pruned.predict(X)).all()
    n_iter = pruned.n_iter_
    pruned.partial_fit(X, y)
    assert pruned.n_iter_ == n_iter + 1


def test_prune_needs_a_fitted_estimator():
    with pytest.raises(NotFittedError):
        prune(MLPRegressor())

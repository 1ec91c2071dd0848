"""Batch normalisation and dropout at the estimator level."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor
from skreg._network import BN_EPSILON

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n=400, seed=0):
    X, y = make_classification(n_samples=n, n_features=10, n_informative=6, n_classes=3,
                               random_state=seed)
    return StandardScaler().fit_transform(X), y


def test_batch_norm_trains_a_deep_logistic_network_faster():
    """Six logistic layers barely move in 40 epochs of SGD; with batch
    normalisation the same network reaches a loss of 0.8 within 20."""
    X, y = _data()
    params = dict(hidden_layer_sizes=(32,) * 6, activation="logistic", solver="sgd",
                  learning_rate_init=0.05, batch_size=50, max_iter=40, tol=0,
                  n_iter_no_change=1000, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    bn = MLPClassifier(batch_norm=True, **params).fit(X, y)
    target = 0.8
    epochs_bn = int(np.argmax(np.array(bn.loss_curve_) < target)) + 1
    assert min(bn.loss_curve_) < target and epochs_bn <= 20
    assert min(plain.loss_curve_) > target  # not reached in 40 epochs


def test_lbfgs_running_statistics_are_training_set_statistics():
    X, y = _data(n=150)
    est = MLPClassifier(hidden_layer_sizes=(6, 5), solver="lbfgs", batch_norm=True,
                        activation="tanh", max_iter=50, random_state=0).fit(X, y)
    assert [g.shape for g in est.bn_gammas_] == [(6,), (5,)]
    H = X  # training mode: normalise with the batch (= training set) statistics
    for i in range(2):
        Z = H @ est.coefs_[i] + est.intercepts_[i]
        np.testing.assert_allclose(est.bn_running_means_[i], Z.mean(0), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(est.bn_running_vars_[i], Z.var(0, ddof=1), rtol=1e-10)
        H = np.tanh(est.bn_gammas_[i] * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + BN_EPSILON)
                    + est.bn_betas_[i])
    H = X  # prediction: the running statistics
    for i in range(2):
        Z = H @ est.coefs_[i] + est.intercepts_[i]
        H = np.tanh(est.bn_gammas_[i] * (Z - est.bn_running_means_[i])
                    / np.sqrt(est.bn_running_vars_[i] + BN_EPSILON) + est.bn_betas_[i])
    logits = H @ est.coefs_[2] + est.intercepts_[2]
    proba = np.exp(logits - logits.max(1, keepdims=True))
    proba /= proba.sum(1, keepdims=True)
    np.testing.assert_allclose(est.predict_proba(X), proba, rtol=1e-10)
    # gamma and beta were trained (and are not penalised)
    assert not np.allclose(est.bn_gammas_[0], 1.0) and not np.allclose(est.bn_betas_[0], 0)


def test_batch_norm_predictions_do_not_depend_on_the_batch():
    X, y = _data(n=200)
    est = MLPClassifier(hidden_layer_sizes=(16,), batch_norm=True, max_iter=10,
                        random_state=0).fit(X, y)
    together = est.predict_proba(X[:20])
    alone = np.vstack([est.predict_proba(X[i:i + 1]) for i in range(20)])
    np.testing.assert_allclose(together, alone, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_with_partial_fit_warm_start_early_stopping_and_pickle(dtype):
    X, y = _data(n=300)
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(16, 8), batch_norm=True, dropout=0.1, max_iter=4,
                  random_state=0, tol=0, n_iter_no_change=100)
    fit = MLPClassifier(**params).fit(X, y)
    inc = MLPClassifier(**params)
    for _ in range(4):
        inc.partial_fit(X, y, classes=[0, 1, 2])
    for a, b in zip(fit.bn_running_vars_ + fit.bn_gammas_ + fit.coefs_,
                    inc.bn_running_vars_ + inc.bn_gammas_ + inc.coefs_):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)
    warm = MLPClassifier(warm_start=True, **params).fit(X, y)
    means = [m.copy() for m in warm.bn_running_means_]
    warm.fit(X, y)
    assert not np.allclose(means[0], warm.bn_running_means_[0])
    es = MLPClassifier(early_stopping=True, **{**params, "max_iter": 15}).fit(X, y)
    assert es.predict(X).shape == y.shape
    again = pickle.loads(pickle.dumps(es))
    np.testing.assert_array_equal(again.predict_proba(X), es.predict_proba(X))
    again.partial_fit  # still a stochastic model
    assert again.bn_running_means_[0].dtype == dtype


def test_dropout_is_reproducible_and_off_at_predict_time():
    X, y = _data(n=200)
    params = dict(hidden_layer_sizes=(16, 16), dropout=[0.5, 0.2], max_iter=5,
                  activation="relu")
    a = MLPClassifier(random_state=1, **params).fit(X, y)
    b = MLPClassifier(random_state=1, **params).fit(X, y)
    c = MLPClassifier(random_state=2, **params).fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    # prediction: the plain forward pass, no mask and no scaling
    H = X
    for W, bias in zip(a.coefs_[:-1], a.intercepts_[:-1]):
        H = np.maximum(H @ W + bias, 0)
    logits = H @ a.coefs_[-1] + a.intercepts_[-1]
    proba = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(a.predict_proba(X), proba / proba.sum(1, keepdims=True),
                               rtol=1e-12)
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))


def test_dropout_changes_training_but_zero_dropout_is_plain():
    X, y = _data(n=200)
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    plain = MLPRegressor(**params).fit(X, y.astype(float))
    zero = MLPRegressor(dropout=0.0, **params).fit(X, y.astype(float))
    some = MLPRegressor(dropout=0.3, **params).fit(X, y.astype(float))
    np.testing.assert_array_equal(plain.coefs_[0], zero.coefs_[0])
    assert not np.allclose(plain.coefs_[0], some.coefs_[0])

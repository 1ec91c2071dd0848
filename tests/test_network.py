"""Finite-difference checks of the objective's gradient, and the forward pass
against independent numpy computations."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp

from skreg._network import BN_EPSILON, Network
from skreg.losses import get_loss
from skreg.penalties import ElasticNet, L2, NoPenalty

LOSS_TARGETS = {
    "squared_error": lambda rng, n, k: rng.normal(size=(n, k)),
    "poisson": lambda rng, n, k: rng.poisson(2.0, size=(n, k)).astype(float),
    "log_loss": lambda rng, n, k: rng.randint(k, size=n),  # class codes
    "binary_log_loss": lambda rng, n, k: (rng.rand(n, k) > 0.5).astype(float),
}


def _setup(loss, activation, batch_norm=False, dropout=None, n=7, units=(4, 5, 3, 3),
           seed=0):
    rng = np.random.RandomState(seed)
    net = Network(list(units), activation, get_loss(loss), batch_norm, dropout)
    theta = rng.normal(scale=0.5, size=net.size)
    if batch_norm:
        # gammas away from 0 so that the check is informative
        for g in net.views(theta).gammas:
            g[...] = 1.0 + 0.3 * rng.normal(size=g.shape)
    X = rng.normal(size=(n, units[0]))
    Y = LOSS_TARGETS[loss](rng, n, units[-1])
    w = rng.rand(n)
    w /= w.sum()
    return net, theta, X, Y, w


def _objective(net, theta, X, Y, w, penalty, alpha, masks=None):
    ws = net.workspace(X.shape[0], theta.dtype)
    grad = np.zeros_like(theta)
    value = ws.loss_grad(net.views(theta), net.views(grad), X, Y, w, masks=masks)
    nw = net.n_weights
    value += alpha * penalty.value(theta[:nw])
    penalty.add_grad(theta[:nw], grad[:nw], alpha)
    return value, grad


def _fd_check(net, theta, X, Y, w, penalty=NoPenalty(), alpha=0.0, masks=None, h=1e-6):
    _, grad = _objective(net, theta, X, Y, w, penalty, alpha, masks)
    num = np.empty_like(theta)
    for j in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        fp = _objective(net, tp, X, Y, w, penalty, alpha, masks)[0]
        fm = _objective(net, tm, X, Y, w, penalty, alpha, masks)[0]
        num[j] = (fp - fm) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("loss", sorted(LOSS_TARGETS))
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_gradient_each_loss_and_activation(loss, activation):
    net, theta, X, Y, w = _setup(loss, activation)
    _fd_check(net, theta, X, Y, w)


@pytest.mark.parametrize("penalty", [L2(), ElasticNet(0.0)])
def test_gradient_with_smooth_penalty(penalty):
    net, theta, X, Y, w = _setup("log_loss", "tanh")
    _fd_check(net, theta, X, Y, w, penalty=penalty, alpha=0.3)


def test_gradient_no_hidden_layer_and_sparse_input():
    net, theta, X, Y, w = _setup("binary_log_loss", "relu", units=(6, 2))
    _fd_check(net, theta, X, Y, w)
    ws = net.workspace(X.shape[0], theta.dtype)
    g_dense, g_sparse = np.zeros_like(theta), np.zeros_like(theta)
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.7] = 0
    l1 = ws.loss_grad(net.views(theta), net.views(g_dense), Xs, Y, w)
    l2 = ws.loss_grad(net.views(theta), net.views(g_sparse), sp.csr_matrix(Xs), Y, w)
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g_dense, g_sparse, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation", ["tanh", "relu", "logistic"])
def test_gradient_batch_norm(activation):
    net, theta, X, Y, w = _setup("squared_error", activation, batch_norm=True)
    _fd_check(net, theta, X, Y, w, penalty=L2(), alpha=0.1)


def test_gradient_dropout_with_fixed_mask():
    dropout = [0.3, 0.5]
    net, theta, X, Y, w = _setup("log_loss", "tanh", dropout=dropout)
    rng = np.random.RandomState(1)
    masks = [(rng.rand(X.shape[0], u) >= p) / (1 - p)
             for u, p in zip(net.layer_units[1:-1], dropout)]
    _fd_check(net, theta, X, Y, w, masks=masks)


def test_loss_values_against_formulas():
    rng = np.random.RandomState(0)
    n, k = 6, 3
    Z = rng.normal(size=(n, k))
    w = np.full(n, 1.0 / n)
    codes = rng.randint(k, size=n)
    Y = np.eye(k)[codes]
    # softmax cross-entropy, and its gradient softmax - one-hot
    expected = np.mean(logsumexp(Z, axis=1) - (Z * Y).sum(1))
    delta = Z.copy()
    assert get_loss("log_loss").loss_and_delta(delta, codes, w) == pytest.approx(expected)
    softmax = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
    np.testing.assert_allclose(delta, (softmax - Y) / n, rtol=1e-12)
    # binary cross-entropy summed over outputs
    p = expit(Z)
    Yb = (rng.rand(n, k) > 0.5).astype(float)
    expected = np.mean(-(Yb * np.log(p) + (1 - Yb) * np.log(1 - p)).sum(1))
    got = get_loss("binary_log_loss").loss_and_delta(Z.copy(), Yb, w)
    assert got == pytest.approx(expected)
    # half squared error averaged over outputs
    Yr = rng.normal(size=(n, k))
    expected = np.mean(0.5 * ((Z - Yr) ** 2).mean(1))
    got = get_loss("squared_error").loss_and_delta(Z.copy(), Yr, w)
    assert got == pytest.approx(expected)
    # half Poisson deviance summed over outputs, mu = exp(z)
    Yp = rng.poisson(2.0, size=(n, k)).astype(float)
    mu = np.exp(Z)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(Yp > 0, Yp * np.log(Yp / mu), 0.0)
    expected = np.mean((term - Yp + mu).sum(1))
    got = get_loss("poisson").loss_and_delta(Z.copy(), Yp, w)
    assert got == pytest.approx(expected)


def test_batch_norm_forward_against_numpy():
    net, theta, X, Y, w = _setup("squared_error", "tanh", batch_norm=True, n=9)
    P = net.views(theta)
    ws = net.workspace(X.shape[0], theta.dtype)
    stats = net.new_stats(theta.dtype)
    grad = np.zeros_like(theta)
    loss = ws.loss_grad(P, net.views(grad), X, Y, w, stats=stats)
    # independent forward pass, training mode
    H = X
    means, variances = [], []
    for i in range(net.n_layers - 1):
        Z = H @ P.coefs[i] + P.intercepts[i]
        mu, var = Z.mean(0), Z.var(0)
        means.append(mu)
        variances.append(var * len(Z) / (len(Z) - 1))
        H = np.tanh(P.gammas[i] * (Z - mu) / np.sqrt(var + BN_EPSILON) + P.betas[i])
    out = H @ P.coefs[-1] + P.intercepts[-1]
    expected = np.sum(w * 0.5 * ((out - Y) ** 2).mean(1))
    assert loss == pytest.approx(expected, rel=1e-12)
    # running statistics after one step: 0.9 * init + 0.1 * batch
    for i in range(net.n_layers - 1):
        np.testing.assert_allclose(stats[0][i], 0.1 * means[i], rtol=1e-12)
        np.testing.assert_allclose(stats[1][i], 0.9 + 0.1 * variances[i], rtol=1e-12)
    # a second step follows the recurrence
    m0 = [m.copy() for m in stats[0]]
    v0 = [v.copy() for v in stats[1]]
    ws.loss_grad(P, net.views(grad), X[:5], Y[:5], np.full(5, 0.2), stats=stats)
    Z1 = X[:5] @ P.coefs[0] + P.intercepts[0]
    np.testing.assert_allclose(stats[0][0], 0.9 * m0[0] + 0.1 * Z1.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats[1][0], 0.9 * v0[0] + 0.1 * Z1.var(0, ddof=1),
                               rtol=1e-12)
    # inference uses the running statistics: per-sample, independent of the batch
    out_all = net.predict(P, stats, X)
    out_one = np.vstack([net.predict(P, stats, X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(out_all, out_one, rtol=1e-12)
    H = X
    for i in range(net.n_layers - 1):
        Z = H @ P.coefs[i] + P.intercepts[i]
        H = np.tanh(P.gammas[i] * (Z - stats[0][i]) / np.sqrt(stats[1][i] + BN_EPSILON)
                    + P.betas[i])
    np.testing.assert_allclose(out_all, H @ P.coefs[-1] + P.intercepts[-1], rtol=1e-12)


def test_layout_weights_first_and_views_share_memory():
    net = Network([3, 4, 2], "relu", get_loss("log_loss"), batch_norm=True)
    assert net.n_weights == 3 * 4 + 4 * 2
    assert net.size == net.n_weights + 4 + 2 + 4 + 4
    theta = np.arange(net.size, dtype=float)
    P = net.views(theta)
    P.coefs[1][0, 0] = -1.0
    assert theta[12] == -1.0
    np.testing.assert_array_equal(P.intercepts[0], theta[20:24])
    np.testing.assert_array_equal(P.betas[0], theta[30:34])
    assert np.array_equal(net.pack(P, np.float64), theta)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 100.0, 1000.0])
def test_softmax_loss_is_stable_for_any_logit_range(dtype, scale):
    # small ranges take the global-max shift, large ones the per-row shift
    rng = np.random.RandomState(0)
    Z = (rng.normal(size=(50, 4)) * scale).astype(dtype)
    codes = rng.randint(4, size=50)
    w = np.full(50, 1 / 50, dtype=dtype)
    delta = Z.copy()
    got = get_loss("log_loss").loss_and_delta(delta, codes, w)
    Z64 = Z.astype(np.float64)
    expected = np.mean(logsumexp(Z64, axis=1) - Z64[np.arange(50), codes])
    assert got == pytest.approx(expected, rel=1e-5)
    softmax = np.exp(Z64 - logsumexp(Z64, axis=1, keepdims=True))
    softmax[np.arange(50), codes] -= 1
    np.testing.assert_allclose(delta, softmax / 50, atol=1e-6)
    proba = get_loss("log_loss").link(Z.copy())
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)

"""Weight averaging (SWA, EMA), gradient clipping, learning-rate warm-up and
label smoothing, checked against references written here in numpy.

The reference is a small multilayer perceptron (forward and backward pass,
batch normalisation included) with the optimizers, clipping, schedules,
averaging and losses written from the definitions of torch / Keras:

* ``torch.optim.swa_utils.AveragedModel`` (equal-weight mean, updated once
  per epoch) and ``update_bn`` (momentum=None: cumulative mean over the
  mini-batches of the batch means and unbiased batch variances);
* the EMA of ``get_ema_multi_avg_fn(decay)``, the first update copying;
* ``torch.nn.utils.clip_grad_norm_``: ``g *= min(1, c / (||g|| + 1e-6))``
  over all parameters;
* ``torch.optim.Adam`` / ``AdamW`` (eps added to sqrt(v_hat); AdamW decays
  the weights by ``1 - lr * alpha`` before the Adam step, skreg never decays
  biases or batch-norm parameters);
* ``CosineAnnealingWarmRestarts`` with ``eta_min=0``;
* ``CrossEntropyLoss(label_smoothing=eps)`` and Keras's
  ``BinaryCrossentropy(from_logits=True, label_smoothing=eps)``.

Every fit starts from the same weights as the reference (a callable ``init``
returning fixed arrays: intercepts start at 0), without shuffling, in
float64, and is compared with relative tolerance 1e-10.
"""

import math
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skreg import MLPClassifier, MLPRegressor
from skreg.averaging import EMA, SWA
from skreg.optimizers import SGD

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")

RTOL = 1e-10
BN_EPS = 1e-5  # torch's BatchNorm1d eps
CLIP_EPS = 1e-6  # torch's clip_grad_norm_


# ====================================================================== data
def _data(n=24, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    return X, rng


def _multiclass(n=24, d=4, K=3, seed=0):
    X, rng = _data(n, d, seed)
    y = np.argmax(X @ rng.randn(d, K) + 0.5 * rng.randn(n, K), axis=1)
    assert set(y) == set(range(K))
    return X, y


def _binary(n=24, d=4, seed=1):
    X, rng = _data(n, d, seed)
    y = (X @ rng.randn(d) + 0.5 * rng.randn(n) > 0).astype(int)
    assert 0 < y.sum() < n
    return X, y


def _regression(n=24, d=4, n_out=1, seed=2):
    X, rng = _data(n, d, seed)
    Y = np.tanh(X @ rng.randn(d, n_out)) + 0.1 * rng.randn(n, n_out)
    return X, (Y.ravel() if n_out == 1 else Y)


# ============================================================ the reference
class Net:
    """Parameters of the reference MLP: weights W, biases b, batch-norm scale
    g and shift be of each hidden layer. ``leaves()`` are the arrays
    themselves (in-place updates change the net)."""

    def __init__(self, W, b=None, g=(), be=()):
        self.W = [np.array(w, dtype=np.float64) for w in W]
        self.b = ([np.zeros(w.shape[1]) for w in self.W] if b is None
                  else [np.array(v, dtype=np.float64) for v in b])
        self.g = [np.array(v, dtype=np.float64) for v in g]
        self.be = [np.array(v, dtype=np.float64) for v in be]

    @property
    def bn(self):
        return bool(self.g)

    def leaves(self):
        return self.W + self.b + self.g + self.be

    def copy(self):
        return Net(self.W, self.b, self.g, self.be)

    def zeros_like(self):
        out = self.copy()
        for leaf in out.leaves():
            leaf[...] = 0.0
        return out


def _initial_net(units, seed, bn=False, scale=0.7):
    rng = np.random.RandomState(seed)
    W = [scale * rng.randn(a, b) / math.sqrt(a) for a, b in zip(units[:-1], units[1:])]
    hidden = units[1:-1]
    if bn:
        return Net(W, g=[np.ones(u) for u in hidden], be=[np.zeros(u) for u in hidden])
    return Net(W)


def _mean_net(nets):
    out = nets[0].copy()
    for i, leaf in enumerate(out.leaves()):
        leaf[...] = np.mean([n.leaves()[i] for n in nets], axis=0)
    return out


def _act(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "logistic":
        return 1.0 / (1.0 + np.exp(-z))
    assert name == "identity"
    return z.copy()


def _dact(name, z, a):
    """f'(z), from the pre-activation z and a = f(z)."""
    if name == "tanh":
        return 1.0 - a ** 2
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "logistic":
        return a * (1.0 - a)
    return np.ones_like(z)


def _forward_train(net, X, act):
    """Training-mode forward pass: batch statistics in batch normalisation
    (biased variance to normalise). Returns (raw output, cache, batch stats)
    with batch stats = [(mean, unbiased variance)] per hidden layer."""
    H, cache, stats = X, [], []
    L = len(net.W)
    for i in range(L):
        Z = H @ net.W[i] + net.b[i]
        if i == L - 1:
            return Z, cache, stats
        if net.bn:
            m = Z.shape[0]
            mu = Z.mean(axis=0)
            var = ((Z - mu) ** 2).mean(axis=0)  # biased: what normalises
            zhat = (Z - mu) / np.sqrt(var + BN_EPS)
            Y = net.g[i] * zhat + net.be[i]
            stats.append((mu, var * m / (m - 1)))  # unbiased: what is tracked
        else:
            mu = var = zhat = None
            Y = Z
        A = _act(act, Y)
        cache.append((H, Z, mu, var, zhat, Y, A))
        H = A


def _forward_infer(net, X, act, means=None, variances=None):
    """Inference-mode raw output (running statistics in batch normalisation)."""
    H = X
    L = len(net.W)
    for i in range(L):
        Z = H @ net.W[i] + net.b[i]
        if i == L - 1:
            return Z
        if net.bn:
            Z = net.g[i] * (Z - means[i]) / np.sqrt(variances[i] + BN_EPS) + net.be[i]
        H = _act(act, Z)


def _log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


def _per_sample_loss(out, Z, T):
    """Loss of each sample and d loss_i / dZ (one row per sample).

    softmax: -sum_k T_k log softmax(z)_k (T: target distribution);
    logistic: sum_k -T_k log sigma(z_k) - (1 - T_k) log(1 - sigma(z_k));
    identity: 0.5 * mean_k (z_k - T_k)**2.
    """
    if out == "softmax":
        shifted = Z - Z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -(T * logp).sum(axis=1), np.exp(logp) - T
    if out == "logistic":
        per = -(T * _log_sigmoid(Z) + (1.0 - T) * _log_sigmoid(-Z)).sum(axis=1)
        return per, 1.0 / (1.0 + np.exp(-Z)) - T
    assert out == "identity"
    K = Z.shape[1]
    return 0.5 * ((Z - T) ** 2).sum(axis=1) / K, (Z - T) / K


def ref_loss_grad(net, X, T, w, out, act):
    """sum_i w_i loss_i and its gradient (a Net), back-propagated step by
    step (batch normalisation through its mean and variance)."""
    Z, cache, _ = _forward_train(net, X, act)
    per, dZ = _per_sample_loss(out, Z, T)
    loss = float(w @ per)
    dZ = dZ * w[:, None]
    grad = net.zeros_like()
    L = len(net.W)
    H = cache[-1][6] if cache else X
    grad.W[L - 1][...] = H.T @ dZ
    grad.b[L - 1][...] = dZ.sum(axis=0)
    dH = dZ @ net.W[L - 1].T
    for i in range(L - 2, -1, -1):
        Hin, Zi, mu, var, zhat, Y, A = cache[i]
        dY = dH * _dact(act, Y, A)
        if net.bn:
            m = Zi.shape[0]
            grad.g[i][...] = (dY * zhat).sum(axis=0)
            grad.be[i][...] = dY.sum(axis=0)
            dzhat = dY * net.g[i]
            istd = 1.0 / np.sqrt(var + BN_EPS)
            xc = Zi - mu
            dvar = (dzhat * xc).sum(axis=0) * (-0.5) * istd ** 3
            dmu = -(dzhat * istd).sum(axis=0) + dvar * (-2.0 * xc).mean(axis=0)
            dZi = dzhat * istd + dvar * 2.0 * xc / m + dmu / m
        else:
            dZi = dY
        grad.W[i][...] = Hin.T @ dZi
        grad.b[i][...] = dZi.sum(axis=0)
        dH = dZi @ net.W[i].T
    return loss, grad


def ref_train(X, T, net0, *, out, act="tanh", batch_size=None, epochs, lr,
              factor=None, solver="sgd", alpha=0.0, max_norm=None, sw=None,
              beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """Mini-batch training in order (no shuffle), as torch would run it.

    Per step: data gradient; + alpha * W for coupled solvers (sgd, adam);
    clipping by the global norm; for 'adamw' W *= 1 - lr * alpha; the
    optimizer step (plain SGD theta -= lr g, or torch's Adam). The rate is
    ``lr * factor(epoch_index, batch_index, steps_per_epoch)``.
    The objective is sum_i w_i loss_i + alpha * 0.5 * ||W||^2 with
    w_i = s_i / sum_batch s (1 / m without sample weights).
    """
    net = net0.copy()
    T = np.asarray(T, dtype=np.float64)
    T = T.reshape(len(T), -1)
    n = X.shape[0]
    bs = n if batch_size is None else batch_size
    steps = math.ceil(n / bs)
    factor = factor or (lambda k, b, s: 1.0)
    m_state = [np.zeros_like(a) for a in net.leaves()]
    v_state = [np.zeros_like(a) for a in net.leaves()]
    t = 0
    rec = {"epochs": [], "steps": [], "rates": [], "norms": [], "losses": [],
           "epoch_loss": []}
    for k in range(epochs):
        total, seen = 0.0, 0
        for b, start in enumerate(range(0, n, bs)):
            sl = slice(start, min(start + bs, n))
            mb = sl.stop - sl.start
            w = np.full(mb, 1.0 / mb) if sw is None else sw[sl] / sw[sl].sum()
            rate = lr * factor(k, b, steps)
            loss, grad = ref_loss_grad(net, X[sl], T[sl], w, out, act)
            if alpha:
                loss += alpha * 0.5 * sum(float((W ** 2).sum()) for W in net.W)
                if solver != "adamw":  # coupled L2: part of the gradient
                    for gW, W in zip(grad.W, net.W):
                        gW += alpha * W
            norm = math.sqrt(sum(float((g ** 2).sum()) for g in grad.leaves()))
            if max_norm is not None:
                coef = min(1.0, max_norm / (norm + CLIP_EPS))
                for g in grad.leaves():
                    g *= coef
            if solver == "adamw" and alpha:
                for W in net.W:
                    W *= 1.0 - rate * alpha
            if solver == "sgd":
                for p, g in zip(net.leaves(), grad.leaves()):
                    p -= rate * g
            else:
                t += 1
                for p, g, m_, v_ in zip(net.leaves(), grad.leaves(), m_state, v_state):
                    m_[...] = beta_1 * m_ + (1.0 - beta_1) * g
                    v_[...] = beta_2 * v_ + (1.0 - beta_2) * g * g
                    m_hat = m_ / (1.0 - beta_1 ** t)
                    v_hat = v_ / (1.0 - beta_2 ** t)
                    p -= rate * m_hat / (np.sqrt(v_hat) + epsilon)
            rec["steps"].append(net.copy())
            rec["rates"].append(rate)
            rec["norms"].append(norm)
            rec["losses"].append(loss)
            total += loss * mb
            seen += mb
        rec["epochs"].append(net.copy())
        rec["epoch_loss"].append(total / seen)
    rec["net"] = net
    return rec


def ref_bn_refresh(net, X, batch_size, act):
    """torch's update_bn(momentum=None): the cumulative mean, over the
    unshuffled mini-batches, of each hidden layer's batch mean and unbiased
    batch variance, in training mode."""
    n = X.shape[0]
    per_batch = []
    for start in range(0, n, batch_size):
        Xb = X[start:start + batch_size]
        assert Xb.shape[0] > 1  # (the tests avoid a lone trailing sample)
        per_batch.append(_forward_train(net, Xb, act)[2])
    L = len(per_batch[0])
    means = [np.mean([s[i][0] for s in per_batch], axis=0) for i in range(L)]
    variances = [np.mean([s[i][1] for s in per_batch], axis=0) for i in range(L)]
    return means, variances


def onehot_smoothed(y, K, eps):
    return (1.0 - eps) * np.eye(K)[y] + eps / K


def logistic_smoothed(Y, eps):
    Y = np.asarray(Y, dtype=np.float64)
    Y = Y.reshape(len(Y), -1)
    return Y * (1.0 - eps) + eps / 2.0


# ====================================================== estimator plumbing
def fixed_init(net):
    """A callable ``init`` returning the reference's initial weights."""
    table = {W.shape: W for W in net.W}
    assert len(table) == len(net.W), "the tests use distinct layer shapes"

    def init(fan_in, fan_out, random_state):
        return table[(fan_in, fan_out)].copy()
    return init


def make(cls, net, **params):
    """An estimator that trains like the reference: same initial weights,
    plain SGD, full batch unless told, no shuffling, no early stop."""
    hidden = tuple(W.shape[1] for W in net.W[:-1])
    base = dict(hidden_layer_sizes=hidden, activation="tanh", solver=SGD(momentum=0.0),
                alpha=0.0, learning_rate_init=0.1, shuffle=False, tol=0.0,
                n_iter_no_change=1000, init=fixed_init(net), batch_norm=net.bn,
                random_state=0)
    base.update(params)
    return cls(**base)


def assert_net(est, net, rtol=RTOL):
    assert len(est.coefs_) == len(net.W)
    for got, want in zip(est.coefs_, net.W):
        assert_allclose(got, want, rtol=rtol, atol=0)
    for i, (got, want) in enumerate(zip(est.intercepts_, net.b)):
        if net.bn and i < len(net.W) - 1:
            # a bias followed by batch normalisation has gradient 0 (the batch
            # mean removes it): both stay 0 up to rounding
            assert np.abs(want).max() < 1e-14 and np.abs(got).max() < 1e-14
        else:
            assert_allclose(got, want, rtol=rtol, atol=0)
    assert len(est.bn_gammas_) == len(net.g)
    for got, want in zip(est.bn_gammas_, net.g):
        assert_allclose(got, want, rtol=rtol, atol=0)
    for got, want in zip(est.bn_betas_, net.be):
        assert_allclose(got, want, rtol=rtol, atol=0)


def max_rel_diff(a, b):
    return max(float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300)))
               for x, y in zip(a.leaves(), b.leaves()))


# ====================================================== the reference itself
@pytest.mark.parametrize("out, bn", [("softmax", True), ("logistic", False),
                                     ("identity", True)])
def test_reference_gradient_matches_finite_differences(out, bn):
    # the reference's backward pass is what everything below relies on
    X, rng = _data(10, 3, seed=5)
    net = _initial_net([3, 4, 5, 2], seed=6, bn=bn)
    for leaf in net.leaves():
        leaf += 0.1 * rng.randn(*leaf.shape)
    T = rng.rand(10, 2)
    if out == "softmax":
        T /= T.sum(axis=1, keepdims=True)
    w = rng.rand(10)
    w /= w.sum()
    _, grad = ref_loss_grad(net, X, T, w, out, "tanh")
    h = 1e-6
    for leaf, gleaf in zip(net.leaves(), grad.leaves()):
        for j in range(leaf.size):
            old = leaf.flat[j]
            leaf.flat[j] = old + h
            up = ref_loss_grad(net, X, T, w, out, "tanh")[0]
            leaf.flat[j] = old - h
            down = ref_loss_grad(net, X, T, w, out, "tanh")[0]
            leaf.flat[j] = old
            assert abs((up - down) / (2 * h) - gleaf.flat[j]) < 1e-7


# ========================================================== 1. SWA, no BN
@pytest.mark.parametrize("averaging, start, max_iter", [
    (SWA(start=0.5), 0.5, 6),
    (SWA(start=0.3), 0.3, 5),  # floor(1.5) + 1 = 2: epochs 2..5
    (SWA(start=0.0), 0.0, 3),  # every epoch
    ("swa", 0.75, 8),  # the default SWA(): epochs 7, 8
])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_swa_is_the_mean_of_end_of_epoch_weights(averaging, start, max_iter, kind):
    if kind == "classifier":
        X, y = _multiclass()
        T, out, cls, units = onehot_smoothed(y, 3, 0.0), "softmax", MLPClassifier, [4, 6, 3]
    else:
        X, y = _regression(n_out=2)
        T, out, cls, units = y, "identity", MLPRegressor, [4, 6, 2]
    net0 = _initial_net(units, seed=3)
    est = make(cls, net0, activation="relu", averaging=averaging, max_iter=max_iter,
               batch_size=X.shape[0], learning_rate_init=0.2).fit(X, y)
    rec = ref_train(X, T, net0, out=out, act="relu", epochs=max_iter, lr=0.2)
    first = math.floor(start * max_iter) + 1  # 1-based epoch
    averaged = rec["epochs"][first - 1:]
    assert est.n_iter_ == max_iter
    assert est.n_averaged_ == len(averaged) == max_iter - first + 1
    assert_net(est, _mean_net(averaged))
    # (the average is not the last iterate: the comparison can tell them apart)
    if len(averaged) > 1:
        assert max_rel_diff(_mean_net(averaged), rec["net"]) > 1e-6
    # the rest of the record is the training's, unchanged by averaging
    assert_allclose(est.loss_curve_, rec["epoch_loss"], rtol=RTOL, atol=0)


# ======================================================= 2. SWA with BN
@pytest.mark.parametrize("batch_size", [8, 7])
def test_swa_with_batch_norm_recomputes_the_running_statistics(batch_size):
    # n = 30: mini-batches 8, 8, 8, 6 (or 7, 7, 7, 7, 2), in order
    X, y = _multiclass(n=30, d=4, K=3, seed=4)
    net0 = _initial_net([4, 5, 6, 3], seed=7, bn=True)
    max_iter = 4
    est = make(MLPClassifier, net0, averaging=SWA(start=0.5), max_iter=max_iter,
               batch_size=batch_size, learning_rate_init=0.1).fit(X, y)
    rec = ref_train(X, onehot_smoothed(y, 3, 0.0), net0, out="softmax", act="tanh",
                    batch_size=batch_size, epochs=max_iter, lr=0.1)
    averaged = rec["epochs"][math.floor(0.5 * max_iter):]  # epochs 3 and 4
    avg = _mean_net(averaged)
    assert est.n_averaged_ == 2
    # weights, biases, gammas and betas: the mean of the end-of-epoch values
    assert_net(est, avg)
    means, variances = ref_bn_refresh(avg, X, batch_size, "tanh")
    assert len(est.bn_running_means_) == len(means) == 2
    for got, want in zip(est.bn_running_means_, means):
        assert_allclose(got, want, rtol=RTOL, atol=0)
    for got, want in zip(est.bn_running_vars_, variances):
        assert_allclose(got, want, rtol=RTOL, atol=0)
    # and prediction uses them
    raw = _forward_infer(avg, X, "tanh", means, variances)
    p = np.exp(raw - raw.max(axis=1, keepdims=True))
    assert_allclose(est.predict_proba(X), p / p.sum(axis=1, keepdims=True), rtol=1e-9)


# ================================================================= 3. EMA
@pytest.mark.parametrize("averaging, decay", [(EMA(decay=0.8), 0.8), ("ema", 0.9)])
@pytest.mark.parametrize("bn", [False, True])
def test_ema_after_every_step(averaging, decay, bn):
    X, y = _regression(n=20, d=4, seed=8)
    net0 = _initial_net([4, 5, 1], seed=9, bn=bn)
    max_iter, batch_size = 3, 5  # 4 steps per epoch, 12 steps
    est = make(MLPRegressor, net0, averaging=averaging, max_iter=max_iter,
               batch_size=batch_size, learning_rate_init=0.1).fit(X, y)
    rec = ref_train(X, y, net0, out="identity", batch_size=batch_size, epochs=max_iter,
                    lr=0.1)
    avg = None
    for w in rec["steps"]:
        if avg is None:
            avg = w.copy()  # the first update copies the weights
        else:
            for a, p in zip(avg.leaves(), w.leaves()):
                a[...] = decay * a + (1.0 - decay) * p
    assert est.n_averaged_ == len(rec["steps"]) == 12
    assert_net(est, avg)
    assert max_rel_diff(avg, rec["net"]) > 1e-6
    if bn:
        means, variances = ref_bn_refresh(avg, X, batch_size, "tanh")
        for got, want in zip(est.bn_running_means_, means):
            assert_allclose(got, want, rtol=RTOL, atol=0)
        for got, want in zip(est.bn_running_vars_, variances):
            assert_allclose(got, want, rtol=RTOL, atol=0)


# ===================================================== 4. gradient clipping
@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw"])
def test_gradient_clipping_by_global_norm(solver):
    X, y = _multiclass(n=24, d=4, K=3, seed=10)
    T = onehot_smoothed(y, 3, 0.0)
    net0 = _initial_net([4, 6, 3], seed=11, scale=1.5)
    max_norm, alpha, lr, max_iter, batch_size = 0.15, 0.05, 0.05, 5, 8
    est_solver = SGD(momentum=0.0) if solver == "sgd" else solver
    est = make(MLPClassifier, net0, solver=est_solver, alpha=alpha, max_grad_norm=max_norm,
               learning_rate_init=lr, max_iter=max_iter, batch_size=batch_size).fit(X, y)
    kw = dict(out="softmax", act="tanh", batch_size=batch_size, epochs=max_iter, lr=lr,
              solver=solver, alpha=alpha)
    rec = ref_train(X, T, net0, max_norm=max_norm, **kw)
    norms = np.array(rec["norms"])  # the norms of the gradients before clipping
    assert (norms > max_norm).mean() >= 0.8, norms  # the clip acts in most steps
    assert_net(est, rec["net"])
    assert_allclose(est.loss_curve_, rec["epoch_loss"], rtol=RTOL, atol=0)
    # what the test tells apart: no clipping, and (adamw) the decay clipped
    # with the gradient, give other weights
    assert max_rel_diff(ref_train(X, T, net0, max_norm=None, **kw)["net"], rec["net"]) > 1e-4
    if solver == "adamw":
        coupled = ref_train(X, T, net0, max_norm=max_norm, **dict(kw, solver="adam"))
        assert max_rel_diff(coupled["net"], rec["net"]) > 1e-4


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_huge_max_grad_norm_is_no_clipping(solver, batch_norm):
    X, y = _multiclass(n=40, d=4, K=3, seed=12)
    params = dict(hidden_layer_sizes=(7,), solver=solver, alpha=0.01, batch_size=16,
                  max_iter=4, learning_rate_init=0.05, batch_norm=batch_norm,
                  random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    huge = MLPClassifier(max_grad_norm=1e300, **params).fit(X, y)
    for a, b in zip(plain.coefs_ + plain.intercepts_ + plain.bn_gammas_ + plain.bn_betas_,
                    huge.coefs_ + huge.intercepts_ + huge.bn_gammas_ + huge.bn_betas_):
        assert_array_equal(a, b)
    assert_array_equal(plain.loss_curve_, huge.loss_curve_)


# ================================================================ 5. warm-up
def _warmup_factor(t, warmup, max_iter, schedule):
    if t < warmup:
        return t / warmup
    if schedule == "constant":
        return 1.0
    T_i = max_iter - warmup  # one cosine over the epochs after the warm-up
    return 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / T_i))


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
@pytest.mark.parametrize("warmup", [1.5, 2, 0.3])
def test_linear_warmup_before_the_schedule(schedule, warmup):
    X, y = _regression(n=40, d=4, seed=13)
    net0 = _initial_net([4, 5, 1], seed=14)
    max_iter, batch_size, lr = 5, 10, 0.1  # 4 steps per epoch
    est = make(MLPRegressor, net0, warmup=warmup, lr_schedule=schedule, max_iter=max_iter,
               batch_size=batch_size, learning_rate_init=lr).fit(X, y)

    def factor(k, b, steps):
        return _warmup_factor(k + b / steps, warmup, max_iter, schedule)

    rec = ref_train(X, y, net0, out="identity", batch_size=batch_size, epochs=max_iter,
                    lr=lr, factor=factor)
    assert rec["rates"][0] == 0.0  # the first step has rate 0
    # lr_curve_: the rate of each epoch's last update, t = k + 3/4
    expected = [lr * _warmup_factor(k + 0.75, warmup, max_iter, schedule)
                for k in range(max_iter)]
    assert_allclose(est.lr_curve_, expected, rtol=RTOL, atol=0)
    assert_net(est, rec["net"])
    assert_allclose(est.loss_curve_, rec["epoch_loss"], rtol=RTOL, atol=0)


def test_warmup_rates_by_hand():
    # the formula itself, written out for warmup=1.5, max_iter=4, 'cosine'
    # (T_0 = 2.5 epochs after the warm-up), 2 steps per epoch: the rates of
    # the last step of each epoch, t = 0.5, 1.5, 2.5, 3.5
    X, y = _regression(n=10, d=3, seed=15)
    est = MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", learning_rate_init=1.0,
                       warmup=1.5, lr_schedule="cosine", max_iter=4, batch_size=5,
                       shuffle=False, tol=0.0, n_iter_no_change=1000, random_state=0,
                       init="xavier").fit(X, y)
    expected = [0.5 / 1.5, 0.5 * (1 + math.cos(0.0)), 0.5 * (1 + math.cos(math.pi / 2.5)),
                0.5 * (1 + math.cos(math.pi * 2 / 2.5))]
    assert_allclose(est.lr_curve_, expected, rtol=RTOL, atol=0)


# ========================================================= 6. label smoothing
@pytest.mark.parametrize("task, weighting", [
    (task, weighting) for task in ("multiclass", "binary", "multilabel")
    for weighting in ("none", "sample_weight", "class_weight")
    if not (task == "multilabel" and weighting == "class_weight")])
def test_label_smoothing(task, weighting):
    eps, max_iter, lr = 0.2, 4, 0.5
    if task == "multiclass":
        X, y = _multiclass(n=24, d=4, K=3, seed=16)
        T, out, units = onehot_smoothed(y, 3, eps), "softmax", [4, 5, 3]
        classes = y
    elif task == "binary":
        X, y = _binary(n=24, d=4, seed=17)
        T, out, units = logistic_smoothed(y, eps), "logistic", [4, 5, 1]
        classes = y
    else:
        X, _ = _binary(n=24, d=4, seed=18)
        rng = np.random.RandomState(19)
        y = (X @ rng.randn(4, 3) + 0.3 * rng.randn(24, 3) > 0).astype(int)
        T, out, units = logistic_smoothed(y, eps), "logistic", [4, 5, 3]
        classes = None
    net0 = _initial_net(units, seed=20)
    sw, fit_kw, extra = None, {}, {}
    if weighting == "sample_weight":
        sw = np.random.RandomState(21).uniform(0.1, 3.0, X.shape[0])
        fit_kw = {"sample_weight": sw}
    elif weighting == "class_weight":  # (single-output classification only)
        cw = {0: 2.0, 1: 0.5, 2: 1.5}
        sw = np.array([cw[c] for c in classes])
        extra = {"class_weight": cw}
    est = make(MLPClassifier, net0, label_smoothing=eps, max_iter=max_iter,
               learning_rate_init=lr, batch_size=X.shape[0], **extra).fit(X, y, **fit_kw)
    rec = ref_train(X, T, net0, out=out, epochs=max_iter, lr=lr, sw=sw)
    # the first loss is the smoothed objective at the initial weights
    Z0 = _forward_train(net0, X, "tanh")[0]
    per0, _ = _per_sample_loss(out, Z0, T)
    w = np.full(X.shape[0], 1.0 / X.shape[0]) if sw is None else sw / sw.sum()
    assert_allclose(est.loss_curve_[0], float(w @ per0), rtol=RTOL, atol=0)
    assert_allclose(est.loss_curve_, rec["epoch_loss"], rtol=RTOL, atol=0)
    assert_net(est, rec["net"])
    # (without smoothing the weights differ: the test sees eps)
    T0 = onehot_smoothed(y, 3, 0.0) if out == "softmax" else logistic_smoothed(y, 0.0)
    plain = ref_train(X, T0, net0, out=out, epochs=max_iter, lr=lr, sw=sw)
    assert max_rel_diff(plain["net"], rec["net"]) > 1e-4


def test_label_smoothing_first_loss_by_hand():
    # torch's CrossEntropyLoss(label_smoothing=eps) with all logits equal is
    # log K whatever eps; Keras's BinaryCrossentropy at p = 1/2 is log 2
    X = np.zeros((6, 2))
    zero = lambda fan_in, fan_out, rs: np.zeros((fan_in, fan_out))  # noqa: E731
    for y, value in [(np.array([0, 1, 2, 0, 1, 2]), math.log(3)),
                     (np.array([0, 1, 1, 0, 1, 0]), math.log(2))]:
        est = MLPClassifier(hidden_layer_sizes=(2,), solver="sgd", init=zero, alpha=0.0,
                            label_smoothing=0.3, max_iter=1, batch_size=6,
                            shuffle=False).fit(X, y)
        assert_allclose(est.loss_curve_[0], value, rtol=RTOL)
    # one sample of class 0 among K = 4, logits (2, 0, 0, 0), eps = 0.4:
    # q = (0.7, 0.1, 0.1, 0.1), loss = log(e^2 + 3) - 0.7 * 2
    def init(fan_in, fan_out, rs):
        return np.array([[2.0, 0.0, 0.0, 0.0]])
    est = MLPClassifier(hidden_layer_sizes=(), solver="sgd", init=init, alpha=0.0,
                        label_smoothing=0.4, max_iter=1, batch_size=4, shuffle=False)
    est.fit(np.array([[1.0], [0.0], [0.0], [0.0]]), np.array([0, 1, 2, 3]))
    first = (math.log(math.e ** 2 + 3) - 0.7 * 2 + 3 * (math.log(4) - 0.0)) / 4
    assert_allclose(est.loss_curve_[0], first, rtol=RTOL)


# ================================================================= 7. errors
X_SMALL, Y_SMALL = _multiclass(n=20, d=3, K=3, seed=22)


@pytest.mark.parametrize("params, names", [
    ({"averaging": "foo"}, ["averaging"]),
    ({"averaging": 3}, ["averaging"]),
    ({"averaging": "SWA"}, ["averaging"]),
    ({"averaging": SWA(start=1.5)}, ["start"]),
    ({"averaging": SWA(start=1.0)}, ["start"]),
    ({"averaging": SWA(start=-0.1)}, ["start"]),
    ({"averaging": SWA(start="half")}, ["start"]),
    ({"averaging": EMA(decay=1.0)}, ["decay"]),
    ({"averaging": EMA(decay=-0.5)}, ["decay"]),
    ({"averaging": EMA(decay=None)}, ["decay"]),
    ({"max_grad_norm": 0}, ["max_grad_norm"]),
    ({"max_grad_norm": -1}, ["max_grad_norm"]),
    ({"max_grad_norm": 0.0}, ["max_grad_norm"]),
    ({"max_grad_norm": np.nan}, ["max_grad_norm"]),
    ({"max_grad_norm": "1"}, ["max_grad_norm"]),
    ({"max_grad_norm": True}, ["max_grad_norm"]),
    ({"warmup": -1}, ["warmup"]),
    ({"warmup": np.nan}, ["warmup"]),
    ({"warmup": "1"}, ["warmup"]),
    ({"warmup": None}, ["warmup"]),
    ({"warmup": 5, "max_iter": 5}, ["warmup", "max_iter"]),
    ({"warmup": 7.5, "max_iter": 5}, ["warmup", "max_iter"]),
    ({"warmup": 1, "lr_schedule": "onecycle"}, ["warmup", "onecycle"]),
    ({"label_smoothing": 1.0}, ["label_smoothing"]),
    ({"label_smoothing": -0.1}, ["label_smoothing"]),
    ({"label_smoothing": 1.5}, ["label_smoothing"]),
    ({"label_smoothing": "0.1"}, ["label_smoothing"]),
    ({"label_smoothing": None}, ["label_smoothing"]),
])
def test_bad_values_raise_naming_the_parameter(params, names):
    est = MLPClassifier(**{"hidden_layer_sizes": (3,), "max_iter": 5, **params})
    with pytest.raises((ValueError, TypeError)) as info:
        est.fit(X_SMALL, Y_SMALL)
    for name in names:
        assert name in str(info.value), (name, str(info.value))
    assert not hasattr(est, "coefs_")  # a failed fit leaves nothing behind


@pytest.mark.parametrize("params, names", [
    ({"averaging": "foo"}, ["averaging"]),
    ({"max_grad_norm": -1}, ["max_grad_norm"]),
    ({"warmup": 3, "max_iter": 2}, ["warmup", "max_iter"]),
])
def test_bad_values_raise_in_the_regressor(params, names):
    X, y = _regression(n=20, d=3)
    with pytest.raises((ValueError, TypeError)) as info:
        MLPRegressor(hidden_layer_sizes=(3,), **params).fit(X, y)
    for name in names:
        assert name in str(info.value)


def test_label_smoothing_is_a_classifier_parameter_only():
    assert "label_smoothing" in MLPClassifier().get_params()
    assert "label_smoothing" not in MLPRegressor().get_params()
    with pytest.raises(TypeError, match="label_smoothing"):
        MLPRegressor(label_smoothing=0.1)


@pytest.mark.parametrize("averaging", ["swa", "ema", SWA(), EMA(decay=0.5)])
def test_averaging_is_not_available_in_partial_fit(averaging):
    est = MLPClassifier(hidden_layer_sizes=(3,), averaging=averaging)
    with pytest.raises(ValueError) as info:
        est.partial_fit(X_SMALL, Y_SMALL, classes=[0, 1, 2])
    assert "averaging" in str(info.value) and "partial_fit" in str(info.value)
    assert not hasattr(est, "coefs_")


def test_new_parameters_in_get_params_set_params_and_clone():
    est = MLPClassifier(averaging=SWA(start=0.5), max_grad_norm=1.0, warmup=1.5,
                        label_smoothing=0.1)
    params = est.get_params()
    assert params["averaging__start"] == 0.5
    assert params["max_grad_norm"] == 1.0
    assert params["warmup"] == 1.5
    assert params["label_smoothing"] == 0.1
    copy = clone(est)
    assert copy.averaging is not est.averaging
    assert isinstance(copy.averaging, SWA) and copy.averaging.start == 0.5
    assert (copy.max_grad_norm, copy.warmup, copy.label_smoothing) == (1.0, 1.5, 0.1)
    est.set_params(averaging__start=0.25, max_grad_norm=2.0, warmup=0.5,
                   label_smoothing=0.2)
    assert est.averaging.start == 0.25 and copy.averaging.start == 0.5
    assert (est.max_grad_norm, est.warmup, est.label_smoothing) == (2.0, 0.5, 0.2)
    ema = MLPRegressor(averaging=EMA(decay=0.9)).set_params(averaging__decay=0.5)
    assert ema.averaging.decay == 0.5
    assert ema.get_params()["averaging__decay"] == 0.5
    # the defaults
    defaults = MLPClassifier().get_params()
    assert defaults["averaging"] is None and defaults["max_grad_norm"] is None
    assert defaults["warmup"] == 0 and defaults["label_smoothing"] == 0.0


def test_averaging_start_in_a_grid_search():
    X, y = _multiclass(n=40, d=3, K=3, seed=26)
    max_iter = 4
    grid = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", max_iter=max_iter,
                      averaging=SWA(), random_state=0, tol=0.0, n_iter_no_change=1000),
        {"averaging__start": [0.0, 0.5], "max_grad_norm": [None, 0.5]}, cv=2,
        error_score="raise",
    ).fit(X, y)
    assert [p["averaging__start"] for p in grid.cv_results_["params"]] == [0.0, 0.0, 0.5, 0.5]
    best = grid.best_estimator_
    start = grid.best_params_["averaging__start"]
    assert best.averaging.start == start
    assert best.n_averaged_ == max_iter - math.floor(start * max_iter)
    # set_params reaches the fit: start 0.5 averages epochs 3 and 4
    est = clone(grid.estimator).set_params(averaging__start=0.5).fit(X, y)
    assert est.n_averaged_ == 2
    est.set_params(averaging__start=0.0).fit(X, y)
    assert est.n_averaged_ == 4


# ================================================================ 8. defaults
CONFIGS = [
    (MLPClassifier, dict(solver="sgd", hidden_layer_sizes=(6,), max_iter=5,
                         batch_size=16, alpha=1e-3)),
    (MLPRegressor, dict(solver="sgd", hidden_layer_sizes=(6,), max_iter=5, batch_size=16,
                        lr_schedule="cosine")),
    (MLPClassifier, dict(solver="adam", hidden_layer_sizes=(6, 5), batch_norm=True,
                         early_stopping=True, max_iter=8, batch_size=16,
                         learning_rate_init=0.01, n_iter_no_change=3)),
    (MLPRegressor, dict(solver="adam", hidden_layer_sizes=(6,), batch_norm=True,
                        early_stopping=True, max_iter=8, batch_size=16, dropout=0.2)),
]


def _fitted_arrays(est):
    out = {name: getattr(est, name) for name in
           ("coefs_", "intercepts_", "bn_gammas_", "bn_betas_", "bn_running_means_",
            "bn_running_vars_")}
    out["loss_curve_"] = est.loss_curve_
    out["lr_curve_"] = est.lr_curve_
    out["validation_scores_"] = est.validation_scores_
    out["n_iter_"] = est.n_iter_
    out["n_averaged_"] = est.n_averaged_
    return out


@pytest.mark.parametrize("cls, params", CONFIGS)
def test_explicit_defaults_change_nothing(cls, params):
    X, y = (_multiclass(n=60, d=4, K=3, seed=23) if cls is MLPClassifier
            else _regression(n=60, d=4, seed=24))
    explicit = dict(averaging=None, max_grad_norm=None, warmup=0)
    if cls is MLPClassifier:
        explicit["label_smoothing"] = 0.0
    # the defaults are what the signature says
    defaults = cls().get_params()
    assert all(defaults[k] == v for k, v in explicit.items())
    a = cls(random_state=0, **params).fit(X, y)
    b = cls(random_state=0, **params, **explicit).fit(X, y)
    fa, fb = _fitted_arrays(a), _fitted_arrays(b)
    assert fa["n_averaged_"] == 0
    for key in fa:
        va, vb = fa[key], fb[key]
        if isinstance(va, list) and va and isinstance(va[0], np.ndarray):
            assert len(va) == len(vb)
            for x, z in zip(va, vb):
                assert_array_equal(x, z)
        elif va is None:
            assert vb is None
        else:
            assert_array_equal(va, vb)


def test_lbfgs_ignores_the_stochastic_techniques():
    X, y = _multiclass(n=40, d=4, K=3, seed=25)
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=0)
    a = MLPClassifier(**params).fit(X, y)
    b = MLPClassifier(averaging="swa", max_grad_norm=1e-3, warmup=3, **params).fit(X, y)
    for x, z in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(x, z)
    assert b.n_averaged_ == 0

"""Each optimizer step against its formula, written out here independently."""

import numpy as np
import pytest
from sklearn.base import clone

from skreg.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop


def _grads(n_steps, size, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=size) for _ in range(n_steps)]


def _run(opt, theta0, grads, lrs):
    theta = theta0.copy()
    state = opt.init(theta)
    for g, lr in zip(grads, lrs):
        opt.update(theta, g.copy(), state, lr)  # update may use grad as scratch
    return theta, state


LRS = [0.1, 0.05, 0.05, 0.02, 0.01]


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_velocity_form(momentum, nesterov):
    theta0 = np.random.RandomState(1).normal(size=6)
    grads = _grads(5, 6)
    got, _ = _run(SGD(momentum, nesterov), theta0, grads, LRS)
    # scikit-learn's SGDOptimizer: v = mu v - lr g; p += v, or p += mu v - lr g
    p, v = theta0.copy(), np.zeros(6)
    for g, lr in zip(grads, LRS):
        v = momentum * v - lr * g
        p = p + (momentum * v - lr * g if nesterov else v)
    np.testing.assert_allclose(got, p, rtol=1e-14)


def test_adagrad_formula():
    theta0 = np.ones(5)
    grads = _grads(5, 5)
    got, _ = _run(Adagrad(epsilon=1e-10), theta0, grads, LRS)
    p, s = theta0.copy(), np.zeros(5)
    for g, lr in zip(grads, LRS):
        s = s + g * g
        p = p - lr * g / (np.sqrt(s) + 1e-10)
    np.testing.assert_allclose(got, p, rtol=1e-14)


def test_rmsprop_formula():
    theta0 = np.ones(5)
    grads = _grads(5, 5)
    got, state = _run(RMSprop(rho=0.9, epsilon=1e-8), theta0, grads, LRS)
    p, v = theta0.copy(), np.zeros(5)
    for g, lr in zip(grads, LRS):
        v = 0.9 * v + 0.1 * g * g
        p = p - lr * g / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(got, p, rtol=1e-14)
    np.testing.assert_allclose(RMSprop(rho=0.9).step_size(state, 0.3),
                               0.3 / (np.sqrt(v) + 1e-8))


def _adam_reference(theta0, grads, lrs, b1, b2, eps, weight_decay=0.0):
    p, m, v = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0)
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        p = p * (1 - lr * weight_decay)  # AdamW: decay first (torch order)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def test_adam_kingma_ba_algorithm_1():
    theta0 = np.linspace(-1, 1, 7)
    grads = _grads(5, 7)
    got, state = _run(Adam(0.8, 0.99, 1e-3), theta0, grads, LRS)
    expected = _adam_reference(theta0, grads, LRS, 0.8, 0.99, 1e-3)
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert state["t"] == 5


def test_adamw_equals_adam_when_decay_is_applied_first():
    # The estimator's loop shrinks the weights by (1 - lr * alpha) and then
    # calls AdamW.update: together the torch.optim.AdamW step.
    theta0 = np.linspace(-1, 1, 7)
    grads = _grads(5, 7)
    wd = 0.5
    opt = AdamW()
    assert opt.decoupled_weight_decay and not Adam().decoupled_weight_decay
    theta = theta0.copy()
    state = opt.init(theta)
    for g, lr in zip(grads, LRS):
        theta *= 1 - lr * wd
        opt.update(theta, g.copy(), state, lr)
    expected = _adam_reference(theta0, grads, LRS, 0.9, 0.999, 1e-8, weight_decay=wd)
    np.testing.assert_allclose(theta, expected, rtol=1e-13)


def test_float32_stays_float32():
    for opt in [SGD(), Adagrad(), RMSprop(), Adam(), AdamW()]:
        theta = np.ones(4, dtype=np.float32)
        state = opt.init(theta)
        opt.update(theta, np.ones(4, dtype=np.float32), state, 0.1)
        assert theta.dtype == np.float32
        assert all(a.dtype == np.float32 for a in state.values() if isinstance(a, np.ndarray))


def test_optimizers_are_estimators_for_grid_search():
    opt = Adam(beta_1=0.5)
    assert opt.get_params() == {"beta_1": 0.5, "beta_2": 0.999, "epsilon": 1e-8}
    assert clone(opt).beta_1 == 0.5
    assert clone(RMSprop(rho=0.8)).get_params()["rho"] == 0.8


@pytest.mark.parametrize("opt, match", [
    (SGD(momentum=1.5), "momentum"),
    (Adam(beta_1=1.0), "beta_1"),
    (RMSprop(rho=-0.1), "rho"),
    (Adagrad(epsilon=0), "epsilon"),
])
def test_invalid_hyper_parameters_are_named(opt, match):
    with pytest.raises(ValueError, match=match):
        opt._check()

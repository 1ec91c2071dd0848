"""Penalties (value, gradient, proximal step) and initialiser variances."""

import numpy as np
import pytest

from skreg.initializers import he_normal, he_uniform, xavier_normal, xavier_uniform
from skreg.penalties import L1, L2, ElasticNet, NoPenalty, get_penalty


def test_penalty_values():
    w = np.array([1.0, -2.0, 0.5, 0.0])
    assert L2().value(w) == pytest.approx(0.5 * (1 + 4 + 0.25))
    assert L1().value(w) == pytest.approx(3.5)
    assert ElasticNet(0.3).value(w) == pytest.approx(0.3 * 3.5 + 0.5 * 0.7 * 5.25)
    assert NoPenalty().value(w) == 0.0
    assert isinstance(get_penalty(None), NoPenalty)
    assert get_penalty("elasticnet", 0.4).l1 == pytest.approx(0.4)


def test_smooth_gradient():
    w = np.array([1.0, -2.0, 0.5])
    g = np.zeros(3)
    ElasticNet(0.25).add_grad(w, g, alpha=2.0)
    np.testing.assert_allclose(g, 2.0 * 0.75 * w)
    g = np.zeros(3)
    L1().add_grad(w, g, alpha=2.0)
    np.testing.assert_array_equal(g, 0.0)


def test_prox_is_soft_thresholding():
    rng = np.random.RandomState(0)
    w = rng.normal(size=50)
    step = rng.rand(50)  # per-coordinate steps, as adaptive solvers take
    alpha = 0.4
    expected = np.sign(w) * np.maximum(np.abs(w) - alpha * step, 0)
    got = w.copy()
    L1().prox(got, step, alpha)
    np.testing.assert_array_equal(got, expected)
    assert (got == 0).sum() == (np.abs(w) <= alpha * step).sum() > 0
    # the prox solves argmin_u 0.5 ||u - w||^2 / step + alpha ||u||_1: check by
    # brute force on one coordinate
    grid = np.linspace(-3, 3, 600001)
    j = int(np.argmax(np.abs(w)))
    obj = 0.5 * (grid - w[j]) ** 2 / step[j] + alpha * np.abs(grid)
    assert got[j] == pytest.approx(grid[np.argmin(obj)], abs=2e-5)
    # elastic net thresholds with its l1 share only; L2 leaves w unchanged
    got = w.copy()
    ElasticNet(0.5).prox(got, 0.3, alpha)
    np.testing.assert_array_equal(got, np.sign(w) * np.maximum(np.abs(w) - 0.5 * alpha * 0.3, 0))
    got = w.copy()
    L2().prox(got, 0.3, alpha)
    np.testing.assert_array_equal(got, w)


@pytest.mark.parametrize("init, variance", [
    (xavier_uniform, lambda fi, fo: 2.0 / (fi + fo)),   # Glorot & Bengio: 6/(fi+fo)/3
    (xavier_normal, lambda fi, fo: 2.0 / (fi + fo)),
    (he_uniform, lambda fi, fo: 2.0 / fi),              # He et al.: 2/fan_in
    (he_normal, lambda fi, fo: 2.0 / fi),
])
def test_init_variance_matches_papers(init, variance):
    fan_in, fan_out = 300, 200
    W = init(fan_in, fan_out, np.random.RandomState(0))
    assert W.shape == (fan_in, fan_out)
    # 60,000 draws: the sample variance is within 2 % of the target
    assert W.var() == pytest.approx(variance(fan_in, fan_out), rel=0.02)
    assert abs(W.mean()) < 0.01 * np.sqrt(variance(fan_in, fan_out)) * 5


def test_uniform_bounds():
    W = xavier_uniform(10, 30, np.random.RandomState(0))
    assert np.abs(W).max() <= np.sqrt(6 / 40)
    W = he_uniform(10, 30, np.random.RandomState(0))
    assert np.abs(W).max() <= np.sqrt(6 / 10)
    assert he_normal(5, 5, np.random.RandomState(0), np.float32).dtype == np.float32

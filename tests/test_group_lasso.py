"""The group-lasso penalty: value, proximal step, exact zero rows with every
stochastic solver, feature importances and feature selection."""

import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from skreg import MLPClassifier, MLPRegressor
from skreg._network import BN_EPSILON
from skreg.penalties import GroupLasso, get_penalty

SHAPES = [(4, 3), (3, 2)]
STOCHASTIC = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]


def _rows(w, shapes):
    out, start = [], 0
    for a, b in shapes:
        out.append(w[start:start + a * b].reshape(a, b))
        start += a * b
    return out


def _group_term(w, shapes):
    # sum over layers and rows of sqrt(fan_out) * ||row||_2, written out
    total = 0.0
    for W in _rows(w, shapes):
        for row in W:
            total += np.sqrt(W.shape[1]) * np.sqrt(np.sum(row ** 2))
    return total


def _brute_prox(u, tau):
    """argmin_v 0.5 ||v - u||^2 + tau ||v||_2 by numerical minimisation."""
    def f(v):
        return 0.5 * np.sum((v - u) ** 2) + tau * np.linalg.norm(v)
    best = None
    for v0 in (u.copy(), np.zeros_like(u) + 1e-3, 0.5 * u):
        res = scipy.optimize.minimize(f, v0, method="Nelder-Mead",
                                      options={"xatol": 1e-10, "fatol": 1e-14,
                                               "maxiter": 20000})
        if best is None or res.fun < best.fun:
            best = res
    return best.x, f


def test_value_matches_formula():
    rng = np.random.RandomState(0)
    w = rng.randn(4 * 3 + 3 * 2)
    pen = get_penalty("group_lasso").bind(SHAPES)
    assert pen.value(w) == pytest.approx(_group_term(w, SHAPES), rel=1e-12)
    mixed = get_penalty("group_elasticnet", 0.3).bind(SHAPES)
    expected = 0.3 * _group_term(w, SHAPES) + 0.5 * 0.7 * np.sum(w ** 2)
    assert mixed.value(w) == pytest.approx(expected, rel=1e-12)
    assert mixed.l2 == pytest.approx(0.7)  # AdamW decays with this part


def test_smooth_part_gradient_by_finite_differences():
    rng = np.random.RandomState(1)
    w = rng.randn(18)
    pen = GroupLasso(0.4, SHAPES)

    def smooth(v):  # R(v) minus its group term: the part add_grad differentiates
        return pen.value(v) - 0.4 * _group_term(v, SHAPES)

    grad = pen.add_grad(w, np.zeros_like(w), 2.0)
    h = 1e-6
    fd = np.array([(smooth(w + h * e) - smooth(w - h * e)) / (2 * h)
                   for e in np.eye(w.size)])
    np.testing.assert_allclose(grad, 2.0 * fd, rtol=1e-6, atol=1e-8)


def _test_vector():
    rng = np.random.RandomState(2)
    w = rng.randn(18)
    w[0:3] *= 0.01  # a small row of the first layer: goes to zero
    w[12:14] *= 0.02  # a small row of the second layer
    return w


def test_prox_scalar_step_against_brute_force():
    w = _test_vector()
    step, alpha = 0.3, 0.5
    out = GroupLasso(1.0, SHAPES).prox(w.copy(), step, alpha)
    for W_in, W_out, (_, fan_out) in zip(_rows(w, SHAPES), _rows(out, SHAPES), SHAPES):
        for u, v in zip(W_in, W_out):
            tau = step * alpha * np.sqrt(fan_out)
            v_bf, f = _brute_prox(u, tau)
            assert f(v) <= f(v_bf) + 1e-12
            np.testing.assert_allclose(v, v_bf, atol=1e-5)
    assert not out[0:3].any() and not out[12:14].any()  # exact zero rows
    assert np.all(out[3:6] != 0)


def test_prox_per_coordinate_step_uses_harmonic_mean_per_row():
    w = _test_vector()
    rng = np.random.RandomState(3)
    steps = rng.uniform(0.05, 1.0, w.size)
    alpha = 0.5
    out = GroupLasso(1.0, SHAPES).prox(w.copy(), steps, alpha)
    for W_in, W_out, S, (_, fan_out) in zip(_rows(w, SHAPES), _rows(out, SHAPES),
                                           _rows(steps, SHAPES), SHAPES):
        for u, v, d in zip(W_in, W_out, S):
            t = len(d) / np.sum(1.0 / d)  # harmonic mean of the row's steps
            v_bf, f = _brute_prox(u, t * alpha * np.sqrt(fan_out))
            assert f(v) <= f(v_bf) + 1e-12
            np.testing.assert_allclose(v, v_bf, atol=1e-5)


def test_prox_one_huge_coordinate_step_does_not_zero_the_row():
    # a weight into a dead unit has zero gradient and an enormous Adam step;
    # the row it belongs to must not be wiped out because of it
    w = np.ones(18)
    steps = np.full(18, 0.01)
    steps[0] = 1e5
    out = GroupLasso(1.0, SHAPES).prox(w.copy(), steps, 1.0)
    t = 3 / (2 / 0.01 + 1 / 1e5)
    expected = 1 - t * np.sqrt(3) / np.sqrt(3)  # 1 - tau / ||row||, ||row|| = sqrt(3)
    np.testing.assert_allclose(out[:3], expected, rtol=1e-12)
    # every step huge (zero data gradient everywhere in the row): exact zero
    steps[:3] = 1e5
    out = GroupLasso(1.0, SHAPES).prox(w.copy(), steps, 1.0)
    assert not out[:3].any()


def test_unbound_penalty_and_wrong_size_are_errors():
    pen = get_penalty("group_lasso")
    assert pen.has_prox and not get_penalty("l2").has_prox
    with pytest.raises(ValueError, match="bind"):
        pen.value(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        pen.bind(SHAPES).value(np.ones(5))


@pytest.mark.parametrize("penalty", ["group_lasso", "group_elasticnet"])
def test_lbfgs_is_a_clear_error(penalty):
    X, y = np.random.RandomState(0).randn(20, 3), np.arange(20.0)
    with pytest.raises(ValueError, match="'adam', 'sgd'"):
        MLPRegressor(solver="lbfgs", penalty=penalty).fit(X, y)


def _data_with_zero_features(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 6)
    X[:, [1, 4]] = 0.0  # zero columns: their rows get no data gradient
    y = 2 * X[:, 0] - X[:, 2] + np.sin(2 * X[:, 3]) + X[:, 5] ** 2
    return X, y


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_zero_gradient_rows_become_exactly_zero(solver):
    X, y = _data_with_zero_features()
    est = MLPRegressor(hidden_layer_sizes=(8,), penalty="group_lasso", alpha=0.04,
                       solver=solver, learning_rate_init=0.05, batch_size=20,
                       max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    W = est.coefs_[0]
    assert not W[[1, 4]].any()  # exactly zero
    assert np.all(np.linalg.norm(W[[0, 2]], axis=1) > 0)  # strong signals kept
    imp = est.feature_importances_
    assert imp[1] == 0 and imp[4] == 0 and imp[0] > 0


def test_feature_importances_formula():
    X, y = _data_with_zero_features()
    est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with pytest.raises(NotFittedError):
        est.feature_importances_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    norms = np.sqrt((est.coefs_[0] ** 2).sum(axis=1))
    np.testing.assert_allclose(est.feature_importances_, norms / norms.sum(), rtol=1e-12)
    est.coefs_[0][...] = 0.0
    assert np.array_equal(est.feature_importances_, np.zeros(6))


def test_feature_importances_with_batch_norm_use_folded_weights():
    X, y = _data_with_zero_features()
    est = MLPClassifier(hidden_layer_sizes=(5,), batch_norm=True, max_iter=5,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y > 0)
    scale = est.bn_gammas_[0] / np.sqrt(est.bn_running_vars_[0] + BN_EPSILON)
    norms = np.sqrt(((est.coefs_[0] * scale) ** 2).sum(axis=1))
    np.testing.assert_allclose(est.feature_importances_, norms / norms.sum(), rtol=1e-12)


def test_select_from_model_in_a_pipeline():
    X, y = _data_with_zero_features(n=300)
    mlp = MLPRegressor(hidden_layer_sizes=(8,), penalty="group_lasso", alpha=0.04,
                       solver="sgd", learning_rate_init=0.05, batch_size=20,
                       max_iter=50, random_state=0)
    pipe = make_pipeline(SelectFromModel(mlp, threshold=1e-10), Ridge())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)
    selector = pipe[0]
    support = selector.get_support()
    np.testing.assert_array_equal(support, selector.estimator_.feature_importances_ > 0)
    assert not support[1] and not support[4] and support[0] and support[2]
    assert pipe[1].coef_.shape == (support.sum(),)
    assert pipe.predict(X).shape == (300,)

"""Exact zeros that are the objective's: the full-batch proximal phase
(``prox_max_iter``), the KKT conditions it stops on, and the effective step
of SGD with momentum in the proximal step.

References are independent of skreg's code: scikit-learn's ``Lasso`` and
``MultiTaskLasso``, closed-form recursions, and finite differences of
``predict``.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, MultiTaskLasso

from skreg import MLPClassifier, MLPRegressor
from skreg.optimizers import SGD
from skreg.penalties import GroupLasso, L1

STOCHASTIC = ["sgd", "adam", "adamw", "rmsprop", "adagrad"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _linear_data(n=120, p=8, k=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    W = np.zeros((p, k))
    W[:3] = rng.randn(3, k) * 2.0  # 3 informative inputs, 5 pure noise
    Y = X @ W + 0.5 * rng.randn(n, k) + 1.0
    return X, (Y[:, 0] if k == 1 else Y)


# ------------------------------------------------ linear models: the optimum
@pytest.mark.parametrize("solver", STOCHASTIC + ["sgd_no_momentum"])
def test_l1_linear_model_reaches_the_lasso_optimum(solver):
    # skreg's squared error is 0.5 * mean (z - y)^2, Lasso's objective is
    # (1 / 2n) ||y - Xw||^2 + alpha ||w||_1: the same problem
    X, y = _linear_data()
    alpha = 0.1
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    kw = dict(solver="sgd", momentum=0.0) if solver == "sgd_no_momentum" else dict(solver=solver)
    est = MLPRegressor(hidden_layer_sizes=(), penalty="l1", alpha=alpha, max_iter=20,
                       learning_rate_init=0.01, random_state=0, prox_max_iter=2000,
                       prox_tol=1e-9, **kw).fit(X, y)
    coef = est.coefs_[0][:, 0]
    np.testing.assert_array_equal(coef == 0, ref.coef_ == 0)
    assert (ref.coef_ == 0).sum() >= 3  # the noise inputs are zeros
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-7)
    assert est.intercepts_[0][0] == pytest.approx(ref.intercept_, abs=1e-7)
    assert est.kkt_violation_ <= 1e-9


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_group_lasso_linear_model_reaches_the_multitask_lasso_optimum(solver):
    # without hidden layers the rows of W are the inputs: the group lasso is
    # the multi-task lasso. skreg's objective (1 / 2nK) ||Y - XW||^2 +
    # alpha sqrt(K) sum_i ||W_i|| times K is MultiTaskLasso's with
    # alpha_mt = alpha * K^1.5
    K = 3
    X, Y = _linear_data(k=K, seed=1)
    alpha = 0.05
    ref = MultiTaskLasso(alpha=alpha * K ** 1.5, tol=1e-12, max_iter=100000).fit(X, Y)
    est = MLPRegressor(hidden_layer_sizes=(), penalty="group_lasso", alpha=alpha,
                       solver=solver, max_iter=20, learning_rate_init=0.01, random_state=0,
                       prox_max_iter=3000, prox_tol=1e-9).fit(X, Y)
    W = est.coefs_[0]
    zero_rows = np.all(W == 0, axis=1)
    np.testing.assert_array_equal(zero_rows, np.all(ref.coef_.T == 0, axis=1))
    assert zero_rows.sum() >= 3
    np.testing.assert_allclose(W, ref.coef_.T, atol=1e-7)
    np.testing.assert_allclose(est.intercepts_[0], ref.intercept_, atol=1e-7)


@pytest.mark.parametrize("nesterov", [False, True])
def test_full_batch_sgd_with_momentum_has_the_lasso_optimum_as_fixed_point(nesterov):
    # no proximal phase: deterministic momentum steps with the proximal step
    # of the effective step lr / (1 - momentum) converge to the optimum; with
    # the rate as step the threshold would be 10x too small (fewer zeros)
    X, y = _linear_data(n=100, p=6, seed=2)
    alpha = 0.2
    ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    assert (ref.coef_ == 0).sum() >= 2
    est = MLPRegressor(hidden_layer_sizes=(), penalty="l1", alpha=alpha, solver="sgd",
                       momentum=0.9, nesterovs_momentum=nesterov, batch_size=100,
                       shuffle=False, learning_rate_init=0.02, max_iter=3000, tol=0.0,
                       n_iter_no_change=10**6, prox_max_iter=0, random_state=0).fit(X, y)
    assert est.prox_n_iter_ == 0 and est.kkt_violation_ is None
    coef = est.coefs_[0][:, 0]
    np.testing.assert_array_equal(coef == 0, ref.coef_ == 0)
    np.testing.assert_allclose(coef, ref.coef_, atol=1e-8)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_effective_step_follows_the_recursion(nesterov):
    m = 0.8
    opt = SGD(momentum=m, nesterov=nesterov)
    theta = np.zeros(3)
    state = opt.init(theta)
    reach = 0.0
    for lr in [0.1, 0.1, 0.05, 0.2, 0.2, 0.2]:
        opt.update(theta, np.ones(3), state, lr)
        reach = m * reach + lr  # sum_k lr_k m^(t - k)
        expected = m * reach + lr if nesterov else reach
        assert opt.step_size(state, lr) == pytest.approx(expected, rel=1e-15)
    # a constant gradient moves theta by exactly the effective step per step
    before = theta.copy()
    opt.update(theta, np.ones(3), state, 0.2)
    reach = m * reach + 0.2
    moved = before - theta
    np.testing.assert_allclose(moved, m * reach + 0.2 if nesterov else reach, rtol=1e-12)
    assert SGD(momentum=0.0).step_size({"t": 3}, 0.3) == 0.3


# ------------------------------------- networks: the optimality conditions
def _smooth_gradient_by_finite_differences(est, X, y, h=1e-6):
    """Gradient of 0.5 * mean (predict - y)^2 (+ the smooth L2 part) with
    respect to every weight and bias, by central differences of predict."""
    alpha, l2 = est.alpha, (1.0 - est.l1_ratio) if est.penalty == "group_elasticnet" else 0.0

    def objective():
        r = est.predict(X) - y
        W = np.concatenate([c.ravel() for c in est.coefs_])
        return 0.5 * np.mean(r ** 2) + 0.5 * alpha * l2 * np.dot(W, W)

    grads = []
    for arrays in (est.coefs_, est.intercepts_):
        out = []
        for A in arrays:
            G = np.zeros_like(A)
            for idx in np.ndindex(A.shape):
                keep = A[idx]
                A[idx] = keep + h
                up = objective()
                A[idx] = keep - h
                down = objective()
                A[idx] = keep
                G[idx] = (up - down) / (2 * h)
            out.append(G)
        grads.append(out)
    return grads


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("penalty", ["group_lasso", "group_elasticnet"])
def test_rows_satisfy_the_group_kkt_condition_after_training(solver, penalty):
    rng = np.random.RandomState(3)
    X = rng.randn(80, 6)
    y = np.tanh(X[:, 0]) - X[:, 1] + 0.1 * rng.randn(80)
    alpha, tol = 0.01, 1e-3
    est = MLPRegressor(hidden_layer_sizes=(5,), activation="tanh", penalty=penalty,
                       l1_ratio=0.7, alpha=alpha, solver=solver, max_iter=50,
                       learning_rate_init=0.01, random_state=0, prox_max_iter=20000,
                       prox_tol=tol).fit(X, y)
    assert est.kkt_violation_ <= tol
    (gW, gb) = _smooth_gradient_by_finite_differences(est, X, y)
    lam = 1.0 if penalty == "group_lasso" else 0.7
    n_zero = 0
    for W, G in zip(est.coefs_, gW):
        tau = alpha * lam * np.sqrt(W.shape[1])
        for w_g, g_g in zip(W, G):
            norm = np.linalg.norm(w_g)
            if norm == 0:
                n_zero += 1
                assert np.linalg.norm(g_g) <= tau * (1 + tol) + 1e-7
            else:
                np.testing.assert_allclose(g_g, -tau * w_g / norm, atol=tol * tau + 1e-7)
    assert n_zero >= 2  # the noise inputs (at least) are zero rows
    for g in gb:
        np.testing.assert_allclose(g, 0.0, atol=tol * alpha * lam + 1e-7)


def test_kkt_violation_formula_of_the_penalties():
    rng = np.random.RandomState(0)
    shapes = [(3, 4)]
    pen = GroupLasso(1.0, shapes)
    W = rng.randn(3, 4)
    W[1] = 0.0
    G = rng.randn(3, 4)
    alpha = 0.5
    v, smallest = pen.kkt_violation(W.ravel(), G.ravel(), alpha)
    tau = alpha * 2.0
    assert smallest == tau
    expected = [np.linalg.norm(G[0] + tau * W[0] / np.linalg.norm(W[0])) / tau,
                max(np.linalg.norm(G[1]) - tau, 0) / tau,
                np.linalg.norm(G[2] + tau * W[2] / np.linalg.norm(W[2])) / tau]
    np.testing.assert_allclose(v, expected, rtol=1e-12)
    w = np.array([0.0, 1.0, -2.0, 0.0])
    g = np.array([0.05, -0.1, 0.3, 0.4])
    v, smallest = L1().kkt_violation(w, g, 0.1)
    np.testing.assert_allclose(v, [0.0, 0.0, 2.0, 3.0], atol=1e-12)
    assert smallest == 0.1


def test_l1_network_kkt_holds_elementwise():
    rng = np.random.RandomState(4)
    X = rng.randn(60, 4)
    y = X[:, 0] - 0.5 * X[:, 1] ** 2 + 0.1 * rng.randn(60)
    alpha, tol = 0.005, 1e-3
    est = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", penalty="l1",
                       alpha=alpha, max_iter=40, random_state=0, prox_max_iter=20000,
                       prox_tol=tol).fit(X, y)
    assert est.kkt_violation_ <= tol
    gW, _ = _smooth_gradient_by_finite_differences(est, X, y)
    w = np.concatenate([c.ravel() for c in est.coefs_])
    g = np.concatenate([c.ravel() for c in gW])
    assert (w == 0).sum() >= 2
    assert np.all(np.abs(g[w == 0]) <= alpha * (1 + tol) + 1e-7)
    nz = w != 0
    np.testing.assert_allclose(g[nz], -alpha * np.sign(w[nz]), atol=tol * alpha + 1e-7)


# --------------------------------------------------- when the phase runs
def test_phase_runs_only_for_non_smooth_penalties_and_fit():
    X, y = _linear_data()
    common = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    smooth = MLPRegressor(penalty="l2", **common).fit(X, y)
    assert smooth.prox_n_iter_ == 0 and smooth.kkt_violation_ is None
    off = MLPRegressor(penalty="l1", prox_max_iter=0, **common).fit(X, y)
    assert off.prox_n_iter_ == 0 and off.kkt_violation_ is None
    on = MLPRegressor(penalty="l1", **common).fit(X, y)
    assert 0 < on.prox_n_iter_ <= 20 and on.kkt_violation_ is not None
    # partial_fit sees one batch, not the objective: no phase
    inc = MLPRegressor(penalty="l1", **common).partial_fit(X, y)
    assert inc.prox_n_iter_ == 0 and inc.kkt_violation_ is None
    # the phase only moves weights from where the stochastic phase left them,
    # and never raises the full-batch objective
    def objective(est):
        r = est.predict(X) - y
        W = np.concatenate([c.ravel() for c in est.coefs_])
        return 0.5 * np.mean(r ** 2) + est.alpha * np.abs(W).sum()
    assert objective(on) < objective(off)
    np.testing.assert_array_equal(on.loss_curve_, off.loss_curve_)


def test_phase_leaves_the_stochastic_phase_identical():
    # the mini-batch epochs do not depend on the phase: a fit without the
    # phase, continued by the phase from its weights, is the fit with it
    from skreg._network import Network
    from skreg._proximal import proximal_gradient
    from skreg._training import Data
    from skreg.losses import get_loss

    X, y = _linear_data(seed=5)
    common = dict(hidden_layer_sizes=(3,), penalty="group_lasso", alpha=0.02,
                  max_iter=8, random_state=1)
    off = MLPRegressor(prox_max_iter=0, **common).fit(X, y)
    on = MLPRegressor(prox_max_iter=30, prox_tol=1e-12, **common).fit(X, y)
    units = [X.shape[1], 3, 1]
    net = Network(units, "relu", get_loss("squared_error"))
    theta = np.concatenate([c.ravel() for c in off.coefs_] + list(off.intercepts_))
    pen = GroupLasso(1.0).bind(list(zip(units[:-1], units[1:])))
    out, n, _ = proximal_gradient(net, pen, 0.02, theta, Data(X, y[:, None]),
                                  max_iter=30, tol=1e-12)
    assert n == on.prox_n_iter_
    got = np.concatenate([c.ravel() for c in on.coefs_] + list(on.intercepts_))
    np.testing.assert_array_equal(got, out)


def test_classifier_with_dropout_reaches_sparse_optimum():
    rng = np.random.RandomState(0)
    X = rng.randn(150, 10)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    est = MLPClassifier(hidden_layer_sizes=(8,), penalty="group_lasso", alpha=0.02,
                        dropout=0.2, max_iter=30, random_state=0, prox_max_iter=20000,
                        prox_tol=1e-3).fit(X, y)
    assert est.kkt_violation_ <= 1e-3
    imp = est.feature_importances_
    assert imp[0] > 0 and imp[1] > 0 and (imp[2:] == 0).sum() >= 4
    assert est.score(X, y) > 0.9


def test_batch_norm_statistics_are_the_training_sets_after_the_phase():
    # the phase's objective normalises with the whole set's statistics (as
    # 'lbfgs'); the running statistics are set to them
    rng = np.random.RandomState(1)
    X = rng.randn(120, 5)
    y = X[:, 0] - X[:, 1] + 0.1 * rng.randn(120)
    est = MLPRegressor(hidden_layer_sizes=(6,), penalty="l1", alpha=0.01, batch_norm=True,
                       max_iter=20, random_state=0).fit(X, y)
    assert est.prox_n_iter_ > 0
    Z = X @ est.coefs_[0] + est.intercepts_[0]
    np.testing.assert_allclose(est.bn_running_means_[0], Z.mean(axis=0), atol=1e-10)
    np.testing.assert_allclose(est.bn_running_vars_[0], Z.var(axis=0, ddof=1), rtol=1e-8)
    assert np.isfinite(est.predict(X)).all()


def test_blocked_sums_equal_the_one_block_objective(monkeypatch):
    # without batch normalisation the full-batch sums run in blocks of rows:
    # the same objective and gradient up to rounding
    import skreg._proximal as proximal
    from skreg._network import Network
    from skreg._training import Data
    from skreg.losses import get_loss

    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 4), rng.randn(50, 1)
    sw = rng.uniform(0.5, 2.0, 50)
    units = [4, 3, 1]
    net = Network(units, "tanh", get_loss("squared_error"))
    pen = GroupLasso(0.5).bind(list(zip(units[:-1], units[1:])))
    theta = rng.randn(net.size)
    results = []
    for block in (50, 7):
        monkeypatch.setattr(proximal, "_BLOCK", block)
        f, h, *_ = proximal._objective(net, pen, 0.1, Data(X, y, sw), np.float64)
        grad = np.empty_like(theta)
        results.append((f(theta, grad), grad, h(theta)))
    (v1, g1, h1), (v2, g2, h2) = results
    assert v2 == pytest.approx(v1, rel=1e-13)
    np.testing.assert_allclose(g2, g1, rtol=1e-12, atol=1e-15)
    assert h1 == h2
    # and the value is the formula: weighted mean of half squared errors + L2 part
    P = net.views(theta)
    out = np.tanh(X @ P.coefs[0] + P.intercepts[0]) @ P.coefs[1] + P.intercepts[1]
    W = theta[:net.n_weights]
    expected = 0.5 * np.sum(sw * (out[:, 0] - y[:, 0]) ** 2) / sw.sum() + 0.1 * 0.25 * W @ W
    assert v1 == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name, value", [("prox_max_iter", -1), ("prox_max_iter", 2.5),
                                         ("prox_tol", 0.0), ("prox_tol", -1.0)])
def test_bad_parameters_are_named(name, value):
    X, y = _linear_data()
    with pytest.raises(ValueError, match=name):
        MLPRegressor(penalty="l1", **{name: value}).fit(X, y)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_row_without_gradient_goes_to_zero_and_stays_there(solver):
    # inputs that are constant zero give their rows no data gradient: once a
    # step has zeroed such a row, no later step (epoch after epoch) reopens it
    rng = np.random.RandomState(0)
    X = rng.randn(100, 5)
    X[:, [1, 3]] = 0.0
    y = X[:, 0] - 2 * X[:, 2] + 0.1 * rng.randn(100)
    est = MLPRegressor(hidden_layer_sizes=(6,), penalty="group_lasso", alpha=0.03,
                       solver=solver, learning_rate_init=0.05, batch_size=20,
                       random_state=0)
    first_zero = {}
    for epoch in range(25):
        est.partial_fit(X, y)
        for row in (1, 3):
            zero = not est.coefs_[0][row].any()
            if zero:
                first_zero.setdefault(row, epoch)
            else:
                assert row not in first_zero, (row, epoch)
    assert set(first_zero) == {1, 3}
    # a fit ends the same way after its proximal phase
    fitted = MLPRegressor(hidden_layer_sizes=(6,), penalty="group_lasso", alpha=0.03,
                          solver=solver, learning_rate_init=0.05, batch_size=20,
                          max_iter=25, random_state=0).fit(X, y)
    assert fitted.prox_n_iter_ > 0
    assert not fitted.coefs_[0][[1, 3]].any()
    assert np.all(np.linalg.norm(fitted.coefs_[0][[0, 2]], axis=1) > 0)

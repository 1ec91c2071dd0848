"""Estimator-level tests: agreement with scikit-learn's MLP and linear models,
the objective's definition, training semantics and input handling."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neural_network as sknn
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor
from skreg._network import Network
from skreg.losses import get_loss

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _clf_data(n=120, n_classes=3, seed=0):
    X, y = make_classification(n_samples=n, n_features=6, n_informative=4,
                               n_classes=n_classes, random_state=seed)
    return StandardScaler().fit_transform(X), y


def _reg_data(n=120, n_targets=1, seed=0):
    X, y = make_regression(n_samples=n, n_features=5, noise=0.5, n_targets=n_targets,
                           random_state=seed)
    return StandardScaler().fit_transform(X), y / np.std(y)


# ------------------------------------------------------------------ reference
@pytest.mark.parametrize("Sk, Ours, data", [
    (sknn.MLPClassifier, MLPClassifier, lambda: _clf_data(n_classes=3)),
    (sknn.MLPClassifier, MLPClassifier, lambda: _clf_data(n_classes=2)),
    (sknn.MLPRegressor, MLPRegressor, _reg_data),
])
@pytest.mark.parametrize("solver_params", [
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.05),
    dict(solver="sgd", momentum=0.5, nesterovs_momentum=False, learning_rate_init=0.05),
    dict(solver="sgd", momentum=0.0, learning_rate_init=0.05),
    dict(solver="adam", epsilon=1e-30, learning_rate_init=0.01),
])
def test_same_trajectory_as_sklearn(Sk, Ours, data, solver_params):
    """From the same weights, skreg and scikit-learn take the same steps when
    alpha is converted (sklearn divides it by the batch size)."""
    X, y = data()
    batch, alpha_sk = 20, 0.3  # 120 samples: 6 equal batches
    common = dict(hidden_layer_sizes=(7, 5), activation="tanh", batch_size=batch,
                  shuffle=False, tol=0.0, n_iter_no_change=1000, warm_start=True,
                  max_iter=1, random_state=0, **solver_params)
    ours = Ours(alpha=alpha_sk / batch, **common).fit(X, y)
    sk = Sk(alpha=alpha_sk, **common).fit(X, y)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        theirs[...] = mine  # in place: sklearn's optimizer holds these arrays
    ours.set_params(max_iter=4).fit(X, y)
    sk.set_params(max_iter=4).fit(X, y)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_[-4:], sk.loss_curve_[-4:], rtol=1e-9)


# ------------------------------------------------- no hidden layer = linear model
def test_no_hidden_layer_l2_is_ridge():
    X, y = _reg_data()
    n, a = X.shape[0], 5.0
    # Ridge: ||y - Xw - b||^2 + a ||w||^2 = 2 n * (0.5 mean sq + (a / n) 0.5 ||w||^2)
    ours = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=a / n, tol=1e-12,
                        max_iter=5000).fit(X, y)
    ridge = Ridge(alpha=a).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0].ravel(), ridge.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours.intercepts_[0], ridge.intercept_, atol=1e-6)


def test_no_hidden_layer_l1_is_lasso_with_exact_zeros():
    X, y = make_regression(n_samples=100, n_features=12, n_informative=3, noise=0.1,
                           random_state=1)
    a = 0.5
    # Lasso: 1/(2n) ||y - Xw - b||^2 + a ||w||_1 = our objective with alpha = a
    ours = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", penalty="l1", alpha=a,
                        tol=1e-12, max_iter=20000, max_fun=100000).fit(X, y)
    lasso = Lasso(alpha=a, tol=1e-12, max_iter=100000).fit(X, y)
    w = ours.coefs_[0].ravel()
    np.testing.assert_allclose(w, lasso.coef_, atol=1e-4)
    assert (lasso.coef_ == 0).sum() >= 5
    np.testing.assert_array_equal(w == 0, lasso.coef_ == 0)


def test_no_hidden_layer_elasticnet():
    X, y = make_regression(n_samples=100, n_features=10, n_informative=4, noise=0.1,
                           random_state=2)
    y = y / np.std(y)
    a, r = 0.05, 0.6
    ours = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", penalty="elasticnet",
                        alpha=a, l1_ratio=r, tol=1e-12, max_iter=20000,
                        max_fun=100000).fit(X, y)
    enet = SkElasticNet(alpha=a, l1_ratio=r, tol=1e-12, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0].ravel(), enet.coef_, atol=1e-4)
    np.testing.assert_array_equal(ours.coefs_[0].ravel() == 0, enet.coef_ == 0)


def test_no_hidden_layer_logistic_regression():
    X, y = _clf_data(n_classes=2)
    n, C = X.shape[0], 0.5
    # LogisticRegression: C sum log-loss + 0.5 ||w||^2 -> alpha = 1 / (C n)
    ours = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=1 / (C * n),
                         tol=1e-12, max_iter=5000).fit(X, y)
    lr = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y)
    # L-BFGS-B stops on its relative-decrease test (ftol, as in scikit-learn's
    # MLP), so agreement is to ~1e-5 rather than to the last digit
    np.testing.assert_allclose(ours.coefs_[0].ravel(), lr.coef_.ravel(), atol=2e-5)
    np.testing.assert_allclose(ours.intercepts_[0], lr.intercept_, atol=2e-5)
    np.testing.assert_allclose(ours.predict_proba(X), lr.predict_proba(X), atol=1e-5)

    def objective(w, b):  # mean log-loss + alpha * 0.5 ||w||^2, written out
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z) + 0.5 / (C * n) * w @ w

    assert objective(ours.coefs_[0].ravel(), ours.intercepts_[0][0]) <= (
        objective(lr.coef_.ravel(), lr.intercept_[0]) + 1e-10)


def test_alpha_does_not_depend_on_batch_size():
    """The minimiser of the objective is the same for every batch size: SGD
    with an annealed rate lands on the ridge solution for small and large
    batches (scikit-learn's alpha / batch_size would not)."""
    X, y = _reg_data(n=128)
    n, alpha = X.shape[0], 0.5
    ridge = Ridge(alpha=alpha * n).fit(X, y)
    for batch in (8, 64):
        reg = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0, alpha=alpha,
                           batch_size=batch, learning_rate_init=0.05, lr_schedule="cosine",
                           max_iter=300, tol=0, n_iter_no_change=10**6,
                           random_state=0).fit(X, y)
        np.testing.assert_allclose(reg.coefs_[0].ravel(), ridge.coef_, rtol=2e-3, atol=2e-4)


# ---------------------------------------------------------- update wiring
def _one_full_batch_epoch(**params):
    """Weights before and after one full-batch epoch, and the data gradient."""
    X, y = _reg_data(n=40)
    est = MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", batch_size=40,
                       shuffle=False, warm_start=True, max_iter=1, random_state=0,
                       **params).fit(X, y)
    theta0 = np.concatenate([c.ravel() for c in est.coefs_] + list(est.intercepts_))
    net = Network([5, 6, 1], "tanh", get_loss("squared_error"))
    grad = np.zeros(net.size)
    net.workspace(40, np.float64).loss_grad(net.views(theta0.copy()), net.views(grad), X,
                                            y.reshape(-1, 1), np.full(40, 1 / 40))
    est.fit(X, y)
    theta1 = np.concatenate([c.ravel() for c in est.coefs_] + list(est.intercepts_))
    return theta0, theta1, grad, net.n_weights


def test_l1_proximal_sgd_step():
    lr, alpha = 0.1, 0.5
    t0, t1, g, nw = _one_full_batch_epoch(solver="sgd", momentum=0.0, penalty="l1",
                                          alpha=alpha, learning_rate_init=lr)
    step = t0 - lr * g
    expected_w = np.sign(step[:nw]) * np.maximum(np.abs(step[:nw]) - lr * alpha, 0)
    np.testing.assert_allclose(t1[:nw], expected_w, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t1[nw:], step[nw:], rtol=1e-12)  # biases: no penalty
    assert (t1[:nw] == 0).any()


def test_adamw_decays_weights_before_the_adam_step():
    lr, alpha, eps = 0.01, 2.0, 1e-8
    t0, t1, g, nw = _one_full_batch_epoch(solver="adamw", alpha=alpha,
                                          learning_rate_init=lr)
    # t = 1: m_hat = g, v_hat = g^2 -> step lr * g / (|g| + eps)
    expected = t0 - lr * g / (np.abs(g) + eps)
    expected[:nw] -= lr * alpha * t0[:nw]
    np.testing.assert_allclose(t1, expected, rtol=1e-10, atol=1e-14)


def test_adam_coupled_l2_goes_through_the_gradient():
    lr, alpha, eps = 0.01, 2.0, 1e-8
    t0, t1, g, nw = _one_full_batch_epoch(solver="adam", alpha=alpha, learning_rate_init=lr)
    g = g.copy()
    g[:nw] += alpha * t0[:nw]
    np.testing.assert_allclose(t1, t0 - lr * g / (np.abs(g) + eps), rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------- semantics
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_partial_fit_k_times_equals_fit_k_epochs(shuffle, dropout):
    X, y = _clf_data()
    params = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.05,
                  batch_size=32, shuffle=shuffle, random_state=3, max_iter=5, tol=0,
                  n_iter_no_change=100, lr_schedule="cosine", dropout=dropout)
    fitted = MLPClassifier(**params).fit(X, y)
    inc = MLPClassifier(**params)
    for _ in range(5):
        inc.partial_fit(X, y, classes=np.unique(y))
    assert inc.n_iter_ == fitted.n_iter_ == 5
    for a, b in zip(inc.coefs_ + inc.intercepts_, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(inc.lr_curve_, fitted.lr_curve_)


def test_warm_start_restarts_schedule_and_counts_this_call():
    X, y = _clf_data()
    est = MLPClassifier(hidden_layer_sizes=(8,), lr_schedule="step", max_iter=6,
                        learning_rate_init=0.02, warm_start=True, tol=0,
                        n_iter_no_change=100, random_state=0).fit(X, y)
    w1 = est.coefs_[0].copy()
    est.fit(X, y)
    assert est.n_iter_ == 6
    assert len(est.loss_curve_) == 12
    # the schedule restarts: the same rates in both runs (step_size = 6 // 3)
    np.testing.assert_allclose(est.lr_curve_, 2 * [0.02, 0.02, 0.002, 0.002, 2e-4, 2e-4])
    assert not np.array_equal(est.coefs_[0], w1)


def test_lr_curve_follows_schedules():
    X, y = _clf_data()
    est = MLPClassifier(hidden_layer_sizes=(4,), lr_schedule="exponential", max_iter=10,
                        learning_rate_init=0.01, tol=0, n_iter_no_change=100,
                        random_state=0).fit(X, y)
    gamma = 0.01 ** (1 / 10)
    np.testing.assert_allclose(est.lr_curve_, 0.01 * gamma ** np.arange(10))
    # invscaling through scikit-learn's alias: lr_init / (t + 1) ** power_t, t = t_ before the epoch
    est = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling",
                        lr_schedule="cosine", max_iter=4, learning_rate_init=0.5,
                        power_t=0.5, tol=0, n_iter_no_change=100, random_state=0).fit(X, y)
    n = X.shape[0]
    np.testing.assert_allclose(est.lr_curve_, 0.5 / (n * np.arange(4) + 1) ** 0.5)
    # a warm-started fit restarts the schedule; partial_fit continues it
    est.set_params(warm_start=True).fit(X, y)
    np.testing.assert_allclose(est.lr_curve_[4:], 0.5 / (n * np.arange(4) + 1) ** 0.5)
    est.partial_fit(X, y)
    assert est.lr_curve_[-1] == pytest.approx(0.5 / (n * 4 + 1) ** 0.5)


def test_adaptive_divides_by_five_on_plateau():
    X, y = _clf_data()
    est = MLPClassifier(hidden_layer_sizes=(4,), solver="adam", lr_schedule="adaptive",
                        tol=10.0, n_iter_no_change=2, max_iter=12,
                        learning_rate_init=0.01, random_state=0).fit(X, y)
    # with tol=10 no epoch improves: every 3rd epoch the rate is divided by 5
    # (the first epoch always improves on +inf, so the first group has 4 epochs)
    expected = [0.01 / 5 ** max(0, (k - 1) // 3) for k in range(est.n_iter_)]
    np.testing.assert_allclose(est.lr_curve_, expected)


def test_early_stopping_restores_best_weights():
    X, y = _clf_data(n=300)
    params = dict(hidden_layer_sizes=(16,), early_stopping=True, n_iter_no_change=3,
                  max_iter=60, learning_rate_init=0.05, random_state=0)
    est = MLPClassifier(**params).fit(X, y)
    scores = est.validation_scores_
    best = int(np.argmax(scores))
    assert est.best_validation_score_ == scores[best]
    assert len(est.validation_loss_curve_) == len(scores) == est.n_iter_
    assert est.best_loss_ is None
    assert est.n_iter_ < 60  # it stopped
    # the same run cut at the best epoch ends with the same weights
    ref = MLPClassifier(**{**params, "max_iter": best + 1, "n_iter_no_change": 100}).fit(X, y)
    for a, b in zip(est.coefs_, ref.coefs_):
        np.testing.assert_array_equal(a, b)


def test_l1_gives_exact_zeros_and_l2_does_not():
    X, y = _clf_data(n=200)
    for solver in ("adam", "sgd", "lbfgs", "rmsprop", "adagrad", "adamw"):
        # (momentum keeps weights moving across 0: plain SGD shows the zeros best)
        l1 = MLPClassifier(hidden_layer_sizes=(16,), penalty="l1", alpha=0.05, solver=solver,
                           momentum=0.0, learning_rate_init=0.1 if solver == "sgd" else 0.01,
                           max_iter=50, random_state=0).fit(X, y)
        share = np.mean(np.concatenate([c.ravel() for c in l1.coefs_]) == 0)
        assert share > 0.2, (solver, share)
        # biases are never penalised
        assert all(np.count_nonzero(b) == b.size for b in l1.intercepts_)
    l2 = MLPClassifier(hidden_layer_sizes=(16,), penalty="l2", alpha=0.01, max_iter=50,
                       random_state=0).fit(X, y)
    assert np.count_nonzero(np.concatenate([c.ravel() for c in l2.coefs_]) == 0) == 0


def test_class_weight_balanced_equals_sample_weights():
    X, y = _clf_data()
    y = np.where(np.arange(len(y)) < 90, y, 2)  # unbalanced
    counts = np.bincount(y)
    sw = len(y) / (len(counts) * counts[y])
    params = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    a = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    b = MLPClassifier(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    c = MLPClassifier(class_weight={0: 2.0, 1: 1.0, 2: 1.0}, **params).fit(X, y,
                                                                             sample_weight=sw)
    d = MLPClassifier(**params).fit(X, y, sample_weight=sw * np.where(y == 0, 2.0, 1.0))
    np.testing.assert_array_equal(c.coefs_[0], d.coefs_[0])


def test_float32_end_to_end_and_sparse_equals_dense():
    X, y = _clf_data()
    X32 = X.astype(np.float32)
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X32, y)
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X32).dtype == np.float32
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.5] = 0
    dense = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(Xs, y)
    sparse = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(
        sp.csr_matrix(Xs), y)
    np.testing.assert_allclose(dense.coefs_[0], sparse.coefs_[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dense.predict_proba(Xs), sparse.predict_proba(sp.csc_matrix(Xs)),
                               rtol=1e-10)


def test_multilabel_multioutput_and_string_labels():
    X, y = _clf_data()
    Y = np.c_[y == 0, y == 1, y > 0].astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, learning_rate_init=0.01,
                        random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.predict(X).shape == Y.shape
    assert (clf.predict(X) == Y).mean() > 0.8
    names = np.array(["cat", "dog", "emu"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, names)
    assert set(clf.predict(X)) <= set(names) and list(clf.classes_) == ["cat", "dog", "emu"]
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0)
    Xr, Yr = _reg_data(n_targets=3)
    reg = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=300).fit(Xr, Yr)
    assert reg.predict(Xr).shape == Yr.shape and reg.score(Xr, Yr) > 0.9


def test_poisson_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(), solver="lbfgs", alpha=0,
                       max_iter=500).fit(X, y)
    assert reg.out_activation_ == "exp"
    np.testing.assert_allclose(reg.coefs_[0].ravel(), [0.5, -0.3, 0.0], atol=0.12)
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson").fit(X, -np.abs(y) - 1)


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize("params, error, match", [
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(penalty="l3"), ValueError, "penalty"),
    (dict(l1_ratio=1.5), ValueError, "l1_ratio"),
    (dict(init="glorot"), ValueError, "init"),
    (dict(solver="newton"), ValueError, "solver"),
    (dict(lr_schedule="linear"), ValueError, "lr_schedule"),
    (dict(learning_rate="cosine"), ValueError, "learning_rate"),
    (dict(hidden_layer_sizes=(5, 0)), ValueError, "hidden_layer_sizes"),
    (dict(hidden_layer_sizes="big"), ValueError, "hidden_layer_sizes"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(learning_rate_init=0.0), ValueError, "learning_rate_init"),
    (dict(max_iter=1.5), TypeError, "max_iter"),
    (dict(shuffle="yes"), TypeError, "shuffle"),
    (dict(momentum=2.0), ValueError, "momentum"),
    (dict(beta_2=1.0), ValueError, "beta_2"),
    (dict(dropout=1.0), ValueError, "dropout"),
    (dict(dropout=[0.1, 0.2]), ValueError, "dropout"),
    (dict(dropout=0.5, solver="lbfgs"), ValueError, "lbfgs"),
    (dict(activation="gelu"), ValueError, "activation"),
])
def test_bad_parameters_raise_clear_errors(params, error, match):
    X, y = _clf_data(n=30)
    with pytest.raises(error, match=match):
        MLPClassifier(max_iter=2, **params).fit(X, y)


def test_non_finite_input_and_divergence():
    X, y = _reg_data(n=40)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor().fit(Xn, y)
    yn = y.copy()
    yn[3] = np.inf
    with pytest.raises(ValueError, match="nfinity|NaN"):
        MLPRegressor().fit(X, yn)
    reg = MLPRegressor(solver="sgd", learning_rate_init=1e4, momentum=0.9, max_iter=50)
    with pytest.raises(ValueError, match="lower learning_rate_init"):
        reg.fit(X * 1e3, y * 1e3)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    # a failed warm start keeps the previous, finite model
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, warm_start=True,
                       solver="sgd", learning_rate_init=0.01, random_state=0).fit(X, y)
    before = [c.copy() for c in reg.coefs_]
    reg.set_params(learning_rate_init=1e4)
    with pytest.raises(ValueError, match="non-finite"):
        reg.fit(X * 1e3, y * 1e3)
    for a, b in zip(before, reg.coefs_):
        np.testing.assert_array_equal(a, b)


def test_user_arrays_are_not_modified():
    X, y = _clf_data()
    X32 = X.astype(np.float32)
    sw = np.linspace(0.5, 2, len(y))
    copies = X.copy(), X32.copy(), y.copy(), sw.copy()
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, early_stopping=True).fit(X, y, sw)
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, batch_norm=True).fit(X32, y)
    MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=3).fit(X, y, sw)
    for a, b in zip((X, X32, y, sw), copies):
        np.testing.assert_array_equal(a, b)


def test_coefs_assignment_is_used():
    X, y = load_iris(return_X_y=True)
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)
    est.coefs_[1][...] = 0.0
    est.intercepts_[1][...] = [0.0, 5.0, 0.0]
    assert (est.predict(X) == est.classes_[1]).all()
    est.coefs_[1] = np.zeros((5, 3))  # replacing the array works too
    est.intercepts_[1] = np.array([5.0, 0.0, 0.0])
    assert (est.predict(X) == est.classes_[0]).all()
    import pickle

    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))


def test_partial_fit_rules():
    X, y = _clf_data()
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(AttributeError, match="partial_fit"):
        MLPClassifier(solver="lbfgs").partial_fit(X, y)
    with pytest.raises(ValueError, match="balanced"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    est = MLPClassifier(hidden_layer_sizes=(4,))
    est.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # a class missing: fine
    assert list(est.classes_) == [0, 1, 2] and est.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y + 1)

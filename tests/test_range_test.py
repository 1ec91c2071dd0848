"""The learning-rate range test and learning_rate_init='auto'."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor, lr_range_test
from skreg._params import InvalidParameterError


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    return X, y / 50.0


def test_rates_follow_the_geometric_law(iris):
    X, y = iris
    res = lr_range_test(MLPClassifier((8,), solver="sgd", batch_size=16, random_state=0),
                        X, y, min_lr=1e-5, max_lr=1e-3, n_steps=40)
    assert res.stop_reason == "n_steps" and res.n_steps == 40
    k = np.arange(40)
    np.testing.assert_allclose(res.lrs, 1e-5 * (1e-3 / 1e-5) ** (k / 39), rtol=1e-12)
    # 150 samples in batches of 16 is 10 steps an epoch: the law runs across epochs
    assert len(res.losses) == 40 and np.isfinite(res.losses).all()


def test_smoothed_curve_is_the_centred_moving_average(iris):
    X, y = iris
    res = lr_range_test(MLPClassifier((8,), random_state=0), X, y, window=3,
                        max_lr=1e-2, n_steps=20)
    assert res.n_usable == 20
    expected = [np.mean(res.losses[max(0, i - 3):i + 4]) for i in range(20)]
    np.testing.assert_allclose(res.smoothed_losses, expected, rtol=1e-12)


def _running(losses, beta):
    m, out = 0.0, []
    for t, x in enumerate(losses, start=1):
        m = beta * m + (1 - beta) * x
        out.append(m / (1 - beta**t))
    return np.array(out)


def test_first_loss_is_the_objective_at_the_initial_weights(iris):
    X, y = iris
    rng = np.random.default_rng(0)
    W = {(4, 5): rng.normal(size=(4, 5)), (5, 3): rng.normal(size=(5, 3))}
    alpha = 0.01
    est = MLPClassifier((5,), init=lambda a, b, r: W[(a, b)], alpha=alpha, shuffle=False,
                        batch_size=30, random_state=0)
    res = lr_range_test(est, X, y, n_steps=10, max_lr=1e-4)
    # softmax cross-entropy of the first 30 rows, plus 0.5 alpha ||W||^2, by hand
    H = np.maximum(X[:30] @ W[(4, 5)], 0)
    Z = H @ W[(5, 3)]
    Z -= Z.max(axis=1, keepdims=True)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(30), y[:30]].mean()
    loss += 0.5 * alpha * sum((w**2).sum() for w in W.values())
    np.testing.assert_allclose(res.losses[0], loss, rtol=1e-10)


def test_stops_once_the_loss_blows_up(iris):
    X, y = iris
    res = lr_range_test(MLPClassifier((16,), solver="sgd", batch_size=10, random_state=0),
                        X, y, min_lr=1e-3, max_lr=1e4, n_steps=200, diverge_factor=4.0)
    assert res.stop_reason in ("diverged", "non-finite loss")
    assert res.n_steps < 200
    if res.stop_reason == "diverged":
        # the stop rule (running average > 4 x its minimum) held at the last
        # step and at no step before it
        r = _running(res.losses, 0.9)
        assert r[-1] > 4.0 * np.min(r[:-1])
        running_min = np.minimum.accumulate(r[:-1])
        assert not (r[1:-1] > 4.0 * running_min[:-1]).any()
    # the step that triggered the stop is not used by the rule
    assert res.n_usable == res.n_steps - 1
    assert np.isnan(res.smoothed_losses[-1])
    # the suggestion lies inside the swept range, below the blow-up
    assert res.lrs[0] <= res.suggestion < res.lrs[-1]


def test_estimator_and_arrays_are_untouched(iris):
    X, y = iris
    X0, y0 = X.copy(), y.copy()
    est = MLPClassifier((8,), solver="adagrad", random_state=0)
    params = est.get_params()
    lr_range_test(est, X, y, n_steps=20)
    assert not hasattr(est, "coefs_")
    assert est.get_params() == params
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_fitted_estimator_with_warm_start_is_untouched_and_tested_from_its_weights(iris):
    X, y = iris
    est = MLPClassifier((8,), warm_start=True, max_iter=30, random_state=0).fit(X, y)
    coefs = [c.copy() for c in est.coefs_]
    curve = list(est.loss_curve_)
    res = lr_range_test(est, X, y, n_steps=10, max_lr=1e-5)
    for a, b in zip(coefs, est.coefs_):
        np.testing.assert_array_equal(a, b)
    assert est.loss_curve_ == curve
    # from the trained weights, the first loss is about the trained loss
    fresh = lr_range_test(clone(est).set_params(warm_start=False), X, y, n_steps=10,
                          max_lr=1e-5)
    assert res.losses[0] < fresh.losses[0]


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_auto_equals_the_suggested_rate_given_explicitly(iris, solver):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=15, random_state=1,
              dropout=0.1, early_stopping=True, validation_fraction=0.2)
    auto = MLPClassifier(learning_rate_init="auto", **kw).fit(X, y)
    assert auto.learning_rate_ == auto.lr_range_test_["suggestion"]
    explicit = MLPClassifier(learning_rate_init=auto.learning_rate_, **kw).fit(X, y)
    for a, b in zip(auto.coefs_ + auto.intercepts_, explicit.coefs_ + explicit.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert auto.loss_curve_ == explicit.loss_curve_
    assert explicit.lr_range_test_ is None and explicit.learning_rate_ == auto.learning_rate_


def test_public_test_is_the_one_fit_runs(regression):
    X, y = regression
    est = MLPRegressor(hidden_layer_sizes=(10,), solver="rmsprop", learning_rate_init="auto",
                       max_iter=5, random_state=3)
    res = lr_range_test(est, X, y)
    est.fit(X, y)
    np.testing.assert_array_equal(res.losses, est.lr_range_test_["losses"])
    assert res.suggestion == est.learning_rate_


def test_auto_inside_cross_validation_sees_only_the_training_fold(iris):
    X, y = iris
    est = MLPClassifier((8,), solver="sgd", learning_rate_init="auto", max_iter=10,
                        random_state=0)
    cv = KFold(3, shuffle=True, random_state=0)
    out = cross_validate(est, X, y, cv=cv, return_estimator=True)
    for (train, _), fitted in zip(cv.split(X), out["estimator"]):
        expected = lr_range_test(est, X[train], y[train]).suggestion
        assert fitted.learning_rate_ == expected


def test_grid_search_and_clone_with_auto(iris):
    X, y = iris
    est = MLPClassifier((8,), max_iter=10, random_state=0)
    search = GridSearchCV(est, {"learning_rate_init": ["auto", 0.01],
                                "solver": ["sgd", "adam"]}, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    c = clone(MLPClassifier(learning_rate_init="auto"))
    assert c.get_params()["learning_rate_init"] == "auto"
    assert search.best_estimator_.learning_rate_ > 0


def test_partial_fit_resolves_once_and_keeps_the_rate(iris):
    X, y = iris
    est = MLPClassifier((8,), solver="sgd", learning_rate_init="auto", random_state=0)
    est.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    first = est.lr_range_test_
    rate = est.learning_rate_
    # partial_fit has no known horizon: the curve alone, without the probe
    assert rate == lr_range_test(est, X[:100], y[:100]).curve_suggestion
    est.partial_fit(X[100:], y[100:])
    assert est.learning_rate_ == rate and est.lr_range_test_ is first
    assert est.lr_curve_[-1] == pytest.approx(rate)


def test_warm_start_refit_resolves_again(iris):
    X, y = iris
    est = MLPClassifier((8,), learning_rate_init="auto", warm_start=True, max_iter=20,
                        random_state=0).fit(X, y)
    first = est.lr_range_test_
    expected = lr_range_test(est, X, y)  # from the current weights
    est.fit(X, y)
    assert est.lr_range_test_ is not first
    np.testing.assert_array_equal(est.lr_range_test_["losses"], expected.losses)


def test_deterministic_under_random_state(regression):
    X, y = regression
    a = MLPRegressor(hidden_layer_sizes=(6,), learning_rate_init="auto", max_iter=5,
                     random_state=7).fit(X, y)
    b = MLPRegressor(hidden_layer_sizes=(6,), learning_rate_init="auto", max_iter=5,
                     random_state=7).fit(X, y)
    assert a.learning_rate_ == b.learning_rate_
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_onecycle_peaks_at_the_suggestion(iris):
    X, y = iris
    est = MLPClassifier((8,), solver="sgd", lr_schedule="onecycle", learning_rate_init="auto",
                        max_iter=20, random_state=0).fit(X, y)
    assert max(est.lr_curve_) <= est.learning_rate_ * (1 + 1e-12)
    assert max(est.lr_curve_) > 0.5 * est.learning_rate_


def test_lbfgs_ignores_auto_and_the_test_rejects_it(iris):
    X, y = iris
    est = MLPClassifier((8,), solver="lbfgs", learning_rate_init="auto", max_iter=20,
                        random_state=0).fit(X, y)
    assert est.learning_rate_ is None and est.lr_range_test_ is None
    with pytest.raises(ValueError, match="stochastic solver"):
        lr_range_test(est, X, y)


@pytest.mark.parametrize("kwargs, name", [
    (dict(min_lr=0.0), "min_lr"),
    (dict(max_lr=-1.0), "max_lr"),
    (dict(min_lr=1.0, max_lr=0.1), "max_lr must be larger"),
    (dict(n_steps=3), "n_steps"),
    (dict(n_steps=10.5), "n_steps"),
    (dict(smoothing=1.0), "smoothing"),
    (dict(diverge_factor=1.0), "diverge_factor"),
    (dict(window=-1), "window"),
    (dict(rule="best"), "rule"),
])
def test_bad_settings_name_the_parameter(iris, kwargs, name):
    X, y = iris
    with pytest.raises(InvalidParameterError, match=name):
        lr_range_test(MLPClassifier(), X, y, **kwargs)


def test_bad_learning_rate_init_string_is_rejected(iris):
    X, y = iris
    with pytest.raises(ValueError, match="learning_rate_init must be a float > 0 or 'auto'"):
        MLPClassifier(learning_rate_init="fast").fit(X, y)


def test_not_an_mlp_is_rejected(iris):
    from sklearn.linear_model import LogisticRegression

    X, y = iris
    with pytest.raises(TypeError, match="skreg MLPClassifier or MLPRegressor"):
        lr_range_test(LogisticRegression(), X, y)


def test_callable_rule_receives_the_usable_curve(iris):
    X, y = iris
    seen = {}

    def rule(lrs, smoothed):
        seen["n"] = len(lrs)
        return float(lrs[0])

    res = lr_range_test(MLPClassifier((8,), random_state=0), X, y, rule=rule, n_steps=30,
                        max_lr=1e-3)
    assert res.suggestion == res.lrs[0] and seen["n"] == 30 and res.rule == "rule"


# ----------------------------------------------- init='auto': the output bias
def _untrained(est, X, y, sw=None):
    """Fit with a negligible rate: the weights stay at their initial values."""
    return est.set_params(solver="sgd", momentum=0.0, learning_rate_init=1e-300,
                          max_iter=1).fit(X, y, sample_weight=sw)


def test_auto_init_starts_regression_at_the_mean_target(regression):
    X, y = regression
    y = y + 150.0  # an uncentred target
    Y = np.column_stack([y, 2 * y - 7])
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    est = _untrained(MLPRegressor(hidden_layer_sizes=(5,), random_state=0), X, Y, sw)
    expected = [np.sum(sw * Y[:, j]) / sw.sum() for j in range(2)]
    np.testing.assert_allclose(est.intercepts_[-1], expected, rtol=1e-12)
    pois = _untrained(MLPRegressor(loss="poisson", hidden_layer_sizes=(5,), random_state=0),
                      X, np.abs(y))
    np.testing.assert_allclose(pois.intercepts_[-1], [np.log(np.abs(y).mean())], rtol=1e-12)
    for init in ("he", "xavier"):  # explicit initialisers keep zero biases
        plain = _untrained(MLPRegressor(hidden_layer_sizes=(5,), init=init, random_state=0),
                           X, y)
        np.testing.assert_allclose(plain.intercepts_[-1], 0.0, atol=1e-250)


def test_auto_init_keeps_classifier_biases_at_zero(iris):
    X, y = iris
    est = _untrained(MLPClassifier((5,), random_state=0), X, y)
    np.testing.assert_allclose(est.intercepts_[-1], 0.0, atol=1e-250)


def test_auto_rule_reads_the_minimum_of_the_smoothed_curve(iris):
    X, y = iris
    for sched, divisor in [("constant", 20.0), ("cosine", 20.0), ("onecycle", 20.0 / 3.0)]:
        res = lr_range_test(MLPClassifier((8,), solver="sgd", lr_schedule=sched,
                                          random_state=0), X, y)
        u = res.n_usable
        best = res.lrs[:u][np.argmin(res.smoothed_losses[:u])]
        assert res.curve_suggestion == pytest.approx(best / divisor, rel=1e-12)
        assert res.rule == "auto"

"""Edge cases of data and parameters, one explicit test each.

Expected values come from independent computations in the tests (least
squares, class frequencies, the data's own mean), never from skreg's output.
The last section holds the minimal reproducers of the bugs the property tests
found (tests/test_property.py), kept as regression tests now they are fixed.
"""

import copy
import functools
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import skreg
from skreg import MLPClassifier, MLPRegressor
from skreg import optimizers as opt
from skreg import schedules as sched

SOLVERS = ["sgd", "adam", "lbfgs", "adagrad", "rmsprop", "adamw"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Stochastic Optimizer")
        warnings.filterwarnings("ignore", message="lbfgs failed")
        yield


def _params(est):
    return est.coefs_ + est.intercepts_


def _snapshot(est):
    """Deep copy of everything a (failed) fit could touch."""
    return copy.deepcopy(vars(est))


def _assert_same_state(before, est):
    after = vars(est)
    assert before.keys() == after.keys()
    for k, v in before.items():
        w = after[k]
        if isinstance(v, np.ndarray):
            assert np.array_equal(v, w), k
        elif isinstance(v, list) and v and isinstance(v[0], np.ndarray):
            assert len(v) == len(w) and all(np.array_equal(a, b) for a, b in zip(v, w)), k
        elif isinstance(v, (list, int, float, str, tuple, type(None))):
            assert v == w, k


# ------------------------------------------------------------- tiny data sets
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_one_sample_per_class(solver):
    # five points in general position, one per class: a linear softmax model
    # can separate them, so an unregularised fit must reproduce the labels
    rng = np.random.RandomState(0)
    X = rng.randn(5, 5)
    y = np.array(["a", "b", "c", "d", "e"])
    clf = MLPClassifier(hidden_layer_sizes=(), solver=solver, alpha=0.0, max_iter=2000,
                        learning_rate_init=0.05, tol=1e-10, random_state=0).fit(X, y)
    assert list(clf.classes_) == list(y)
    assert np.array_equal(clf.predict(X), y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == np.arange(5)).all()


def test_one_sample_per_class_with_early_stopping_fails_cleanly():
    X = np.eye(4)
    clf = MLPClassifier(hidden_layer_sizes=(3,), early_stopping=True, max_iter=5)
    with pytest.raises(ValueError) as info:
        clf.fit(X, [0, 1, 2, 3])
    assert str(info.value)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_single_sample():
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    reg.fit([[1.0, 2.0]], [3.0])
    assert np.isfinite(reg.predict([[1.0, 2.0]])).all()
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    clf.fit([[1.0, 2.0]], ["only"])
    assert list(clf.predict([[0.0, 0.0], [5.0, 5.0]])) == ["only", "only"]


def test_single_feature_regression_matches_least_squares():
    rng = np.random.RandomState(1)
    x = rng.uniform(-2, 2, 80)
    y = 3.0 * x - 1.0 + 0.1 * rng.randn(80)
    reg = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, tol=1e-12,
                       max_iter=1000).fit(x[:, None], y)
    slope, intercept = np.polyfit(x, y, 1)  # independent least squares fit
    np.testing.assert_allclose(reg.coefs_[0].ravel(), [slope], rtol=1e-5)
    np.testing.assert_allclose(reg.intercepts_[0], [intercept], atol=1e-5)


@pytest.mark.parametrize("solver", SOLVERS)
def test_single_feature_classification(solver):
    x = np.linspace(-3, 3, 60)[:, None]
    y = (x.ravel() > 0.25).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver=solver, learning_rate_init=0.05,
                        max_iter=300, random_state=0).fit(x, y)
    assert clf.coefs_[0].shape == (1, 4)
    assert clf.score(x, y) >= 0.95


# ------------------------------------------------------------ constant targets
@pytest.mark.parametrize("solver, kw, tol", [
    ("lbfgs", {}, 0.01),
    ("adam", dict(learning_rate_init=0.05, batch_size=10), 0.01),
    ("sgd", dict(learning_rate_init=0.01, batch_size=10), 0.1),
])
def test_constant_target_regression(solver, kw, tol):
    X = np.random.RandomState(0).randn(60, 3)
    reg = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, max_iter=400, tol=1e-8,
                       n_iter_no_change=30, random_state=0, **kw)
    reg.fit(X, np.full(60, 7.5))
    assert np.abs(reg.predict(X) - 7.5).max() < tol


def test_constant_target_classification():
    X = np.random.RandomState(0).randn(20, 3)
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=20).fit(X, np.full(20, "same"))
    assert list(clf.classes_) == ["same"]
    assert (clf.predict(X + 10) == "same").all()


# ----------------------------------------------------------------- partial_fit
def test_partial_fit_class_missing_from_batch():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    y01 = np.arange(30) % 2           # classes 0 and 1 only
    clf = MLPClassifier(hidden_layer_sizes=(5,), learning_rate_init=0.01, random_state=0)
    clf.partial_fit(X, y01, classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]
    assert clf.predict_proba(X).shape == (30, 3)
    p2_start = clf.predict_proba(X)[:, 2].mean()
    for _ in range(30):
        clf.partial_fit(X, y01)
    # class 2 is never seen in these batches: its probability must fall
    p2_end = clf.predict_proba(X)[:, 2].mean()
    assert p2_end < p2_start / 2
    # a batch holding only the missing class is fine too
    clf.partial_fit(X[:5], np.full(5, 2))
    assert clf.n_iter_ == 32
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_partial_fit_unknown_class_or_no_classes_raises_and_keeps_state():
    X = np.random.RandomState(0).randn(10, 2)
    clf = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, np.arange(10) % 2)  # first call without classes
    clf.partial_fit(X, np.arange(10) % 2, classes=[0, 1])
    state = _snapshot(clf)
    with pytest.raises(ValueError, match="class"):
        clf.partial_fit(X, np.arange(10) % 3)  # class 2 was not declared
    _assert_same_state(state, clf)


def test_partial_fit_binary_batch_with_one_class():
    X = np.random.RandomState(0).randn(10, 2)
    clf = MLPClassifier(hidden_layer_sizes=(3,), random_state=0)
    clf.partial_fit(X, np.full(10, "no"), classes=["no", "yes"])
    assert list(clf.classes_) == ["no", "yes"]
    proba = clf.predict_proba(X)
    assert proba.shape == (10, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_batch_norm_without_hidden_layer_continues_training(Est):
    # nothing to normalise: batch_norm=True must not break warm start or
    # partial_fit (it used to fail with "The network layout changed")
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 3), np.arange(20) % 2
    est = Est(hidden_layer_sizes=(), batch_norm=True, max_iter=3, random_state=0)
    est.partial_fit(X, y, **({"classes": [0, 1]} if Est is MLPClassifier else {}))
    est.partial_fit(X, y)
    assert est.n_iter_ == 2 and est.bn_gammas_ == []
    est.set_params(warm_start=True).fit(X, y)
    est.fit(X, y)
    assert all(np.isfinite(p).all() for p in _params(est))


# ------------------------------------------------------------------ batch size
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_batch_size_larger_than_n_samples_warns_and_clips(Est):
    rng = np.random.RandomState(0)
    X, y = rng.randn(25, 3), np.arange(25) % 2
    big = Est(hidden_layer_sizes=(4,), batch_size=1000, max_iter=5, random_state=0)
    with pytest.warns(UserWarning, match="batch_size=1000.*using batch_size=25"):
        big.fit(X, y)
    exact = Est(hidden_layer_sizes=(4,), batch_size=25, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        # no warning for batch_size == n_samples
        warnings.filterwarnings("error", message=".*batch_size", category=UserWarning)
        exact.fit(X, y)
    for a, b in zip(_params(big), _params(exact)):
        assert np.array_equal(a, b)


# ------------------------------------------------------------------- huge alpha
def test_huge_alpha_regression_gives_intercept_only_model():
    rng = np.random.RandomState(0)
    X = rng.randn(100, 4)
    y = X @ [1.0, -2.0, 0.5, 3.0] + 10.0
    reg = MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", alpha=1e6, max_iter=500,
                       random_state=0).fit(X, y)
    assert max(np.abs(c).max() for c in reg.coefs_) < 1e-4
    # the intercept-only least-squares model predicts the mean of y
    np.testing.assert_allclose(reg.predict(X), y.mean(), atol=1e-2)


def test_huge_alpha_classifier_predicts_class_frequencies():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 3)
    y = np.repeat([0, 1, 2], [60, 40, 20])
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", alpha=1e6, max_iter=500,
                        random_state=0).fit(X, y)
    # maximum likelihood of a model without inputs: the class frequencies
    freq = np.bincount(y) / len(y)
    np.testing.assert_allclose(clf.predict_proba(X), np.tile(freq, (120, 1)), atol=1e-3)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_huge_alpha_l1_gives_exact_zeros(solver):
    rng = np.random.RandomState(0)
    X = rng.randn(50, 4)
    reg = MLPRegressor(hidden_layer_sizes=(5,), solver=solver, penalty="l1", alpha=1e4,
                       learning_rate_init=1e-3, max_iter=20, random_state=0)
    reg.fit(X, X[:, 0])
    assert all((c == 0).all() for c in reg.coefs_)


# ------------------------------------------------------------- divergence
def _unscaled_regression():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3) * 1e3
    return X, X @ [1.0, 2.0, 3.0]


def test_diverging_learning_rate_raises_and_leaves_estimator_unfitted():
    X, y = _unscaled_regression()
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e6,
                       max_iter=20, random_state=0)
    before = _snapshot(reg)
    with pytest.raises(ValueError, match="learning_rate_init") as info:
        reg.fit(X, y)
    assert "diverged" in str(info.value)
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)
    _assert_same_state(before, reg)
    assert reg.get_params()["learning_rate_init"] == 1e6


def test_diverging_learning_rate_keeps_previous_model_warm_start():
    X, y = _unscaled_regression()
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e-9,
                       max_iter=20, random_state=0, warm_start=True).fit(X, y)
    coefs = [c.copy() for c in _params(reg)]
    n_iter, t, loss = reg.n_iter_, reg.t_, reg.loss_
    reg.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="learning_rate_init"):
        reg.fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(coefs, _params(reg)))
    assert (reg.n_iter_, reg.t_, reg.loss_) == (n_iter, t, loss)
    # the previous model still predicts, and can be trained on
    reg.set_params(learning_rate_init=1e-9).fit(X, y)
    assert np.isfinite(reg.predict(X)).all()


def test_diverging_learning_rate_keeps_previous_model_partial_fit():
    X, y = _unscaled_regression()
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e-9,
                       random_state=0).partial_fit(X, y)
    reg.set_params(learning_rate_init=1e6)
    for _ in range(20):  # one call is one epoch: it takes a few to blow up
        before = _snapshot(reg)
        try:
            reg.partial_fit(X, y)
        except ValueError as exc:
            assert "learning_rate_init" in str(exc)
            break
    else:
        pytest.fail("partial_fit with learning_rate_init=1e6 never raised")
    _assert_same_state(before, reg)
    assert all(np.isfinite(p).all() for p in _params(reg))


# --------------------------------------------------------------- extreme scales
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_extreme_feature_scales_fit_cleanly_or_raise(Est, solver, dtype):
    rng = np.random.RandomState(0)
    Z = rng.randn(60, 4)
    X = (Z * [1e-12, 1e12, 1.0, 1e-12]).astype(dtype)
    y = (Z[:, 0] + Z[:, 2] > 0).astype(int) if Est is MLPClassifier else Z[:, 2]
    est = Est(hidden_layer_sizes=(5,), solver=solver, max_iter=20, random_state=0)
    try:
        est.fit(X, y)
    except ValueError as exc:
        # a clean error that says what to do, and no half-fitted model
        assert "scale" in str(exc).lower()
        with pytest.raises(NotFittedError):
            check_is_fitted(est)
        return
    assert all(np.isfinite(p).all() for p in _params(est))
    out = est.predict_proba(X) if Est is MLPClassifier else est.predict(X)
    assert np.isfinite(out).all()


def test_extreme_feature_scales_after_standard_scaler():
    rng = np.random.RandomState(0)
    Z = rng.randn(200, 3)
    X = Z * [1e-12, 1e12, 1.0]
    y = (Z[:, 0] - Z[:, 1] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(),
                         MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                                       max_iter=300, random_state=0))
    assert pipe.fit(X, y).score(X, y) > 0.95


# ------------------------------------------------------------------ many classes
def test_fifty_classes():
    rng = np.random.RandomState(0)
    centers = rng.randn(50, 10) * 5
    y = np.repeat(np.arange(50), 10)
    X = centers[y] + 0.5 * rng.randn(500, 10)
    labels = np.array([f"class_{k:02d}" for k in range(50)])[y]
    clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200,
                        random_state=0).fit(X, labels)
    assert len(clf.classes_) == 50 and clf.coefs_[-1].shape == (32, 50)
    proba = clf.predict_proba(X)
    assert proba.shape == (500, 50)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # well separated blobs: nearest-centre classification is near perfect
    nearest = np.argmin(((X[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
    assert (nearest == y).mean() > 0.99
    assert clf.score(X, labels) > 0.95


# --------------------------------------------------------- wide sparse inputs
def test_very_wide_sparse_input_is_not_densified():
    rng = np.random.RandomState(0)
    n, p = 200, 20_000
    X = sp.random(n, p, density=0.01, format="csr", random_state=rng,
                  data_rvs=rng.standard_normal)
    w = np.zeros(p)
    w[:50] = 10 * rng.randn(50)
    y = (X @ w > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=30,
                        random_state=0)
    data_before = X.data.copy()
    tracemalloc.start()
    try:
        clf.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    dense_bytes = n * p * 8
    assert peak < dense_bytes / 2, f"peak {peak / 1e6:.1f} MB: X was densified?"
    assert np.array_equal(X.data, data_before)
    assert clf.coefs_[0].shape == (p, 8)
    assert all(np.isfinite(c).all() for c in _params(clf))
    assert clf.score(X, y) > 0.9
    # the same numbers as CSC or COO give the same model and predictions
    for fmt in ("csc", "coo"):
        other = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
                              max_iter=30, random_state=0).fit(X.asformat(fmt), y)
        for a, b in zip(_params(clf), _params(other)):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X.tocsc()), clf.predict(X))


# ------------------------------------------------------------- weights
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1e-300, 1e-30, 1e30, 1e300])
def test_sample_weight_of_any_scale_gives_the_same_model(scale, dtype):
    # the objective is sum_i s_i loss_i / sum_i s_i: a common factor cancels,
    # even where s_i * scale is not representable in float32
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3).astype(dtype)
    y = np.arange(40) % 3
    base = rng.uniform(0.5, 2.0, 40)
    # (a fixed rate: the range test's argmin could shift by a step on float32
    # rounding, which is not what this test is about)
    MLPClassifier = functools.partial(skreg.MLPClassifier, learning_rate_init=0.001)
    ref = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    ref.fit(X, y, sample_weight=base)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    clf.fit(X, y, sample_weight=base * scale)
    for a, b in zip(_params(ref), _params(clf)):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * 1e-2)
    # a scalar weight is a uniform weight
    ones = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    ones.fit(X, y, sample_weight=np.ones(40))
    scalar = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    scalar.fit(X, y, sample_weight=scale)
    for a, b in zip(_params(ones), _params(scalar)):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * 1e-2)


def test_zero_weight_samples_are_ignored_by_lbfgs():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3)
    y = X @ [1.0, -1.0, 2.0]
    y[::5] = 1e3  # outliers, weighted zero
    sw = np.ones(50)
    sw[::5] = 0.0
    keep = sw > 0
    kw = dict(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, tol=1e-12, max_iter=500,
              random_state=0)
    weighted = MLPRegressor(**kw).fit(X, y, sample_weight=sw)
    subset = MLPRegressor(**kw).fit(X[keep], y[keep])
    for a, b in zip(_params(weighted), _params(subset)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("class_weight", [
    {0: -1.0, 1: 1.0}, {0: np.nan, 1: 1.0}, {0: np.inf, 1: 1.0}, {0: 0.0, 1: 0.0},
])
def test_bad_class_weight_values_raise(class_weight):
    X = np.random.RandomState(0).randn(20, 2)
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3, class_weight=class_weight)
    with pytest.raises(ValueError, match="class_weight"):
        clf.fit(X, np.arange(20) % 2)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_partial_fit_batch_whose_classes_all_weigh_zero_raises():
    X = np.random.RandomState(0).randn(20, 2)
    clf = MLPClassifier(hidden_layer_sizes=(3,), class_weight={0: 1.0, 1: 0.0})
    clf.partial_fit(X, np.arange(20) % 2, classes=[0, 1])
    state = _snapshot(clf)
    with pytest.raises(ValueError, match="weight zero"):
        clf.partial_fit(X[:4], np.ones(4, dtype=int))
    _assert_same_state(state, clf)


# ------------------------------------------------------------- parameters
def test_validation_fraction_zero_with_early_stopping_names_the_parameter():
    X = np.random.RandomState(0).randn(30, 2)
    reg = MLPRegressor(hidden_layer_sizes=(3,), early_stopping=True, validation_fraction=0.0)
    with pytest.raises(ValueError, match="validation_fraction"):
        reg.fit(X, X[:, 0])
    # without early stopping 0 stays valid (scikit-learn's range)
    reg.set_params(early_stopping=False, max_iter=2).fit(X, X[:, 0])


@pytest.mark.parametrize("init, dtype", [
    (lambda a, b, r: np.ones((a, b)) * (1 + 1j), np.float64),   # complex
    (lambda a, b, r: np.full((a, b), 1e300), np.float32),       # overflows float32
    (lambda a, b, r: np.full((a, b), np.inf), np.float64),
])
def test_bad_init_callable_raises(init, dtype):
    X = np.random.RandomState(0).randn(10, 2).astype(dtype)
    reg = MLPRegressor(hidden_layer_sizes=(3,), init=init, max_iter=2)
    with pytest.raises(ValueError, match="init returned"):
        reg.fit(X, X[:, 0])


# ============================================== regressions found by hypothesis
def test_failed_warm_start_fit_leaves_history_unchanged():
    # the fit diverges in its 4th epoch: the 3 epochs it ran must not stay
    # in the history lists of the previous fit
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3)
    y = X @ [1.0, 2.0, 3.0]
    reg = MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e-3,
                       max_iter=5, random_state=0, warm_start=True).fit(X, y)
    before = _snapshot(reg)
    curve, lrs = list(reg.loss_curve_), list(reg.lr_curve_)
    reg.set_params(learning_rate_init=0.5, max_iter=50)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X * 1e3, y * 1e3)
    reg.set_params(learning_rate_init=1e-3, max_iter=5)
    assert reg.loss_curve_ == curve and reg.lr_curve_ == lrs
    _assert_same_state(before, reg)


def test_exploded_fit_is_an_error_not_a_model():
    # loss 4e276 and weights 1e204 after 4 epochs, all finite: once returned
    # as fitted, predicting -inf
    X = np.zeros((18, 1))
    X[2, 0] = 44.0
    y = np.full(18, 662.0)
    # (init='xavier': zero biases, so the constant target is not fitted at once)
    reg = MLPRegressor(hidden_layer_sizes=(3,), activation="identity", solver="sgd",
                       init="xavier", learning_rate_init=1e-5, batch_size=1, max_iter=4,
                       random_state=0)
    with pytest.raises(ValueError, match="learning_rate_init"):
        reg.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)


def test_exploded_warm_start_fit_keeps_previous_model():
    # the scenario with few epochs: weights of 1e160, still finite
    X, y = _unscaled_regression()
    reg = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e-9,
                       max_iter=3, random_state=0, warm_start=True).fit(X, y)
    coefs = [c.copy() for c in _params(reg)]
    reg.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="learning_rate_init"):
        reg.fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(coefs, _params(reg)))
    assert np.isfinite(reg.predict(X)).all()


def test_poisson_fit_that_overflows_on_its_training_data_is_an_error():
    # one SGD epoch on all-zero targets leaves weights of ~1300: exp(X @ W)
    # overflows on the training data itself
    X = np.zeros((11, 6))
    X[[0, 2, 4, 6, 7, 8], 2] = [-8, -3, -10, -10, -3, 10]
    X[[3, 5, 10], 0] = [8, 8, -3]
    X[[0, 10], 4] = [1, 4]
    X[[4, 9], 3] = [2, 10]
    X[0, 5], X[9, 1] = -3, 8
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(), solver="sgd", momentum=0.0,
                       learning_rate_init=0.5, max_iter=1, random_state=1)
    with pytest.raises(ValueError, match="not finite"):
        reg.fit(X, np.zeros(11))
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)


@pytest.mark.parametrize("n, batch_size", [(21, 1), (1, "auto")])
def test_batch_norm_rejects_single_sample_batches(n, batch_size):
    # a single sample normalises every unit to 0: the layers before batch
    # norm never train, and the running variance decays towards 0 (a Poisson
    # model once predicted inf this way)
    X = np.zeros((n, 5))
    X[0, 0] = 7.0
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=[2, 2, 2], activation="identity",
                       batch_size=batch_size, learning_rate_init=0.5, max_iter=1,
                       batch_norm=True, random_state=7)
    with pytest.raises(ValueError, match="batch_norm"):
        reg.fit(X, np.zeros(n))


def test_batch_norm_skips_a_trailing_single_sample_batch():
    # 21 samples in batches of 10: the lone 21st cannot be normalised
    rng = np.random.RandomState(0)
    X = rng.randn(21, 3)
    reg = MLPRegressor(hidden_layer_sizes=(4,), batch_norm=True, batch_size=10,
                       max_iter=3, random_state=0).fit(X, X[:, 0])
    assert all(np.isfinite(p).all() for p in _params(reg) + reg.bn_running_vars_)
    assert np.isfinite(reg.predict(X)).all()


def test_invscaling_with_huge_power_t_gives_a_zero_rate():
    # (t + 1) ** 1e300 once raised OverflowError; the rate after the first
    # epoch is lr_init / (t + 1) ** power_t = 0
    X = np.random.RandomState(0).randn(30, 3)
    reg = MLPRegressor(hidden_layer_sizes=(3,), learning_rate="invscaling", power_t=1e300,
                       learning_rate_init=0.001, max_iter=3, random_state=0).fit(X, X[:, 0])
    assert reg.lr_curve_ == [0.001, 0.0, 0.0]


@pytest.mark.parametrize("kw, name", [
    (dict(solver=opt.SGD(momentum="a")), "momentum"),
    (dict(solver=opt.SGD(nesterov="a")), "nesterov"),
    (dict(solver=opt.Adam(epsilon=np.inf)), "epsilon"),
    (dict(lr_schedule=sched.OneCycle(div_factor=np.inf)), "div_factor"),
], ids=["SGD-momentum-str", "SGD-nesterov-str", "Adam-epsilon-inf", "OneCycle-div-inf"])
def test_optimizer_and_schedule_objects_check_types(kw, name):
    X = np.random.RandomState(0).randn(20, 2)
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0, **kw)
    with pytest.raises(ValueError, match=name):
        reg.fit(X, X[:, 0])


def test_python_int_too_large_for_float_is_a_value_error():
    X = np.ones((5, 2), dtype=object)
    X[0, 0] = 10 ** 400
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2)
    with pytest.raises(ValueError, match="too large"):
        reg.fit(X, np.arange(5.0))
    reg.fit(np.ones((5, 2)), np.arange(5.0))
    with pytest.raises(ValueError, match="too large"):
        reg.predict(X)


@pytest.mark.parametrize("seed", [-1, 2**40, "seed", 1.5, np.random.default_rng(0)])
def test_invalid_random_state_is_named(seed):
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=seed)
    with pytest.raises(ValueError, match="random_state"):
        reg.fit(np.ones((5, 2)), np.arange(5.0))

"""Behaviour that must match scikit-learn's MLP: divergence under early
stopping, error and warning messages, partial_fit with early stopping.

Expected messages are not written out here: each is produced by running
scikit-learn's own estimator on the same bad input, and skreg's message must
start with it (skreg may add advice after it).
"""

import copy
import re
import warnings

import numpy as np
import pytest
import sklearn
from sklearn import neural_network as sknn
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skreg import MLPClassifier, MLPRegressor
from skreg._training import NonFiniteError
from skreg.schedules import Schedule

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
SKLEARN_VERSION = tuple(int(v) for v in sklearn.__version__.split(".")[:2])


class _Jump(Schedule):
    """Rate factor 1 for the first ``at`` epochs, then ``to``: a fit that
    trains well, then diverges."""

    def __init__(self, at=5, to=1e3):
        self.at = at
        self.to = to

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        return 1.0 if epoch < self.at else self.to


def _scaled_regression():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std()


def _jumping(**params):
    return MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.01,
                        lr_schedule=_Jump(5, 1e3), early_stopping=True,
                        n_iter_no_change=100, random_state=0, **params)


def _state(est):
    """A deep copy of everything the estimator holds."""
    return copy.deepcopy(est.__dict__)


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            assert len(x) == len(y) and all(np.array_equal(p, q) for p, q in zip(x, y)), key
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y), key
        elif isinstance(x, list):
            assert len(x) == len(y), key
            assert all((p == q) or (p != p and q != q) for p, q in zip(x, y)), key
        elif isinstance(x, (int, float, str, bool, type(None))):
            assert (x == y) or (x != x and y != y), key


def _record(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow notes
        out = fn()
    return out, [w for w in caught if not issubclass(w.category, RuntimeWarning)]


def _raised(fn, error=ValueError):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            fn()
    return str(info.value)


# ------------------------------------------------ divergence, early stopping
def test_divergence_with_early_stopping_keeps_the_best_weights_and_warns():
    X, y = _scaled_regression()
    est, caught = _record(lambda: _jumping(max_iter=30).fit(X, y))

    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ == len(est.loss_curve_) < 30
    assert isinstance(scores[-1], float) and np.isnan(scores[-1])
    assert not np.isfinite(est.loss_curve_[-1])
    finite = [s for s in scores if np.isfinite(s)]
    best_epoch = int(np.argmax(finite)) + 1  # the first epoch reaching the best
    assert scores[:best_epoch] == finite[:best_epoch]
    assert best_epoch == 5  # the rate jumps after epoch 5: the best is before it
    assert est.best_validation_score_ == max(finite)

    # one ConvergenceWarning, saying it diverged and what to change; no
    # "maximum iterations" warning
    assert [w.category for w in caught] == [ConvergenceWarning]
    msg = str(caught[0].message)
    assert "diverged" in msg and "learning_rate_init" in msg and "StandardScaler" in msg
    assert "Maximum iterations" not in msg

    # the weights are those of the best epoch: a run stopped there has them
    ref, _ = _record(lambda: _jumping(max_iter=best_epoch).fit(X, y))
    assert ref.n_iter_ == best_epoch and ref.validation_scores_ == scores[:best_epoch]
    for a, b in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_array_equal(a, b)
    # a usable model
    assert np.isfinite(est.predict(X)).all()
    assert est.score(X, y) == ref.score(X, y)

    # the stored optimizer state is clean: training continues incrementally
    est.set_params(early_stopping=False, lr_schedule="constant")
    est.partial_fit(X, y)
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)


def test_divergence_in_the_first_epoch_of_a_warm_start_keeps_the_previous_weights():
    X, y = _scaled_regression()
    est, _ = _record(lambda: _jumping(max_iter=3, warm_start=True).fit(X, y))
    before = [c.copy() for c in est.coefs_ + est.intercepts_]
    n_scores = len(est.validation_scores_)
    # 18 steps of rate 1e3 per epoch: the first epoch already diverges
    est.set_params(lr_schedule="constant", learning_rate_init=1e3, batch_size=10,
                   max_iter=10)
    _, caught = _record(lambda: est.fit(X, y))
    assert len(est.validation_scores_) == n_scores + 1 and np.isnan(est.validation_scores_[-1])
    assert [w.category for w in caught] == [ConvergenceWarning]
    assert "started from" in str(caught[0].message)
    for a, b in zip(before, est.coefs_ + est.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(est.predict(X)).all()


def test_divergence_without_early_stopping_raises_sklearns_error_and_changes_nothing():
    X, y = _scaled_regression()
    expected = _raised(lambda: sknn.MLPRegressor().fit(_FMAX_X, _FMAX_Y))
    # unfitted: stays unfitted
    est = _jumping(max_iter=30).set_params(early_stopping=False)
    params = est.get_params()
    msg = _raised(lambda: est.fit(X, y), NonFiniteError)
    assert msg.startswith(expected) and "learning_rate_init" in msg
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert est.get_params() == params
    # fitted (warm start): keeps its weights, history and counters
    est.set_params(max_iter=3, warm_start=True)
    _record(lambda: est.fit(X, y))
    before = _state(est)
    est.set_params(max_iter=30)
    assert _raised(lambda: est.fit(X, y), NonFiniteError).startswith(expected)
    est.set_params(max_iter=3)
    _assert_same_state(before, _state(est))


# ------------------------------------------------------------ partial_fit
@pytest.mark.parametrize("Sk, Ours, kwargs", [
    (sknn.MLPClassifier, MLPClassifier, {"classes": [0, 1, 2]}),
    (sknn.MLPRegressor, MLPRegressor, {}),
])
def test_partial_fit_with_early_stopping_raises_as_sklearn(Sk, Ours, kwargs):
    expected = _raised(lambda: Sk(early_stopping=True).partial_fit(X_IRIS, Y_IRIS, **kwargs))
    # unfitted: raises and stays unfitted (scikit-learn initialises first)
    est = Ours(early_stopping=True, random_state=0)
    assert _raised(lambda: est.partial_fit(X_IRIS, Y_IRIS, **kwargs)).startswith(expected)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    # after a fit (scikit-learn's gh-25693): raises, and the model is untouched
    est.set_params(max_iter=5)
    _record(lambda: est.fit(X_IRIS, Y_IRIS))
    before = _state(est)
    assert _raised(lambda: est.partial_fit(X_IRIS, Y_IRIS, **kwargs)).startswith(expected)
    _assert_same_state(before, _state(est))
    # with early_stopping=False it trains incrementally
    est.set_params(early_stopping=False).partial_fit(X_IRIS, Y_IRIS)
    assert est.n_iter_ == before["n_iter_"] + 1


# --------------------------------------------------------------- messages
_RNG = np.random.RandomState(0)
_FMAX_X = np.finfo(np.float64).max * _RNG.uniform(size=(10, 2))
_FMAX_Y = _RNG.standard_normal(size=10)
_Y2 = np.array([0] * 75 + [1] * 75)
_Y_ALT = np.array([0] * 50 + [1] * 50 + [3] * 50)


def _warm(Est):
    est = Est(hidden_layer_sizes=2, solver="lbfgs", warm_start=True, random_state=42,
              tol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X_IRIS, Y_IRIS)


def _partial(Est):
    est = Est(hidden_layer_sizes=2, random_state=0)
    return est.partial_fit(X_IRIS[:100], Y_IRIS[:100], classes=[0, 1, 2])


#: condition -> (exception, a function of the estimator class that triggers it)
_ERRORS = {
    "non-finite weights": (ValueError, lambda E: E().fit(_FMAX_X, _FMAX_Y)),
    "warm start, other classes (fewer)": (ValueError, lambda E: _warm(E).fit(X_IRIS, _Y2)),
    "warm start, other classes (new)": (ValueError, lambda E: _warm(E).fit(X_IRIS, _Y_ALT)),
    "partial_fit, unseen class": (ValueError, lambda E: _partial(E).partial_fit(
        X_IRIS, Y_IRIS + 1)),
    "partial_fit, first call, class not in classes": (ValueError, lambda E: E().partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1])),
    "partial_fit, other classes": (ValueError, lambda E: _partial(E).partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1, 5])),
    "partial_fit, no classes": (ValueError, lambda E: E().partial_fit(X_IRIS, Y_IRIS)),
    "partial_fit, lbfgs": (AttributeError, lambda E: E(solver="lbfgs").partial_fit),
    "hidden_layer_sizes with a 0": (
        ValueError, lambda E: E(hidden_layer_sizes=[3, 0]).fit(X_IRIS, Y_IRIS)),
    "validation set too small": (ValueError, lambda E: E(
        early_stopping=True, validation_fraction=0.01).fit(X_IRIS[:50], Y_IRIS[:50])),
}


#: conditions that scikit-learn checks from a version on (older versions fit)
_CHECKED_SINCE = {"validation set too small": (1, 7)}


@pytest.mark.parametrize("condition", list(_ERRORS))
def test_error_messages_start_with_sklearns(condition):
    error, trigger = _ERRORS[condition]
    Est, Sk = ((MLPRegressor, sknn.MLPRegressor) if "non-finite" in condition
               else (MLPClassifier, sknn.MLPClassifier))
    ours = _raised(lambda: trigger(Est), error)
    try:
        expected = _raised(lambda: trigger(Sk), error)
    except pytest.fail.Exception:
        # this scikit-learn does not check the condition: only conditions it
        # checks from some version on may be missing
        assert condition in _CHECKED_SINCE and SKLEARN_VERSION < _CHECKED_SINCE[condition]
        return
    assert ours.startswith(expected), (ours, expected)


def _warning(fn):
    _, caught = _record(fn)
    assert len(caught) == 1, [str(w.message) for w in caught]
    return caught[0].category, str(caught[0].message)


@pytest.mark.parametrize("params", [
    dict(solver="sgd", max_iter=3),
    dict(solver="adam", max_iter=3, batch_size=1000),
])
def test_stochastic_warnings_start_with_sklearns(params):
    def fit(Est):
        return lambda: Est(hidden_layer_sizes=3, random_state=0, **params).fit(X_IRIS, Y_IRIS)

    sk_warnings = _record(fit(sknn.MLPClassifier))[1]
    ours = _record(fit(MLPClassifier))[1]
    assert [w.category for w in ours] == [w.category for w in sk_warnings]
    for mine, theirs in zip(ours, sk_warnings):
        assert str(mine.message).startswith(str(theirs.message)), (mine, theirs)


def test_lbfgs_warning_starts_with_sklearns():
    def fit(Est):
        return lambda: Est(hidden_layer_sizes=3, solver="lbfgs", max_iter=5,
                           random_state=0).fit(X_IRIS, Y_IRIS)

    sk_category, sk_msg = _warning(fit(sknn.MLPClassifier))
    category, msg = _warning(fit(MLPClassifier))
    assert category is sk_category is ConvergenceWarning
    if re.match(r"lbfgs failed to converge after \d+ iteration", sk_msg):
        # scikit-learn >= 1.7 words it so: same first two lines (the count,
        # the status and scipy's reason)
        assert msg.splitlines()[:2] == sk_msg.splitlines()[:2]
    else:  # older wording, without the count: skreg follows the newer one
        assert msg.startswith("lbfgs failed to converge after 5 iteration(s) (status=1)")


@pytest.mark.parametrize("Sk, Ours", [(sknn.MLPClassifier, MLPClassifier),
                                      (sknn.MLPRegressor, MLPRegressor)])
def test_bad_hidden_layer_sizes_type_is_a_value_and_type_error_as_in_sklearn(Sk, Ours):
    for est in (Sk(hidden_layer_sizes=1.5), Ours(hidden_layer_sizes=1.5)):
        with pytest.raises(ValueError) as info:
            est.fit(X_IRIS, Y_IRIS)
        assert isinstance(info.value, TypeError)
        assert "hidden_layer_sizes" in str(info.value)

"""Property-based tests: skreg survives bad input and misuse.

Every test below draws inputs with hypothesis and checks one contract:

* a fit either succeeds -- with finite ``coefs_`` / ``intercepts_``, finite
  predictions and, for classifiers, ``predict_proba`` rows in [0, 1] that sum
  to 1 -- or raises ``ValueError`` / ``TypeError`` with a non-empty message;
  no other exception type escapes;
* the arrays given to ``fit`` / ``partial_fit`` / ``predict`` are not changed
  (dense values, dtype, shape, and for sparse matrices ``data`` / ``indices``
  / ``indptr``);
* a failing call leaves the estimator as it was;
* nothing hangs: every example has a 2 s deadline, and networks and
  ``max_iter`` are kept small.

Where the input is known to be valid (``test_valid_data_always_fits``) the fit
must succeed; where it is known to be invalid (``test_invalid_parameter_raises``,
``test_bad_data_raises``) it must raise.

The number of generated cases is counted per outcome and printed by the last
test of this module (``test_zz_report``). The default run is derandomized (the
same cases every time, as CI needs); ``SKREG_HYPOTHESIS_SCALE=10`` runs ten
times as many examples, drawn afresh on each run (used for the numbers quoted
in docs/reliability.rst).
"""

import collections
import copy
import math
import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import NotFittedError

from skreg import MLPClassifier, MLPRegressor
from skreg import optimizers as opt
from skreg import schedules as sched

# ---------------------------------------------------------------- settings
_SCALE = float(os.environ.get("SKREG_HYPOTHESIS_SCALE", "1"))


def _settings(n_examples):
    return settings(
        max_examples=max(1, int(n_examples * _SCALE)),
        # the default run (CI) always runs the same cases; a scaled-up run
        # (SKREG_HYPOTHESIS_SCALE set) explores new ones each time
        derandomize="SKREG_HYPOTHESIS_SCALE" not in os.environ,
        deadline=2000,  # ms per example: a hang or a pathological slowdown fails
        database=None,  # no .hypothesis/ folder in the working tree
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


#: outcome counts per test, printed by test_zz_report
STATS = collections.defaultdict(collections.Counter)

ALLOWED = (ValueError, TypeError)


def _record(test, outcome):
    STATS[test][outcome] += 1


def _outcome_of(exc):
    """Short label of an expected exception, for the statistics."""
    msg = str(exc).split("\n")[0]
    return f"{type(exc).__name__}: {msg[:60]}"


# --------------------------------------------------------- input snapshots
def _freeze(obj):
    """A deep copy of an input, to compare with after the call."""
    if sp.issparse(obj):
        return obj.copy()
    return copy.deepcopy(obj)


def _assert_unchanged(before, after, what):
    assert type(before) is type(after), what
    if sp.issparse(before):
        assert after.format == before.format, what
        assert after.dtype == before.dtype, what
        assert after.shape == before.shape, what
        if before.format == "coo":
            parts = ("data", "row", "col")
        else:
            parts = ("data", "indices", "indptr")
        for part in parts:
            assert np.array_equal(getattr(after, part), getattr(before, part)), \
                f"{what}.{part} was modified"
    elif isinstance(before, np.ndarray):
        assert after.dtype == before.dtype, f"{what} dtype changed"
        assert after.shape == before.shape, f"{what} shape changed"
        equal_nan = before.dtype.kind in "fc"
        assert np.array_equal(after, before, equal_nan=equal_nan), f"{what} was modified"
    else:
        assert after == before, f"{what} was modified"


class _Inputs:
    """Keeps the original inputs and frozen copies of them."""

    def __init__(self, **arrays):
        self.arrays = arrays
        self.copies = {k: _freeze(v) for k, v in arrays.items()}

    def check(self):
        for k, v in self.arrays.items():
            _assert_unchanged(self.copies[k], v, k)


def _fitted_state(est):
    """Copies of what a fit produces, to check a failed call left it alone."""
    state = {}
    for k, v in vars(est).items():
        if k.endswith("_") and not k.startswith("__"):
            if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
                state[k] = [a.copy() for a in v]
            elif isinstance(v, np.ndarray):
                state[k] = v.copy()
            elif isinstance(v, (int, float, str, type(None), np.integer, np.floating)):
                state[k] = v
    return state


def _assert_state_equal(before, after):
    assert before.keys() == after.keys()
    for k, v in before.items():
        w = after[k]
        if isinstance(v, list):
            assert len(v) == len(w) and all(np.array_equal(a, b) for a, b in zip(v, w)), k
        elif isinstance(v, np.ndarray):
            assert np.array_equal(v, w), k
        elif isinstance(v, float) and math.isnan(v):
            assert isinstance(w, float) and math.isnan(w), k
        else:
            assert v == w, k


def _params_snapshot(est):
    return {k: repr(v) for k, v in est.get_params(deep=True).items()
            if k != "random_state" and not callable(v)}


# ------------------------------------------------------------ data strategies
_DTYPES = ["float64", "float32", "int64", "int32", "bool"]
_FORMATS = ["dense", "dense_fortran", "list", "csr", "csc", "coo"]


@st.composite
def feature_matrix(draw, n_samples, max_abs=100.0, formats=_FORMATS, n_features=None):
    if n_features is None:
        n_features = draw(st.integers(1, 8))
    dtype = draw(st.sampled_from(_DTYPES))
    fmt = draw(st.sampled_from(formats))
    shape = (n_samples, n_features)
    if dtype == "bool":
        elements = st.booleans()
    elif dtype.startswith("int"):
        elements = st.integers(-int(min(max_abs, 1000)), int(min(max_abs, 1000)))
    else:
        width = 32 if dtype == "float32" else 64
        elements = st.floats(-max_abs, max_abs, allow_nan=False, width=width)
    X = draw(hnp.arrays(dtype, shape, elements=elements,
                        fill=st.just(np.zeros((), dtype=dtype).item())))
    if fmt == "dense_fortran":
        X = np.asfortranarray(X)
    elif fmt == "list":
        X = X.tolist()
    elif fmt in ("csr", "csc", "coo"):
        X = getattr(sp, f"{fmt}_matrix")(X)
    return X


def _n_rows(X):
    return len(X) if isinstance(X, list) else X.shape[0]


def _as_dense(X):
    if sp.issparse(X):
        return X.toarray()
    return np.asarray(X)


_SW_KINDS = [
    "none", "ones", "some_zeros", "tiny", "huge", "mixed_scales", "scalar",
    "list", "extreme_huge", "extreme_tiny",
    "all_zero", "negative", "nan", "inf", "wrong_length",
]


@st.composite
def sample_weights(draw, n_samples, kind):
    """(kind, weights, valid): sample_weight values, valid ones and bad ones."""
    n = n_samples
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    if kind == "none":
        return kind, None, True
    if kind == "ones":
        return kind, np.ones(n), True
    if kind == "some_zeros":
        w = rng.uniform(0.5, 2.0, n)
        w[rng.rand(n) < 0.5] = 0.0
        w[rng.randint(n)] = 1.0  # at least one positive weight
        return kind, w, True
    if kind == "tiny":
        return kind, np.full(n, 1e-30) * rng.uniform(1, 2, n), True
    if kind == "huge":
        return kind, np.full(n, 1e30) * rng.uniform(1, 2, n), True
    if kind == "extreme_huge":
        # only ratios of weights matter: 1e300 is as valid as 1 (even with float32 X)
        return kind, np.full(n, 1e300) * rng.uniform(1, 2, n), True
    if kind == "extreme_tiny":
        return kind, np.full(n, 1e-300) * rng.uniform(1, 2, n), True
    if kind == "mixed_scales":
        return kind, np.where(rng.rand(n) < 0.5, 1e-30, 1e30), True
    if kind == "scalar":
        return kind, draw(st.sampled_from([1, 2.5, 1e-30, 1e30])), True
    if kind == "list":
        return kind, [1.0] * n, True
    if kind == "all_zero":
        return kind, np.zeros(n), False
    if kind == "negative":
        w = np.ones(n)
        w[rng.randint(n)] = -1.0
        return kind, w, False
    if kind == "nan":
        w = np.ones(n)
        w[rng.randint(n)] = np.nan
        return kind, w, False
    if kind == "inf":
        w = np.ones(n)
        w[rng.randint(n)] = np.inf
        return kind, w, False
    return kind, np.ones(n + 1), False  # wrong_length


@st.composite
def class_labels(draw, n_samples):
    """(kind, y) with y a valid classification target."""
    kind = draw(st.sampled_from([
        "int", "str", "bool", "float_integral", "one_class", "many", "two",
        "multilabel", "object_str",
    ]))
    n = n_samples
    if kind == "multilabel":
        k = draw(st.integers(2, 4))
        return kind, draw(hnp.arrays(np.int64, (n, k), elements=st.integers(0, 1)))
    if kind == "one_class":
        classes = [draw(st.integers(-5, 5))]
    elif kind == "bool":
        classes = [False, True]
    elif kind == "two":
        classes = draw(st.lists(st.integers(-10**6, 10**6), min_size=2, max_size=2,
                                unique=True))
    elif kind == "many":
        classes = list(range(max(n, 2)))
    elif kind in ("str", "object_str"):
        classes = draw(st.lists(st.text("abcxyz", min_size=1, max_size=3),
                                min_size=2, max_size=6, unique=True))
    elif kind == "float_integral":
        classes = [float(c) for c in draw(st.lists(st.integers(-3, 3), min_size=2,
                                                   max_size=5, unique=True))]
    else:
        classes = draw(st.lists(st.integers(-1000, 1000), min_size=2, max_size=6,
                                unique=True))
    idx = draw(hnp.arrays(np.int64, n, elements=st.integers(0, len(classes) - 1)))
    if kind == "many":
        idx = np.arange(n)  # every sample its own class
    y = np.array(classes)[idx]
    if kind == "object_str":
        y = y.astype(object)
    return kind, y


@st.composite
def regression_targets(draw, n_samples, non_negative=False):
    n_out = draw(st.sampled_from([None, 1, 2, 3]))  # None: 1-D y
    shape = (n_samples,) if n_out is None else (n_samples, n_out)
    dtype = draw(st.sampled_from(["float64", "float32", "int64"]))
    lo = 0 if non_negative else -1000
    if dtype == "int64":
        elements = st.integers(lo, 1000)
    else:
        elements = st.floats(lo, 1000, allow_nan=False, width=32 if dtype == "float32" else 64)
    return draw(hnp.arrays(dtype, shape, elements=elements))


# ------------------------------------------------------------- check helpers
def _single_sample_batch_norm(est, X):
    """True when batch norm would see a training batch of one sample, which
    skreg refuses with a ValueError."""
    n = _as_dense(X).shape[0]
    hidden = est.hidden_layer_sizes
    has_hidden = bool(hidden) if not isinstance(hidden, int) else True
    batch = min(200, n) if est.batch_size == "auto" else min(est.batch_size, n)
    return est.batch_norm and has_hidden and (n < 2 or batch < 2)


def _check_fitted(est, X, y_kind=None):
    """Finite parameters and predictions; probabilities that are
    probabilities; predictions from classes_."""
    params = est.coefs_ + est.intercepts_ + est.bn_gammas_ + est.bn_betas_ + \
        est.bn_running_means_ + est.bn_running_vars_
    assert all(np.isfinite(p).all() for p in params), "non-finite parameters"
    if getattr(est, "early_stopping", False) and not np.isfinite(est.loss_):
        # a divergence under early stopping keeps the best weights and
        # records the non-finite loss and a nan score, as scikit-learn does
        assert np.isnan(est.validation_scores_[-1])
        assert est.best_validation_score_ is not None
    else:
        assert np.isfinite(est.loss_)
    Xd = _as_dense(X)
    expected_dtype = np.float32 if Xd.dtype == np.float32 else np.float64
    assert all(c.dtype == expected_dtype for c in est.coefs_)
    n = Xd.shape[0]
    pred = est.predict(X)
    if isinstance(est, MLPRegressor):
        assert np.isfinite(pred).all(), "non-finite predictions"
        assert pred.shape[0] == n
        return
    proba = est.predict_proba(X)
    assert np.isfinite(proba).all(), "non-finite probabilities"
    assert (proba >= 0).all() and (proba <= 1).all()
    tol = 1e-5 if proba.dtype == np.float32 else 1e-9
    if y_kind == "multilabel":
        assert pred.shape == proba.shape == (n, len(est.classes_))
        assert set(np.unique(pred)) <= {0, 1}
    else:
        # with a single class, predict_proba has two columns, as in scikit-learn
        assert proba.shape == (n, max(len(est.classes_), 2))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=tol)
        assert pred.shape == (n,)
        assert np.isin(pred, est.classes_).all()


def _run_fit(est, X, y, sw, **kw):
    """Fit, returning the exception (ValueError/TypeError) or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if sw is None and "sw_given" not in kw:
                est.fit(X, y)
            else:
                est.fit(X, y, sample_weight=sw)
        except ALLOWED as exc:
            assert str(exc).strip(), f"{type(exc).__name__} without a message"
            return exc
    return None


# ======================================================= 1. valid data
_SOLVERS = ["adam", "adamw", "adagrad", "rmsprop", "lbfgs", "sgd"]
#: solvers that cannot diverge whatever the data: adaptive steps are bounded
#: by the learning rate per coordinate, L-BFGS's line search never increases
#: the objective. (Plain SGD on unscaled targets can diverge, legitimately.)
_SAFE_SOLVERS = ["adam", "adamw", "adagrad", "rmsprop", "lbfgs"]


@st.composite
def safe_params(draw):
    """Parameters for which any valid data set must fit."""
    solver = draw(st.sampled_from(_SAFE_SOLVERS))
    return dict(
        hidden_layer_sizes=draw(st.sampled_from([(), (3,), (4, 2), 2])),
        activation=draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        solver=solver,
        learning_rate_init=1e-3,
        alpha=draw(st.sampled_from([0.0, 1e-4, 1e-1])),
        penalty=draw(st.sampled_from(["l2", "l1", "elasticnet", None])),
        batch_size=draw(st.sampled_from(["auto", 1, 7, 64])),
        max_iter=draw(st.integers(1, 4)),
        batch_norm=draw(st.booleans()) if solver != "lbfgs" else False,
        random_state=draw(st.integers(0, 100)),
    )


@pytest.mark.parametrize("sw_kind", _SW_KINDS)
@_settings(10)
@given(data=st.data())
def test_valid_data_always_fits(sw_kind, data):
    """Any shape, dtype, format, label type and valid sample weights fit, and
    invalid sample weights raise ValueError; inputs are never modified.
    (Parametrized over the kinds of sample weights so that each gets its
    share of examples.)"""
    n = data.draw(st.integers(1, 40), label="n_samples")
    is_clf = data.draw(st.booleans(), label="classifier")
    X = data.draw(feature_matrix(n), label="X")
    sw_kind, sw, sw_valid = data.draw(sample_weights(n, sw_kind), label="sample_weight")
    params = data.draw(safe_params(), label="params")
    if is_clf:
        y_kind, y = data.draw(class_labels(n), label="y")
        est = MLPClassifier(**params)
    else:
        y_kind, y = "regression", data.draw(regression_targets(n), label="y")
        est = MLPRegressor(**params)
    inputs = _Inputs(X=X, y=y, sw=sw)
    params_before = _params_snapshot(est)

    exc = _run_fit(est, X, y, sw, sw_given=True)
    inputs.check()
    assert _params_snapshot(est) == params_before
    test = "valid data"
    if not sw_valid:
        assert isinstance(exc, ValueError), f"sample_weight kind {sw_kind} accepted"
        assert "sample_weight" in str(exc)
        assert not hasattr(est, "coefs_")
        _record(test, f"bad sample_weight ({sw_kind}) -> ValueError")
        return
    if exc is not None and _single_sample_batch_norm(est, X):
        # batch norm cannot normalise one sample: a clear error is the contract
        assert isinstance(exc, ValueError) and "batch_norm" in str(exc)
        assert not hasattr(est, "coefs_")
        _record(test, "batch_norm with single-sample batches -> ValueError")
        return
    assert exc is None, f"valid input raised {exc!r}"
    _check_fitted(est, X, y_kind)
    Xd = _as_dense(X)
    _record("valid data: coverage", f"X dtype {Xd.dtype}")
    _record("valid data: coverage", f"X format {type(X).__name__}")
    _record("valid data: coverage", f"y {y_kind}")
    _record("valid data: coverage", f"sample_weight {sw_kind}")
    inputs.check()
    if is_clf and y_kind != "multilabel":
        assert np.array_equal(est.classes_, np.unique(np.asarray(y)))
    _record(test, "fit ok")


# ======================================================= 2. every parameter
def _optimizers():
    return st.one_of(
        st.sampled_from(_SOLVERS),
        st.builds(opt.SGD, momentum=st.floats(0, 1), nesterov=st.booleans()),
        st.builds(opt.Adagrad, epsilon=st.floats(1e-12, 1e-2)),
        st.builds(opt.RMSprop, rho=st.floats(0, 0.999), epsilon=st.floats(1e-12, 1e-2)),
        st.builds(opt.Adam, beta_1=st.floats(0, 0.999), beta_2=st.floats(0, 0.9999),
                  epsilon=st.floats(1e-12, 1e-2)),
        st.builds(opt.AdamW, beta_1=st.floats(0, 0.999), beta_2=st.floats(0, 0.9999),
                  epsilon=st.floats(1e-12, 1e-2)),
    )


def _schedules():
    return st.one_of(
        st.sampled_from(["constant", "invscaling", "adaptive", "step",
                         "exponential", "cosine", "onecycle"]),
        st.builds(sched.Constant),
        st.builds(sched.InverseScaling, power_t=st.floats(0, 5)),
        st.builds(sched.StepDecay, step_size=st.none() | st.integers(1, 5),
                  gamma=st.floats(0.01, 1)),
        st.builds(sched.ExponentialDecay, gamma=st.none() | st.floats(0.01, 1)),
        st.builds(sched.CosineAnnealing, T_0=st.none() | st.integers(1, 5),
                  T_mult=st.integers(1, 3)),
        st.builds(sched.OneCycle, pct_start=st.floats(0.05, 0.95),
                  div_factor=st.floats(1, 1e3), final_div_factor=st.floats(1, 1e5)),
    )


def _init_callable(fan_in, fan_out, random_state):
    return random_state.uniform(-0.1, 0.1, (fan_in, fan_out))


@st.composite
def any_valid_params(draw, classifier):
    hidden = draw(st.sampled_from([(), (3,), (2, 3), 4, [2, 2, 2]]))
    n_hidden = 1 if isinstance(hidden, int) else len(hidden)
    p = dict(
        hidden_layer_sizes=hidden,
        activation=draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
        solver=draw(_optimizers()),
        alpha=draw(st.sampled_from([0.0, 1e-5, 1e-2, 1.0, 1e2])),
        batch_size=draw(st.sampled_from(["auto", 1, 3, 10, 100])),
        learning_rate=draw(st.sampled_from([None, "constant", "invscaling", "adaptive"])),
        learning_rate_init=draw(st.floats(1e-5, 0.5)),
        power_t=draw(st.floats(0, 3)),
        max_iter=draw(st.integers(1, 3)),
        shuffle=draw(st.booleans()),
        random_state=draw(st.one_of(st.none(), st.integers(0, 2**32 - 1),
                                    st.builds(np.random.RandomState, st.integers(0, 99)))),
        tol=draw(st.sampled_from([0.0, 1e-4, 1.0])),
        verbose=draw(st.sampled_from([False, 0])),
        warm_start=draw(st.booleans()),
        momentum=draw(st.floats(0, 1)),
        nesterovs_momentum=draw(st.booleans()),
        early_stopping=draw(st.booleans()),
        validation_fraction=draw(st.floats(0.05, 0.95)),
        beta_1=draw(st.floats(0, 0.999)),
        beta_2=draw(st.floats(0, 0.9999)),
        epsilon=draw(st.floats(1e-12, 1e-2)),
        n_iter_no_change=draw(st.sampled_from([1, 2, 10, np.inf])),
        max_fun=draw(st.integers(1, 50)),
        penalty=draw(st.sampled_from(["l2", "l1", "elasticnet", None])),
        l1_ratio=draw(st.floats(0, 1)),
        init=draw(st.sampled_from(["auto", "xavier", "he", "xavier_uniform",
                                   "xavier_normal", "he_uniform", "he_normal",
                                   _init_callable])),
        lr_schedule=draw(_schedules()),
        batch_norm=draw(st.booleans()),
        dropout=draw(st.one_of(
            st.floats(0, 0.9),
            st.lists(st.floats(0, 0.9), min_size=n_hidden, max_size=n_hidden))),
    )
    if classifier:
        p["class_weight"] = draw(st.sampled_from([None, "balanced"]))
    return p


def _check_any_params(data, classifier):
    n = data.draw(st.integers(1, 40), label="n_samples")
    X = data.draw(feature_matrix(n, max_abs=10.0), label="X")
    params = data.draw(any_valid_params(classifier), label="params")
    if classifier:
        y_kind, y = data.draw(class_labels(n), label="y")
        est = MLPClassifier(**params)
    else:
        y_kind = "regression"
        loss = data.draw(st.sampled_from(["squared_error", "poisson"]), label="loss")
        y = data.draw(regression_targets(n, non_negative=loss == "poisson"), label="y")
        est = MLPRegressor(loss=loss, **params)
    inputs = _Inputs(X=X, y=y)
    params_before = _params_snapshot(est)
    test = "every parameter (" + ("classifier" if classifier else "regressor") + ")"

    exc = _run_fit(est, X, y, None)
    inputs.check()
    assert _params_snapshot(est) == params_before
    if exc is not None:
        assert not hasattr(est, "coefs_"), "a failed fit left fitted attributes"
        _record(test, _outcome_of(exc))
        return
    _check_fitted(est, X, y_kind)
    # a second fit (warm start or not) on the same data also succeeds or fails cleanly
    state = _fitted_state(est)
    exc = _run_fit(est, X, y, None)
    inputs.check()
    if exc is not None:
        # the same data and parameters cannot have changed the layout
        assert "layout changed" not in str(exc), str(exc)
        before = {k: v for k, v in state.items()}
        after = _fitted_state(est)
        for k in ("coefs_", "intercepts_", "n_iter_", "t_", "classes_"):
            if k in before:
                _assert_state_equal({k: before[k]}, {k: after[k]})
        _record(test, "refit: " + _outcome_of(exc))
        return
    _check_fitted(est, X, y_kind)
    _record(test, "fit ok")


@_settings(100)
@given(data=st.data())
def test_every_parameter_classifier(data):
    """Random values from each parameter's valid range: fit succeeds with a
    finite model or raises a clear ValueError/TypeError."""
    _check_any_params(data, classifier=True)


@_settings(80)
@given(data=st.data())
def test_every_parameter_regressor(data):
    _check_any_params(data, classifier=False)


# ======================================================= 3. invalid parameters
# name -> strategy of values that must be rejected
_NOT_A_NUMBER = st.sampled_from(["0.1", None, [0.1], {"a": 1}, object(), True])
_INVALID = {
    "hidden_layer_sizes": st.sampled_from([0, -1, (0,), (3, -2), (2.5,), "abc", 2.5,
                                           None, True, [None], (3, True)]),
    "activation": st.sampled_from(["softmax", "RELU", "", None, 1, "sigmoid"]),
    "solver": st.one_of(
        st.sampled_from(["newton", "SGD", "", None, 3, opt.SGD, object()]),
        st.builds(opt.SGD, momentum=st.sampled_from([-0.1, 1.5, np.nan, "a"])),
        st.builds(opt.SGD, nesterov=st.sampled_from(["a", 1, None])),
        st.builds(opt.Adam, beta_1=st.sampled_from([1.0, -0.5, np.nan])),
        st.builds(opt.Adam, epsilon=st.sampled_from([0.0, -1.0, np.nan, np.inf])),
        st.builds(opt.RMSprop, rho=st.sampled_from([1.0, -0.1])),
        st.builds(opt.Adagrad, epsilon=st.sampled_from([0.0, -1e-8])),
    ),
    "alpha": st.one_of(st.sampled_from([-1e-8, -1.0, np.nan, np.inf, -np.inf]), _NOT_A_NUMBER),
    "batch_size": st.sampled_from([0, -5, 2.5, "big", None, True, "AUTO"]),
    "learning_rate": st.sampled_from(["cosine", "Constant", 0.1, "", "optimal"]),
    "learning_rate_init": st.one_of(st.sampled_from([0.0, -1e-3, np.nan, np.inf]),
                                    _NOT_A_NUMBER),
    "power_t": st.one_of(st.sampled_from([-0.5, np.nan, np.inf]), _NOT_A_NUMBER),
    "max_iter": st.sampled_from([0, -1, 1.5, None, "10", np.inf, True]),
    "shuffle": st.sampled_from(["yes", 1, None, 0.0]),
    "random_state": st.sampled_from([-1, 2**40, "seed", 1.5, [1, 2, -3]]),
    "tol": st.one_of(st.sampled_from([-1e-4, np.nan, np.inf]), _NOT_A_NUMBER),
    "verbose": st.sampled_from([-1, "yes", 1.5, None]),
    "warm_start": st.sampled_from(["no", 0, None]),
    "momentum": st.one_of(st.sampled_from([-0.1, 1.1, np.nan]), _NOT_A_NUMBER),
    "nesterovs_momentum": st.sampled_from(["yes", None, 1]),
    "early_stopping": st.sampled_from(["yes", None, 1]),
    "validation_fraction": st.sampled_from([1.0, -0.1, 1.5, np.nan, "0.1", None]),
    "beta_1": st.sampled_from([1.0, -0.1, np.nan, "0.9", None]),
    "beta_2": st.sampled_from([1.0, -0.1, np.nan, "0.9", None]),
    "epsilon": st.sampled_from([0.0, -1e-8, np.nan, np.inf, "1e-8", None]),
    "n_iter_no_change": st.sampled_from([0, -1, 1.5, np.nan, "10", None]),
    "max_fun": st.sampled_from([0, -1, 1.5, None, "100"]),
    "penalty": st.sampled_from(["l3", "L2", "none", "ridge", 2, ""]),
    "l1_ratio": st.sampled_from([-0.1, 1.5, np.nan, "0.5", None]),
    "init": st.one_of(
        st.sampled_from(["glorot", "", 3, None, "HE"]),
        st.sampled_from([
            lambda a, b, r: np.zeros((b, a + 1)),           # wrong shape
            lambda a, b, r: np.full((a, b), np.nan),        # not finite
            lambda a, b, r: np.full((a, b), "w"),           # not numeric
            lambda a, b, r: np.ones((a, b), dtype=bool),    # bool
            lambda a, b, r: 0.5,                            # scalar
            lambda a, b, r: np.ones((a, b)) * (1 + 1j),     # complex
        ]),
    ),
    "lr_schedule": st.one_of(
        st.sampled_from(["linear", "", None, 0.1, "Cosine", sched.StepDecay]),
        st.builds(sched.StepDecay, step_size=st.sampled_from([0, -1, 1.5, "a"])),
        st.builds(sched.StepDecay, gamma=st.sampled_from([0.0, 1.5, np.nan])),
        st.builds(sched.ExponentialDecay, gamma=st.sampled_from([0.0, -1.0, 2.0])),
        st.builds(sched.CosineAnnealing, T_0=st.sampled_from([0, -2, 0.5])),
        st.builds(sched.CosineAnnealing, T_mult=st.sampled_from([0, 1.5])),
        st.builds(sched.OneCycle, pct_start=st.sampled_from([0.0, 1.0, np.nan])),
        st.builds(sched.OneCycle, div_factor=st.sampled_from([0.0, -1.0, np.inf])),
        st.builds(sched.InverseScaling, power_t=st.sampled_from([-1.0, np.nan])),
    ),
    "batch_norm": st.sampled_from(["yes", 1, None]),
    "dropout": st.sampled_from([-0.1, 1.0, 1.5, np.nan, "0.5", None, True,
                                [0.1, 0.1], [], [[0.1]], [0.5, "a"], [1.0]]),
}
_INVALID_CLASSIFIER = {
    "class_weight": st.sampled_from(["auto", 5, [1, 2], "BALANCED",
                                     {0: -1.0, 1: 1.0, 2: 1.0}, {0: np.nan, 1: 1.0, 2: 1.0},
                                     {0: np.inf, 1: 1.0, 2: 1.0}, {0: 0, 1: 0, 2: 0}]),
}
_INVALID_REGRESSOR = {
    "loss": st.sampled_from(["mae", "absolute_error", None, "", 1, "Poisson"]),
}
@_settings(250)
@given(data=st.data())
def test_invalid_parameter_raises(data):
    """One or two parameters set to an invalid value (wrong range, unknown
    string, wrong type, wrong length): fit raises ValueError/TypeError whose
    message names the parameter, and the estimator is left unfitted."""
    classifier = data.draw(st.booleans(), label="classifier")
    table = dict(_INVALID, **(_INVALID_CLASSIFIER if classifier else _INVALID_REGRESSOR))
    names = data.draw(st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=2,
                               unique=True), label="invalid parameters")
    bad = {name: data.draw(table[name], label=name) for name in names}
    if "dropout" in bad and isinstance(bad["dropout"], list):
        # a list of valid probabilities is only wrong for its length: one hidden layer
        assume("hidden_layer_sizes" not in bad)
    cls = MLPClassifier if classifier else MLPRegressor
    est = cls(**dict(dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0), **bad))
    n = 12
    X = data.draw(feature_matrix(n, max_abs=10.0), label="X")
    y = np.arange(n) % 3 if classifier else np.linspace(0, 1, n)
    inputs = _Inputs(X=X, y=y)
    before = dict(vars(est))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ALLOWED) as info:
            est.fit(X, y)
    inputs.check()
    message = str(info.value)
    assert message.strip()
    # the message names the parameter, or for an optimizer / schedule
    # object the attribute of that object which is wrong
    said = set(names)
    said |= {"lr_schedule"} if "learning_rate" in names else set()
    for value in bad.values():
        if hasattr(value, "get_params") and not isinstance(value, type):
            said |= set(value.get_params())
    assert any(word in message for word in said), \
        f"message does not name {names}: {message}"
    assert vars(est).keys() == before.keys(), "a failed fit added attributes"
    # parameters are restored (list-valued ones as equal copies)
    assert all(vars(est)[k] is before[k] or
               (isinstance(before[k], list) and vars(est)[k] == before[k]) for k in before)
    _record("invalid parameter", f"{type(info.value).__name__} ({', '.join(names)})"
            if len(names) == 1 else f"{type(info.value).__name__} (two parameters)")


# ======================================================= 4. bad data
_BAD_DATA = [
    "X_nan", "X_inf", "X_too_big_for_float", "X_3d", "X_1d", "X_empty", "X_no_features",
    "X_complex", "X_strings", "X_ragged", "y_length", "y_nan", "y_inf",
    "y_3d", "clf_continuous_y", "clf_mixed_types", "reg_string_y", "reg_poisson_negative",
    "sw_2d", "sw_strings",
]


def _corrupt(kind, X, y, rng):
    """Return (X, y, sample_weight, loss, classifier) with one defect."""
    n = X.shape[0]
    sw, loss, clf = None, "squared_error", rng.rand() < 0.5
    y = (np.arange(n) % 2) if clf else rng.randn(n)
    X = X.copy()
    if kind == "X_nan":
        X.flat[rng.randint(X.size)] = np.nan
    elif kind == "X_inf":
        X.flat[rng.randint(X.size)] = -np.inf
    elif kind == "X_too_big_for_float":
        X = X.astype(object)
        X.flat[0] = 10 ** 400  # a Python int no float can hold
    elif kind == "X_3d":
        X = X[:, :, None]
    elif kind == "X_1d":
        X = X[:, 0]
    elif kind == "X_empty":
        X, y = X[:0], y[:0]
    elif kind == "X_no_features":
        X = X[:, :0]
    elif kind == "X_complex":
        X = X + 1j
    elif kind == "X_strings":
        X = X.astype(str)
        X.flat[0] = "abc"
    elif kind == "X_ragged":
        rows = [list(row) for row in X] + [list(X[0])]
        rows[0] = rows[0] + [1.0]  # one row longer than the others
        X, y = np.array(rows, dtype=object), np.concatenate([y, y[:1]])
    elif kind == "y_length":
        y = y[:-1] if n > 1 else np.concatenate([y, y])
    elif kind == "y_nan":
        y = y.astype(float)
        y[0] = np.nan
    elif kind == "y_inf":
        y = y.astype(float)
        y[0] = np.inf
    elif kind == "y_3d":
        y = np.zeros((n, 2, 2))
    elif kind == "clf_continuous_y":
        clf, y = True, rng.randn(n) + 0.5
    elif kind == "clf_mixed_types":
        clf, y = True, np.array([1, "a"] * n, dtype=object)[:n]
        if n == 1:
            y = np.array([{"a": 1}], dtype=object)
    elif kind == "reg_string_y":
        clf, y = False, np.array(["low", "high"] * n)[:n]
    elif kind == "reg_poisson_negative":
        clf, loss, y = False, "poisson", -np.abs(rng.randn(n)) - 0.1
    elif kind == "sw_2d":
        sw = np.ones((n, 2))
    elif kind == "sw_strings":
        sw = np.array(["w"] * n)
    return X, y, sw, loss, clf


@_settings(120)
@given(data=st.data())
def test_bad_data_raises(data):
    """Malformed X, y or sample_weight: ValueError/TypeError with a message,
    for fit and (when a fitted model exists) for partial_fit and predict; the
    estimator is unchanged and the inputs too."""
    kind = data.draw(st.sampled_from(_BAD_DATA), label="defect")
    n = data.draw(st.integers(1, 20), label="n_samples")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 3)
    X, y, sw, loss, clf = _corrupt(kind, X, y=None, rng=rng)
    est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2) if clf else \
        MLPRegressor(loss=loss, hidden_layer_sizes=(3,), max_iter=2)

    # a model fitted beforehand on clean data, reused with warm_start
    warm = data.draw(st.booleans(), label="warm start on a fitted model")
    if warm:
        Xc = rng.randn(10, 3)
        yc = np.arange(10) % 2 if clf else np.abs(rng.randn(10))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.set_params(warm_start=True).fit(Xc, yc)
    before = _fitted_state(est)
    inputs = _Inputs(X=X, y=y, sw=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ALLOWED) as info:
            est.fit(X, y, sample_weight=sw)
        assert str(info.value).strip()
        inputs.check()
        _assert_state_equal(before, _fitted_state(est))
        if warm:
            with pytest.raises(ALLOWED):
                if clf:
                    est.partial_fit(X, y, sample_weight=sw, classes=[0, 1])
                else:
                    est.partial_fit(X, y, sample_weight=sw)
            _assert_state_equal(before, _fitted_state(est))
            if kind.startswith("X_"):
                with pytest.raises(ALLOWED):
                    est.predict(X)
            inputs.check()
        else:
            with pytest.raises(NotFittedError):
                est.predict(np.zeros((2, 3)))
    _record("bad data", f"{kind} -> {type(info.value).__name__}")


# ======================================================= 5. partial_fit streams
@_settings(60)
@given(data=st.data())
def test_partial_fit_stream(data):
    """A stream of partial_fit batches of any size and format, some missing
    classes, some with a class never declared: the declared ones fit and keep
    a finite model, the undeclared one raises ValueError and changes nothing."""
    classifier = data.draw(st.booleans(), label="classifier")
    solver = data.draw(st.sampled_from(["sgd", "adam", "adagrad", "rmsprop", "adamw"]),
                       label="solver")
    params = dict(hidden_layer_sizes=(3,), solver=solver, random_state=0,
                  learning_rate_init=1e-3,
                  lr_schedule=data.draw(st.sampled_from(["constant", "cosine", "onecycle",
                                                         "step", "invscaling"])),
                  batch_norm=data.draw(st.booleans()), max_iter=5)
    est = MLPClassifier(**params) if classifier else MLPRegressor(**params)
    classes = np.array(["a", "b", "c", "d"])
    n_features = data.draw(st.integers(1, 5), label="n_features")
    n_batches = data.draw(st.integers(1, 4), label="n_batches")
    n_calls = 0
    for b in range(n_batches):
        n = data.draw(st.integers(1, 15), label="batch size")
        X = _draw_fixed_width(data, n, n_features)
        if classifier:
            allowed = data.draw(st.lists(st.sampled_from(list(classes)), min_size=1,
                                         max_size=4, unique=True), label="classes present")
            y = np.array(allowed)[np.arange(n) % len(allowed)]
        else:
            y = np.linspace(-1, 1, n)
        inputs = _Inputs(X=X, y=y)
        state = _fitted_state(est)
        kw = {"classes": classes} if classifier and not state else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if est.batch_norm and n == 1:
                # one sample cannot be batch-normalised: refused, nothing changes
                with pytest.raises(ValueError, match="batch_norm"):
                    est.partial_fit(X, y, **kw)
                inputs.check()
                _assert_state_equal(state, _fitted_state(est))
                continue
            est.partial_fit(X, y, **kw)
        inputs.check()
        _check_fitted(est, X)
        n_calls += 1
        assert est.n_iter_ == n_calls
    if n_calls == 0:
        _record("partial_fit stream", "only single-sample batch_norm batches, refused")
        return
    if classifier:
        state = _fitted_state(est)
        X = _draw_fixed_width(data, 3, n_features)
        with pytest.raises(ValueError, match="class"):
            est.partial_fit(X, np.array(["a", "zzz", "b"]))
        _assert_state_equal(state, _fitted_state(est))
    # the stream continues after the failure
    Xw = np.zeros((2, n_features + 1))
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(Xw, np.array(["a", "b"]) if classifier else np.zeros(2))
    _record("partial_fit stream", f"{n_calls} of {n_batches} batches fitted")


def _draw_fixed_width(data, n, n_features):
    dtype = data.draw(st.sampled_from(_DTYPES), label="dtype")
    fmt = data.draw(st.sampled_from(_FORMATS), label="format")
    rng = np.random.RandomState(data.draw(st.integers(0, 2**16), label="seed"))
    X = rng.randn(n, n_features) * 3
    X[rng.rand(n, n_features) < 0.4] = 0
    X = X.astype(dtype)
    if fmt == "dense_fortran":
        return np.asfortranarray(X)
    if fmt == "list":
        return X.tolist()
    if fmt in ("csr", "csc", "coo"):
        return getattr(sp, f"{fmt}_matrix")(X)
    return X


# ======================================================= 6. predict inputs
_FITTED = {}


def _fitted(kind):
    if kind not in _FITTED:
        rng = np.random.RandomState(0)
        X = rng.randn(30, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "clf":
                est = MLPClassifier((5,), max_iter=20, random_state=0).fit(
                    X, np.array(["x", "y", "z"])[np.arange(30) % 3])
            else:
                est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=20,
                                   random_state=0).fit(X, X @ [1, 2, 3, 4])
        _FITTED[kind] = est
    return _FITTED[kind]


@_settings(150)
@given(data=st.data())
def test_predict_any_input(data):
    """predict / predict_proba / score on matrices of any dtype and format:
    the right width gives finite output (and the same output for every format
    of the same numbers); a wrong width or NaN raises ValueError; the fitted
    model and the input are never modified."""
    kind = data.draw(st.sampled_from(["clf", "reg"]), label="estimator")
    est = _fitted(kind)
    state = _fitted_state(est)
    n = data.draw(st.integers(1, 30), label="n_samples")
    width = data.draw(st.sampled_from([4, 4, 4, 1, 5]), label="n_features")
    X = data.draw(feature_matrix(n, max_abs=1e4, n_features=width), label="X")
    width = np.asarray(_as_dense(X)).shape[1]
    inputs = _Inputs(X=X)
    if width != est.n_features_in_:
        with pytest.raises(ValueError, match="features"):
            est.predict(X)
        _record("predict", "wrong width -> ValueError")
    else:
        pred = est.predict(X)
        dense = _as_dense(X).astype(np.float64)
        if kind == "reg":
            assert np.isfinite(pred).all()
            np.testing.assert_allclose(pred, est.predict(dense), rtol=1e-5, atol=1e-6)
        else:
            proba = est.predict_proba(X)
            assert np.isfinite(proba).all()
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
            np.testing.assert_allclose(proba, est.predict_proba(dense), rtol=1e-5, atol=1e-9)
        _record("predict", "right width -> finite output")
    inputs.check()
    if width == est.n_features_in_:
        bad = _as_dense(X).astype(np.float64)
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            est.predict(bad)
    _assert_state_equal(state, _fitted_state(est))


# ======================================================= report
def test_zz_report(capsys):
    """Print how many generated cases each property test ran, by outcome
    (the numbers quoted in docs/reliability.rst)."""
    total = sum(sum(c.values()) for test, c in STATS.items()
                if not test.endswith("coverage"))
    with capsys.disabled():
        print(f"\n\nhypothesis cases run by tests/test_property.py: {total}")
        for test, counter in STATS.items():
            print(f"  {test}: {sum(counter.values())}")
            for outcome, count in counter.most_common():
                print(f"      {count:5d}  {outcome}")

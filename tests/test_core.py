"""The training core's contract: the parameter table against the signatures
and the docs, the fitted-state registry against what fits set, prepare /
train / store against fit, parts that stop training, and the step chain
against a step written out by hand."""

import ast
import copy
import dataclasses
import inspect
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor, lr_range_test
from skreg import _config, _fitting, _range_core, _state, _steps, _training
from skreg.optimizers import SGD, Adam, AdamW
from skreg.penalties import get_penalty

ESTIMATORS = [(MLPClassifier, "classifier"), (MLPRegressor, "regressor")]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# ------------------------------------------------------------ parameter table
@pytest.mark.parametrize("cls, kind", ESTIMATORS)
def test_signature_and_table_agree(cls, kind):
    sig = inspect.signature(cls.__init__).parameters
    names = [n for n in sig if n != "self"]
    assert names == _config.param_names(kind)
    table = {p.name: p for p in _config.PARAMS}
    for name in names:
        default = sig[name].default
        assert type(default) is type(table[name].default), name
        assert default == table[name].default, name


@pytest.mark.parametrize("cls, kind", ESTIMATORS)
def test_parameters_section_is_the_table(cls, kind):
    doc = cls.__doc__
    section = doc[doc.index("Parameters\n    ----------"):doc.index("Attributes\n    ------")]
    documented = re.findall(r"^    (\w+) : (.*)$", section, flags=re.M)
    assert [n for n, _ in documented] == _config.param_names(kind)
    sig = inspect.signature(cls.__init__).parameters
    for name, spec in documented:
        text = spec.rsplit("default=", 1)[1]
        assert ast.literal_eval(text) == sig[name].default, name
        assert type(ast.literal_eval(text)) is type(sig[name].default), name
    for p in _config.PARAMS:
        if kind in p.estimators:
            assert p.doc.strip().splitlines()[0] in section, p.name


def test_every_table_entry_is_checked():
    for p in _config.PARAMS:
        if p.check is None:  # checked where resolved: a bad value still fails
            continue
        kind = "classifier" if "classifier" in p.estimators else "regressor"
        est_bad = MLPClassifier() if kind == "classifier" else MLPRegressor()
        setattr(est_bad, p.name, object())
        with pytest.raises((ValueError, TypeError), match=p.name):
            _config.resolve(est_bad, kind)
    for name in ("solver", "lr_schedule"):
        with pytest.raises(ValueError, match=name):
            _config.resolve(MLPClassifier(**{name: "nope"}), "classifier")


def test_range_test_defaults_are_its_signature():
    sig = inspect.signature(lr_range_test).parameters
    assert _range_core.DEFAULTS == {n: sig[n].default for n in _range_core.DEFAULTS}
    assert set(_range_core.DEFAULTS) == {
        n for n, p in sig.items() if p.kind is p.KEYWORD_ONLY and n != "sample_weight"}


# ---------------------------------------------------------- fitted-state registry
FITS = [
    (MLPClassifier, dict(solver="sgd", max_iter=3)),
    (MLPClassifier, dict(solver="lbfgs", max_iter=3, early_stopping=True)),
    (MLPClassifier, dict(early_stopping=True, max_iter=3, batch_norm=True)),
    (MLPClassifier, dict(learning_rate_init="auto", lr_schedule="adaptive", max_iter=2)),
    (MLPRegressor, dict(max_iter=3, dropout=0.1)),
]


@pytest.mark.parametrize("cls, params", FITS)
def test_a_fit_sets_only_registered_state(iris, cls, params):
    X, y = iris
    X = pd.DataFrame(X, columns=list("abcd"))
    est = cls(hidden_layer_sizes=(4,), random_state=0, **params).fit(X, y)
    if params.get("solver") != "lbfgs" and not params.get("early_stopping"):
        est.partial_fit(X, y)
    state = set(vars(est)) - set(est.get_params(deep=False))
    assert state <= set(_state.names())
    assert {"coefs_", "n_iter_", "loss_curve_", "n_features_in_", "feature_names_in_"} <= state


def test_public_registry_entries_are_documented():
    for cls, _ in ESTIMATORS:
        section = cls.__doc__[cls.__doc__.index("Attributes\n    ------"):]
        for name in _state.names():
            if not name.startswith("_") and not (name == "classes_" and cls is MLPRegressor):
                assert re.search(rf"^    (\w+_, )*{name}\b", section, flags=re.M), name


def test_a_failed_fit_restores_exactly_the_registered_state(iris):
    X, y = iris
    est = MLPClassifier((4,), max_iter=3, random_state=0, warm_start=True).fit(X, y)
    before = {k: copy.deepcopy(v) for k, v in vars(est).items()}
    with pytest.raises(ValueError, match="layout changed"):
        est.set_params(hidden_layer_sizes=(5,)).fit(X, y)
    est.set_params(hidden_layer_sizes=(4,))
    assert set(vars(est)) == set(before)
    for key, value in before.items():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            for a, b in zip(value, getattr(est, key)):
                np.testing.assert_array_equal(a, b)
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(value, getattr(est, key))


# ------------------------------------------------------- prepare / train / store
@pytest.mark.parametrize("params", [
    dict(solver="sgd"), dict(early_stopping=True, validation_fraction=0.2),
    dict(learning_rate_init="auto", batch_norm=True, dropout=0.2),
])
def test_fit_is_prepare_train_store_and_train_leaves_the_estimator_alone(iris, params):
    X, y = iris
    make = lambda: MLPClassifier((6,), max_iter=8, random_state=0, **params)  # noqa: E731
    reference = make().fit(X, y)
    est = make()
    run = _fitting.prepare(est, X, y)
    before = copy.deepcopy(vars(est))
    _training.train(run.setup, run.state, run.data)
    after = vars(est)
    assert set(after) == set(before)
    for key in before:
        assert type(after[key]) is type(before[key])
    _fitting.store(est, run)
    for a, b in zip(est.coefs_ + est.intercepts_, reference.coefs_ + reference.intercepts_):
        assert a.tobytes() == b.tobytes()
    assert est.loss_curve_ == reference.loss_curve_
    assert est.n_iter_ == reference.n_iter_


class _StopAt(_training.Part):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, setup, state, epoch):
        return "enough" if epoch.index == self.epoch else None


def test_a_part_stops_training_by_what_it_returns(iris):
    X, y = iris
    est = MLPClassifier((6,), max_iter=50, random_state=0, tol=0.0, n_iter_no_change=100)
    run = _fitting.prepare(est, X, y)
    setup = dataclasses.replace(run.setup, parts=run.setup.parts + (_StopAt(3),))
    ended = []

    class Last(_training.Part):
        def on_train_end(self, setup, state, reason):
            ended.append(reason)

    setup = dataclasses.replace(setup, parts=setup.parts + (Last(),))
    assert _training.train(setup, run.state, run.data) == "enough"
    assert run.state.n_iter == 3 and len(run.state.history.loss_curve) == 3
    assert ended == ["enough"]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_divergence_raises_unless_a_part_takes_it(iris, early_stopping):
    X, y = iris
    est = MLPClassifier((6,), max_iter=5, random_state=0, early_stopping=early_stopping)
    run = _fitting.prepare(est, X, y)
    run.state.theta[0] = np.nan  # every loss from here on is nan
    with np.errstate(all="ignore"):
        if not early_stopping:
            with pytest.raises(_training.NonFiniteError, match="non-finite"):
                _training.train(run.setup, run.state, run.data)
            return
        with pytest.warns(Warning, match="Early stopping kept the weights this fit "
                                         "started from"):
            assert _training.train(run.setup, run.state, run.data) == "diverged"
    assert run.state.history.validation_scores == [pytest.approx(np.nan, nan_ok=True)]
    assert np.isfinite(run.state.theta).all()  # the starting weights, put back


# -------------------------------------------------------------- the step chain
def test_chain_order_is_torch_order():
    l2, l1, enet = (get_penalty(n, 0.5) for n in ("l2", "l1", "elasticnet"))
    kinds = lambda entries: [type(e) for e in entries]  # noqa: E731
    assert kinds(_steps.chain(Adam(), l2, 0.1)) == [_steps.PenaltyGradient,
                                                     _steps.OptimizerUpdate]
    assert kinds(_steps.chain(AdamW(), enet, 0.1)) == [
        _steps.DecoupledDecay, _steps.OptimizerUpdate, _steps.ProximalStep]
    assert kinds(_steps.chain(SGD(), l1, 0.1)) == [
        _steps.PenaltyGradient, _steps.OptimizerUpdate, _steps.ProximalStep]
    assert kinds(_steps.chain(SGD(), l1, 0.0)) == [_steps.OptimizerUpdate]


def test_chain_step_equals_the_written_out_step(iris):
    """Plain SGD with an elastic net: W <- S(W - lr (g + alpha l2 W), lr alpha l1),
    biases b <- b - lr g (soft-thresholding S, biases never penalised)."""
    X, y = iris
    est = MLPClassifier((5,), solver=SGD(momentum=0.0), penalty="elasticnet", l1_ratio=0.4,
                        alpha=0.3, random_state=0)
    run = _fitting.prepare(est, X, y)
    setup, state = run.setup, run.state
    nw = setup.net.n_weights
    rng = np.random.RandomState(1)
    grad = rng.normal(size=state.theta.shape)
    theta0, g0 = state.theta.copy(), grad.copy()
    lr, alpha, l1, l2 = 0.5, 0.3, 0.4, 0.6
    for step in [e.bind(setup, state, grad) for e in setup.steps]:
        step(lr)
    w = theta0[:nw] - lr * (g0[:nw] + alpha * l2 * theta0[:nw])
    expected_w = np.sign(w) * np.maximum(np.abs(w) - lr * alpha * l1, 0.0)
    np.testing.assert_allclose(state.theta[:nw], expected_w, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(state.theta[nw:], theta0[nw:] - lr * g0[nw:], rtol=1e-14)
    assert (state.theta[:nw] == 0).sum() > 0  # the prox gives exact zeros


def test_early_stopping_keeps_the_count_of_the_weights_it_keeps(iris):
    """Raw weights kept by early stopping carry n_averaged 0, an average its count."""
    X, y = iris
    est = MLPClassifier((6,), max_iter=5, random_state=0, early_stopping=True,
                        averaging="swa")
    run = _fitting.prepare(est, X, y)
    state = run.state
    state.save_best(0.5)  # no average yet: raw weights
    assert state.best[3] == 0
    state.average, state.n_averaged = state.theta + 1.0, 3
    state.save_best(0.6)
    np.testing.assert_array_equal(state.best[1], state.theta + 1.0)
    assert state.best[3] == 3
    state.best = (0.7, state.theta.copy(), state.stats, 0)
    early = next(p for p in run.setup.parts if type(p).__name__ == "EarlyStopping")
    early.on_train_end(run.setup, state, "no improvement")
    assert state.n_averaged == 0 and state.average is None

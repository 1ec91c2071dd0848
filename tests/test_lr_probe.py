"""The held-out probe of learning_rate_init='auto' (skreg._probe)."""

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_regression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor, lr_range_test
from skreg import _probe, _range_core
from skreg._probe import PROBE, hold_out_slice, horizon_mass, read_probe
from skreg._training import Data, Part


@pytest.fixture(scope="module")
def diabetes():
    # a small regression that overfits quickly with a fast rate
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def easy():
    # plenty of rows and a smooth target: no overfitting within 100 steps
    X, y = make_regression(n_samples=2000, n_features=5, noise=1.0, random_state=0)
    return X, y / 100.0


class _Recorder:
    """Wraps the loop the probe and the range test train with
    (skreg._range_core.train): records each probe's data and counts its
    mini-batches with a part of its own; the range test passes through."""

    def __init__(self, monkeypatch):
        self.calls = []
        real = _range_core.train

        class Count(Part):
            def __init__(self):
                self.n = 0

            def on_batch_end(self, setup, state, lr, loss, done):
                self.n += 1

        def wrapped(setup, state, data):
            monitor = setup.parts[0]
            if not isinstance(monitor, _probe.ProbeMonitor):
                return real(setup, state, data)
            count = Count()
            setup = dataclasses.replace(setup, parts=(count,) + setup.parts)
            reason = real(setup, state, data)
            self.calls.append(dict(X=data.X, held=monitor.X, count=count,
                                   lrs=setup.lr_init, monitor=monitor))
            return reason

        monkeypatch.setattr(_range_core, "train", wrapped)


def _rows(A):
    return {tuple(r) for r in np.asarray(A)}


def test_read_probe_against_a_hand_computed_curve():
    steps = [4, 8, 12, 16]
    # minimum at step 8, the mean after it (2.55) is 27.5 % above: overfitting
    lr, best, overfit = read_probe(steps, [3.0, 2.0, 2.5, 2.6], 0.1, 400.0, 0.05, 0.02)
    assert (best, overfit) == (8, True) and lr == pytest.approx(0.1 * 8 / 400.0)
    # the mass rule never raises the rate above the range test's suggestion
    lr, _, _ = read_probe(steps, [3.0, 2.0, 2.5, 2.6], 0.1, 1.0, 0.05, 0.02)
    assert lr == 0.05
    # still falling: the suggestion stands
    assert read_probe(steps, [3.0, 2.0, 1.5, 1.4], 0.1, 400.0, 0.05, 0.02) == (0.05, 16, False)
    # a rise of 1 % is within the 2 % tolerance
    assert read_probe(steps, [3.0, 2.0, 2.02, 2.02], 0.1, 400.0, 0.05, 0.02)[2] is False
    # a probe that blew up is read on its finite start only
    assert read_probe(steps, [3.0, 2.0, 1.9, np.nan], 0.1, 400.0, 0.05, 0.02) == (0.05, 12, False)
    assert read_probe(steps, [np.inf] * 4, 0.1, 400.0, 0.05, 0.02) == (0.05, None, False)


@pytest.mark.parametrize("schedule", ["constant", "cosine", "onecycle", "invscaling"])
def test_horizon_mass_is_the_sum_of_the_rates_the_fit_trains_with(diabetes, schedule):
    X, y = diabetes
    rates = []

    class Rates(Part):
        def on_batch_end(self, setup, state, lr, loss, done):
            rates.append(lr)

    est = MLPRegressor(hidden_layer_sizes=(5,), learning_rate_init=0.01, lr_schedule=schedule, max_iter=7,
                       batch_size=64, random_state=0)
    from skreg._fitting import prepare
    from skreg._training import train
    run = prepare(est, X, y)
    train(dataclasses.replace(run.setup, parts=(Rates(),)), run.state, run.data)
    total, mass = horizon_mass(run.setup.schedule, 7, X.shape[0], 64)
    assert total == len(rates) == 7 * int(np.ceil(X.shape[0] / 64))
    assert mass == pytest.approx(sum(rates) / 0.01, rel=1e-12)


def test_hold_out_slice_is_disjoint_and_covers_the_data():
    X = np.arange(300, dtype=float).reshape(100, 3)
    Y = np.arange(100, dtype=float)
    sw = np.linspace(1, 2, 100)
    rng = np.random.RandomState(0)
    state = rng.get_state()
    train, Xh, Yh, wh = hold_out_slice(Data(X, Y, sw), rng, 0.2, 512, 50)
    assert Xh.shape[0] == 20 and train.X.shape[0] == 80
    assert _rows(Xh).isdisjoint(_rows(train.X)) and _rows(Xh) | _rows(train.X) == _rows(X)
    np.testing.assert_allclose(wh, sw[(Xh[:, 0] / 3).astype(int)] / sw[(Xh[:, 0] / 3).astype(int)].sum())
    np.testing.assert_array_equal(train.Y, train.X[:, 0] / 3)  # rows stay aligned
    # capped at max_rows; None below min_samples
    assert hold_out_slice(Data(X, Y), np.random.RandomState(0), 0.5, 7, 50)[1].shape[0] == 7
    assert hold_out_slice(Data(X[:49], Y[:49]), np.random.RandomState(0), 0.1, 512, 50) is None
    assert rng.get_state()[1].tolist() != state[1].tolist()  # (it drew from the one given)


def test_probe_never_trains_on_held_out_or_validation_rows(diabetes, monkeypatch):
    X, y = diabetes
    Xtr, Xte, ytr, _ = train_test_split(X, y, random_state=0)
    rec = _Recorder(monkeypatch)
    # without early stopping: a slice of the training rows
    est = MLPRegressor(hidden_layer_sizes=(16,), solver="adam", learning_rate_init="auto", max_iter=50,
                       random_state=0).fit(Xtr, ytr)
    (call,) = rec.calls
    assert _rows(call["X"]).isdisjoint(_rows(call["held"]))
    assert _rows(call["X"]) | _rows(call["held"]) == _rows(Xtr)
    assert _rows(call["X"]).isdisjoint(_rows(Xte))
    assert est.lr_range_test_["probe"]["held_out"] == "slice"
    # with early stopping: the probe trains on the training part, scores on
    # the validation part
    rec.calls.clear()
    est = MLPRegressor(hidden_layer_sizes=(16,), solver="adam", learning_rate_init="auto", max_iter=50,
                       early_stopping=True, validation_fraction=0.2, random_state=0)
    est.fit(Xtr, ytr)
    (call,) = rec.calls
    es_val = _rows(call["held"])
    assert len(es_val) == round(0.2 * len(Xtr)) or len(es_val) == int(0.2 * len(Xtr)) + 1
    assert _rows(call["X"]).isdisjoint(es_val) and _rows(call["X"]) | es_val == _rows(Xtr)
    assert est.lr_range_test_["probe"]["held_out"] == "early_stopping"


def test_cost_bound_counts_the_mini_batches(easy, monkeypatch):
    X, y = easy
    rec = _Recorder(monkeypatch)
    est = MLPRegressor(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init="auto", max_iter=20,
                       batch_size=32, random_state=0).fit(X, y)
    (call,) = rec.calls
    probe = est.lr_range_test_["probe"]
    assert call["count"].n == probe["n_batches"] == PROBE["n_steps"]
    assert len(probe["held_out_losses"]) <= PROBE["n_evals"]
    assert probe["n_held_out"] == 200  # validation_fraction 0.1 of 2000 rows
    # a horizon shorter than the probe bounds the probe
    rec.calls.clear()
    est = MLPRegressor(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init="auto", max_iter=1,
                       batch_size=600, random_state=0).fit(X, y)
    assert rec.calls[0]["count"].n == est.lr_range_test_["probe"]["n_batches"] == 4


def test_overfitting_lowers_the_rate_by_the_mass_rule(diabetes):
    X, y = diabetes
    est = MLPRegressor(hidden_layer_sizes=(100,), solver="adam", learning_rate_init="auto", max_iter=200,
                       random_state=0).fit(X[:300], y[:300])
    res, probe = est.lr_range_test_, est.lr_range_test_["probe"]
    assert probe["overfit"]
    expected = probe["rate"] * probe["best_step"] / probe["horizon_mass"]
    assert est.learning_rate_ == pytest.approx(min(res["curve_suggestion"], expected))
    assert est.learning_rate_ < res["curve_suggestion"] / 2
    # the held-out loss recorded is the network's loss on the held-out rows:
    # its minimum is where the probe says, and the curve rises after it
    losses = probe["held_out_losses"]
    assert probe["steps"][np.argmin(losses)] == probe["best_step"]
    assert losses[-1] > losses.min()


def test_no_overfitting_keeps_the_range_test_rate(easy):
    X, y = easy
    est = MLPRegressor(hidden_layer_sizes=(32,), solver="adam", learning_rate_init="auto", max_iter=20,
                       random_state=0).fit(X, y)
    res = est.lr_range_test_
    assert res["probe"]["overfit"] is False
    assert est.learning_rate_ == res["curve_suggestion"] == res["suggestion"]


def test_probe_does_not_consume_the_fits_generator(diabetes):
    X, y = diabetes
    rng = np.random.RandomState(3)
    auto = MLPRegressor(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init="auto", max_iter=30,
                        random_state=rng).fit(X, y)
    after_auto = rng.randint(1 << 30)
    rng = np.random.RandomState(3)
    explicit = MLPRegressor(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=auto.learning_rate_,
                            max_iter=30, random_state=rng).fit(X, y)
    assert rng.randint(1 << 30) == after_auto
    np.testing.assert_array_equal(auto.coefs_[0], explicit.coefs_[0])


def test_probe_is_reproducible_and_public_test_agrees(diabetes):
    X, y = diabetes
    kw = dict(hidden_layer_sizes=(32,), solver="rmsprop", max_iter=100, random_state=5)
    a = MLPRegressor(learning_rate_init="auto", **kw).fit(X, y)
    b = MLPRegressor(learning_rate_init="auto", **kw).fit(X, y)
    res = lr_range_test(MLPRegressor(**kw), X, y)
    assert a.learning_rate_ == b.learning_rate_ == res.suggestion
    np.testing.assert_array_equal(a.lr_range_test_["probe"]["held_out_losses"],
                                  res.probe["held_out_losses"])
    # the other rules read the curve only
    other = lr_range_test(MLPRegressor(**kw), X, y, rule="minimum")
    assert other.probe is None and other.suggestion == other.curve_suggestion


def test_partial_fit_and_tiny_data_skip_the_probe(diabetes):
    X, y = diabetes
    est = MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init="auto", random_state=0)
    est.partial_fit(X, y)
    res = est.lr_range_test_
    assert res["probe"] is None and est.learning_rate_ == res["curve_suggestion"]
    small = MLPRegressor(hidden_layer_sizes=(8,), learning_rate_init="auto", max_iter=5,
                         random_state=0).fit(X[:PROBE["min_samples"] - 1], y[:PROBE["min_samples"] - 1])
    assert small.lr_range_test_["probe"] is None


def test_classifier_probe_scores_the_log_loss(monkeypatch):
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss
    X, y = load_digits(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[:400]), y[:400]
    seen = []
    real = _probe.ProbeMonitor._score

    def score(self, setup, state):
        P = setup.net.views(state.theta)
        value = real(self, setup, state)
        seen.append(([c.copy() for c in P.coefs], [b.copy() for b in P.intercepts],
                     self.X, self.Y, value))
        return value

    monkeypatch.setattr(_probe.ProbeMonitor, "_score", score)
    est = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init="auto", max_iter=30, random_state=0)
    est.fit(X, y)
    assert len(seen) == len(est.lr_range_test_["probe"]["held_out_losses"]) > 5
    for coefs, intercepts, Xh, Yh, value in seen[::5]:
        # the mean log-loss of that network on the held-out rows, by hand
        z = np.maximum(Xh @ coefs[0] + intercepts[0], 0) @ coefs[1] + intercepts[1]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        assert value == pytest.approx(log_loss(Yh, p, labels=range(10)), rel=1e-9)


@pytest.mark.parametrize("name", ["sgd", "sgd-classical", "sgd-plain", "adam", "adamw",
                                  "rmsprop", "adagrad"])
def test_step_profile_is_the_displacement_under_a_constant_unit_gradient(name):
    from skreg import optimizers as opt
    make = {"sgd": lambda: opt.SGD(momentum=0.9, nesterov=True),
            "sgd-classical": lambda: opt.SGD(momentum=0.8, nesterov=False),
            "sgd-plain": lambda: opt.SGD(momentum=0.0),
            "adam": opt.Adam, "adamw": opt.AdamW,
            "rmsprop": lambda: opt.RMSprop(rho=0.9), "adagrad": opt.Adagrad}
    o = make[name]()
    theta = np.zeros(3)
    state = o.init(theta)
    moved = []
    for _ in range(40):
        before = theta.copy()
        o.update(theta, np.ones(3), state, 1e-3)
        moved.append((before - theta)[0] / 1e-3)
    np.testing.assert_allclose(o.step_profile(np.arange(1, 41)), moved, rtol=1e-5)


def test_sparse_multi_output_weighted_probe_matches_dense():
    import scipy.sparse as sp
    X, Y = make_regression(n_samples=400, n_features=8, n_targets=2, noise=5.0, random_state=0)
    Y = Y / 100.0
    sw = np.linspace(0.5, 2.0, 400)
    kw = dict(hidden_layer_sizes=(16,), learning_rate_init="auto", max_iter=30, random_state=0)
    dense = MLPRegressor(**kw).fit(X, Y, sample_weight=sw)
    sparse = MLPRegressor(**kw).fit(sp.csr_matrix(X), Y, sample_weight=sw)
    assert dense.lr_range_test_["probe"]["n_held_out"] == 40
    assert sparse.learning_rate_ == pytest.approx(dense.learning_rate_, rel=1e-12)
    np.testing.assert_allclose(sparse.lr_range_test_["probe"]["held_out_losses"],
                               dense.lr_range_test_["probe"]["held_out_losses"], rtol=1e-9)

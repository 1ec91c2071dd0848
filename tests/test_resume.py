"""Fits in stages (skreg._resume.Resumable) and the search's use of them.

The reference is always a plain ``fit`` written here: a run resumed from a
checkpoint must be the uninterrupted fit of the same length, bit for bit,
whatever the schedule; where nothing depends on the horizon (a fixed rate,
a constant schedule) a checkpoint is a plain fit of that many epochs.
"""

import pickle
import warnings

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold

from skreg import MLPClassifier, MLPClassifierCV, MLPRegressor
from skreg._resume import Resumable


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    return (X - X.mean(0)) / X.std(0), y


def _plain(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clone(est).set_params(**kw).fit(X, y)


def _same_weights(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(p, q)


CASES = {
    "cosine, auto rate": dict(lr_schedule="cosine"),
    "one-cycle, early stopping": dict(lr_schedule="onecycle", early_stopping=True,
                                      n_iter_no_change=50),
    "step, SGD with Nesterov, SWA": dict(lr_schedule="step", solver="sgd", nesterovs_momentum=True,
                                         averaging="swa"),
    "exponential, batch norm, dropout, L1": dict(lr_schedule="exponential", batch_norm=True,
                                                  dropout=0.2, penalty="l1", alpha=1e-3),
    "warm-up, AdamW, EMA": dict(warmup=2, solver="adamw", averaging="ema"),
}


@pytest.mark.parametrize("case", CASES)
def test_resumed_run_is_the_uninterrupted_fit(data, case):
    X, y = data
    est = MLPClassifier((16,), learning_rate_init="auto", max_iter=12, random_state=0,
                        **CASES[case])
    run = Resumable(clone(est))
    run.advance(X, y, None, 2)
    run = pickle.loads(pickle.dumps(run))  # (a search sends it to its workers)
    run.advance(X, y, None, 7)
    last = run.advance(X, y, None, 12)
    ref = _plain(est, X, y)
    _same_weights(last, ref)
    assert last.n_iter_ == ref.n_iter_
    assert last.learning_rate_ == ref.learning_rate_
    assert last.loss_curve_ == ref.loss_curve_
    np.testing.assert_array_equal(last.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop"])
def test_checkpoint_without_a_horizon_is_the_shorter_fit(data, solver):
    # a fixed rate and a constant schedule: nothing knows the horizon, so the
    # checkpoint after 4 epochs of a 12-epoch run is a 4-epoch fit
    X, y = data
    est = MLPClassifier((16,), solver=solver, learning_rate_init=0.01, max_iter=12,
                        random_state=1)
    run = Resumable(clone(est))
    mid = run.advance(X, y, None, 4)
    _same_weights(mid, _plain(est, X, y, max_iter=4))
    assert mid.n_iter_ == 4
    # taking a checkpoint changes nothing of the run that goes on
    _same_weights(run.advance(X, y, None, 12), _plain(est, X, y))


def test_a_stopped_run_is_not_trained_further(data):
    X, y = data
    # a large tol: the no-improvement rule stops the run after a few epochs
    est = MLPClassifier((16,), learning_rate_init=0.01, max_iter=40, tol=10.0,
                        n_iter_no_change=2, random_state=0)
    run = Resumable(clone(est))
    first = run.advance(X, y, None, 20)
    ref = _plain(est, X, y)
    assert run.stopped is not None and first.n_iter_ == ref.n_iter_ < 20
    again = run.advance(X, y, None, 40)
    _same_weights(again, ref)
    assert again.n_iter_ == first.n_iter_


def test_lbfgs_stages_are_fits_from_scratch(data):
    X, y = data
    est = MLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0)
    run = Resumable(clone(est))
    run.advance(X, y, None, 5)
    _same_weights(run.advance(X, y, None, 15), _plain(est, X, y, max_iter=15))


def test_regressor_with_sample_weight(data):
    X, y = make_regression(n_samples=200, n_features=6, noise=5.0, random_state=0)
    y = y / y.std()
    w = np.linspace(0.5, 2.0, len(y))
    est = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init="auto", lr_schedule="cosine", max_iter=9,
                       random_state=0)
    run = Resumable(clone(est))
    run.advance(X, y, w, 3)
    last = run.advance(X, y, w, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = clone(est).fit(X, y, sample_weight=w)
    _same_weights(last, ref)


# ------------------------------------------------------------- in the search
def test_the_last_round_scores_the_plain_fit_of_the_horizon(data):
    # the winner's last-round checkpoints are plain fits of max_iter epochs on
    # the fold's training rows: its score there is cross_val_score's
    from sklearn.model_selection import cross_val_score

    X, y = data
    base = MLPClassifier(learning_rate_init="auto", max_iter=9, random_state=0)
    space = {"lr_schedule": ["cosine", "onecycle"], "hidden_layer_sizes": [(8,), (16,)]}
    est = MLPClassifierCV(base, param_distributions=space, n_candidates=3, cv=3,
                          try_estimator=False, refit_max_iter="last", ensemble="folds",
                          random_state=0).fit(X, y)
    r = est.cv_results_
    assert r["params"][est.best_index_]["max_iter"] == 9
    config = clone(base).set_params(**est.best_params_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = cross_val_score(config, X, y, cv=StratifiedKFold(3))
    for k in range(3):
        assert r[f"split{k}_test_score"][est.best_index_] == ref[k]
    # and the 'folds' ensemble's members are those fits
    for (train, _), member in zip(StratifiedKFold(3).split(X, y), est.ensemble_["members"]):
        _same_weights(member, _plain(config, X[train], y[train]))


def test_the_auto_rate_is_found_once_per_candidate_and_fold(data, monkeypatch):
    from skreg import _fitting

    X, y = data
    calls = []
    real = _fitting.run_range_test

    def counted(setup, *a, **k):
        calls.append(setup.max_iter)
        return real(setup, *a, **k)

    monkeypatch.setattr(_fitting, "run_range_test", counted)
    base = MLPClassifier(learning_rate_init="auto", max_iter=18, random_state=0)
    est = MLPClassifierCV(base, param_distributions={"alpha": loguniform(1e-6, 1e-2)},
                          n_candidates=9, cv=3, ensemble=None, random_state=0).fit(X, y)
    assert est.n_candidates_ == [9, 3, 1]
    # 9 candidates x 3 folds, each planned for the last round's 18 epochs
    # (sklearn's search would run 13 x 3, for 2, 6 and 18 epochs); then the refit
    assert calls[:27] == [18] * 27
    assert calls[27:] == [est.best_params_["max_iter"]]

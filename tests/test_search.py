"""MLPClassifierCV / MLPRegressorCV: the halving rounds, the choice of the
best candidate, the refit, the budget, and the estimator interface.

Expected values are computed here independently: the rounds from the
successive-halving rule, the kept candidates from the previous round's
scores, the best score with ``cross_val_score``, the refit with a plain
``fit`` of the same configuration.
"""

import io
import math
import pickle
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import (RandomizedSearchCV, StratifiedKFold, cross_val_score,
                                     cross_validate, KFold)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skreg import MLPClassifier, MLPClassifierCV, MLPRegressor, MLPRegressorCV

SPACE = {
    "hidden_layer_sizes": [(8,), (16,)],
    "alpha": loguniform(1e-6, 1e-2),
    "solver": ["adam", "sgd", "rmsprop"],
    "lr_schedule": ["constant", "cosine"],
}


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    return StandardScaler().fit_transform(X), y


def _clf(**kw):
    base = MLPClassifier(learning_rate_init="auto", max_iter=18, random_state=0)
    kw = {"try_estimator": False, **kw}
    return MLPClassifierCV(base, param_distributions=SPACE, n_candidates=9, factor=3, cv=3,
                           random_state=0, **kw)


@pytest.fixture(scope="module")
def fitted(clf_data):
    X, y = clf_data
    return _clf().fit(X, y)


@pytest.fixture(scope="module")
def fitted_single(clf_data):
    X, y = clf_data
    return _clf(ensemble=None).fit(X, y)


def _score_of(results, i):
    return results["mean_test_score"][i]


# ------------------------------------------------------------------ the rounds
def test_rounds_follow_the_halving_rule(fitted):
    # 9 candidates, factor 3, 18 epochs at most: 'exhaust' starts at 18 // 3**2
    # epochs and multiplies them by 3 while it keeps a third of the candidates
    assert fitted.n_iterations_ == 3
    assert fitted.n_candidates_ == [9, 3, 1]
    assert fitted.n_resources_ == [2, 6, 18]
    r = fitted.cv_results_
    np.testing.assert_array_equal(r["iter"], [0] * 9 + [1] * 3 + [2])
    np.testing.assert_array_equal(r["n_resources"], [2] * 9 + [6] * 3 + [18])
    assert [p["max_iter"] for p in r["params"]] == [2] * 9 + [6] * 3 + [18]
    assert len(fitted.round_times_) == 3 and min(fitted.round_times_) > 0
    assert fitted.search_time_ == pytest.approx(sum(fitted.round_times_))
    assert fitted.budget_exhausted_ is False


def test_the_best_third_goes_on(fitted):
    r = fitted.cv_results_
    it = np.asarray(r["iter"])
    strip = lambda p: {k: v for k, v in p.items() if k != "max_iter"}  # noqa: E731
    for i in range(fitted.n_iterations_ - 1):
        rows = np.flatnonzero(it == i)
        keep = math.ceil(rows.size / 3)
        order = rows[np.argsort(-np.asarray(r["mean_test_score"])[rows], kind="stable")]
        expected = sorted(map(repr, (strip(r["params"][j]) for j in order[:keep])))
        got = sorted(map(repr, (strip(r["params"][j]) for j in np.flatnonzero(it == i + 1))))
        assert got == expected


#: a space whose fits do not depend on their horizon (a fixed rate, a
#: constant schedule): a fit resumed from its checkpoint after e epochs is
#: then the same as a fit of e + more epochs from scratch
FIXED = {"hidden_layer_sizes": [(8,), (16,)], "alpha": loguniform(1e-6, 1e-2),
         "solver": ["adam", "sgd", "rmsprop"], "learning_rate_init": [0.003, 0.01, 0.03]}


def test_same_search_as_sklearns_halving_search(clf_data):
    # sklearn's search refits every survivor from epoch 0; skreg's resumes
    # it. Where the two are the same fits, the searches must agree: the
    # same candidates, rounds, scores, survivors and choice
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = clf_data
    base = MLPClassifier(max_iter=18, random_state=0, lr_schedule="constant")
    ours = MLPClassifierCV(base, param_distributions=FIXED, n_candidates=9, cv=3,
                           try_estimator=False, refit_max_iter="last", ensemble=None,
                           random_state=0).fit(X, y)
    ref = HalvingRandomSearchCV(clone(base), FIXED, n_candidates=9, factor=3,
                                resource="max_iter", max_resources=18,
                                min_resources="exhaust", cv=3, random_state=0,
                                return_train_score=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y)
    assert ours.cv_results_["params"] == ref.cv_results_["params"]
    for key in ["mean_test_score", "std_test_score", "rank_test_score", "iter",
                "n_resources"] + [f"split{k}_test_score" for k in range(3)]:
        np.testing.assert_array_equal(ours.cv_results_[key], ref.cv_results_[key], err_msg=key)
    assert set(ref.cv_results_) == set(ours.cv_results_)
    for key in ref.cv_results_:
        if key.startswith("param_"):
            np.testing.assert_array_equal(ours.cv_results_[key].mask, ref.cv_results_[key].mask)
            assert list(ours.cv_results_[key]) == list(ref.cv_results_[key]), key
    assert ours.best_index_ == ref.best_index_
    assert ours.best_params_ == ref.best_params_
    assert ours.n_resources_ == ref.n_resources_ and ours.n_candidates_ == ref.n_candidates_


def test_the_estimator_itself_is_the_first_candidate(fitted, clf_data):
    X, y = clf_data
    est = _clf(try_estimator=True).fit(X, y)
    r = est.cv_results_
    assert r["params"][0] == {"max_iter": 2}  # nothing drawn but the resource
    assert r["param_alpha"].mask[0] and not r["param_alpha"].mask[1:9].any()
    # then the first 8 of the draws the search makes without it
    assert r["params"][1:9] == fitted.cv_results_["params"][:8]
    # its score is the cross-validated score of the estimator as given
    ref = cross_val_score(clone(est.estimator).set_params(max_iter=2), X, y,
                          cv=StratifiedKFold(3))
    assert r["mean_test_score"][0] == pytest.approx(ref.mean(), abs=1e-12)
    assert MLPClassifierCV().try_estimator is True


def test_refit_epochs_are_the_best_of_the_winners_path(fitted, clf_data):
    X, y = clf_data
    r = fitted.cv_results_
    scores = np.asarray(r["mean_test_score"])
    it = np.asarray(r["iter"])
    last = np.flatnonzero(it == fitted.n_iterations_ - 1)
    winner = r["params"][last[np.argmax(scores[last])]]
    same = [i for i, p in enumerate(r["params"])
            if {k: v for k, v in p.items() if k != "max_iter"}
            == {k: v for k, v in winner.items() if k != "max_iter"}]
    assert len(same) == fitted.n_iterations_  # the winner was in every round
    top = max(scores[same])
    expected = max(i for i in same if scores[i] == top)  # a tie goes to the longer run
    assert fitted.best_index_ == expected
    assert fitted.best_params_ == r["params"][expected]
    # an independent cross-validation of the refitted configuration
    est = clone(fitted.estimator).set_params(**fitted.best_params_)
    cv_scores = cross_val_score(est, X, y, cv=StratifiedKFold(3))
    assert fitted.best_score_ == pytest.approx(cv_scores.mean(), abs=1e-12)


def test_shorter_run_is_refitted_when_it_scored_better():
    from skreg._search import _best_index

    # candidate a: rounds 0-2; its 6-epoch run scored best; b left after round 0
    results = {
        "iter": np.array([0, 0, 1, 2]),
        "params": [dict(a=1, max_iter=2), dict(a=2, max_iter=2), dict(a=1, max_iter=6),
                   dict(a=1, max_iter=18)],
        "mean_test_score": np.array([0.5, 0.9, 0.8, 0.7]),
    }
    assert _best_index(results, "best") == 2
    assert _best_index(results, "last") == 3
    results["mean_test_score"] = np.array([0.5, 0.4, 0.7, 0.7])
    assert _best_index(results, "best") == 3


def test_refit_is_a_plain_fit_of_the_best_configuration(fitted, fitted_single, clf_data):
    X, y = clf_data
    best = fitted.best_estimator_
    assert type(best) is MLPClassifier
    assert best.learning_rate_init == "auto"
    ref = clone(fitted.estimator).set_params(**fitted.best_params_).fit(X, y)
    for a, b in zip(best.coefs_ + best.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_array_equal(a, b)
    # the ensemble does not change the search, nor the refit
    assert fitted_single.best_params_ == fitted.best_params_
    np.testing.assert_array_equal(fitted_single.cv_results_["mean_test_score"],
                                  fitted.cv_results_["mean_test_score"])
    # without an ensemble, the search predicts with the refit
    fitted = fitted_single
    assert fitted.ensemble_ is None
    np.testing.assert_array_equal(fitted.predict(X), ref.predict(X))
    np.testing.assert_array_equal(fitted.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(fitted.predict_log_proba(X), ref.predict_log_proba(X))
    np.testing.assert_array_equal(fitted.classes_, np.unique(y))
    assert fitted.score(X, y) == pytest.approx(np.mean(ref.predict(X) == y))
    assert fitted.n_features_in_ == X.shape[1]


def test_cv_results_have_the_keys_of_sklearn_searches(fitted, clf_data):
    X, y = clf_data
    ref = RandomizedSearchCV(clone(fitted.estimator), SPACE, n_iter=2, cv=3,
                             random_state=0).fit(X, y)
    assert set(fitted.cv_results_) == set(ref.cv_results_) | {"iter", "n_resources",
                                                              "param_max_iter"}
    for key, value in fitted.cv_results_.items():
        assert len(value) == 13, key


def test_scoring_is_used_for_ranking_and_score(clf_data):
    X, y = clf_data
    est = _clf(scoring="neg_log_loss").fit(X, y)
    ref = clone(est.estimator).set_params(**est.best_params_)
    scores = cross_val_score(ref, X, y, cv=StratifiedKFold(3), scoring="neg_log_loss")
    assert est.best_score_ == pytest.approx(scores.mean(), abs=1e-12)
    assert est.score(X, y) == pytest.approx(-log_loss(y, est.predict_proba(X)))


# ---------------------------------------------------------------- the defaults
def test_default_estimator_and_space():
    est = MLPClassifierCV()
    assert est._base_estimator().get_params() == MLPClassifier(learning_rate_init="auto").get_params()
    a, b = MLPRegressorCV.default_param_distributions(), MLPRegressorCV.default_param_distributions()
    assert a is not b and a.keys() == b.keys()
    a["dropout"] = "changed"
    assert MLPRegressorCV.default_param_distributions()["dropout"] != "changed"
    params = MLPClassifier().get_params()
    for space in (MLPClassifierCV.default_param_distributions(),
                  MLPRegressorCV.default_param_distributions()):
        assert set(space) <= set(params)
        assert "max_iter" not in space and "learning_rate_init" not in space


def test_default_space_is_searched(clf_data):
    X, y = clf_data
    est = MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=9), n_candidates=3,
                          cv=2, random_state=0).fit(X, y)
    assert set(est.best_params_) == set(MLPClassifierCV.default_param_distributions()) | {"max_iter"}


# ------------------------------------------------------------------ the budget
class _Clock:
    """A clock that advances one second per reading: the search reads it at
    its start (0), then every fit reads it before it starts (1, 2, ...)."""

    def __init__(self):
        self.readings = 0

    def __call__(self):
        self.readings += 1
        return float(self.readings - 1)


@pytest.fixture
def clock(monkeypatch):
    from skreg import _halving
    from skreg._resume import Resumable

    clock = _Clock()
    monkeypatch.setattr(_halving, "_now", clock)
    clock.trained = 0
    advance = Resumable.advance

    def counted(self, *a, **k):
        clock.trained += 1
        return advance(self, *a, **k)

    monkeypatch.setattr(Resumable, "advance", counted)
    return clock


def test_max_time_lets_no_fit_start_after_the_deadline(fitted, clf_data, clock):
    X, y = clf_data
    # fits 1..13 start before t=13.5: candidates 1-4 on all 3 folds, then one
    # fold of the 5th; fits 14..27 find the budget spent and do not start
    est = _clf(max_time=13.5).fit(X, y)
    assert clock.trained == 13  # (the refit after the search is a plain fit)
    assert clock.readings == 1 + 27
    assert est.budget_exhausted_ is True
    assert est.n_iterations_ == 1 and est.n_candidates_ == [4]
    full = fitted.cv_results_
    assert est.cv_results_["params"] == full["params"][:4]
    np.testing.assert_array_equal(est.cv_results_["mean_test_score"], full["mean_test_score"][:4])
    assert est.best_index_ == np.argmax(full["mean_test_score"][:4])
    assert est.best_params_["max_iter"] == 2


def test_max_time_in_a_later_round_keeps_the_most_promising(fitted, clf_data, clock):
    X, y = clf_data
    # round 1: fits 1..27; round 2 starts with the best of round 1, whose
    # three folds are fits 28..30, then fit 31 starts and 32.. do not
    est = _clf(max_time=31.5).fit(X, y)
    assert est.budget_exhausted_ is True and est.n_candidates_ == [9, 1]
    full = fitted.cv_results_
    # the survivors' rows ascend by their first-round score: the last is the
    # most promising
    assert full["params"][11] == est.cv_results_["params"][9]
    assert est.best_index_ == 9 or est.best_params_["max_iter"] == 2  # ('best' epochs)


def test_max_time_spent_before_any_candidate_is_an_error(clf_data, clock):
    X, y = clf_data
    est = _clf(max_time=2.5)
    with pytest.raises(ValueError, match=r"max_time=2\.5 s was spent before any candidate "
                                         r"was scored on every fold"):
        est.fit(X, y)
    assert not hasattr(est, "best_estimator_")


def test_generous_max_time_changes_nothing(fitted, clf_data):
    X, y = clf_data
    est = _clf(max_time=1e6).fit(X, y)
    assert est.budget_exhausted_ is False
    np.testing.assert_array_equal(est.cv_results_["mean_test_score"],
                                  fitted.cv_results_["mean_test_score"])


def test_verbose_prints_a_line_per_round(clf_data):
    X, y = clf_data
    out = io.StringIO()
    with redirect_stdout(out):
        est = _clf(verbose=1).fit(X, y)
    lines = out.getvalue().splitlines()
    assert len(lines) == est.n_iterations_ + 1
    r = est.cv_results_
    for i, line in enumerate(lines[:-1]):
        rows = np.flatnonzero(np.asarray(r["iter"]) == i)
        best = np.max(np.asarray(r["mean_test_score"])[rows])
        noun = "candidate" if rows.size == 1 else "candidates"
        assert line.startswith(f"[MLPClassifierCV] round {i + 1}/3: {rows.size} {noun} x 3 "
                               f"folds, max_iter={est.n_resources_[i]}, best score {best:.4f}")
    assert "refit" in lines[-1]


# ------------------------------------------------------- seeds and warnings
def test_a_seeded_search_repeats(fitted, clf_data):
    X, y = clf_data
    again = _clf().fit(X, y)
    np.testing.assert_array_equal(again.cv_results_["mean_test_score"],
                                  fitted.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    # the seed went to the candidates only because the estimator had none
    unseeded = MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=18),
                               param_distributions=SPACE, n_candidates=3, cv=2, random_state=1)
    unseeded.fit(X, y)
    assert isinstance(unseeded.best_estimator_.random_state, int)
    assert unseeded.estimator.random_state is None
    assert fitted.best_estimator_.random_state == 0


def test_parallel_search_gives_the_same_result(fitted, clf_data):
    X, y = clf_data
    par = _clf(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(par.cv_results_["mean_test_score"],
                                  fitted.cv_results_["mean_test_score"])
    assert par.best_params_ == fitted.best_params_


def test_only_the_refit_may_warn_about_convergence(clf_data):
    X, y = clf_data
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est = _clf().fit(X, y)
    conv = [w for w in rec if issubclass(w.category, ConvergenceWarning)]
    # 39 candidate fits stop at their round's epochs; the refit is the only
    # fit whose warning reaches the user, and only when it did not converge
    reached_max = est.best_estimator_.n_iter_ == est.best_params_["max_iter"]
    assert len(conv) == int(reached_max)
    assert reached_max  # 18 epochs are too few here: the case is exercised
    # (a candidate's fit alone does warn: the filter is the search's doing)
    with pytest.warns(ConvergenceWarning):
        clone(est.estimator).set_params(**est.cv_results_["params"][0]).fit(X, y)


def test_searches_in_threads_leave_the_warning_filters_alone(fitted, clf_data):
    import threading

    X, y = clf_data
    before = list(warnings.filters)
    out = [None, None]

    def work(i):
        out[i] = _clf().fit(X, y)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert warnings.filters == before
    for est in out:
        np.testing.assert_array_equal(est.cv_results_["mean_test_score"],
                                      fitted.cv_results_["mean_test_score"])
        np.testing.assert_array_equal(est.predict_proba(X), fitted.predict_proba(X))


def test_sample_weight_reaches_candidates_and_refit(clf_data):
    X, y = clf_data
    w = np.where(y == 0, 3.0, 1.0)
    est = _clf().fit(X, y, sample_weight=w)
    ref = clone(est.estimator).set_params(**est.best_params_).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(est.best_estimator_.predict_proba(X), ref.predict_proba(X))
    unweighted = _clf().fit(X, y)
    assert not np.array_equal(est.cv_results_["mean_test_score"],
                              unweighted.cv_results_["mean_test_score"])


# --------------------------------------------------------------- the interface
def test_regressor_with_pipeline_and_cross_validate():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], y[:200]
    reg = make_pipeline(StandardScaler(), MLPRegressorCV(
        MLPRegressor(learning_rate_init="auto", max_iter=9, random_state=0),
        param_distributions=SPACE, n_candidates=3, cv=2, random_state=0))
    out = cross_validate(reg, X, y, cv=KFold(2), return_estimator=True)
    for (train, test), model, score in zip(KFold(2).split(X), out["estimator"], out["test_score"]):
        search = model[-1]
        assert type(search.best_estimator_) is MLPRegressor
        # the fold's model is the search fitted on the fold's training rows only
        ref = clone(reg).fit(X[train], y[train])
        np.testing.assert_array_equal(model.predict(X[test]), ref.predict(X[test]))
        pred = ref.predict(X[test])
        r2 = 1 - np.sum((y[test] - pred) ** 2) / np.sum((y[test] - y[test].mean()) ** 2)
        assert score == pytest.approx(r2)


def test_pickle_and_clone(fitted, clf_data):
    X, y = clf_data
    back = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(back.predict_proba(X), fitted.predict_proba(X))
    assert back.best_params_ == fitted.best_params_
    fresh = clone(fitted)
    assert fresh.get_params()["n_candidates"] == 9
    assert not hasattr(fresh, "best_estimator_")


def test_feature_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X, y = X.iloc[:200, :5], y.iloc[:200]
    est = MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=4, random_state=0),
                          param_distributions=SPACE, n_candidates=2, factor=2, cv=2).fit(X, y)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns)
    np.testing.assert_array_equal(est.best_estimator_.feature_names_in_, X.columns)
    assert isinstance(X, pd.DataFrame)


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifierCV().predict(np.zeros((2, 3)))
    assert not hasattr(MLPClassifierCV(), "classes_")


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("kw, match", [
    (dict(estimator=MLPRegressor()), r"estimator must be a skreg\.MLPClassifier.*MLPRegressor"),
    (dict(param_distributions={"max_iter": [5, 10]}), r"param_distributions must not hold 'max_iter'"),
    (dict(param_distributions=[]), r"param_distributions must be None, a non-empty dict"),
    (dict(param_distributions="adam"), r"param_distributions must be None, a non-empty dict"),
    (dict(n_candidates=0), r"n_candidates must be >= 1, got 0"),
    (dict(n_candidates=2.5), r"n_candidates must be an int"),
    (dict(factor=1), r"factor must be >= 2, got 1"),
    (dict(try_estimator="yes"), r"try_estimator must be a bool"),
    (dict(refit_max_iter="all"), r"refit_max_iter must be one of 'best', 'last'; got 'all'"),
    (dict(max_time=0), r"max_time must be a finite number in \(0, inf\]"),
    (dict(max_time="1m"), r"max_time must be a real number"),
    (dict(verbose=-1), r"verbose must be >= 0"),
    (dict(verbose=1.5), r"verbose must be an int"),
    (dict(scoring=["accuracy", "f1"]), r"scoring must be a single scorer"),
    (dict(estimator=MLPClassifier(max_iter=2)), r"estimator\.max_iter must be >= 3, got 2"),
])
def test_bad_parameters_are_named(kw, match, clf_data):
    X, y = clf_data
    est = MLPClassifierCV(**kw)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "best_estimator_")


def test_bad_data_fails_once_with_a_clear_message(clf_data):
    X, y = clf_data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        _clf().fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        _clf().fit(X[1:], np.linspace(0, 1, len(y) - 1))


def test_all_candidates_failing_is_an_error(clf_data):
    X, y = clf_data
    bad = dict(SPACE, momentum=[2.0])  # invalid for every candidate
    est = MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=4, solver="sgd"),
                          param_distributions=dict(bad, solver=["sgd"]), n_candidates=2,
                          factor=2, cv=2, try_estimator=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="fail"):
            est.fit(X, y)
    # nothing of a search that failed is left on the estimator
    assert not [a for a in vars(est) if a.endswith("_") and a not in ("n_features_in_",)]


def test_a_failed_refit_leaves_the_previous_fit_intact(fitted, clf_data, monkeypatch):
    X, y = clf_data
    est = pickle.loads(pickle.dumps(fitted))
    before = pickle.dumps(est)

    real_fit = MLPClassifier.fit

    def fit(self, X_, *a, **k):  # the candidates fit on folds; the refit on all rows
        if len(X_) == len(X):
            raise RuntimeError("refit failed")
        return real_fit(self, X_, *a, **k)

    est.set_params(n_candidates=3)
    monkeypatch.setattr(MLPClassifier, "fit", fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="refit failed"):
            est.fit(X, y)
    monkeypatch.undo()
    est.set_params(n_candidates=9)
    assert pickle.dumps(est) == before


def test_users_arrays_are_untouched(clf_data):
    X, y = clf_data
    X0, y0 = X.copy(), y.copy()
    _clf().set_params(n_candidates=3).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ------------------------------------------------------- scikit-learn's checks
#: the budget under the checks: 2 candidates, 2 folds, 15 then 30 epochs
#: (the checks' toy problems need about 30 epochs to reach their accuracy
#: and R^2 thresholds)
CHECKED = [
    MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=30), n_candidates=2,
                    factor=2, cv=2, random_state=0),
    MLPRegressorCV(MLPRegressor(learning_rate_init="auto", max_iter=30), n_candidates=2,
                   factor=2, cv=2, random_state=0),
]


def _expected_failures(est):
    reason = ("cross-validation splits rows: a row repeated k times can land in "
              "several folds, a row of weight k in one (the check passes only when both "
              "searches happen to keep the same candidate)")
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# --------------------------------------------------------------- the display
def test_display_draws_each_candidates_path(fitted):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skreg.plotting import HalvingSearchDisplay

    disp = HalvingSearchDisplay.from_estimator(fitted)
    r = fitted.cv_results_
    # a candidate is its parameters without max_iter: 9 paths of 1, 1 or 3 points
    assert len(disp.paths) == 9 == len(disp.candidate_lines_)
    assert sorted(len(res) for res, _ in disp.paths) == [1] * 6 + [2] * 2 + [3]
    best = fitted.best_params_
    same = [i for i, p in enumerate(r["params"])
            if {k: v for k, v in p.items() if k != "max_iter"}
            == {k: v for k, v in best.items() if k != "max_iter"}]
    np.testing.assert_array_equal(disp.best_line_.get_xdata(), np.asarray(r["n_resources"])[same])
    np.testing.assert_array_equal(disp.best_line_.get_ydata(),
                                  np.asarray(r["mean_test_score"])[same])
    assert [t.get_text() for t in disp.ax_.texts] == ["9", "3", "1"]
    assert list(disp.ax_.get_xticks()) == [2, 6, 18]
    plt.close(disp.figure_)


def test_display_reads_sklearn_halving_searches(clf_data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    from skreg.plotting import HalvingSearchDisplay

    X, y = clf_data
    grid = {"alpha": [1e-5, 1e-3, 1e-1], "hidden_layer_sizes": [(4,), (8,), (16,)]}
    search = HalvingGridSearchCV(MLPClassifier(max_iter=10, random_state=0), grid, cv=2,
                                 factor=3, min_resources=40, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    disp = HalvingSearchDisplay.from_estimator(search)
    # the resource is the number of samples: same parameters in every round
    assert len(disp.paths) == 9
    assert max(len(res) for res, _ in disp.paths) == search.n_iterations_
    with pytest.raises(ValueError, match=r"cv_results lacks \['iter', 'n_resources'\]"):
        HalvingSearchDisplay({"params": [], "mean_test_score": []})
    plt.close("all")


def test_skops_round_trip_trusts_only_skreg_types(clf_data):
    sio = pytest.importorskip("skops.io")
    X, y = clf_data
    # a space of lists: a scipy distribution passed by the user would be one
    # more type to trust (it is a constructor parameter, kept as passed)
    est = _clf().set_params(param_distributions={"alpha": [1e-5, 1e-2],
                                                 "solver": ["adam", "sgd"]}, n_candidates=4)
    est.fit(X, y)
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    # numpy (masked) arrays, dicts and lists of cv_results_ are skops' own types
    assert all(t.startswith("skreg.") for t in untrusted), untrusted
    assert "skreg._search.MLPClassifierCV" in untrusted
    back = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert back.best_params_ == est.best_params_


# ------------------------------------------------------ review: edge cases
def test_equal_draws_are_separate_candidates(clf_data):
    # a space with a distribution can draw a configuration twice; scikit-learn
    # scores each draw: so does the search (no round is cut short)
    from scipy.stats import randint
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = clf_data
    space = {"alpha": [1e-5, 1e-3], "n_iter_no_change": randint(5, 7)}  # 4 distinct
    base = MLPClassifier(max_iter=18, learning_rate_init=0.01, random_state=0)
    ours = MLPClassifierCV(base, param_distributions=space, n_candidates=9, cv=3,
                           try_estimator=False, ensemble=None, refit_max_iter="last",
                           random_state=0).fit(X, y)
    ref = HalvingRandomSearchCV(clone(base), space, n_candidates=9, resource="max_iter",
                                max_resources=18, min_resources="exhaust", cv=3,
                                random_state=0, return_train_score=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y)
    assert len({repr(sorted(p.items())) for p in ref.cv_results_["params"][:9]}) < 9
    assert ours.budget_exhausted_ is False
    assert ours.n_candidates_ == ref.n_candidates_ == [9, 3, 1]
    assert ours.cv_results_["params"] == ref.cv_results_["params"]
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  ref.cv_results_["mean_test_score"])


def test_rounds_are_planned_for_the_candidates_drawn(clf_data):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = clf_data
    space = {"activation": ["relu", "tanh"]}  # 2 configurations, 27 asked for
    base = MLPClassifier(max_iter=27, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (the sampler says it has 2)
        ours = MLPClassifierCV(base, param_distributions=space, n_candidates=27, cv=2,
                               try_estimator=False, ensemble=None).fit(X, y)
        ref = HalvingRandomSearchCV(clone(base), space, n_candidates=27, cv=2,
                                    resource="max_iter", max_resources=27,
                                    min_resources="exhaust").fit(X, y)
    assert ours.n_candidates_ == ref.n_candidates_ and ours.n_resources_ == ref.n_resources_


def test_a_failed_fold_with_a_numeric_error_score(clf_data):
    # fold 0 trains on rows of zero weight only: its fits fail, error_score=0
    # scores them, and the candidates stay in the search
    X, y = clf_data
    w = np.ones(len(y))
    w[:75] = 0.0
    cv = [(np.arange(75), np.arange(75, 150)), (np.arange(75, 150), np.arange(75))]

    def search(ensemble):
        return MLPClassifierCV(MLPClassifier(learning_rate_init=0.01, max_iter=6,
                                             random_state=0),
                               param_distributions=SPACE, n_candidates=3, cv=cv,
                               error_score=0.0, ensemble=ensemble)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = search(None).fit(X, y, sample_weight=w)
        assert (est.cv_results_["split0_test_score"] == 0.0).all()
        for ensemble in ("folds", "greedy"):
            with pytest.raises(ValueError, match=f"ensemble='{ensemble}'"):
                search(ensemble).fit(X, y, sample_weight=w)


def test_a_failed_fit_keeps_the_input_attributes_of_the_last_one():
    pd = pytest.importorskip("pandas")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X3, X5 = X.iloc[:150, :3], X.iloc[:150, :5]
    est = MLPClassifierCV(MLPClassifier(learning_rate_init=0.01, max_iter=4, random_state=0),
                          param_distributions=SPACE, n_candidates=2, factor=2, cv=2,
                          ensemble="greedy").fit(X3, y.iloc[:150])
    with pytest.raises(ValueError, match="sample_weight"):
        est.fit(X5, y.iloc[:150], sample_weight=np.zeros(150))
    assert est.n_features_in_ == 3 == est.best_estimator_.n_features_in_
    np.testing.assert_array_equal(est.feature_names_in_, X3.columns)
    # and the export knows the names too
    sk = est.to_sklearn()
    np.testing.assert_array_equal(sk.feature_names_in_, X3.columns)
    np.testing.assert_allclose(sk.predict_proba(X3), est.predict_proba(X3), atol=1e-12)
    assert isinstance(X3, pd.DataFrame)

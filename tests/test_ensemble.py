"""The ensembles of MLPClassifierCV / MLPRegressorCV and their export.

References computed here: greedy selection by hand on a small matrix; the
ensemble's predictions as the weighted average of its members' (each
member's own predict_proba / predict); the out-of-fold score by predicting
each fold's held-out rows with that fold's members; the exported voting
estimators and ONNX graphs against skreg's predictions.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_classification
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold

from skreg import MLPClassifier, MLPClassifierCV, MLPRegressor, MLPRegressorCV
from skreg._ensemble import greedy_selection

SPACE = {"hidden_layer_sizes": [(8,), (16,)], "solver": ["adam", "sgd"],
         "lr_schedule": ["constant", "cosine"], "alpha": [1e-5, 1e-3]}


def _search(cls, est, X, y, **kw):
    kw = {"param_distributions": SPACE, "n_candidates": 6, "cv": 3, "random_state": 0, **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(est, **kw).fit(X, y)


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=180, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    return (X - X.mean(0)) / X.std(0), y


@pytest.fixture(scope="module")
def greedy_clf(clf_data):
    X, y = clf_data
    return _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=12),
                   X, y, ensemble="greedy")


@pytest.fixture(scope="module")
def reg_data():
    X, y = load_diabetes(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()


@pytest.fixture(scope="module")
def greedy_reg(reg_data):
    X, y = reg_data
    return _search(MLPRegressorCV, MLPRegressor(learning_rate_init="auto", max_iter=12),
                   X, y, ensemble="greedy")


# ------------------------------------------------------------ the selection
def test_greedy_selection_by_hand():
    y = np.array([0.0, 0.0])
    a, b, c = np.array([0.5, 0.5]), np.array([-1.0, 0.0]), np.array([0.0, -1.0])

    def score(avg):
        return -np.mean((avg - y) ** 2)

    # 1: a alone (0.25 against 0.5, 0.5). 2: a+b and a+c tie at 0.0625
    # (a+a stays 0.25): b, listed first. 3: (a+b+c)/3 = (-1/6, -1/6) is the
    # best (0.0278 against 0.0556 for a, 0.139 for b). 4: (2a+b+c)/4 = 0
    assert greedy_selection([a, b, c], score, n_rounds=1).tolist() == [1, 0, 0]
    assert greedy_selection([a, b, c], score, n_rounds=2).tolist() == [1, 1, 0]
    assert greedy_selection([a, b, c], score, n_rounds=3).tolist() == [1, 1, 1]
    assert greedy_selection([a, b, c], score, n_rounds=4).tolist() == [2, 1, 1]
    # a member that cannot score (nan) is never chosen
    assert greedy_selection([a, b], lambda v: np.nan if v[0] > 0.4 else score(v),
                            n_rounds=1).tolist() == [0, 1]


# ----------------------------------------------------- what the ensemble is
def _weighted(members, weights, method, X):
    return sum(w * getattr(m, method)(X) for m, w in zip(members, weights))


def test_classifier_ensemble_is_the_weighted_average_of_its_members(greedy_clf, clf_data):
    X, y = clf_data
    ens = greedy_clf.ensemble_
    assert set(ens) == {"members", "weights", "rows", "folds", "oof_score"}
    assert np.isclose(ens["weights"].sum(), 1.0) and (ens["weights"] > 0).all()
    assert all(type(m) is MLPClassifier for m in ens["members"])
    avg = _weighted(ens["members"], ens["weights"], "predict_proba", X)
    np.testing.assert_allclose(greedy_clf.predict_proba(X), avg, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(greedy_clf.predict(X), greedy_clf.classes_[avg.argmax(1)])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(greedy_clf.predict_log_proba(X), np.log(avg), atol=1e-12)
    assert greedy_clf.score(X, y) == accuracy_score(y, greedy_clf.predict(X))
    # the refit single network is still there, and is not a member
    assert all(m is not greedy_clf.best_estimator_ for m in ens["members"])


def test_regressor_ensemble_is_the_weighted_average_of_its_members(greedy_reg, reg_data):
    X, y = reg_data
    ens = greedy_reg.ensemble_
    avg = _weighted(ens["members"], ens["weights"], "predict", X)
    np.testing.assert_allclose(greedy_reg.predict(X), avg, rtol=0, atol=1e-12)
    assert greedy_reg.score(X, y) == pytest.approx(r2_score(y, avg), abs=1e-12)


@pytest.mark.parametrize("which", ["clf", "reg"])
def test_members_are_whole_bags_and_the_oof_score_is_theirs(which, greedy_clf, greedy_reg,
                                                            clf_data, reg_data):
    est, (X, y) = (greedy_clf, clf_data) if which == "clf" else (greedy_reg, reg_data)
    ens = est.ensemble_
    splits = list((StratifiedKFold(3) if which == "clf" else KFold(3)).split(X, y))
    rows = sorted(set(ens["rows"]))
    # every chosen candidate comes with its 3 fold models, equally weighted
    for r in rows:
        mine = [i for i, row in enumerate(ens["rows"]) if row == r]
        assert sorted(ens["folds"][i] for i in mine) == [0, 1, 2]
        assert len({float(ens["weights"][i]) for i in mine}) == 1
    # out-of-fold: each held-out fold predicted by the members of that fold
    method = "predict_proba" if which == "clf" else "predict"
    oof = None
    for f, (_, test) in enumerate(splits):
        mine = [i for i, fold in enumerate(ens["folds"]) if fold == f]
        part = sum(ens["weights"][i] * getattr(ens["members"][i], method)(X[test])
                   for i in mine) * 3
        if oof is None:
            oof = np.zeros((len(y),) + part.shape[1:])
        oof[test] = part
    if which == "clf":
        expected = accuracy_score(y, est.classes_[oof.argmax(1)])
    else:
        expected = r2_score(y, oof)
    assert ens["oof_score"] == pytest.approx(expected, abs=1e-12)


def test_folds_ensemble_is_the_best_candidates_fold_models(clf_data):
    X, y = clf_data
    est = _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=12),
                  X, y, ensemble="folds")
    ens = est.ensemble_
    assert ens["rows"] == [est.best_index_] * 3 and ens["folds"] == [0, 1, 2]
    np.testing.assert_array_equal(ens["weights"], [1 / 3] * 3)
    # scoring each fold model on its held-out rows gives the search's scores
    for f, ((_, test), m) in enumerate(zip(StratifiedKFold(3).split(X, y), ens["members"])):
        assert m.score(X[test], y[test]) == est.cv_results_[f"split{f}_test_score"][est.best_index_]


def test_no_ensemble_predicts_with_the_refit(clf_data):
    X, y = clf_data
    est = _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=12),
                  X, y, ensemble=None)
    assert est.ensemble_ is None
    np.testing.assert_array_equal(est.predict_proba(X), est.best_estimator_.predict_proba(X))


def test_a_fold_without_a_class_is_a_clear_error(clf_data):
    X, y = clf_data
    y = y.copy()
    y[0] = 3  # one row of class 3: the folds that hold it out never see it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (StratifiedKFold warns about the class)
        with pytest.raises(ValueError, match="ensemble='folds' averages the class "
                                             "probabilities of fold models"):
            MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=6),
                            param_distributions=SPACE, n_candidates=2, cv=3,
                            ensemble="folds", random_state=0).fit(X, y)


# ------------------------------------------------------------------ export
def test_export_equals_the_ensemble(greedy_clf, greedy_reg, clf_data, reg_data):
    X, _ = clf_data
    sk = greedy_clf.to_sklearn()
    assert type(sk) is VotingClassifier and sk.voting == "soft"
    np.testing.assert_allclose(sk.predict_proba(X), greedy_clf.predict_proba(X),
                               rtol=0, atol=1e-12)
    np.testing.assert_array_equal(sk.predict(X), greedy_clf.predict(X))
    assert all(type(m).__module__.startswith("sklearn.") for m in sk.estimators_)
    Xr, _ = reg_data
    skr = greedy_reg.to_sklearn()
    assert type(skr) is VotingRegressor
    np.testing.assert_allclose(skr.predict(Xr), greedy_reg.predict(Xr), rtol=0, atol=1e-12)


def test_export_of_a_binary_ensemble_with_string_labels():
    X, y = make_classification(n_samples=150, n_features=5, random_state=1)
    labels = np.array(["no", "yes"])[y]
    est = _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=6),
                  X, labels, ensemble="greedy", n_candidates=3)
    sk = est.to_sklearn()
    np.testing.assert_allclose(sk.predict_proba(X), est.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(sk.predict(X), est.predict(X))
    assert set(est.predict(X)) <= {"no", "yes"}


def test_export_without_an_ensemble_is_the_best_network(clf_data):
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = clf_data
    est = _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=6),
                  X, y, ensemble=None, n_candidates=2)
    sk = est.to_sklearn()
    assert type(sk) is SkMLP
    np.testing.assert_allclose(sk.predict_proba(X), est.predict_proba(X), rtol=0, atol=1e-12)


def test_multilabel_and_multioutput_ensembles_do_not_export(clf_data, reg_data):
    X, y = clf_data
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    est = _search(MLPClassifierCV, MLPClassifier(learning_rate_init="auto", max_iter=6),
                  X, Y, ensemble="greedy", n_candidates=2, cv=KFold(3))
    # (the ensemble itself works: labels above 0.5 of the averaged outputs)
    avg = _weighted(est.ensemble_["members"], est.ensemble_["weights"], "predict_proba", X)
    np.testing.assert_array_equal(est.predict(X), (avg > 0.5).astype(int))
    with pytest.raises(ValueError, match="multilabel classifiers has no scikit-learn"):
        est.to_sklearn()
    Xr, yr = reg_data
    reg = _search(MLPRegressorCV, MLPRegressor(learning_rate_init="auto", max_iter=6),
                  Xr, np.column_stack([yr, -yr]), ensemble="folds", n_candidates=2)
    with pytest.raises(ValueError, match="regressors with 2 outputs has no scikit-learn"):
        reg.to_sklearn()


def test_onnx_of_the_exported_ensemble(greedy_clf, greedy_reg, clf_data, reg_data):
    rt = pytest.importorskip("onnxruntime")
    skl2onnx = pytest.importorskip("skl2onnx")

    def run(model, X, options=None):
        onx = skl2onnx.to_onnx(model, X[:1], options=options)
        sess = rt.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, {sess.get_inputs()[0].name: X})

    X = clf_data[0].astype(np.float32)
    sk = greedy_clf.to_sklearn()
    label, proba = run(sk, X, {id(sk): {"zipmap": False}})
    expected = greedy_clf.predict_proba(X.astype(np.float64))
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    top2 = np.sort(expected, axis=1)
    clear = top2[:, -1] - top2[:, -2] > 1e-4
    np.testing.assert_array_equal(label[clear], greedy_clf.predict(X.astype(np.float64))[clear])
    Xr = reg_data[0].astype(np.float32)
    out = run(greedy_reg.to_sklearn(), Xr)[0].ravel()
    expected = greedy_reg.predict(Xr.astype(np.float64))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5 * np.abs(expected).max())

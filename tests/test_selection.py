"""group_lasso_path and GroupLassoSelectorCV: the documented grid, warm
starts, exits, the selection rule, pipelines and scikit-learn's checks."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skreg import GroupLassoSelectorCV, MLPClassifier, MLPRegressor, group_lasso_path
from skreg.selection import exit_alphas


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(n=120, p=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    y = np.tanh(X[:, 0]) + X[:, 1] - 0.5 * X[:, 2] + 0.1 * rng.randn(n)
    return X, y


def _net(**kw):
    return MLPRegressor(**{"hidden_layer_sizes": (5,), "activation": "tanh",
                           "penalty": "group_lasso", "max_iter": 60,
                           "learning_rate_init": 0.01, "random_state": 0, **kw})


def _weights(est):
    return np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_])


def _alpha_max_by_hand(est, X, y):
    # d/dW1 of 0.5 mean (out - y)^2 at W1 = 0 for a one-hidden-layer tanh net:
    # hidden = tanh(b1) for every row; out = hidden @ W2 + b2
    b1, W2, b2 = est.intercepts_[0], est.coefs_[1], est.intercepts_[1]
    h = np.tanh(b1)
    r = (h @ W2 + b2)[0] - y  # residual of every row
    delta = np.outer(r, W2[:, 0] * (1 - h ** 2))  # into the hidden pre-activations
    G = X.T @ delta / len(y)
    return np.linalg.norm(G, axis=1).max() / np.sqrt(W2.shape[0])


def test_path_follows_the_documented_grid_and_warm_starts():
    X, y = _data()
    est = _net()
    path = group_lasso_path(est, X, y, n_alphas=6, eps=0.05, path_max_iter=15,
                            validation_fraction=None, return_estimators=True)
    # the first point is the dense fit: alpha=0 with the estimator's own max_iter
    dense = clone(est).set_params(alpha=0.0).fit(X, y)
    assert path.alphas[0] == 0.0
    np.testing.assert_array_equal(_weights(path.estimators[0]), _weights(dense))
    # then alpha_max * geomspace(eps, 1, n_alphas), alpha_max from the dense fit
    top = _alpha_max_by_hand(dense, X, y)
    np.testing.assert_allclose(path.alphas[1:7], top * np.geomspace(0.05, 1, 6), rtol=1e-10)
    # extended by the grid's ratio until no input is left
    ratio = path.alphas[6] / path.alphas[5]
    np.testing.assert_allclose(path.alphas[7:] / path.alphas[6:-1], ratio, rtol=1e-12)
    assert path.n_selected[-1] == 0
    if len(path.alphas) > 7:  # extended only while inputs were left
        assert path.n_selected[-2] > 0
    assert path.n_selected[0] == X.shape[1]
    # every point is a fit warm-started from the previous point's weights
    for i in range(1, len(path.alphas)):
        again = copy.deepcopy(path.estimators[i - 1]).set_params(
            alpha=path.alphas[i], warm_start=True, max_iter=15).fit(X, y)
        np.testing.assert_array_equal(_weights(again), _weights(path.estimators[i]))
    np.testing.assert_array_equal(path.row_norms[3],
                                  np.linalg.norm(path.estimators[3].coefs_[0], axis=1))
    # scores are the estimators' own
    assert path.train_scores[2] == path.estimators[2].score(X, y)
    assert path.validation_scores is None


def test_given_alphas_are_used_as_they_are_and_hold_out_is_stratified():
    rng = np.random.RandomState(1)
    X = rng.randn(90, 4)
    y = (X[:, 0] > 0).astype(int)
    path = group_lasso_path(MLPClassifier(hidden_layer_sizes=(4,), penalty="group_lasso",
                                          max_iter=30, random_state=0),
                            X, y, alphas=[0.01, 0.1], path_max_iter=5, random_state=0)
    np.testing.assert_array_equal(path.alphas, [0.0, 0.01, 0.1])
    assert path.estimators is None
    assert path.validation_scores.shape == (3,) and path.train_scores.shape == (3,)


def test_exit_alphas_are_last_exits():
    alphas = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    support = np.array([[1, 1, 1, 1],
                        [1, 0, 1, 1],
                        [1, 1, 0, 1],   # input 1 re-enters, input 2 leaves for good
                        [0, 0, 0, 1],
                        [0, 0, 0, 1]], dtype=bool)
    np.testing.assert_array_equal(exit_alphas(alphas, support), [3.0, 3.0, 2.0, np.inf])


def test_selector_support_rule_and_importances():
    X, y = _data(n=150, p=8, seed=2)
    sel = GroupLassoSelectorCV(_net(), n_alphas=6, eps=0.05, path_max_iter=15, cv=3,
                               selection="1se").fit(X, y)
    # the whole-data path is group_lasso_path without hold-out
    path = group_lasso_path(_net(), X, y, n_alphas=6, eps=0.05, path_max_iter=15,
                            validation_fraction=None)
    np.testing.assert_array_equal(sel.alphas_, path.alphas)
    np.testing.assert_array_equal(sel.path_.support, path.support)
    # one standard error rule on the fold scores, by hand
    scores = sel.cv_scores_
    mean = scores.mean(axis=1)
    best = np.argmax(mean)
    se = scores[best].std(ddof=1) / np.sqrt(scores.shape[1])
    index = max(i for i in range(len(mean)) if mean[i] >= mean[best] - se)
    assert sel.alpha_ == path.alphas[index]
    np.testing.assert_array_equal(sel.support_, path.support[index])
    np.testing.assert_array_equal(sel.get_support(), path.support[index])
    # importances: the exits, finite, ordered as the inputs leave
    imp = sel.feature_importances_
    assert np.all(np.isfinite(imp))
    for j in range(X.shape[1]):
        out_from = np.searchsorted(path.alphas, imp[j])
        assert not path.support[out_from:, j].any()
        assert path.support[out_from - 1, j]
    # the informative inputs leave last
    assert set(np.argsort(imp)[-3:]) == {0, 1, 2}
    best_sel = clone(sel).set_params(selection="best").fit(X, y)
    assert best_sel.alpha_ == path.alphas[best]
    assert best_sel.alpha_ <= sel.alpha_


def test_relaxed_scores_refit_on_the_kept_inputs():
    X, y = _data(n=100, p=5, seed=3)
    train, test = np.arange(70), np.arange(70, 100)
    sel = GroupLassoSelectorCV(_net(), n_alphas=4, eps=0.05, path_max_iter=10,
                               cv=[(train, test)]).fit(X, y)
    fold = group_lasso_path(_net(), X[train], y[train], alphas=sel.alphas_[1:],
                            path_max_iter=10, validation_fraction=None)
    for i, mask in enumerate(fold.support):
        if mask.any():
            refit = _net(alpha=0.0).fit(X[train][:, mask], y[train])
            expected = refit.score(X[test][:, mask], y[test])
        else:
            expected = 1 - np.sum((y[test] - y[train].mean()) ** 2) / np.sum(
                (y[test] - y[test].mean()) ** 2)
        assert sel.cv_scores_[i, 0] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    # a scorer of scikit-learn's in place of the network's score
    mae = clone(sel).set_params(scoring="neg_mean_absolute_error").fit(X, y)
    mask = fold.support[0]  # the dense point: every input
    refit = _net(alpha=0.0).fit(X[train][:, mask], y[train])
    expected = -np.mean(np.abs(refit.predict(X[test][:, mask]) - y[test]))
    assert mae.cv_scores_[0, 0] == pytest.approx(expected, rel=1e-12)
    plain = clone(sel).set_params(relaxed=False).fit(X, y)
    path_scores = group_lasso_path(_net(), X[train], y[train], alphas=sel.alphas_[1:],
                                   path_max_iter=10, validation_fraction=None,
                                   return_estimators=True).estimators
    np.testing.assert_allclose(plain.cv_scores_[:, 0],
                               [e.score(X[test], y[test]) for e in path_scores], rtol=1e-12)


def test_selector_in_a_pipeline_with_pandas_names():
    pd = pytest.importorskip("pandas")
    X, y = _data(n=120, p=6, seed=4)
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(6)])
    sel = GroupLassoSelectorCV(_net(), n_alphas=5, eps=0.05, path_max_iter=10, cv=2)
    pipe = make_pipeline(sel, MLPRegressor(hidden_layer_sizes=(4,), max_iter=20,
                                           random_state=0)).fit(frame, y)
    fitted = pipe[0]
    names = fitted.get_feature_names_out()
    np.testing.assert_array_equal(names, np.array([f"c{i}" for i in range(6)])[fitted.support_])
    assert pipe.predict(frame).shape == (120,)
    out = clone(fitted).set_output(transform="pandas").fit(frame, y).transform(frame)
    assert list(out.columns) == list(names)


def test_folds_in_parallel_give_the_same_selection():
    X, y = _data(n=90, p=4, seed=5)
    sel = GroupLassoSelectorCV(_net(), n_alphas=4, eps=0.05, path_max_iter=5, cv=3)
    one = clone(sel).fit(X, y)
    two = clone(sel).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_allclose(two.cv_scores_, one.cv_scores_, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(two.support_, one.support_)
    assert two.alpha_ == one.alpha_


def test_default_estimator_follows_the_target():
    X, y = _data(n=80, p=3)
    sel = GroupLassoSelectorCV(n_alphas=3, path_max_iter=3, cv=2, random_state=0)
    assert isinstance(sel.fit(X, y).estimator_, MLPRegressor)
    labels = (y > 0).astype(int)
    assert isinstance(clone(sel).fit(X, labels).estimator_, MLPClassifier)
    assert sel.estimator is None  # not changed


@pytest.mark.parametrize("params, match", [
    (dict(n_alphas=1), "n_alphas"), (dict(eps=0.0), "eps"), (dict(eps=1.0), "eps"),
    (dict(path_max_iter=0), "path_max_iter"), (dict(alphas=[0.1, 0.01]), "alphas"),
    (dict(alphas=[-1.0]), "alphas"), (dict(selection="median"), "selection"),
    (dict(relaxed="yes"), "relaxed"),
    (dict(estimator=MLPRegressor(penalty="l2")), "estimator.penalty"),
    (dict(estimator=MLPRegressor(penalty="group_lasso", solver="lbfgs")), "lbfgs"),
])
def test_bad_parameters_are_named(params, match):
    X, y = _data(n=40, p=3)
    with pytest.raises(ValueError, match=match):
        GroupLassoSelectorCV(**params).fit(X, y)


def test_not_a_skreg_network_is_a_type_error():
    from sklearn.linear_model import Lasso

    X, y = _data(n=40, p=3)
    with pytest.raises(TypeError, match="estimator must be a skreg"):
        GroupLassoSelectorCV(Lasso()).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction"):
        group_lasso_path(_net(), X, y, validation_fraction=1.5)


# a small instance: scikit-learn's checks fit it many times on tiny data
@parametrize_with_checks([GroupLassoSelectorCV(
    MLPRegressor(hidden_layer_sizes=(3,), penalty="group_lasso", max_iter=5, random_state=0),
    n_alphas=3, path_max_iter=2, cv=2)])
def test_sklearn_compatible(estimator, check):
    check(estimator)

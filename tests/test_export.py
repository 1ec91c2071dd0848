"""Export to scikit-learn: the exported MLP computes what the skreg model does."""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from deploy_cases import CLASSIFICATION, assert_close, data, fitted, outputs, panel
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skreg import MLPClassifier, MLPRegressor
from skreg.export import folded_weights, pipeline_to_sklearn, to_sklearn

SKLEARN_HAS_POISSON = tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 7)
RTOL = {np.float64: 1e-12, np.float32: 1e-6}


def _check_equal(est, sk, X, y, dtype):
    rtol = RTOL[dtype]
    a, b = outputs(est, X), outputs(sk, X)
    assert b.dtype == a.dtype
    assert_close(b, a, rtol)
    if est.__class__ is MLPClassifier:
        np.testing.assert_array_equal(sk.predict(X), est.predict(X))
        assert sk.score(X, y) == est.score(X, y)
        assert_close(sk.predict_log_proba(X), est.predict_log_proba(X), rtol * 10)
    else:
        # r2 from predictions equal to rtol: equal to a few rtol
        assert abs(sk.score(X, y) - est.score(X, y)) <= 10 * rtol


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation, batch_norm, dropout, task", panel())
def test_export_equals_skreg(activation, batch_norm, dropout, task, dtype):
    est, X, y = fitted(task, activation, batch_norm, dropout, dtype)
    if task == "poisson" and not SKLEARN_HAS_POISSON:
        with pytest.raises(ValueError, match="poisson.*scikit-learn 1.7"):
            est.to_sklearn()
        return
    sk = est.to_sklearn()
    assert type(sk) is (SkMLPClassifier if task in CLASSIFICATION else SkMLPRegressor)
    assert sk.hidden_layer_sizes == (6, 4) and sk.activation == activation
    check_is_fitted(sk)
    assert all(W.dtype == dtype for W in sk.coefs_ + sk.intercepts_)
    _check_equal(est, sk, X, y, dtype)
    # new data too, not only the training rows
    X_new = data(task, dtype, n=30, seed=1)[0] * 3
    assert_close(outputs(sk, X_new), outputs(est, X_new), RTOL[dtype])


def test_exported_network_is_the_folded_forward_pass_written_out():
    est, X, _ = fitted("regression", "tanh", batch_norm=True)
    sk = est.to_sklearn()
    # batch-normalised forward pass with the running statistics, written here
    H = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        Z = H @ W + b
        if i < len(est.coefs_) - 1:
            Z = (est.bn_gammas_[i] * (Z - est.bn_running_means_[i])
                 / np.sqrt(est.bn_running_vars_[i] + 1e-5) + est.bn_betas_[i])
            Z = np.tanh(Z)
        H = Z
    assert_close(sk.predict(X), H.ravel(), 1e-12)
    # and the folded weights are W * s column-wise, s = gamma / sqrt(var + eps)
    s = est.bn_gammas_[0] / np.sqrt(est.bn_running_vars_[0] + 1e-5)
    np.testing.assert_allclose(sk.coefs_[0], est.coefs_[0] * s, rtol=1e-14)
    np.testing.assert_allclose(
        sk.intercepts_[0], (est.intercepts_[0] - est.bn_running_means_[0]) * s
        + est.bn_betas_[0], rtol=1e-13, atol=1e-15)


def test_export_leaves_the_model_unchanged_and_shares_no_array():
    est, X, _ = fitted("multiclass_str", batch_norm=True)
    before = copy.deepcopy(vars(est))
    sk = est.to_sklearn()
    for key, value in before.items():
        if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
            for a, b in zip(value, getattr(est, key)):
                np.testing.assert_array_equal(a, b)
    for W in sk.coefs_:
        assert not any(np.shares_memory(W, V) for V in est.coefs_)
    sk.coefs_[0][...] = 0  # writing into the export does not reach the model
    assert np.abs(est.coefs_[0]).sum() > 0


def test_integer_labels_keep_their_dtype_and_values():
    est, X, y = fitted("binary")
    y2 = np.where(y == 1, 7, -3)
    est.fit(X, y2)
    sk = est.to_sklearn()
    np.testing.assert_array_equal(sk.classes_, [-3, 7])
    assert sk.predict(X).dtype == est.predict(X).dtype
    np.testing.assert_array_equal(sk.predict(X), est.predict(X))


def test_sparse_input():
    X, y = data("multiclass_str")
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.7, X, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier((5,), batch_norm=True, max_iter=5, random_state=0).fit(Xs, y)
    sk = est.to_sklearn()
    assert_close(sk.predict_proba(Xs), est.predict_proba(Xs), 1e-12)
    assert_close(sk.predict_proba(Xs.tocsc()), est.predict_proba(Xs.toarray()), 1e-12)


def test_feature_names_carried_over():
    pd = pytest.importorskip("pandas")
    X, y = data("regression")
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(df, y)
    sk = est.to_sklearn()
    np.testing.assert_array_equal(sk.feature_names_in_, ["a", "b", "c", "d"])
    assert sk.n_features_in_ == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X has feature names" warning
        assert_close(sk.predict(df), est.predict(df), 1e-12)
    with pytest.raises(ValueError, match="feature names"):
        sk.predict(df[["b", "a", "c", "d"]])


def test_no_hidden_layer_and_single_class():
    X, y = data("binary")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lin = MLPClassifier((), max_iter=5, random_state=0).fit(X, y)
        one = MLPClassifier((3,), max_iter=3, random_state=0).fit(X, np.full(len(X), "only"))
    assert_close(lin.to_sklearn().predict_proba(X), lin.predict_proba(X), 1e-12)
    np.testing.assert_array_equal(one.to_sklearn().predict(X), one.predict(X))
    assert_close(one.to_sklearn().predict_proba(X), one.predict_proba(X), 1e-12)


def test_training_history_and_parameters():
    est, X, y = fitted("regression", solver="sgd")
    sk = est.to_sklearn()
    assert sk.n_iter_ == est.n_iter_ and sk.t_ == est.t_
    assert sk.loss_curve_ == est.loss_curve_ and sk.loss_curve_ is not est.loss_curve_
    assert sk.get_params()["hidden_layer_sizes"] == (6, 4)
    # a clone is an unfitted scikit-learn estimator that can be fitted as usual
    fresh = clone(sk).set_params(max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh.fit(X, y)
    assert fresh.predict(X).shape == y.shape


def test_errors():
    with pytest.raises(NotFittedError):
        MLPClassifier().to_sklearn()
    with pytest.raises(NotFittedError):
        to_sklearn(MLPRegressor())
    with pytest.raises(TypeError, match="skreg MLPClassifier or MLPRegressor"):
        to_sklearn(SkMLPClassifier())
    with pytest.raises(TypeError, match="Pipeline or a skreg estimator"):
        pipeline_to_sklearn(StandardScaler())
    with pytest.raises(NotFittedError):
        pipeline_to_sklearn(make_pipeline(StandardScaler(), MLPClassifier()))
    with pytest.raises(TypeError):
        folded_weights(SkMLPRegressor())


def test_pipeline_to_sklearn():
    X, y = data("multiclass_str")
    inner = make_pipeline(StandardScaler(), MLPClassifier((5,), batch_norm=True, max_iter=5,
                                                          random_state=0))
    pipe = Pipeline([("scale", StandardScaler()), ("inner", inner)])
    X = X * 10 + 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    out = pipeline_to_sklearn(pipe)
    assert isinstance(out, Pipeline) and isinstance(out["inner"], Pipeline)
    assert type(out["inner"][-1]) is SkMLPClassifier
    assert isinstance(pipe["inner"][-1], MLPClassifier)  # the original is kept
    assert out["scale"] is not pipe["scale"]
    assert_close(out.predict_proba(X), pipe.predict_proba(X), 1e-12)
    np.testing.assert_array_equal(out.predict(X), pipe.predict(X))
    assert out.score(X, y) == pipe.score(X, y)
    # a bare estimator is converted as well
    assert type(pipeline_to_sklearn(pipe["inner"][-1])) is SkMLPClassifier

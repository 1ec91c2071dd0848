"""ONNX: skl2onnx converts skreg models (after ``import skreg.onnx``) and
onnxruntime computes what skreg's predict / predict_proba do."""

import itertools
import warnings

import numpy as np
import onnxruntime as rt
import pytest
from deploy_cases import ACTIVATIONS, CLASSIFICATION, TASKS, assert_close, data, fitted
from skl2onnx import to_onnx
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skreg.onnx  # noqa: F401  (registers the converters)
from skreg import MLPClassifier, MLPRegressor

#: float32 graphs: 1e-5 relative to the largest output (the issue's bound);
#: float64 graphs compute in double precision
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def _run(model, X, options=None):
    onx = to_onnx(model, X[:1], options=options)
    sess = rt.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: X})


def _check(model, X, dtype):
    clf = hasattr(model, "predict_proba")
    outs = _run(model, X, {"zipmap": False} if clf else None)
    if clf:
        label, proba = outs
        expected = model.predict_proba(X)
        assert proba.dtype == dtype
        assert_close(proba, expected, RTOL[dtype])
        # labels equal wherever the top probabilities are not tied to float32
        top2 = np.sort(expected, axis=1)
        if model.predict(X).ndim == 2:  # multilabel: distance from 0.5
            clear = (np.abs(expected - 0.5) > 2e-5).all(axis=1)
        else:
            clear = top2[:, -1] - top2[:, -2] > 2e-5
        assert clear.mean() > 0.5
        np.testing.assert_array_equal(np.asarray(label)[clear], model.predict(X)[clear])
    else:
        (pred,) = outs
        expected = model.predict(X)
        assert pred.dtype == dtype
        assert pred.shape == (X.shape[0], 1 if expected.ndim == 1 else expected.shape[1])
        assert_close(pred.reshape(expected.shape), expected, RTOL[dtype])


@pytest.mark.parametrize("activation, batch_norm, task",
                         list(itertools.product(ACTIVATIONS, (False, True), TASKS)))
def test_onnx_float32_equals_skreg(activation, batch_norm, task):
    est, X, _ = fitted(task, activation, batch_norm, dropout=0.3 if batch_norm else 0.0,
                       dtype=np.float32)
    _check(est, X, np.float32)


@pytest.mark.parametrize("task", TASKS)
def test_onnx_float64_graph(task):
    est, X, _ = fitted(task, "tanh", batch_norm=True)
    _check(est, X, np.float64)


def test_model_fitted_in_float64_run_in_float32():
    # the usual deployment: float32 input to a model trained in float64
    est, X, _ = fitted("multiclass_str", "relu", batch_norm=True)
    X32 = X.astype(np.float32)
    _, proba = _run(est, X32, {"zipmap": False})
    assert_close(proba, est.predict_proba(X), 1e-5)


@pytest.mark.parametrize("task", ["multiclass_str", "regression"])
def test_pipeline_with_scaler(task):
    X, y = data(task)
    X = (X * 5 + 2).astype(np.float32)
    est = (MLPClassifier if task in CLASSIFICATION else MLPRegressor)(
        hidden_layer_sizes=(6,), batch_norm=True, max_iter=8, random_state=0)
    pipe = make_pipeline(StandardScaler(), est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    _check(pipe, X, np.float32)


def test_zipmap_default_gives_dicts_per_row():
    est, X, _ = fitted("multiclass_str")
    X = X.astype(np.float32)
    label, dicts = _run(est, X)
    proba = est.predict_proba(X)
    assert set(dicts[0]) == set(est.classes_)
    got = np.array([[d[c] for c in est.classes_] for d in dicts])
    assert_close(got, proba, 1e-5)
    np.testing.assert_array_equal(label, est.predict(X))


def test_integer_input_is_cast():
    est, X, _ = fitted("regression")
    Xi = np.round(X * 3).astype(np.int64)
    (pred,) = _run(est, Xi)
    assert_close(pred.ravel(), est.predict(Xi.astype(np.float64)), 1e-5)


def test_errors():
    X = np.zeros((2, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="not fitted"):
        to_onnx(MLPClassifier(), X)
    with pytest.raises(ValueError, match="not fitted"):
        to_onnx(MLPRegressor(), X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = MLPClassifier((3,), max_iter=2, random_state=0).fit(X, ["a", "a"])
    with pytest.raises(ValueError, match="single class"):
        to_onnx(one, X, options={"zipmap": False})


def test_register_is_idempotent():
    est, X, _ = fitted("binary_str")
    skreg.onnx.register_converters()
    skreg.onnx.register_converters()
    _check(est, X.astype(np.float32), np.float32)

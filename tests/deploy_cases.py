"""The panel of fitted models that the export, ONNX and persistence tests share
(a helper module, not a test file)."""

import itertools
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg import MLPClassifier, MLPRegressor

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
TASKS = ("binary", "binary_str", "multiclass_str", "multilabel", "regression",
         "multioutput", "poisson")
CLASSIFICATION = ("binary", "binary_str", "multiclass_str", "multilabel")


def data(task, dtype=np.float64, n=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    s = X[:, 0] + 0.5 * X[:, 1]
    if task == "binary":
        y = (s > 0).astype(int)
    elif task == "binary_str":
        y = np.where(s > 0, "yes", "no")
    elif task == "multiclass_str":
        y = np.array(["low", "mid", "high"])[np.digitize(s, [-0.5, 0.5])]
    elif task == "multilabel":
        y = (X[:, :3] > 0).astype(int)
    elif task == "regression":
        y = s + 0.1 * rng.normal(size=n)
    elif task == "multioutput":
        y = np.column_stack([s, X[:, 2] - X[:, 3]])
    elif task == "poisson":
        y = rng.poisson(np.exp(0.5 * s)).astype(float)
    else:  # pragma: no cover
        raise ValueError(task)
    return X.astype(dtype), y


def fitted(task, activation="relu", batch_norm=False, dropout=0.0,
           dtype=np.float64, **kwargs):
    """(model, X, y) for one case of the panel: a small network, few epochs,
    a large enough learning rate that the weights move away from the start."""
    X, y = data(task, dtype)
    params = dict(hidden_layer_sizes=(6, 4), activation=activation,
                  batch_norm=batch_norm, dropout=dropout, max_iter=8,
                  learning_rate_init=0.02, batch_size=16, random_state=0)
    params.update(kwargs)
    if task in CLASSIFICATION:
        est = MLPClassifier(**params)
    else:
        est = MLPRegressor(loss="poisson" if task == "poisson" else "squared_error",
                           **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est, X, y


def panel():
    """activation x batch_norm x dropout x task (every combination)."""
    return list(itertools.product(ACTIVATIONS, (False, True), (0.0, 0.3), TASKS))


def outputs(est, X):
    """What the model computes: probabilities for a classifier, predictions
    for a regressor."""
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def assert_close(actual, expected, rtol):
    """Equal to ``rtol`` relative to the largest value of ``expected`` (an
    output near 0 is compared at the scale of the outputs, not at its own)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    scale = float(np.max(np.abs(expected))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)

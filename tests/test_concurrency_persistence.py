"""Concurrency, persistence and global state.

* A fitted estimator can serve predictions from many threads at once; the
  results equal the single-threaded ones exactly.
* A model saved with joblib (or pickle) and loaded in a fresh Python process
  predicts identically; pickle and copy.deepcopy round trips keep the
  parameter views tied together, and training continues exactly as it would
  have in the original.
* Fitting leaves process-wide state alone: numpy's global random generator
  (for integer or RandomState seeds), BLAS thread settings, the warnings
  filters, numpy's error handling and scikit-learn's configuration.
"""

import copy
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from threadpoolctl import threadpool_info, threadpool_limits

import skreg
from skreg import MLPClassifier, MLPRegressor
from skreg import optimizers as opt
from skreg import schedules as sched

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(skreg.__file__)))


def _data(n=300, p=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    k = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    y_clf = np.array(["cat", "dog", "emu"])[k]
    y_reg = np.column_stack([X @ rng.randn(p), np.sin(X[:, 0])])
    return X, y_clf, y_reg


def _models():
    """A few fitted models covering the optional parts of the network."""
    X, y_clf, y_reg = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "classifier-bn-dropout": MLPClassifier(
                hidden_layer_sizes=(32, 16), batch_norm=True, dropout=[0.2, 0.1],
                max_iter=15, random_state=0).fit(X, y_clf),
            "classifier-objects": MLPClassifier(
                hidden_layer_sizes=(16,), solver=opt.AdamW(beta_1=0.8),
                lr_schedule=sched.CosineAnnealing(T_0=5), penalty="elasticnet",
                max_iter=15, random_state=0).fit(X, y_clf),
            "regressor-sparse": MLPRegressor(
                hidden_layer_sizes=(24,), solver="sgd", learning_rate_init=1e-3,
                max_iter=15, random_state=0).fit(sp.csr_matrix(X), y_reg),
            "regressor-lbfgs": MLPRegressor(
                hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30,
                random_state=0).fit(X, y_reg[:, 0]),
        }


@pytest.fixture(scope="module")
def models():
    return _models()


def _outputs(est, X):
    """Everything the estimator predicts for X."""
    out = {"predict": est.predict(X)}
    if hasattr(est, "predict_proba"):
        out["predict_proba"] = est.predict_proba(X)
        out["predict_log_proba"] = est.predict_log_proba(X)
    return out


def _assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert np.array_equal(a[k], b[k]), k


# ================================================================= threads
@pytest.mark.parametrize("name", ["classifier-bn-dropout", "classifier-objects",
                                  "regressor-sparse", "regressor-lbfgs"])
def test_predictions_from_many_threads_equal_serial(models, name):
    est = models[name]
    X, _, _ = _data(n=400, seed=1)
    # inputs of several sizes and formats, each with its serial answer
    inputs = [X, X[:1], X[17:250], np.asfortranarray(X[::3]), sp.csr_matrix(X[:100]),
              X.astype(np.float32)]
    expected = [_outputs(est, A) for A in inputs]
    coefs = [c.copy() for c in est.coefs_]

    def work(i):
        k = i % len(inputs)
        return k, _outputs(est, inputs[k])

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8 * 25)))
    assert len(results) == 200
    for k, out in results:
        _assert_same_outputs(expected[k], out)
    # predicting changed nothing
    assert all(np.array_equal(a, b) for a, b in zip(coefs, est.coefs_))


def test_fitting_in_threads_is_deterministic_per_estimator():
    # separate estimators fitted concurrently give the models of serial fits
    X, y_clf, _ = _data(n=120)
    seeds = list(range(8))

    def fit(seed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MLPClassifier(hidden_layer_sizes=(8,), max_iter=10,
                                 random_state=seed).fit(X, y_clf)

    serial = [fit(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(fit, seeds))
    for a, b in zip(serial, threaded):
        for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            assert np.array_equal(u, v)


# ============================================================= persistence
_LOADER = textwrap.dedent("""
    import sys
    import joblib
    import numpy as np
    import scipy.sparse as sp

    folder, names = sys.argv[1], sys.argv[2:]
    X = np.load(f"{folder}/X.npy")
    for name in names:
        est = joblib.load(f"{folder}/{name}.joblib")
        for sparse in (False, True):
            A = sp.csr_matrix(X) if sparse else X
            out = {"predict": est.predict(A)}
            if hasattr(est, "predict_proba"):
                out["predict_proba"] = est.predict_proba(A)
                out["predict_log_proba"] = est.predict_log_proba(A)
            np.savez(f"{folder}/{name}-{int(sparse)}.npz", **out)
        print(name, type(est).__module__)
""")


def test_joblib_models_predict_identically_in_a_fresh_process(models, tmp_path):
    X, _, _ = _data(n=150, seed=2)
    np.save(tmp_path / "X.npy", X)
    for name, est in models.items():
        joblib.dump(est, tmp_path / f"{name}.joblib")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO_ROOT, env.get("PYTHONPATH", "")])
    # one fresh interpreter loads every model (it starts with no skreg imported)
    proc = subprocess.run([sys.executable, "-c", _LOADER, str(tmp_path), *models],
                          capture_output=True, text=True, timeout=300, env=env,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [w for name in models for w in (name, "skreg._mlp")]
    for name, est in models.items():
        for sparse in (0, 1):
            with np.load(tmp_path / f"{name}-{sparse}.npz", allow_pickle=False) as f:
                other = {k: f[k] for k in f.files}
            here = _outputs(est, sp.csr_matrix(X) if sparse else X)
            _assert_same_outputs(here, other)


@pytest.mark.parametrize("copier", ["pickle", "deepcopy", "joblib"])
@pytest.mark.parametrize("name", ["classifier-bn-dropout", "regressor-sparse"])
def test_round_trip_predicts_identically_and_keeps_views_tied(models, name, copier,
                                                              tmp_path):
    est = models[name]
    X, _, _ = _data(n=80, seed=3)
    if copier == "pickle":
        clone = pickle.loads(pickle.dumps(est))
    elif copier == "deepcopy":
        clone = copy.deepcopy(est)
    else:
        joblib.dump(est, tmp_path / "m.joblib")
        clone = joblib.load(tmp_path / "m.joblib")
    _assert_same_outputs(_outputs(est, X), _outputs(clone, X))

    # the copy is independent of the original
    before = _outputs(est, X)
    clone.coefs_[0][...] = 0.0
    _assert_same_outputs(before, _outputs(est, X))
    # and assigning into coefs_ changes the copy's predictions: with the
    # first layer zeroed, the output no longer depends on the input
    out = clone.predict_proba(X) if hasattr(clone, "predict_proba") else clone.predict(X)
    assert np.allclose(out, out[:1])


@pytest.mark.parametrize("Est, y_index", [(MLPClassifier, 1), (MLPRegressor, 2)])
@pytest.mark.parametrize("copier", ["pickle", "deepcopy"])
def test_training_continues_identically_after_round_trip(Est, y_index, copier):
    # optimizer state, schedule position and random generator travel with
    # the model: partial_fit on the copy equals partial_fit on the original
    data = _data(n=100, seed=4)
    X, y = data[0], data[y_index]
    kw = dict(classes=np.unique(y)) if Est is MLPClassifier else {}
    est = Est(hidden_layer_sizes=(10,), solver="adam", lr_schedule="cosine", dropout=0.2,
              max_iter=10, random_state=0)
    est.partial_fit(X, y, **kw)
    est.partial_fit(X, y)
    clone = pickle.loads(pickle.dumps(est)) if copier == "pickle" else copy.deepcopy(est)
    for _ in range(3):
        est.partial_fit(X, y)
        clone.partial_fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, clone.coefs_ + clone.intercepts_):
        assert np.array_equal(a, b)
    assert est.n_iter_ == clone.n_iter_ == 5
    assert est.lr_curve_ == clone.lr_curve_


# ============================================================ global state
def _global_state():
    return {
        "numpy_random": np.random.get_state(legacy=False),
        "numpy_err": np.geterr(),
        "sklearn_config": sklearn.get_config(),
        "warnings_filters": list(warnings.filters),
        "threadpools": sorted((p["internal_api"], p.get("filepath", ""), p["num_threads"])
                              for p in threadpool_info()),
    }


def _assert_same_global_state(before, after):
    a, b = before["numpy_random"], after["numpy_random"]
    assert a["bit_generator"] == b["bit_generator"]
    assert np.array_equal(a["state"]["key"], b["state"]["key"])
    assert a["state"]["pos"] == b["state"]["pos"]
    assert (a["has_gauss"], a["gauss"]) == (b["has_gauss"], b["gauss"])
    for k in ("numpy_err", "sklearn_config", "warnings_filters", "threadpools"):
        assert before[k] == after[k], k


_FITS = {
    "adam": lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    "sgd-bn-dropout": lambda: MLPRegressor(hidden_layer_sizes=(8,), solver="sgd",
                                           batch_norm=True, dropout=0.3, max_iter=5,
                                           random_state=1),
    "lbfgs-l1": lambda: MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs",
                                     penalty="l1", max_iter=5, random_state=2),
    "early-stopping": lambda: MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True,
                                            max_iter=5,
                                            random_state=np.random.RandomState(3)),
    "warns-batch-size": lambda: MLPClassifier(hidden_layer_sizes=(4,), batch_size=10_000,
                                              max_iter=2, random_state=4),
}


@pytest.mark.parametrize("name", list(_FITS))
def test_fit_leaves_global_state_alone(name):
    X, y_clf, y_reg = _data(n=120)
    est = _FITS[name]()
    y = y_clf if isinstance(est, MLPClassifier) else y_reg[:, 0]
    before = _global_state()
    # emits a ConvergenceWarning (max_iter reached) or the batch_size warning
    with pytest.warns(UserWarning):
        est.fit(X, y)
    # predicting and partial_fit too
    est.predict(X)
    if est.solver != "lbfgs" and not est.early_stopping:
        with warnings.catch_warnings(record=True):
            est.partial_fit(X, y)
    _assert_same_global_state(before, _global_state())


def test_failing_fit_leaves_global_state_alone():
    X, _, y_reg = _data(n=60)
    before = _global_state()
    est = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e6,
                       max_iter=20, random_state=0)
    with pytest.raises(ValueError):
        est.fit(X * 1e3, y_reg[:, 0] * 1e3)
    _assert_same_global_state(before, _global_state())


def test_fit_keeps_a_callers_thread_limit():
    X, y_clf, _ = _data(n=120)
    with threadpool_limits(limits=1):
        inside = [p["num_threads"] for p in threadpool_info()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y_clf)
        assert [p["num_threads"] for p in threadpool_info()] == inside


def test_random_state_none_uses_numpy_global_generator_like_sklearn():
    # documented scikit-learn convention: random_state=None draws from numpy's
    # global RandomState, so np.random.seed makes such fits reproducible
    X, y_clf, _ = _data(n=60)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return MLPClassifier(hidden_layer_sizes=(4,), max_iter=3).fit(X, y_clf)

    state = np.random.get_state()
    try:
        np.random.seed(123)
        a = fit()
        np.random.seed(123)
        b = fit()
    finally:
        np.random.set_state(state)
    for u, v in zip(a.coefs_, b.coefs_):
        assert np.array_equal(u, v)

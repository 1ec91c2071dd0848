"""Persistence: skops trusting only public skreg types, pickle / joblib, and a
warning when a model saved by another skreg version is loaded."""

import importlib
import pickle
import warnings

import joblib
import numpy as np
import pytest
import skops.io as sio
from deploy_cases import CLASSIFICATION, fitted
from sklearn.exceptions import InconsistentVersionWarning

import skreg
from skreg import optimizers, schedules

CASES = [
    ("binary_str", dict(batch_norm=True, dropout=0.2)),
    ("multiclass_str", dict(solver="sgd", lr_schedule="adaptive")),
    ("multiclass_str", dict(solver="sgd", learning_rate_init="auto")),  # lr_range_test_
    ("multilabel", dict(solver=optimizers.RMSprop(), lr_schedule=schedules.OneCycle())),
    ("regression", dict(early_stopping=True, lr_schedule="cosine", solver="adamw")),
    ("multioutput", dict(solver="lbfgs", batch_norm=True)),
    ("poisson", dict(solver="adagrad", dtype=np.float32)),
]


def _public_skreg_types():
    """'module.QualName' of every class that skreg documents publicly: the
    package's own names and those of its public modules."""
    names = set()
    for mod_name in ("skreg", "skreg.optimizers", "skreg.schedules", "skreg.penalties"):
        mod = importlib.import_module(mod_name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if isinstance(obj, type):
                names.add(f"{obj.__module__}.{obj.__qualname__}")
    return names


def _assert_same(a, b, path="est"):
    """Equal bit for bit, recursively (arrays: dtype and bytes)."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, path
        if a.dtype.kind == "O":
            assert a.tolist() == b.tolist(), path
        else:
            assert a.tobytes() == b.tobytes(), path
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict), path
        assert set(a) == set(b), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, np.random.RandomState):
        _assert_same(a.get_state(), b.get_state(), path)
    elif hasattr(a, "get_params"):  # the public optimizer / schedule objects
        assert type(a) is type(b), path
        _assert_same(vars(a), vars(b), path)
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    else:
        assert type(a) is type(b) and a == b, (path, a, b)


@pytest.mark.parametrize("task, params", CASES, ids=[c[0] for c in CASES])
def test_skops_round_trip_trusts_only_public_types(task, params):
    params = dict(params)
    dtype = params.pop("dtype", np.float64)
    est, X, y = fitted(task, dtype=dtype, **params)
    dumped = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=dumped)
    # every attribute is checked: what is not plain data must be a public type
    assert set(untrusted) <= _public_skreg_types(), set(untrusted) - _public_skreg_types()
    loaded = sio.loads(dumped, trusted=untrusted)
    assert set(vars(loaded)) == set(vars(est))
    for key, value in vars(est).items():
        _assert_same(value, getattr(loaded, key), key)
    if task in CLASSIFICATION:
        assert loaded.predict_proba(X).tobytes() == est.predict_proba(X).tobytes()
    assert loaded.predict(X).tobytes() == est.predict(X).tobytes()


def test_fitted_state_holds_no_private_helper_objects():
    for task, params in CASES:
        params = dict(params)
        params.pop("dtype", None)
        est = fitted(task, **params)[0]
        for key, value in vars(est).items():
            mod = type(value).__module__
            assert not mod.startswith("skreg._"), (key, type(value))


def test_partial_fit_continues_after_a_round_trip():
    """The monitor and label state stored as plain data still drive training."""
    est, X, y = fitted("multiclass_str", solver="sgd", lr_schedule="adaptive", max_iter=2)
    loaded = sio.loads(sio.dumps(est), trusted=sio.get_untrusted_types(data=sio.dumps(est)))
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    assert est.predict_proba(X).tobytes() == loaded.predict_proba(X).tobytes()
    assert est._monitor_state == loaded._monitor_state


@pytest.mark.parametrize("dump, load", [(pickle.dumps, pickle.loads),
                                        ("joblib", "joblib")])
def test_pickle_and_joblib(dump, load, tmp_path):
    est, X, _ = fitted("binary_str", batch_norm=True)
    if dump == "joblib":
        joblib.dump(est, tmp_path / "m.joblib")
        loaded = joblib.load(tmp_path / "m.joblib")
    else:
        loaded = load(dump(est))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same version: no warning
        pickle.loads(pickle.dumps(est))
    for key, value in vars(est).items():
        _assert_same(value, getattr(loaded, key), key)
    assert "_skreg_version" not in vars(loaded)
    assert loaded.predict_proba(X).tobytes() == est.predict_proba(X).tobytes()


def test_other_skreg_version_warns(monkeypatch):
    est, X, _ = fitted("regression")
    state = est.__getstate__()
    assert state["_skreg_version"] == skreg.__version__
    assert "_skreg_version" not in vars(est)  # the state is a copy
    current = skreg.__version__
    # saved by "another version": the version skreg reports while saving
    monkeypatch.setattr(skreg, "__version__", "0.0.1")
    pickled = pickle.dumps(est)
    skopsed = sio.dumps(est)
    monkeypatch.setattr(skreg, "__version__", current)
    with pytest.warns(InconsistentVersionWarning,
                      match=f"skreg.MLPRegressor from version 0.0.1 when using version {current}"):
        loaded = pickle.loads(pickled)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    with pytest.warns(InconsistentVersionWarning, match="from version 0.0.1"):
        loaded = sio.loads(skopsed, trusted=sio.get_untrusted_types(data=skopsed))
    assert "_skreg_version" not in vars(loaded)


def test_state_of_skreg_0_1_0_is_converted():
    """Pickles of 0.1.0 held the helper objects; they load into plain data."""
    from skreg._mlp import _LabelCoder
    from skreg._training import Monitor

    est, X, _ = fitted("multiclass_str")
    state = est.__getstate__()
    del state["_skreg_version"]
    kind = state.pop("_label_kind")
    state["_label_coder"] = _LabelCoder(est.classes_, "multiclass")
    mon = Monitor(1e-4, 10, False)
    mon.best, mon.count = 0.25, 3
    state["_monitor"] = mon
    state.pop("_monitor_state")
    blank = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning, match="0.1.0 or older"):
        blank.__setstate__(state)
    assert blank._label_kind == kind == "multiclass"
    assert blank._monitor_state == {"best": 0.25, "count": 3}
    np.testing.assert_array_equal(blank.predict(X), est.predict(X))

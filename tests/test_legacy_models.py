"""Models saved by skreg 0.1.x still load, predict and train on as 0.1.x did.

The files in tests/data/legacy_0_1/ were written once by
benchmarks/make_legacy_models.py running the skreg 0.1.0 code of commit
57b6d46 (``PYTHONPATH=<checkout of 57b6d46> python
benchmarks/make_legacy_models.py``): eight small fitted models, each as a
pickle (protocol 4) and a skops file, ``expected.npz`` with the inputs and
what that code computed from them, and ``manifest.json`` with the versions
that wrote the files and the untrusted types skops reports for each skops
file. They must not be regenerated with newer code, or the comparison
becomes a round trip of the new code with itself.

Predictions, and the weights after training further from a loaded file,
are compared to 16 units in the last place: numpy 2.4 changed the last bit
of some results against the versions that wrote the files, and a newer
release may again. Labels are compared exactly.
"""

import json
import pathlib
import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning

import skreg
from skreg import optimizers, schedules

# written under the running numpy's major version (numpy 1 and 2 cannot read
# each other's pickled RandomState)
DATA = (pathlib.Path(__file__).parent / "data" / "legacy_0_1"
        / f"numpy{np.__version__.split('.')[0]}")
MANIFEST = json.loads((DATA / "manifest.json").read_text())
MODELS = sorted(MANIFEST["models"])
CONTINUED = [name for name in MODELS if MANIFEST["models"][name]["continuation"]]
FORMATS = ["pickle", "skops"]

# The example of docs/deploying.rst ("Saving and loading") for a classifier
# trained with the default solver and schedule.
DOCUMENTED_EXAMPLE = ["skreg._mlp.MLPClassifier", "skreg.optimizers.Adam",
                      "skreg.schedules.Constant"]


@pytest.fixture(scope="module")
def expected():
    with np.load(DATA / "expected.npz") as npz:  # (no pickled objects in it)
        return dict(npz)


def _load(name, fmt):
    """The model ``name`` from its 0.1.x file, checking skreg's version
    warning: expected only when the version that wrote it is not this one."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if fmt == "pickle":
            with open(DATA / f"{name}.pkl", "rb") as f:
                est = pickle.load(f)
        else:
            trusted = MANIFEST["models"][name]["untrusted_types"]
            est = sio.load(DATA / f"{name}.skops", trusted=trusted)
    # (scikit-learn's own version check warns with the same class, unprefixed)
    ours = [w.message for w in caught if issubclass(w.category, InconsistentVersionWarning)
            and w.message.estimator_name.startswith("skreg.")]
    if MANIFEST["skreg"] == skreg.__version__:
        assert ours == [], [str(w) for w in ours]
    else:
        assert len(ours) == 1, [str(w) for w in ours]
        assert ours[0].original_sklearn_version == MANIFEST["skreg"]
        assert ours[0].current_sklearn_version == skreg.__version__
    assert type(est).__name__ == MANIFEST["models"][name]["class"]
    return est


def _assert_predicts(est, expected, X, prefix):
    """``predict`` (and ``predict_proba``) of ``est`` on ``X`` are the stored
    arrays ``<prefix>__predict`` (``__predict_proba``), dtype included."""
    outputs = {"predict": est.predict}
    if hasattr(est, "predict_proba"):
        outputs["predict_proba"] = est.predict_proba
    for method, func in outputs.items():
        got, want = func(X), expected[f"{prefix}__{method}"]
        assert got.dtype == want.dtype, (method, got.dtype, want.dtype)
        _assert_same(got, want, f"{prefix} {method}")


def _assert_same(got, want, what, magnitude=None):
    """Equal, up to the last bits that numpy's and the BLAS's versions may
    change (the files were written with other versions than the ones under
    test): at most 16 units in the last place for floating-point arrays,
    exactly for labels. ``magnitude`` (default: the largest entry of
    ``want``) sets the absolute tolerance: an intercept that batch norm
    cancels is rounding noise (1e-17) next to the layer's weights."""
    if np.issubdtype(want.dtype, np.floating):
        scale = np.finfo(want.dtype).eps * 16
        if magnitude is None:
            magnitude = float(np.max(np.abs(want), initial=0.0))
        np.testing.assert_allclose(got, want, rtol=scale, atol=scale * magnitude,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", MODELS)
def test_legacy_file_predicts_as_0_1(name, fmt, expected):
    est = _load(name, fmt)
    X = expected[f"{MANIFEST['models'][name]['data']}__X"]
    _assert_predicts(est, expected, X, name)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", MODELS)
def test_legacy_file_has_the_attributes_added_since(name, fmt):
    # fitted before averaging and the proximal phase existed: no average, no phase
    est = _load(name, fmt)
    assert est.n_averaged_ == 0
    assert est.prox_n_iter_ == 0
    assert est.kkt_violation_ is None
    assert est.prox_max_iter == 20 and est.prox_tol == 0.01


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", CONTINUED)
def test_training_continues_from_legacy_file_as_0_1(name, fmt, expected):
    """One more partial_fit (or warm-started fit) from a 0.1.x file lands on
    the weights 0.1.x reached: the optimizer, monitor, schedule, random and
    batch-norm state the file holds are all used as 0.1.x used them."""
    info = MANIFEST["models"][name]
    est = _load(name, fmt)
    X, y = expected[f"{info['data']}__X_cont"], expected[f"{info['data']}__y_cont"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if info["continuation"] == "partial_fit":
            est.partial_fit(X, y)
        else:
            assert info["continuation"] == "warm_start_fit" and est.warm_start
            est.fit(X, y)
    assert len(est.coefs_) == len(est.intercepts_) == info["n_layers"]
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        W_want = expected[f"{name}__continued__coef_{i}"]
        layer = float(np.max(np.abs(W_want)))
        _assert_same(W, W_want, f"{name} coef {i}")
        _assert_same(b, expected[f"{name}__continued__intercept_{i}"], f"{name} intercept {i}",
                     magnitude=layer)
    _assert_predicts(est, expected, expected[f"{info['data']}__X"], f"{name}__continued")


def _documented_types(est):
    """What docs/deploying.rst says a skops file of ``est`` may ask to trust:
    the estimator class and public classes of skreg.optimizers and
    skreg.schedules, never a private helper."""
    names = {f"{type(est).__module__}.{type(est).__qualname__}"}
    for mod in (optimizers, schedules):
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if isinstance(obj, type):
                names.add(f"{obj.__module__}.{obj.__qualname__}")
    return names


@pytest.mark.parametrize("name", MODELS)
def test_redumped_legacy_model_asks_to_trust_the_documented_types(name, tmp_path):
    est = _load(name, "pickle")
    path = tmp_path / f"{name}.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert f"{type(est).__module__}.{type(est).__qualname__}" in untrusted
    assert set(untrusted) <= _documented_types(est), set(untrusted) - _documented_types(est)
    # the list a user trusted for the 0.1.x file covers the file saved again
    assert untrusted == MANIFEST["models"][name]["untrusted_types"]


def test_documented_example_is_what_0_1_and_the_current_code_report(tmp_path):
    name = "clf_adam_multiclass"  # default solver and schedule, as in the docs
    assert MANIFEST["models"][name]["untrusted_types"] == DOCUMENTED_EXAMPLE
    sio.dump(_load(name, "pickle"), tmp_path / "model.skops")
    assert sio.get_untrusted_types(file=tmp_path / "model.skops") == DOCUMENTED_EXAMPLE

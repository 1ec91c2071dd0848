"""Write the skreg 0.1.x model files that tests/test_legacy_models.py loads.

The fixtures pin down what "files written by 0.1.x still load and predict
the same" means, so they must be written by the 0.1.x code, once. They were
made from commit 57b6d46 with

    PYTHONPATH=/path/to/a/checkout/of/57b6d46 python benchmarks/make_legacy_models.py

(the script refuses to run when ``skreg`` is not imported from PYTHONPATH, so
that the editable install of a newer tree is not picked up by mistake). Do
not rerun it with newer code: that would turn the test into a round trip.

It writes into tests/data/legacy_0_1/:

* ``<name>.pkl``: each fitted model, pickled with protocol 4;
* ``<name>.skops``: the same model, written by ``skops.io.dump`` (deflated,
  which changes only the zip container: its schema is 40 KB of JSON);
* ``expected.npz``: the inputs the test predicts on and continues training
  with, and what this code computed from them: ``<name>__predict`` (and
  ``__predict_proba``) on the model's inputs, and, for the models the test
  trains further after loading, the ``coefs_`` / ``intercepts_`` and
  predictions after one more ``partial_fit`` (or warm-started ``fit``);
* ``manifest.json``: the skreg, scikit-learn, skops and NumPy versions and
  commit that wrote the files, each model's class, inputs and continuation,
  and the untrusted types skops reports for each ``.skops`` file.
"""

import json
import os
import pathlib
import pickle
import sys
import warnings
import zipfile

import numpy as np
import sklearn
import skops
import skops.io as sio
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning

import skreg
from skreg import MLPClassifier, MLPRegressor

# one folder per numpy major version: numpy 1 cannot unpickle numpy 2's
# RandomState (and the other way round), so each environment of CI checks the
# files written by 0.1.x under its own numpy
OUT = (pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "legacy_0_1"
       / f"numpy{np.__version__.split('.')[0]}")
COMMIT = "57b6d46"


def _standardise(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _datasets():
    """Small fixed data sets: name -> (X_train, y_train, X_cont, y_cont).

    ``X_cont, y_cont`` feed the continuation after loading; the first 20
    rows of ``X_cont`` are also the inputs the predictions are stored for.
    """
    rng = np.random.RandomState(0)
    out = {}
    X, y = load_iris(return_X_y=True)
    X = _standardise(X)
    idx = rng.permutation(len(X))
    out["iris"] = (X[idx[:110]], y[idx[:110]], X[idx[110:]], y[idx[110:]])
    # multilabel: three overlapping yes/no questions about each flower
    Y = np.column_stack([y == 0, y != 1, X[:, 0] > 0]).astype(np.int64)
    out["iris_multilabel"] = (X[idx[:110]], Y[idx[:110]], X[idx[110:]], Y[idx[110:]])

    data = load_breast_cancer()
    X = _standardise(data.data)[:, :10]
    y = data.target_names[data.target]  # string labels 'malignant' / 'benign'
    idx = rng.permutation(len(X))[:160]
    out["cancer"] = (X[idx[:120]], y[idx[:120]], X[idx[120:]], y[idx[120:]])

    X, y = load_diabetes(return_X_y=True)
    X = _standardise(X)
    y = y / 100.0  # counts-like positive targets of order 1 (Poisson needs y >= 0)
    idx = rng.permutation(len(X))[:180]
    out["diabetes"] = (X[idx[:140]], y[idx[:140]], X[idx[140:]], y[idx[140:]])
    return out


def _fit_models(data):
    """name -> (fitted model, data set name, continuation or None)."""
    models = {}

    def fit(name, est, dataset, continuation=None):
        X, y = data[dataset][:2]
        models[name] = (est.fit(X, y), dataset, continuation)

    small = dict(hidden_layer_sizes=(8,), random_state=0)
    fit("clf_adam_multiclass", MLPClassifier(**small, max_iter=15), "iris")
    fit("clf_sgd_binary_bn_dropout",
        MLPClassifier(**small, solver="sgd", learning_rate_init=0.05, batch_norm=True,
                      dropout=0.25, batch_size=32, max_iter=6, warm_start=True),
        "cancer", continuation="warm_start_fit")
    fit("clf_multilabel", MLPClassifier(**small, learning_rate_init=0.01, max_iter=15),
        "iris_multilabel")
    fit("reg_lbfgs", MLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20,
                                  random_state=0), "diabetes")

    # three partial_fit calls: the optimizer, monitor, plateau and schedule
    # state (_opt_state, _monitor_state, _plateau_factor, _t0) are pickled
    est = MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), learning_rate_init=0.01,
                       lr_schedule="cosine", batch_size=32, random_state=0)
    X, y = data["diabetes"][:2]
    for chunk in np.array_split(np.arange(len(X)), 3):
        est.partial_fit(X[chunk], y[chunk])
    models["reg_poisson_partial_fit"] = (est, "diabetes", "partial_fit")

    fit("clf_lr_auto", MLPClassifier(**small, solver="sgd", learning_rate_init="auto",
                                     max_iter=8), "iris")
    # alpha large enough for exact zero rows (2 of the 10 inputs, 1 hidden unit)
    fit("clf_group_lasso", MLPClassifier(**small, penalty="group_lasso", alpha=0.03,
                                         learning_rate_init=0.02, max_iter=15), "cancer")
    fit("clf_early_stopping",
        MLPClassifier(**small, early_stopping=True, validation_fraction=0.2,
                      n_iter_no_change=3, learning_rate_init=0.02, max_iter=30), "iris")
    return models


def _outputs(est, X, prefix):
    """The predictions of ``est`` on ``X``, as npz entries."""
    out = {f"{prefix}__predict": est.predict(X)}
    if hasattr(est, "predict_proba"):
        out[f"{prefix}__predict_proba"] = est.predict_proba(X)
    return out


def _continue(est, how, X, y):
    """Train ``est`` (in place) once more on ``X, y``, as the test will."""
    if how == "partial_fit":
        est.partial_fit(X, y)
    elif how == "warm_start_fit":
        est.fit(X, y)
    else:
        raise ValueError(how)


def main():
    if not os.environ.get("PYTHONPATH") or not skreg.__file__.startswith(
            os.path.abspath(os.environ["PYTHONPATH"].split(os.pathsep)[0])):
        sys.exit(f"skreg comes from {skreg.__file__}: run this with PYTHONPATH set to a "
                 f"checkout of the 0.1.x commit ({COMMIT}).")
    warnings.simplefilter("ignore", ConvergenceWarning)
    OUT.mkdir(parents=True, exist_ok=True)
    data = _datasets()
    arrays = {}
    for dataset, (_, _, X_cont, y_cont) in data.items():
        arrays[f"{dataset}__X"] = X_cont[:20]
        arrays[f"{dataset}__X_cont"] = X_cont
        arrays[f"{dataset}__y_cont"] = y_cont

    manifest = {"skreg": skreg.__version__, "commit": COMMIT, "sklearn": sklearn.__version__,
                "skops": skops.__version__, "numpy": np.__version__, "models": {}}
    for name, (est, dataset, how) in _fit_models(data).items():
        with open(OUT / f"{name}.pkl", "wb") as f:
            pickle.dump(est, f, protocol=4)
        sio.dump(est, OUT / f"{name}.skops", compression=zipfile.ZIP_DEFLATED)
        arrays.update(_outputs(est, arrays[f"{dataset}__X"], name))
        if how is not None:
            # continue from the file, not from the object in memory
            with open(OUT / f"{name}.pkl", "rb") as f:
                loaded = pickle.load(f)
            _continue(loaded, how, arrays[f"{dataset}__X_cont"], arrays[f"{dataset}__y_cont"])
            for i, (W, b) in enumerate(zip(loaded.coefs_, loaded.intercepts_)):
                arrays[f"{name}__continued__coef_{i}"] = W
                arrays[f"{name}__continued__intercept_{i}"] = b
            arrays.update(_outputs(loaded, arrays[f"{dataset}__X"], f"{name}__continued"))
        manifest["models"][name] = {
            "class": type(est).__name__,
            "data": dataset,
            "continuation": how,
            "n_layers": len(est.coefs_),
            "untrusted_types": sio.get_untrusted_types(file=OUT / f"{name}.skops"),
        }
    np.savez_compressed(OUT / "expected.npz", **arrays)
    with open(OUT / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8}  {path.relative_to(OUT.parents[3])}")


if __name__ == "__main__":
    main()

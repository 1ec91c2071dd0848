#!/usr/bin/env python
"""Does a change to skreg's training core change any result? Bit for bit.

Fits a fixed panel of small configurations (every solver, schedule, penalty,
batch norm, dropout, early stopping, partial_fit, warm start, the range test,
verbose output, errors, ...) on data shipped with scikit-learn, records every
fitted attribute, the predictions, the warnings and the printed output, and
compares two such records exactly. Run from anywhere::

    # both trees, each dumped in its own interpreter, then compared
    python benchmarks/core_identity.py run --base /work/base --new /work/main

    # the same by hand
    PYTHONPATH=/work/base python benchmarks/core_identity.py dump base.pkl
    PYTHONPATH=/work/main python benchmarks/core_identity.py dump new.pkl
    python benchmarks/core_identity.py compare base.pkl new.pkl

A tree is a directory holding the ``skreg`` package; ``dump`` imports skreg
from the first entry of ``PYTHONPATH`` (or ``--tree``) and refuses to run
when ``skreg.__file__`` lies elsewhere (an editable install of another tree,
say). ``compare`` needs neither tree: the dumps hold only numpy arrays and
plain Python data. It prints one line per configuration, IDENTICAL or the
keys that differ (with the largest absolute difference of numeric ones),
then "N identical, M differ", and exits with 1 when anything differs.
``--ignore REGEX`` leaves out the keys it matches (attributes or parameters
that one tree adds on purpose), so that the rest can still be compared.

What "identical" means: the same keys; arrays of the same dtype and shape
and equal under ``np.array_equal(equal_nan=True)``; numbers of the same type
and equal (NaN equals NaN); strings, None and container types equal. Left
out, because they depend on the clock or on uninitialised memory: the
elapsed time printed by ``verbose`` ("time = 0.003s") and its in-epoch
progress line, the timing attributes and columns of MLP*CV, and the content
(not the dtype and shape) of the optimizers' scratch buffers (``SCRATCH``).
``run`` starts both dumps with the same ``PYTHONHASHSEED``.
"""

import argparse
import contextlib
import io
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

FORMAT_VERSION = 1


# --------------------------------------------------------------------- trees
def tree_from_env():
    """The first entry of PYTHONPATH, or None."""
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return entries[0] if entries else None


def import_skreg_from(tree):
    """Import skreg and check that it comes from ``tree`` (None: no check)."""
    import skreg

    where = os.path.realpath(skreg.__file__)
    if tree is not None:
        expected = os.path.join(os.path.realpath(tree), "skreg") + os.sep
        if not where.startswith(expected):
            sys.exit(f"error: skreg was imported from {where}, not from the tree {tree} "
                     "(put the tree first on PYTHONPATH)")
    return skreg, where


def subprocess_env(tree):
    """The environment of a child that must import skreg from ``tree``: the
    tree first on PYTHONPATH (an editable install comes after it), and a fixed
    hash seed so that both children iterate over sets alike."""
    env = dict(os.environ)
    rest = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = os.path.abspath(tree) + (os.pathsep + rest if rest else "")
    env["PYTHONHASHSEED"] = "0"
    return env


# ------------------------------------------------------------ normalisation
def plain(obj):
    """``obj`` as numpy arrays and plain Python data (picklable without skreg)."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return obj  # (np.float64 is a float: kept as it is, its type compared)
    if isinstance(obj, np.generic):
        return obj
    if isinstance(obj, np.ma.MaskedArray):  # (the masked entries hold garbage)
        fill = None if obj.dtype == object else 0
        return {"__masked__": plain(np.ma.filled(obj, fill)),
                "mask": np.ma.getmaskarray(obj).copy()}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return [plain(v) for v in obj.tolist()]
        return obj.copy()
    if isinstance(obj, np.random.RandomState):
        return {"__RandomState__": plain(obj.get_state())}
    if isinstance(obj, np.random.Generator):
        return {"__Generator__": plain(obj.bit_generator.state)}
    import scipy.sparse as sp

    if sp.issparse(obj):
        csr = sp.csr_matrix(obj)
        return {"__sparse__": obj.format, "shape": csr.shape, "data": csr.data.copy(),
                "indices": csr.indices.copy(), "indptr": csr.indptr.copy()}
    if isinstance(obj, dict):  # (sklearn's Bunch included)
        return {(k if isinstance(k, str) else repr(k)): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    if hasattr(obj, "get_params"):  # optimizer_, lr_schedule_, estimators
        return {"__class__": type(obj).__name__, "params": plain(obj.get_params(deep=False))}
    if callable(obj):
        return f"<callable {getattr(obj, '__name__', type(obj).__name__)}>"
    return f"<{type(obj).__name__}>"


#: scratch buffers of the optimizers' state: always written before they are
#: read, and np.empty_like after a re-initialisation (early stopping's
#: divergence), so their content is no result; dtype and shape are kept
SCRATCH = ("tmp", "denom")
#: attributes of MLP*CV that measure the clock
CLOCK_ATTRS = ("round_times_", "search_time_", "refit_time_")
CLOCK_COLUMNS = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")


def fitted_state(est):
    """Every fitted attribute of ``est``: the keys of vars(est) that end in '_'
    or start with '_' (not '__'), i.e. not the constructor parameters; without
    what depends on the clock or on uninitialised memory."""
    state = {k: plain(v) for k, v in vars(est).items()
             if (k.endswith("_") or k.startswith("_")) and not k.startswith("__")
             and k not in CLOCK_ATTRS}
    opt_state = state.get("_opt_state")
    if isinstance(opt_state, dict):
        for k in SCRATCH:
            if isinstance(opt_state.get(k), np.ndarray):
                buf = opt_state[k]
                opt_state[k] = {"__scratch__": str(buf.dtype), "shape": buf.shape}
    if isinstance(state.get("cv_results_"), dict):
        state["cv_results_"] = {k: v for k, v in state["cv_results_"].items()
                                if k not in CLOCK_COLUMNS}
    return state


_TIME = re.compile(r"time = [0-9.eE+-]+s")
_PROGRESS = re.compile(r"\r  epoch \d+: *[0-9.]+% ")


def strip_clock(text):
    """Printed output without what depends on the clock."""
    return _PROGRESS.sub("", _TIME.sub("time = <t>s", text))


# ---------------------------------------------------------------------- data
def load_data():
    """Small real data sets, standardised; the targets the panel needs."""
    from scipy import sparse
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris
    from sklearn.preprocessing import StandardScaler

    def std(X):
        return StandardScaler().fit_transform(X)

    D = {}
    X, y = load_iris(return_X_y=True)
    # iris is sorted by class: a fixed shuffle so that chunks hold every class
    order = np.random.RandomState(0).permutation(len(y))
    D["iris"] = (std(X)[order], y[order])
    X, y = load_breast_cancer(return_X_y=True)
    D["cancer"] = (std(X), y)
    D["cancer_str"] = (std(X), np.array(["benign", "malignant"])[y])
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    D["digits"] = (std(X), y)
    D["digits_f32"] = (std(X).astype(np.float32), y)
    D["digits_csr"] = (sparse.csr_matrix(X / 16.0), y)  # pixel counts: sparse
    D["multilabel"] = (std(X), np.column_stack([y % 2 == 0, y > 4, np.isin(y, [0, 6, 8, 9])])
                       .astype(int))
    X, y = load_diabetes(return_X_y=True)
    Xs, ys = std(X), (y - y.mean()) / y.std()
    D["diabetes"] = (Xs, ys)
    D["diabetes_pois"] = (Xs, y / 100.0)  # non-negative targets
    D["diabetes_2out"] = (Xs, np.column_stack([ys, np.tanh(ys) + Xs[:, 2]]))
    return D


# --------------------------------------------------------------------- panel
class Case:
    """One configuration: an estimator, the data, what to do with them.

    ``action(est, X, y)`` runs the fits and returns a dict of extra results
    (or None). ``raises``: the configuration is expected to raise."""

    def __init__(self, name, make, data, action=None, raises=False):
        self.name, self.make, self.data = name, make, data
        self.action = action or fit
        self.raises = raises


def fit(est, X, y):
    est.fit(X, y)


def fit_with(**kw):
    def action(est, X, y):
        est.fit(X, y, **kw)
    return action


def fit_twice(**changes):
    """Fit, change parameters (if any), fit again (warm start)."""
    def action(est, X, y):
        est.fit(X, y)
        first = {"first_fit": fitted_state(est)}
        est.set_params(**changes)
        est.fit(X, y)
        return first
    return action


def partial(n_calls, fit_first=False, **kw):
    """``n_calls`` partial_fit calls on consecutive chunks of the data."""
    def action(est, X, y):
        if fit_first:
            est.fit(X, y)
        for idx in np.array_split(np.arange(X.shape[0]), n_calls):
            est.partial_fit(X[idx], y[idx], **kw)
    return action


def build_panel(skreg, D):
    from skreg import optimizers as opt
    from skreg import schedules as sch

    small = dict(hidden_layer_sizes=(16,), max_iter=10, random_state=0)

    def clf(**kw):
        return lambda: skreg.MLPClassifier(**{**small, **kw})

    def reg(**kw):
        return lambda: skreg.MLPRegressor(**{**small, **kw})

    cases = []

    def add(name, make, data="digits", action=None, raises=False):
        cases.append(Case(name, make, data, action, raises))

    # solvers (strings and optimizer objects)
    add("solver/sgd-momentum0", clf(solver="sgd", momentum=0.0, learning_rate_init=0.05))
    add("solver/sgd-classical", clf(solver="sgd", nesterovs_momentum=False,
                                    learning_rate_init=0.01))
    add("solver/sgd-nesterov", clf(solver="sgd", learning_rate_init=0.01))
    add("solver/adam", clf(solver="adam", learning_rate_init=0.01))
    add("solver/adamw", clf(solver="adamw", alpha=0.01, learning_rate_init=0.01))
    add("solver/adagrad", clf(solver="adagrad", learning_rate_init=0.05))
    add("solver/rmsprop", clf(solver="rmsprop", learning_rate_init=0.001))
    add("solver/lbfgs", clf(solver="lbfgs", max_iter=20))
    add("solver/Adam(beta_1=0.8)", clf(solver=opt.Adam(beta_1=0.8), learning_rate_init=0.01))
    add("solver/SGD(0.5,classical)", clf(solver=opt.SGD(momentum=0.5, nesterov=False),
                                         learning_rate_init=0.02))
    add("solver/RMSprop(rho=0.9)", clf(solver=opt.RMSprop(rho=0.9), learning_rate_init=0.001))
    add("solver/AdamW(beta_2=0.99)", clf(solver=opt.AdamW(beta_2=0.99), alpha=0.01,
                                         learning_rate_init=0.01))

    # schedules
    sgd = dict(solver="sgd", learning_rate_init=0.05)
    for name in ("constant", "invscaling", "step", "exponential", "cosine", "onecycle"):
        add(f"schedule/{name}", clf(lr_schedule=name, **sgd))
    add("schedule/adaptive-reduces", clf(lr_schedule="adaptive", n_iter_no_change=1, tol=1.0,
                                         max_iter=30, **sgd))
    add("schedule/learning_rate=invscaling", clf(learning_rate="invscaling", power_t=0.25, **sgd))
    add("schedule/CosineAnnealing(T_0=3)", clf(lr_schedule=sch.CosineAnnealing(T_0=3), **sgd))
    add("schedule/CosineAnnealing(2,T_mult=2)",
        clf(lr_schedule=sch.CosineAnnealing(T_0=2, T_mult=2), **sgd))
    add("schedule/StepDecay(3,0.5)", clf(lr_schedule=sch.StepDecay(step_size=3, gamma=0.5), **sgd))
    add("schedule/ExponentialDecay(0.8)", clf(lr_schedule=sch.ExponentialDecay(gamma=0.8), **sgd))
    add("schedule/OneCycle(0.2,10)", clf(lr_schedule=sch.OneCycle(pct_start=0.2, div_factor=10),
                                         **sgd))
    add("schedule/adam-onecycle", clf(lr_schedule="onecycle", learning_rate_init=0.01))

    # penalties
    lr = {"sgd": 0.05, "adam": 0.01, "adamw": 0.01}
    for solver in ("sgd", "adam", "adamw"):
        for pen in ("l2", "l1", "elasticnet", "group_lasso", "group_elasticnet", None):
            add(f"penalty/{solver}-{pen}", clf(solver=solver, penalty=pen, alpha=0.01,
                                               learning_rate_init=lr[solver]))
    for pen in ("l2", "l1", "elasticnet"):
        add(f"penalty/lbfgs-{pen}", clf(solver="lbfgs", penalty=pen, alpha=0.01, max_iter=15))

    # batch normalisation and dropout
    add("bn/sgd", clf(solver="sgd", batch_norm=True, learning_rate_init=0.05))
    add("bn/adam", clf(batch_norm=True, hidden_layer_sizes=(16, 8), learning_rate_init=0.01))
    add("bn/lbfgs", clf(solver="lbfgs", batch_norm=True, max_iter=15))
    add("dropout/float", clf(dropout=0.2, learning_rate_init=0.01))
    add("dropout/per-layer", clf(dropout=[0.1, 0.3], hidden_layer_sizes=(16, 8),
                                 learning_rate_init=0.01))
    add("bn+dropout/adam", clf(batch_norm=True, dropout=0.2, learning_rate_init=0.01))
    add("bn+dropout/sgd-2layers", clf(solver="sgd", batch_norm=True, dropout=[0.2, 0.1],
                                      hidden_layer_sizes=(16, 8), learning_rate_init=0.05))

    # early stopping
    add("es/classifier", clf(early_stopping=True, max_iter=15, learning_rate_init=0.01))
    add("es/regressor", reg(early_stopping=True, max_iter=15, learning_rate_init=0.01), "diabetes")
    add("es/stops-early", clf(early_stopping=True, n_iter_no_change=2, tol=0.5, max_iter=30,
                              learning_rate_init=0.01))
    add("es/adaptive", clf(early_stopping=True, lr_schedule="adaptive", n_iter_no_change=1,
                           tol=0.2, max_iter=30, **sgd))
    add("es/diverges-keeps-best", clf(solver="sgd", early_stopping=True, learning_rate_init=1e10,
                                      max_iter=20))
    add("es/bn-sample_weight", clf(early_stopping=True, batch_norm=True, learning_rate_init=0.01),
        action=fit_with(sample_weight=np.linspace(0.5, 2.0, 400)))

    # partial_fit
    add("partial/classifier-classes", clf(learning_rate_init=0.01),
        action=partial(3, classes=np.arange(10)))
    add("partial/regressor", reg(solver="sgd", learning_rate_init=0.01), "diabetes",
        action=partial(3))
    add("partial/sgd-invscaling", clf(lr_schedule="invscaling", **sgd),
        action=partial(3, classes=np.arange(10)))
    add("partial/after-fit", clf(batch_norm=True, learning_rate_init=0.01, max_iter=5),
        action=partial(3, fit_first=True))
    add("partial/class_weight-dict", clf(class_weight={0: 3.0, 1: 0.5}, learning_rate_init=0.01),
        action=partial(3, classes=np.arange(10)))

    # warm start
    add("warm/fit-twice", clf(warm_start=True, learning_rate_init=0.01, max_iter=5),
        action=fit_twice())
    add("warm/max_iter-changed", clf(warm_start=True, lr_schedule="cosine", max_iter=5, **sgd),
        action=fit_twice(max_iter=8))
    add("warm/lbfgs", clf(solver="lbfgs", warm_start=True, max_iter=8), action=fit_twice())
    add("warm/early_stopping", clf(warm_start=True, early_stopping=True, max_iter=5,
                                   learning_rate_init=0.01), action=fit_twice())

    # learning_rate_init='auto' (the range test inside fit)
    add("auto/sgd", clf(solver="sgd", learning_rate_init="auto"))
    add("auto/adam", clf(learning_rate_init="auto"))
    add("auto/early_stopping", clf(learning_rate_init="auto", early_stopping=True))
    add("auto/onecycle", clf(learning_rate_init="auto", lr_schedule="onecycle", solver="sgd"))
    add("auto/regressor", reg(learning_rate_init="auto"), "diabetes")
    add("auto/partial_fit", clf(learning_rate_init="auto"),
        action=partial(3, classes=np.arange(10)))

    # printed output
    add("verbose/1-sgd", clf(solver="sgd", verbose=1, learning_rate_init=0.05, max_iter=5))
    add("verbose/2-adam", clf(verbose=2, learning_rate_init=0.01, max_iter=5))
    add("verbose/1-lbfgs", clf(solver="lbfgs", verbose=1, max_iter=5))
    add("verbose/1-adaptive", clf(lr_schedule="adaptive", n_iter_no_change=1, tol=1.0, verbose=1,
                                  max_iter=30, **sgd))
    add("verbose/1-es-auto", clf(verbose=1, early_stopping=True, learning_rate_init="auto",
                                 max_iter=5))

    # weights
    sw_iris = np.random.RandomState(1).uniform(0.5, 2.0, 150)
    add("weights/balanced", clf(class_weight="balanced", learning_rate_init=0.01), "cancer")
    add("weights/dict", clf(class_weight={0: 2.0, 1: 0.5}, learning_rate_init=0.01), "cancer")
    add("weights/sample_weight", clf(learning_rate_init=0.01), "iris",
        action=fit_with(sample_weight=sw_iris))
    add("weights/sample_weight-zeros-lbfgs", clf(solver="lbfgs", max_iter=15), "iris",
        action=fit_with(sample_weight=np.where(np.arange(150) % 3 == 0, 0.0, sw_iris)))
    add("weights/sample+class-sgd", clf(solver="sgd", class_weight="balanced",
                                        learning_rate_init=0.05), "iris",
        action=fit_with(sample_weight=sw_iris))

    # regression
    add("reg/squared_error-adam", reg(learning_rate_init=0.01), "diabetes")
    add("reg/squared_error-sgd", reg(solver="sgd", learning_rate_init=0.01), "diabetes")
    add("reg/lbfgs", reg(solver="lbfgs", max_iter=15), "diabetes")
    add("reg/poisson-adam", reg(loss="poisson", learning_rate_init=0.01), "diabetes_pois")
    add("reg/poisson-lbfgs", reg(loss="poisson", solver="lbfgs", max_iter=15), "diabetes_pois")
    add("reg/multi-output-adam", reg(learning_rate_init=0.01), "diabetes_2out")
    add("reg/multi-output-bn-sgd", reg(solver="sgd", batch_norm=True, learning_rate_init=0.01),
        "diabetes_2out")

    # targets and inputs
    add("multilabel/adam", clf(learning_rate_init=0.01), "multilabel")
    add("multilabel/lbfgs", clf(solver="lbfgs", max_iter=15), "multilabel")
    add("binary/adam", clf(learning_rate_init=0.01), "cancer")
    add("binary/sgd-str-labels", clf(solver="sgd", learning_rate_init=0.05), "cancer_str")
    add("binary/lbfgs", clf(solver="lbfgs", max_iter=15), "cancer")
    add("float32/adam", clf(learning_rate_init=0.01), "digits_f32")
    add("float32/lbfgs-bn", clf(solver="lbfgs", batch_norm=True, max_iter=10), "digits_f32")
    add("sparse/adam", clf(learning_rate_init=0.01), "digits_csr")
    add("sparse/sgd-no-shuffle", clf(solver="sgd", shuffle=False, learning_rate_init=0.05),
        "digits_csr")
    add("batch_size/larger-than-n", clf(batch_size=1000, learning_rate_init=0.01), "iris")
    add("arch/tanh-xavier_normal", clf(activation="tanh", init="xavier_normal",
                                       hidden_layer_sizes=(16, 8), learning_rate_init=0.01))
    add("arch/logistic-he_uniform", clf(activation="logistic", init="he_uniform",
                                        learning_rate_init=0.01))
    add("arch/no-hidden-layer", clf(hidden_layer_sizes=(), learning_rate_init=0.01))

    # configurations that must raise
    add("error/diverges", clf(solver="sgd", learning_rate_init=1e10, max_iter=20), raises=True)
    add("error/dropout-lbfgs", clf(solver="lbfgs", dropout=0.2), raises=True)
    add("error/group_lasso-lbfgs", clf(solver="lbfgs", penalty="group_lasso"), raises=True)
    add("error/partial_fit-early_stopping", clf(early_stopping=True),
        action=partial(1, classes=np.arange(10)), raises=True)

    def change_layout(est, X, y):  # the failed fit must leave the first one's state
        est.fit(X, y)
        est.set_params(hidden_layer_sizes=(8,))
        est.fit(X, y)
    add("error/warm-layout-change", clf(warm_start=True, max_iter=3), action=change_layout,
        raises=True)

    # the public range test (the estimator passed in must stay as it was)
    def range_test(**kw):
        def action(est, X, y):
            return {"range_test": skreg.lr_range_test(est, X, y, **kw)}
        return action
    add("lr_range_test/sgd", clf(solver="sgd"), action=range_test(n_steps=40))
    add("lr_range_test/adam-valley", clf(), action=range_test(n_steps=40, rule="valley"))

    def range_test_warm(est, X, y):
        est.fit(X, y)
        return {"range_test": skreg.lr_range_test(est, X, y, n_steps=30, rule="minimum")}
    add("lr_range_test/warm_start-fitted", clf(warm_start=True, learning_rate_init=0.01,
                                               max_iter=5), action=range_test_warm)

    # derived estimators
    def prune(est, X, y):
        est.fit(X, y)
        small_est = skreg.prune(est)
        return {"pruned": fitted_state(small_est),
                "pruned_hidden_layer_sizes": plain(small_est.hidden_layer_sizes),
                "pruned_predict_proba": small_est.predict_proba(X)}
    add("prune/group_lasso", clf(solver="sgd", penalty="group_lasso", alpha=0.3,
                                 hidden_layer_sizes=(32,), learning_rate_init=0.05,
                                 max_iter=20), "iris", action=prune)

    def to_sklearn(est, X, y):
        est.fit(X, y)
        sk = est.to_sklearn()
        return {"sklearn_coefs_": plain(sk.coefs_),
                "sklearn_intercepts_": plain(sk.intercepts_),
                "sklearn_predict": sk.predict(X)}
    add("to_sklearn/classifier", clf(learning_rate_init=0.01), action=to_sklearn)
    add("to_sklearn/bn-regressor", reg(batch_norm=True, learning_rate_init=0.01), "diabetes",
        action=to_sklearn)

    # the tuned estimators (tiny searches)
    def search(est, X, y):  # (cv_results_ and best_params_ are in the state)
        est.fit(X, y)
        return {"best_estimator_": fitted_state(est.best_estimator_)}
    add("cv/MLPClassifierCV", lambda: skreg.MLPClassifierCV(
        skreg.MLPClassifier(learning_rate_init="auto", max_iter=9),
        n_candidates=4, cv=2, random_state=0), "iris", action=search)
    add("cv/MLPRegressorCV", lambda: skreg.MLPRegressorCV(
        skreg.MLPRegressor(learning_rate_init="auto", max_iter=9),
        n_candidates=4, cv=2, random_state=0), "diabetes", action=search)
    return cases


# ----------------------------------------------------------------------- dump
def run_case(case, D):
    """The record of one configuration (it never raises: an error is recorded)."""
    X, y = D[case.data]
    est = case.make()
    out = {}
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buf):
        warnings.simplefilter("always")
        try:
            out.update(case.action(est, X, y) or {})
            out["error"] = None
        except Exception as exc:  # noqa: BLE001 - the message is the result
            out["error"] = f"{type(exc).__name__}: {exc}"
        out["state"] = fitted_state(est)
        fitted = hasattr(est, "coefs_") or hasattr(est, "best_estimator_")
        for method in ("predict", "predict_proba"):
            if fitted and hasattr(est, method) and method not in out:
                try:
                    out[method] = getattr(est, method)(X)
                except Exception as exc:  # noqa: BLE001
                    out[method] = f"{type(exc).__name__}: {exc}"
    out["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
    out["stdout"] = strip_clock(buf.getvalue())
    return out


def dump(path, tree=None, only=None):
    tree = tree or tree_from_env()
    skreg, where = import_skreg_from(tree)
    if tree is None:
        print(f"note: no tree given (PYTHONPATH is empty): using skreg from {where}",
              file=sys.stderr)
    import scipy
    import sklearn

    D = load_data()
    cases = build_panel(skreg, D)
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "duplicate configuration names"
    records, surprises = {}, []
    tic = time.perf_counter()
    for case in cases:
        if only and not re.search(only, case.name):
            continue
        rec = records[case.name] = run_case(case, D)
        if case.raises != (rec["error"] is not None):
            surprises.append(f"{case.name}: "
                             + (f"raised {rec['error']}" if rec["error"] else "did not raise"))
    meta = {"format": FORMAT_VERSION, "skreg_file": where, "tree": tree,
            "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                         "scipy": scipy.__version__, "sklearn": sklearn.__version__},
            "seconds": time.perf_counter() - tic}
    with open(path, "wb") as f:
        pickle.dump({"meta": meta, "records": records}, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"dumped {len(records)} configurations of skreg from {where} to {path} "
          f"in {meta['seconds']:.1f} s", file=sys.stderr)
    for s in surprises:  # the panel's expectation, not a difference between trees
        print(f"  unexpected: {s}", file=sys.stderr)


# -------------------------------------------------------------------- compare
def leaves(obj, path=""):
    """Flatten a record into {path: leaf}. A container leaves a leaf of its
    own, (type, length) for a list or tuple, so that a list turned tuple
    shows, and ("dict", None) for a dict, whose keys show as paths only in A
    or only in B."""
    out = {}
    if isinstance(obj, dict):
        if path:
            out[path] = ("dict", None)
        for k, v in obj.items():
            out.update(leaves(v, f"{path}.{k}" if path else k))
    elif isinstance(obj, (list, tuple)):
        out[path] = (type(obj).__name__, len(obj))
        for i, v in enumerate(obj):
            out.update(leaves(v, f"{path}[{i}]"))
    else:
        out[path] = obj
    return out


def max_abs_diff(a, b):
    """Largest |a - b| where neither is NaN, as text with the number of
    entries that are NaN in only one of them (None if not numeric)."""
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if a.shape != b.shape:
        return None
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    finite = ~(nan_a | nan_b)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(a[finite] - b[finite])
    text = f"max abs diff {d.max():.3g}" if d.size else "no comparable entries"
    n_nan = int((nan_a != nan_b).sum())
    return text + (f", NaN in one only at {n_nan} entries" if n_nan else "")


def same_leaf(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except TypeError:
            return bool(np.array_equal(a, b))
    if isinstance(a, (float, complex, np.inexact)):
        return bool(a == b or (a != a and b != b))  # NaN equals NaN
    return bool(a == b)


def describe(a, b):
    """Why two leaves differ, briefly."""
    if type(a) is not type(b) and not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        numeric = (int, float, np.number, np.ndarray)
        d = max_abs_diff(a, b) if isinstance(a, numeric) and isinstance(b, numeric) else None
        return f"type {kind(a)} -> {kind(b)}" + (f", {d}" if d else "")
    if isinstance(a, np.ndarray):
        if a.shape != b.shape:
            return f"shape {a.shape} -> {b.shape}"
        dtype = f"dtype {a.dtype} -> {b.dtype}, " if a.dtype != b.dtype else ""
        return dtype + (max_abs_diff(a, b) or "values differ")
    if isinstance(a, tuple):  # a container's (type, length or None)
        return f"{kind(a)} -> {kind(b)}"
    if isinstance(a, str) and len(a) + len(b) > 80:  # from the first difference on
        i = next((i for i, (p, q) in enumerate(zip(a, b)) if p != q), min(len(a), len(b)))
        return (f"strings differ from character {i} (of {len(a)} / {len(b)}): "
                f"{short(a[max(i - 20, 0):i + 40])} -> {short(b[max(i - 20, 0):i + 40])}")
    text = f"{short(a)} -> {short(b)}"
    if isinstance(a, (int, float, np.number)) and not isinstance(a, (bool, np.bool_)):
        with np.errstate(invalid="ignore", over="ignore"):
            diff = abs(float(a) - float(b))
        if np.isfinite(diff):
            text += f" (abs diff {diff:.3g})"
    return text


def kind(leaf):
    """A leaf's type in words (a container's marker: its type and length)."""
    if isinstance(leaf, tuple):
        t, n = leaf
        return t if n is None else f"{t} of {n}"
    return type(leaf).__name__


def short(v, width=70):
    s = repr(v)
    return s if len(s) <= width else s[:width - 3] + "..."


def compare_records(ra, rb, ignore=None):
    """[(key, description)] of the leaves that differ between two records,
    except those whose key matches the regular expression ``ignore``."""
    la, lb = leaves(ra), leaves(rb)
    diffs = []
    for key in list(la) + [k for k in lb if k not in la]:
        if ignore and re.search(ignore, key):
            continue
        if key not in lb:
            diffs.append((key, "only in A"))
        elif key not in la:
            diffs.append((key, "only in B"))
        elif not same_leaf(la[key], lb[key]):
            diffs.append((key, describe(la[key], lb[key])))
    return diffs


def compare(path_a, path_b, max_keys=12, ignore=None):
    with open(path_a, "rb") as f:
        A = pickle.load(f)
    with open(path_b, "rb") as f:
        B = pickle.load(f)
    ma, mb = A["meta"], B["meta"]
    print(f"A: {path_a} (skreg from {ma['skreg_file']}, dumped in {ma['seconds']:.1f} s)")
    print(f"B: {path_b} (skreg from {mb['skreg_file']}, dumped in {mb['seconds']:.1f} s)")
    if ma["versions"] != mb["versions"]:
        print(f"warning: different library versions: {ma['versions']} vs {mb['versions']}")
    names = list(A["records"]) + [n for n in B["records"] if n not in A["records"]]
    width = max(map(len, names), default=0)
    n_same = n_diff = 0
    for name in names:
        if name not in B["records"] or name not in A["records"]:
            n_diff += 1
            print(f"{name:<{width}}  DIFFER: only in {'A' if name in A['records'] else 'B'}")
            continue
        diffs = compare_records(A["records"][name], B["records"][name], ignore)
        if not diffs:
            n_same += 1
            print(f"{name:<{width}}  IDENTICAL")
            continue
        n_diff += 1
        print(f"{name:<{width}}  DIFFER in {len(diffs)} key(s):")
        for key, why in diffs[:max_keys]:
            print(f"    {key}: {why}")
        if len(diffs) > max_keys:
            print(f"    ... and {len(diffs) - max_keys} more (--max-keys to see them)")
    if ignore:
        print(f"(keys matching {ignore!r} were not compared)")
    print(f"{n_same} identical, {n_diff} differ")
    return 1 if n_diff else 0


def run(base, new, keep=None, only=None, max_keys=12, ignore=None):
    """Dump both trees in their own interpreters, then compare."""
    outdir = keep or tempfile.mkdtemp(prefix="core_identity_")
    os.makedirs(outdir, exist_ok=True)
    paths = {}
    for label, tree in (("base", base), ("new", new)):
        paths[label] = os.path.join(outdir, f"{label}.pkl")
        cmd = [sys.executable, os.path.abspath(__file__), "dump", paths[label], "--tree", tree]
        if only:
            cmd += ["--only", only]
        tic = time.perf_counter()
        proc = subprocess.run(cmd, env=subprocess_env(tree))
        print(f"dump {label} ({tree}): exit {proc.returncode}, "
              f"{time.perf_counter() - tic:.1f} s wall", file=sys.stderr)
        if proc.returncode != 0:
            print(f"error: the dump of {tree} failed; nothing compared", file=sys.stderr)
            return 2
    status = compare(paths["base"], paths["new"], max_keys, ignore)
    if keep is None:
        for p in paths.values():
            os.remove(p)
        os.rmdir(outdir)
    return status


IGNORE_HELP = ("regular expression: keys not to compare (re.search on the key path, "
               "e.g. 'n_averaged_|params\\.warmup' for attributes a tree adds)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("dump", help="fit the panel with the skreg on PYTHONPATH, save it")
    p.add_argument("out")
    p.add_argument("--tree", help="the tree skreg must come from (default: PYTHONPATH's first)")
    p.add_argument("--only", help="regular expression: the configurations to run")
    p = sub.add_parser("compare", help="compare two dumps")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--max-keys", type=int, default=12, help="differing keys shown per config")
    p.add_argument("--ignore", metavar="REGEX", help=IGNORE_HELP)
    p = sub.add_parser("run", help="dump two trees in subprocesses and compare")
    p.add_argument("--base", required=True)
    p.add_argument("--new", required=True)
    p.add_argument("--keep", metavar="DIR", help="keep the dumps (base.pkl, new.pkl) in DIR")
    p.add_argument("--only", help="regular expression: the configurations to run")
    p.add_argument("--max-keys", type=int, default=12)
    p.add_argument("--ignore", metavar="REGEX", help=IGNORE_HELP)
    args = parser.parse_args(argv)
    if args.mode == "dump":
        dump(args.out, args.tree, args.only)
        return 0
    if args.mode == "compare":
        return compare(args.a, args.b, args.max_keys, args.ignore)
    return run(args.base, args.new, args.keep, args.only, args.max_keys, args.ignore)


if __name__ == "__main__":
    sys.exit(main())

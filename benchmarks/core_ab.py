"""In-process A/B timing of two skreg trees: both packages are imported side by
side in one process (skreg uses relative imports only, so a copy of each tree's
``skreg`` folder imports as ``skreg_old`` / ``skreg_new``), the fits of each
configuration alternate old/new, new/old for ``rounds`` rounds, and the table
gives the ratio of the best times and the median of the paired ratios. Less
noisy than whole-process runs on a shared machine (core_speed.py)::

    python benchmarks/core_ab.py --base /work/base --new /work/main [--rounds 15] [--only NAME]
"""
import argparse
import importlib
import shutil
import sys
import tempfile
import time
import warnings

warnings.simplefilter("ignore")
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

def data(name):
    loader = {"digits": load_digits, "cancer": load_breast_cancer, "iris": load_iris,
              "diabetes": load_diabetes}[name]
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    return X, y

F = dict(tol=0.0, n_iter_no_change=10**6, random_state=0)
CONFIGS = {
  "adam-100-digits": ("digits", "MLPClassifier", dict(max_iter=20, **F), "fit"),
  "sgd-nesterov-32-cancer-b32": ("cancer", "MLPClassifier", dict(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=0.01, batch_size=32, max_iter=50, **F), "fit"),
  "tiny-8-iris-b16": ("iris", "MLPClassifier", dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, batch_size=16, max_iter=100, **F), "fit"),
  "adamw-l1-64x64-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(64, 64), solver="adamw", penalty="l1", alpha=1e-3, max_iter=15, **F), "fit"),
  "bn-dropout-64-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), batch_norm=True, dropout=0.2, max_iter=15, **F), "fit"),
  "early-stopping-adam-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), early_stopping=True, max_iter=25, tol=0.0, n_iter_no_change=10**6, random_state=0), "fit"),
  "adaptive-sgd-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(32,), solver="sgd", lr_schedule="adaptive", learning_rate_init=0.05, max_iter=30, tol=0.5, n_iter_no_change=2, random_state=0), "fit"),
  "partial_fit-20-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), **F), "partial_fit"),
  "lbfgs-50-cancer": ("cancer", "MLPClassifier", dict(hidden_layer_sizes=(50,), solver="lbfgs", max_iter=100, **F), "fit"),
  "auto-sgd-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(32,), solver="sgd", learning_rate_init="auto", max_iter=10, **F), "fit"),
  "regressor-adam-100-diabetes": ("diabetes", "MLPRegressor", dict(max_iter=200, **F), "fit"),
  "group_lasso-sgd-digits": ("digits", "MLPClassifier", dict(hidden_layer_sizes=(64,), solver="sgd", penalty="group_lasso", alpha=1e-3, learning_rate_init=0.05, max_iter=20, **F), "fit"),
}

def run(mod, X, y, cls, params, how):
    est = getattr(mod, cls)(**params)
    t = time.perf_counter()
    if how == "fit":
        est.fit(X, y)
    else:
        classes = np.unique(y)
        for i in range(20):
            est.partial_fit(X[i * 80:(i + 1) * 80], y[i * 80:(i + 1) * 80], classes=classes)
    return time.perf_counter() - t, est

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--base", required=True)
parser.add_argument("--new", required=True)
parser.add_argument("--rounds", type=int, default=15)
parser.add_argument("--only", default="")
args = parser.parse_args()
rounds, only = args.rounds, args.only
tmp = tempfile.mkdtemp()
for tree, name in ((args.base, "skreg_old"), (args.new, "skreg_new")):
    shutil.copytree(f"{tree}/skreg", f"{tmp}/{name}", ignore=shutil.ignore_patterns("__pycache__"))
sys.path.insert(0, tmp)
skreg_old = importlib.import_module("skreg_old")
skreg_new = importlib.import_module("skreg_new")
print(f"| configuration | old min (ms) | new min (ms) | min ratio | median of paired ratios |")
print("|---|---:|---:|---:|---:|")
ratios_all = []
for name, (ds, cls, params, how) in CONFIGS.items():
    if only and only not in name:
        continue
    X, y = data(ds)
    run(skreg_old, X, y, cls, params, how); run(skreg_new, X, y, cls, params, how)
    a, b, r = [], [], []
    for k in range(rounds):
        order = (skreg_old, skreg_new) if k % 2 == 0 else (skreg_new, skreg_old)
        t = {}
        for mod in order:
            t[mod], est = run(mod, X, y, cls, params, how)
        a.append(t[skreg_old]); b.append(t[skreg_new]); r.append(t[skreg_new] / t[skreg_old])
    ratios_all.append(min(b) / min(a))
    print(f"| {name} | {min(a)*1e3:.1f} | {min(b)*1e3:.1f} | {min(b)/min(a):.3f} | {np.median(r):.3f} |", flush=True)
print(f"| geometric mean of min ratios | | | {np.exp(np.mean(np.log(ratios_all))):.3f} | |")
shutil.rmtree(tmp, ignore_errors=True)

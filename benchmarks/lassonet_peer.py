"""LassoNet on the data of benchmarks/group_lasso.py's selector targets.

Runs in its own environment (lassonet needs torch, which skreg never
depends on)::

    python -m venv lassonet-env
    lassonet-env/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    lassonet-env/bin/pip install lassonet==0.0.21 scikit-learn
    lassonet-env/bin/python benchmarks/lassonet_peer.py friedman 0

Prints one JSON line: the kept inputs, the held-out score of the model on
them (the same downstream model as group_lasso.py: scikit-learn's default
MLP would differ, so LassoNet's own refit is not used; the selection is
what is compared) and the wall time. The data and splits are built exactly
here and group_lasso.py imports them (this script must not import skreg:
its environment has none).
"""

import json
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, make_friedman1
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def with_noise_columns(X, n_noise, rng):
    """X with ``n_noise`` columns appended, each a copy of a random column of
    X with its rows permuted."""
    cols = rng.randint(0, X.shape[1], n_noise)
    noise = np.column_stack([rng.permutation(X[:, c]) for c in cols])
    return np.hstack([X, noise])


def selector_data(name, seed, n_noise=50):
    """(X_train, X_test, y_train, y_test, n_real); X standardised on the
    training part, y too for the regression."""
    if name == "friedman":
        X, y = make_friedman1(n_samples=2000, n_features=100, noise=1.0, random_state=seed)
        n_real, stratify = 5, None
    else:
        X0, y = load_breast_cancer(return_X_y=True)
        X = with_noise_columns(X0, n_noise, np.random.RandomState(seed))
        n_real, stratify = X0.shape[1], y
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=stratify,
                                              random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    if name == "friedman":
        mu, sd = y_tr.mean(), y_tr.std()
        y_tr, y_te = (y_tr - mu) / sd, (y_te - mu) / sd
    return X_tr, X_te, y_tr, y_te, n_real


def main():
    import torch
    from lassonet import LassoNetClassifierCV, LassoNetRegressorCV

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    name, seed = sys.argv[1], int(sys.argv[2])
    X_tr, X_te, y_tr, y_te, n_real = selector_data(name, seed)
    cls = LassoNetRegressorCV if name == "friedman" else LassoNetClassifierCV
    tic = time.perf_counter()
    model = cls(hidden_dims=(64,), cv=3, random_state=seed, torch_seed=seed, verbose=0)
    model.fit(X_tr, y_tr)
    elapsed = time.perf_counter() - tic
    kept = np.flatnonzero(np.asarray(model.best_selected_.cpu()).astype(bool))
    print(json.dumps({"name": name, "seed": seed, "kept": kept.tolist(), "n_real": n_real,
                      "lassonet_score": float(model.score(X_te, y_te)), "time": elapsed}))


if __name__ == "__main__":
    main()

"""Folding batch normalisation into the weights gives the same network."""

import numpy as np

from skreg import MLPClassifier, MLPRegressor
from skreg._fold import fold_batch_norm


def _plain_forward(coefs, intercepts, X, act):
    H = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        H = H @ W + b
        if i < len(coefs) - 1:
            H = act(H)
    return H


def test_fold_matches_batch_norm_forward_written_out():
    rng = np.random.default_rng(0)
    sizes = [4, 5, 3, 2]
    coefs = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.normal(size=b) for b in sizes[1:]]
    gammas = [rng.uniform(0.5, 2, size=u) for u in sizes[1:-1]]
    betas = [rng.normal(size=u) for u in sizes[1:-1]]
    means = [rng.normal(size=u) for u in sizes[1:-1]]
    variances = [rng.uniform(0.1, 3, size=u) for u in sizes[1:-1]]
    X = rng.normal(size=(7, 4))
    eps = 1e-5
    # batch-normalised forward pass, written out here independently
    H = X
    for i in range(3):
        Z = H @ coefs[i] + intercepts[i]
        if i < 2:
            Z = gammas[i] * (Z - means[i]) / np.sqrt(variances[i] + eps) + betas[i]
            Z = np.tanh(Z)
        H = Z
    before = [c.copy() for c in coefs]
    fc, fi = fold_batch_norm(coefs, intercepts, gammas, betas, means, variances, eps)
    np.testing.assert_allclose(_plain_forward(fc, fi, X, np.tanh), H, rtol=1e-12, atol=1e-12)
    for a, b in zip(before, coefs):  # inputs untouched
        np.testing.assert_array_equal(a, b)


def test_fold_without_batch_norm_copies():
    W = [np.ones((2, 3)), np.ones((3, 1))]
    b = [np.zeros(3), np.zeros(1)]
    fc, fi = fold_batch_norm(W, b, [], [], [], [])
    assert all(np.array_equal(x, y) for x, y in zip(fc, W))
    assert fc[0] is not W[0]


def test_fold_reproduces_fitted_estimators():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    clf = MLPClassifier((8, 5), activation="relu", batch_norm=True, max_iter=20,
                        random_state=0).fit(X, y)
    fc, fi = fold_batch_norm(clf.coefs_, clf.intercepts_, clf.bn_gammas_, clf.bn_betas_,
                             clf.bn_running_means_, clf.bn_running_vars_)
    logit = _plain_forward(fc, fi, X, lambda z: np.maximum(z, 0)).ravel()
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-logit)),
                               rtol=1e-12)
    reg = MLPRegressor(hidden_layer_sizes=(7,), activation="logistic", batch_norm=True, max_iter=20,
                       random_state=0).fit(X, X[:, 0])
    fc, fi = fold_batch_norm(reg.coefs_, reg.intercepts_, reg.bn_gammas_, reg.bn_betas_,
                             reg.bn_running_means_, reg.bn_running_vars_)
    out = _plain_forward(fc, fi, X, lambda z: 1 / (1 + np.exp(-z))).ravel()
    np.testing.assert_allclose(reg.predict(X), out, rtol=1e-12, atol=1e-13)

"""
==================================================
Group lasso: feature selection and pruned networks
==================================================

``penalty='group_lasso'`` penalises the Euclidean norm of each row of every
weight matrix, that is, of all outgoing weights of one input feature or one
hidden unit. After each update a block soft-thresholding step sets whole rows
to exactly zero, and a short full-batch proximal phase at the end of the fit
(``prox_max_iter``) settles which rows the objective wants at zero: the
network stops using an input (its ``feature_importances_`` entry is 0) or a
hidden unit, which :func:`skreg.prune` then removes without changing the
predictions.

We follow a path over ``alpha`` on Friedman's regression problem #1, where
one informative feature acts only through ``(x3 - 0.5)**2``, so that a linear
model cannot see it, and then look at the pixels a digits classifier keeps.
"""

# %%
# Friedman #1: 100 features, 5 of them informative
# ------------------------------------------------
# ``y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise``; the other
# 95 features are noise. (Columns 0 to 4 of ``X`` hold x1 to x5.)
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor, prune

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_friedman1(n_samples=1000, n_features=100, noise=1.0, random_state=0)
X = StandardScaler().fit_transform(X)

# (SGD with momentum 0.9 thresholds with its effective step lr / (1 - 0.9),
# so the useful alphas are ten times smaller than with plain SGD)
alphas = [0.001, 0.002, 0.004, 0.008, 0.016]
n_features, n_units, scores, found = [], [], [], []
for alpha in alphas:
    mlp = MLPRegressor(hidden_layer_sizes=(32,), penalty="group_lasso", alpha=alpha,
                       solver="sgd", learning_rate_init=0.01, max_iter=200,
                       random_state=0)
    model = TransformedTargetRegressor(mlp, transformer=StandardScaler())
    scores.append(cross_val_score(model, X, y, cv=3).mean())
    fitted = model.fit(X, y).regressor_
    used = fitted.feature_importances_ > 0
    n_features.append(used.sum())
    found.append(used[:5])
    n_units.append(prune(fitted).hidden_layer_sizes[0])

fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
axes[0].semilogx(alphas, n_features, "o-")
axes[0].set(xlabel="alpha", ylabel="features used (of 100)")
axes[1].semilogx(alphas, n_units, "o-")
axes[1].set(xlabel="alpha", ylabel="hidden units after prune (of 32)")
axes[2].semilogx(alphas, scores, "o-")
axes[2].set(xlabel="alpha", ylabel="CV R^2")
for ax in axes:  # label the tried alphas, not the log axis' minor ticks
    ax.set_xticks(alphas, [f"{a:g}" for a in alphas], minor=False)
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
fig.suptitle("MLPRegressor(penalty='group_lasso'), Friedman #1")
fig.tight_layout()

# %%
# Which informative features does each model keep? ``LassoCV`` fits a linear
# model: ``(x3 - 0.5)^2`` is uncorrelated with x3, so the lasso drops it.
# The network keeps x3 at the smaller alphas. Two limits show here. At a
# small alpha the objective itself keeps many noise rows: with 1,000 samples
# a noise input's correlation with the residuals pulls harder than the
# threshold (the proximal phase ends at the objective's zeros, and those are
# not the noise-free set). And x3's row gets no gradient once it is zero
# (the effect is even in x3), so a larger alpha that zeroes it early loses
# it for good; the user guide discusses both.
lasso = LassoCV(cv=3, random_state=0).fit(X, y)
print("LassoCV keeps x1..x5:", lasso.coef_[:5] != 0,
      f"and {(lasso.coef_[5:] != 0).sum()} noise features")
for alpha, f, k, s in zip(alphas, found, n_features, scores):
    print(f"alpha={alpha:<6} network keeps x1..x5: {f}, {k - f.sum()} noise "
          f"features, CV R^2 = {s:.3f}")

# %%
# The digits: which pixels does the network look at?
# --------------------------------------------------
# A zero importance is exact: the pixel's outgoing weights are all zero.
# Border pixels that are (almost) always blank go first.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    StandardScaler().fit_transform(X), y, test_size=0.3, stratify=y, random_state=0)
fig, axes = plt.subplots(1, 3, figsize=(9, 3.3))
for ax, alpha in zip(axes, [0.0003, 0.001, 0.003]):
    clf = MLPClassifier(hidden_layer_sizes=(64,), penalty="group_lasso", alpha=alpha,
                        solver="sgd", learning_rate_init=0.05, max_iter=60,
                        random_state=0).fit(X_train, y_train)
    small = prune(clf)
    imp = clf.feature_importances_.reshape(8, 8)
    ax.imshow(np.where(imp > 0, imp, np.nan), cmap="viridis")
    ax.set_title(f"alpha={alpha}: {(imp > 0).sum()} pixels,\n"
                 f"{small.hidden_layer_sizes[0]} units, "
                 f"accuracy {small.score(X_test, y_test):.3f}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Pixels used (blank: exactly zero importance)")
fig.tight_layout()
plt.show()

"""
==============================================
Weight decay: from overfitting to underfitting
==============================================

The L2 penalty ``alpha * 0.5 * ||W||^2`` pulls every weight towards zero.
With ``alpha`` near zero, a large network is free to fit the noise of a
small training set: the training score is perfect while the validation
score lags behind (overfitting). With a very large ``alpha`` the weights are
squeezed so hard that the network cannot fit even the training data
(underfitting). In between, the penalty trades a little training accuracy
for a better validation score.

This example draws that trade-off with
:func:`sklearn.model_selection.validation_curve`, then looks at the
weights themselves at three values of ``alpha``.

Note that skreg's ``alpha`` is *not* divided by the number of samples, so
its useful range differs from scikit-learn's.
"""

# %%
# A small, noisy classification problem
# -------------------------------------
#
# 200 samples, 40 features of which only 5 carry signal, and 5% of the
# labels flipped at random. A hidden layer of 100 units has far more
# weights (4,100) than there are samples, so it can memorise the training
# set.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, validation_curve

from skreg import MLPClassifier
from skreg.plotting import WeightDistributionDisplay

# the fits run a fixed number of epochs on purpose
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_classification(
    n_samples=200, n_features=40, n_informative=5, n_redundant=0,
    flip_y=0.05, random_state=1,
)

mlp = MLPClassifier(
    hidden_layer_sizes=(100,), learning_rate_init=0.01, batch_size=50,
    max_iter=150, n_iter_no_change=150, random_state=0,
)

# %%
# Training and validation accuracy against ``alpha``
# --------------------------------------------------
#
# Each point is the mean over five stratified folds; the band is one
# standard deviation.
alphas = np.logspace(-5, 0, 11)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
train_scores, valid_scores = validation_curve(
    mlp, X, y, param_name="alpha", param_range=alphas, cv=cv,
)

fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
for scores, label, color in [(train_scores, "training", "C0"),
                             (valid_scores, "validation", "C1")]:
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax.semilogx(alphas, mean, "o-", color=color, label=label)
    ax.fill_between(alphas, mean - std, mean + std, color=color, alpha=0.2)
best_alpha = alphas[np.argmax(valid_scores.mean(axis=1))]
ax.axvline(best_alpha, color="k", linestyle=":",
           label=f"best validation (alpha={best_alpha:.0e})")
ax.set_xlabel("alpha")
ax.set_ylabel("accuracy")
ax.set_title("L2 penalty strength")
ax.text(1.5e-5, 0.86, "overfitting:\ntrain >> validation", fontsize="small")
ax.text(0.08, 0.9, "underfitting:\nboth drop", fontsize="small")
ax.legend(loc="lower left")

# %%
# On the left, the training accuracy is 1.0 while the validation accuracy
# is about 25 points lower: the network memorises the flipped labels and the
# noise features. Raising ``alpha`` lifts the validation accuracy by a few
# points (about as much as it varies from fold to fold, the shaded band) up
# to its best value, while the training accuracy stays at 1.0. Past
# ``alpha ~ 0.03`` both curves fall together, and at ``alpha = 1`` the
# weights are so small that the network predicts one class almost everywhere
# (chance level, 0.5). On this problem the penalty cannot remove most of the
# gap: with 200 samples and 35 pure-noise features, much of it is noise the
# network cannot tell from signal.

# %%
# What the penalty does to the weights
# ------------------------------------
#
# We refit on all the data at three values of ``alpha`` and draw the
# histogram of the first layer's weights (40 x 100) with
# :class:`~skreg.plotting.WeightDistributionDisplay`. Mind the different
# x ranges of the three panels.
picked = [1e-5, best_alpha, 0.3]
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), layout="constrained")
for alpha, ax in zip(picked, axes):
    est = mlp.set_params(alpha=alpha).fit(X, y)
    disp = WeightDistributionDisplay.from_estimator(
        est, layers=[0], ax=[ax], bins=40, zeros="include",
    )
    W = est.coefs_[0]
    ax.set_title(f"alpha={alpha:.0e}\nstd={W.std():.3f}, "
                 f"max |w|={np.abs(W).max():.2f}", fontsize="medium")

# %%
# With almost no penalty the weights keep the spread of their random
# initialisation and grow wider where the fit needs it. At the best
# ``alpha`` they are pulled into a narrower bell around zero, and at
# ``alpha = 0.3`` nearly all of them are tiny. L2 shrinks weights but, unlike
# L1, does not make them exactly zero (see :ref:`the L1 example
# <sphx_glr_auto_examples_plot_l1_vs_l2.py>`).
plt.show()

"""
============================
L1 versus L2: sparse weights
============================

Both penalties shrink the weights, but in different ways. L2
(``0.5 * ||W||^2``) pulls each weight towards zero in proportion to its
size, so weights get small but almost never reach zero. L1 (``||W||_1``)
pulls every weight by the same amount whatever its size; skreg applies it
as a soft-thresholding step after each update, which sets to *exactly* zero
every weight whose data gradient is not strong enough to hold it away from
zero. Elastic net mixes the two.

We train a one-hidden-layer network on the 8x8 digits with each penalty
over a range of ``alpha``, count the exactly-zero weights, and look at the
first-layer weights as images.
"""

# %%
# Zero weights and accuracy against ``alpha``
# -------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skreg import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)


def make_mlp(penalty, alpha):
    return MLPClassifier(
        hidden_layer_sizes=(32,), penalty=penalty, alpha=alpha, l1_ratio=0.5,
        learning_rate_init=0.005, batch_size=64, max_iter=40, random_state=0,
    )


def zero_share(est):
    weights = np.concatenate([W.ravel() for W in est.coefs_])
    return np.mean(weights == 0.0)


alphas = np.logspace(-5, -1, 7)
penalties = ["l2", "elasticnet", "l1"]
results = {p: {"zeros": [], "accuracy": []} for p in penalties}
for penalty in penalties:
    for alpha in alphas:
        est = make_mlp(penalty, alpha).fit(X_train, y_train)
        results[penalty]["zeros"].append(zero_share(est))
        results[penalty]["accuracy"].append(est.score(X_test, y_test))

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for penalty, marker in zip(penalties, "os^"):
    label = penalty if penalty != "elasticnet" else "elasticnet (l1_ratio=0.5)"
    ax0.semilogx(alphas, results[penalty]["zeros"], marker=marker, label=label)
    ax1.semilogx(alphas, results[penalty]["accuracy"], marker=marker, label=label)
ax0.set(xlabel="alpha", ylabel="share of weights exactly 0",
        title="Exact zeros (all layers)")
ax1.set(xlabel="alpha", ylabel="test accuracy", title="Accuracy")
ax0.legend()
ax1.legend(loc="lower left")

# %%
# With L2 no weight is ever exactly zero, whatever ``alpha``; its accuracy
# only starts to suffer at the largest values. With L1 the share of zeros
# climbs with ``alpha`` while the accuracy holds: at ``alpha = 1e-3`` about
# two thirds of the weights are zero for under one point of accuracy, and at
# ``alpha ~ 5e-3`` more than four in five are, with the accuracy still near
# 0.96.
# One step further every weight is zero and the network predicts a single
# class (accuracy 0.1, chance on ten balanced classes). Elastic net sits
# between the two, and collapses later than L1.
#
# Even at the smallest ``alpha``, L1 already zeroes about a fifth of the
# weights. These are weights whose data gradient is (nearly) zero: the
# input pixels at the border of the digits, which are blank in almost every
# image, and hidden units that never activate. Adam divides the step of
# such a weight by a tiny gradient scale, so a single proximal step is
# enough to remove it.

# %%
# First-layer weights as images
# -----------------------------
#
# Each hidden unit has 64 incoming weights, one per pixel: reshaped to 8x8
# they show which strokes excite (red) or inhibit (blue) the unit. Exact
# zeros are drawn in grey.
alpha = 1e-3
cmap = plt.get_cmap("RdBu_r").copy()
cmap.set_bad("0.6")
for penalty in ["l2", "l1"]:
    est = make_mlp(penalty, alpha).fit(X_train, y_train)
    W = est.coefs_[0]
    vmax = np.abs(W).max()
    fig, axes = plt.subplots(4, 8, figsize=(8, 4.6), layout="constrained")
    for unit, ax in enumerate(axes.ravel()):
        img = np.ma.masked_equal(W[:, unit].reshape(8, 8), 0.0)
        ax.imshow(img, cmap=cmap, vmin=-vmax, vmax=vmax)
        ax.set_xticks(())
        ax.set_yticks(())
    fig.suptitle(
        f"penalty={penalty!r}, alpha={alpha:g}: {np.mean(W == 0):.0%} of the "
        f"first-layer weights are exactly 0 (grey); test accuracy "
        f"{est.score(X_test, y_test):.3f}",
        fontsize="medium",
    )

# %%
# The L2 network spreads small weights over the whole image, including the
# blank border. The L1 network loses about one point of accuracy but
# keeps only the pixels that matter: the border pixels are switched off,
# each unit looks at a few patches of strokes, and some units are switched
# off entirely (all grey), so the penalty also prunes the hidden layer.
plt.show()

"""
===============================
Batch normalisation and dropout
===============================

Two techniques that change what a hidden layer computes during training.

**Batch normalisation** (``batch_norm=True``) standardises each hidden
unit's pre-activation over the mini-batch, then rescales it with a learned
scale and shift. Every layer then receives inputs of a controlled spread,
whatever the layers below it do, which keeps sigmoid-like units out of
their flat, saturated range and lets deep networks train.

**Dropout** (``dropout=p``) sets each hidden unit's output to zero with
probability ``p`` at every training step (and scales the kept ones by
``1 / (1 - p)``); at prediction time nothing is dropped. A unit cannot
count on any particular other unit being there, which discourages fragile
co-adaptations and acts as a regulariser.
"""

# %%
# Batch normalisation in a deep network
# -------------------------------------
#
# An 8-layer network of 64 units on the standardised digits, trained with
# Adam at its default rate, with logistic or tanh units, with and without
# batch normalisation. We count the epochs until the training loss first
# drops below 0.3.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
n_epochs, threshold = 40, 0.3

fits = {}
for activation in ["logistic", "tanh"]:
    for batch_norm in [False, True]:
        fits[activation, batch_norm] = MLPClassifier(
            hidden_layer_sizes=[64] * 8, activation=activation,
            batch_norm=batch_norm, batch_size=64, max_iter=n_epochs,
            n_iter_no_change=n_epochs, random_state=0,
        ).fit(X_train, y_train)


def epochs_to_reach(curve, level):
    below = np.flatnonzero(np.asarray(curve) < level)
    return below[0] + 1 if below.size else None


fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
labels, reached = [], []
for i, ((activation, batch_norm), est) in enumerate(fits.items()):
    label = f"{activation}, {'with' if batch_norm else 'without'} BN"
    ax0.plot(np.arange(1, est.n_iter_ + 1), est.loss_curve_, color=f"C{i // 2}",
             linestyle="-" if batch_norm else "--",
             label=f"{label}: test acc. {est.score(X_test, y_test):.3f}")
    labels.append(label)
    reached.append(epochs_to_reach(est.loss_curve_, threshold))
ax0.axhline(threshold, color="k", linewidth=0.8)
ax0.set(xlabel="epoch", ylabel="training loss", yscale="log",
        title="8 hidden layers of 64 units")
ax0.legend(fontsize="small")

heights = [r if r is not None else n_epochs for r in reached]
bars = ax1.barh(labels, heights, color=["C0", "C0", "C1", "C1"])
for bar, r in zip(bars, reached):
    bar.set_hatch("" if r is not None else "//")
    bar.set_alpha(1.0 if r is not None else 0.4)
    ax1.text(bar.get_width() + 0.5, bar.get_y() + bar.get_height() / 2,
             f"{r} epochs" if r is not None else f"not reached in {n_epochs}",
             va="center", fontsize="small")
ax1.set_xlim(0, n_epochs * 1.35)
ax1.invert_yaxis()
ax1.set(xlabel=f"epochs until the training loss < {threshold}")

# %%
# Without batch normalisation the deep logistic network does not learn at
# all: its loss stays at log(10), the loss of guessing, for all 40 epochs,
# and its test accuracy is chance (0.1). The logistic function's slope is
# at most 1/4 and its outputs are all positive, so the gradient shrinks
# layer after layer on its way down eight layers. With batch normalisation
# the same network passes the 0.3 mark after about 14 epochs and reaches
# a test accuracy of 0.97.
#
# The tanh network (Xavier-initialised, zero-centred, slope 1 at 0) trains
# well on its own, and here batch normalisation does not make it faster:
# both pass 0.3 in 4 epochs, and the normalised one has a noisier loss
# curve, because each mini-batch brings its own mean and variance. Batch
# normalisation rescues networks whose signal is badly scaled; where the
# initialisation already keeps it well scaled, it has little to add.

# %%
# Dropout on a small, noisy problem
# ---------------------------------
#
# A network with two hidden layers of 200 units and no weight penalty, on
# 400 training samples with 35 pure-noise features and 5% flipped labels:
# without help, it memorises the training set. We train it with dropout
# 0, 0.2 and 0.5, three times each with different seeds, and compare
# training and test accuracy and the test log-loss.
Xn, yn = make_classification(n_samples=600, n_features=40, n_informative=5,
                             n_redundant=0, flip_y=0.05, random_state=1)
Xn_train, Xn_test, yn_train, yn_test = train_test_split(
    Xn, yn, test_size=0.33, stratify=yn, random_state=0
)
rates = [0.0, 0.2, 0.5]
seeds = [0, 1, 2]
scores = {key: np.empty((len(rates), len(seeds)))
          for key in ["train accuracy", "test accuracy", "test log-loss"]}
for i, p in enumerate(rates):
    for j, seed in enumerate(seeds):
        est = MLPClassifier(hidden_layer_sizes=(200, 200), dropout=p, alpha=0.0,
                            batch_size=32, max_iter=100, n_iter_no_change=100,
                            random_state=seed).fit(Xn_train, yn_train)
        scores["train accuracy"][i, j] = est.score(Xn_train, yn_train)
        scores["test accuracy"][i, j] = est.score(Xn_test, yn_test)
        scores["test log-loss"][i, j] = log_loss(yn_test, est.predict_proba(Xn_test))

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
x = np.arange(len(rates))
for k, key in enumerate(["train accuracy", "test accuracy"]):
    ax0.bar(x + (k - 0.5) * 0.38, scores[key].mean(axis=1), width=0.38,
            yerr=scores[key].std(axis=1), capsize=3, label=key)
ax0.set_xticks(x, [f"dropout={p}" for p in rates])
ax0.set_ylim(0.5, 1.05)
ax0.set_ylabel("accuracy (mean of 3 seeds)")
ax0.legend(loc="lower right")
ax1.bar(x, scores["test log-loss"].mean(axis=1), width=0.5, color="C3",
        yerr=scores["test log-loss"].std(axis=1), capsize=3)
ax1.set_xticks(x, [f"dropout={p}" for p in rates])
ax1.set_ylabel("test log-loss (mean of 3 seeds)")
for key, values in scores.items():
    print(key.ljust(15), "  ".join(f"p={p}: {v:.3f}" for p, v in zip(rates, values.mean(axis=1))))

# %%
# Dropout did not stop this network from memorising its training set: the
# training accuracy is 1.0 at every rate. The test accuracy improves by
# about two points with dropout, which is about the spread between seeds
# (the error bars), so on accuracy alone the evidence is thin. The test
# log-loss tells a clearer story: with ``dropout=0.5`` it falls from about
# 1.2 to about 0.7. Without dropout the network is over-confident on test
# points it gets wrong; averaging over many thinned networks, which is what
# dropout approximates, makes its probabilities more cautious.
plt.show()

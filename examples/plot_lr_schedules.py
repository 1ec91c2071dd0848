"""
=======================
Learning-rate schedules
=======================

A learning-rate schedule multiplies ``learning_rate_init`` by a factor that
changes during training: large steps early to make fast progress, small
steps late to settle into a minimum. skreg evaluates the factor at
*fractional* epochs, so a cosine or one-cycle schedule changes smoothly
within an epoch, while step and exponential decay change at epoch
boundaries, as in ``torch.optim.lr_scheduler``.

We train the same network on the digits with SGD (Nesterov momentum) under
each schedule, draw the rate each one used, and compare the loss curves.
The initial rate, 0.3 with mini-batches of 16, is deliberately on the
large side: it makes fast progress at first but is too large to settle.
"""

# %%
# The set-up
# ----------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skreg import MLPClassifier
from skreg.schedules import CosineAnnealing

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
n_epochs, batch_size, lr_init = 40, 16, 0.3
steps_per_epoch = int(np.ceil(len(X_train) / batch_size))

schedules = {
    "constant": "constant",
    "invscaling": "invscaling",
    "adaptive": "adaptive",
    "step": "step",
    "exponential": "exponential",
    "cosine": "cosine",
    "cosine, restarts": CosineAnnealing(T_0=5, T_mult=2),
    "onecycle": "onecycle",
}

fits = {}
for name, schedule in schedules.items():
    fits[name] = MLPClassifier(
        hidden_layer_sizes=(64,), solver="sgd", momentum=0.9,
        learning_rate_init=lr_init, lr_schedule=schedule,
        batch_size=batch_size, max_iter=n_epochs,
        # 'adaptive' divides the rate by 5 after 3 epochs without progress;
        # the other fits run every epoch
        n_iter_no_change=3 if name == "adaptive" else n_epochs,
        tol=1e-3 if name == "adaptive" else 1e-4,
        random_state=0,
    ).fit(X_train, y_train)

# for reference: a constant rate three times smaller
reference = MLPClassifier(
    hidden_layer_sizes=(64,), solver="sgd", momentum=0.9, learning_rate_init=0.1,
    batch_size=batch_size, max_iter=n_epochs, n_iter_no_change=n_epochs,
    random_state=0,
).fit(X_train, y_train)

# %%
# The learning rate of each schedule
# ----------------------------------
#
# The line is the schedule itself, ``learning_rate_init * factor(epoch)``,
# evaluated at every mini-batch with the objects of :mod:`skreg.schedules`
# that the strings stand for; the dots are ``lr_curve_``, the rate of the
# last update of each epoch as the fit recorded it. 'adaptive' has no
# formula (it reacts to the loss), so only the recorded rate is shown.
from skreg import schedules as S  # noqa: E402

objects = {
    "constant": S.Constant(),
    "invscaling": S.InverseScaling(power_t=0.5),
    "step": S.StepDecay(),
    "exponential": S.ExponentialDecay(),
    "cosine": S.CosineAnnealing(),
    "cosine, restarts": schedules["cosine, restarts"],
    "onecycle": S.OneCycle(),
}
t = np.arange(n_epochs * steps_per_epoch) / steps_per_epoch  # fractional epochs
n_train = len(X_train)

fig, axes = plt.subplots(2, 4, figsize=(12, 5.5), sharex=True, layout="constrained")
for ax, (name, est) in zip(axes.ravel(), fits.items()):
    if name in objects:
        factor = [objects[name].factor(e, n_epochs=n_epochs,
                                       steps_per_epoch=steps_per_epoch,
                                       samples_seen=int(e) * n_train) for e in t]
        ax.plot(t + 1 / steps_per_epoch, lr_init * np.asarray(factor), color="C0",
                label="schedule")
    epochs = np.arange(1, len(est.lr_curve_) + 1)
    ax.plot(epochs, est.lr_curve_, "o", ms=2.5, color="C3", label="lr_curve_")
    ax.set_title(name)
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
for ax in axes[1]:
    ax.set_xlabel("epoch")
for ax in axes[:, 0]:
    ax.set_ylabel("learning rate")
axes[0, 0].legend(fontsize="small")

# %%
# * **constant** keeps ``learning_rate_init``.
# * **invscaling** (scikit-learn's) divides by the square root of the number
#   of samples seen: after one epoch of 1,257 samples the rate is already 35
#   times smaller, and it keeps falling.
# * **adaptive** (scikit-learn's) divides the rate by 5 each time the
#   training loss stops improving for a few epochs.
# * **step** divides by 10 every ``max_iter // 3`` epochs; **exponential**
#   falls by the same factor every epoch, 100-fold over the fit.
# * **cosine** glides from the full rate to zero in half a cosine wave; with
#   restarts (``T_0=5, T_mult=2``) it jumps back to the full rate after 5,
#   15 and 35 epochs, each cycle twice as long as the one before.
# * **onecycle** warms up from 1/25 of the peak during the first 30% of the
#   updates, then anneals to almost zero.
#
# The recorded rates fall on the schedule lines: the training loop uses the
# formulas as drawn (the dot of epoch k is the rate of its last mini-batch).

# %%
# The loss curves
# ---------------
fig, ax = plt.subplots(figsize=(9.5, 4.8), layout="constrained")
styles = ["-", "--", "-.", ":"]
for i, (name, est) in enumerate(fits.items()):
    ax.plot(np.arange(1, len(est.loss_curve_) + 1), est.loss_curve_,
            linestyle=styles[i % 4], color=f"C{i}",
            label=f"{name}: test acc. {est.score(X_test, y_test):.3f}")
ax.plot(np.arange(1, len(reference.loss_curve_) + 1), reference.loss_curve_,
        color="k", linewidth=2.5, alpha=0.4,
        label=f"constant, lr=0.1: test acc. {reference.score(X_test, y_test):.3f}")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log",
       title=f"SGD with momentum, learning_rate_init={lr_init}, batch_size={batch_size}")
ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))

# %%
# At a constant 0.3 the loss falls for a few epochs and then bounces
# between 0.3 and 0.7: the steps are too large to settle into a minimum.
# Every schedule that lowers the rate does better, and the moment it starts
# to help can be read off the rate panels: step decay improves at its first
# drop (epoch 13), adaptive when it divides the rate by 5 (epoch 10),
# cosine and onecycle once their rate has shrunk, in the second half of the
# fit. The warm restarts undo that progress: the loss jumps up after each
# restart (epochs 5, 15 and 35) before settling again. Exponential
# decay and invscaling, which shrink the rate early, end lowest of the
# schedules.
#
# The thick grey line is the honest comparison: a constant rate of 0.1,
# three times smaller, beats every schedule started from 0.3 on this small
# problem. A schedule makes a too-large rate workable and makes the choice
# of ``learning_rate_init`` less critical; it is not a substitute for
# tuning it. The test accuracies are closer to each other than the losses:
# on this data set a fit that settles anywhere near the minimum classifies
# about as well.
plt.show()

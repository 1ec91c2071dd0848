"""
=====================
Comparing the solvers
=====================

All stochastic solvers take a step against the mini-batch gradient; they
differ in how they turn the gradient into a step:

* **SGD** moves by ``-lr * gradient``.
* **Momentum** keeps a velocity, a running sum of past steps, so that
  consistent directions accelerate and oscillations cancel out.
  **Nesterov** momentum evaluates the correction after the look-ahead step.
* **AdaGrad** divides each coordinate's step by the root of the sum of all
  its past squared gradients: rarely updated weights keep large steps, but
  every step shrinks over time.
* **RMSProp** uses a moving average of squared gradients instead, so the
  steps do not shrink forever.
* **Adam** combines momentum with RMSProp's per-coordinate scaling (and
  corrects both averages for their start at zero). **AdamW** is Adam with
  the L2 penalty applied as a decoupled weight decay.
* **L-BFGS** is not stochastic: it uses the full training set at every
  iteration and builds a quasi-Newton model of the curvature from the last
  few gradients.

We train the same network on the digits with each of them. Each stochastic
solver gets the best of four learning rates, so that the comparison is not
decided by one arbitrary choice.
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
from skreg.optimizers import SGD

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

solvers = {
    "SGD": SGD(momentum=0.0),
    "momentum": SGD(momentum=0.9, nesterov=False),
    "Nesterov": SGD(momentum=0.9, nesterov=True),
    "AdaGrad": "adagrad",
    "RMSProp": "rmsprop",
    "Adam": "adam",
    "AdamW": "adamw",
}
learning_rates = [3e-4, 3e-3, 3e-2, 3e-1]
n_epochs = 40


def make_mlp(**params):
    return MLPClassifier(hidden_layer_sizes=(64,), batch_size=64,
                         max_iter=n_epochs, n_iter_no_change=n_epochs,
                         random_state=0, **params)


final_loss = {name: [] for name in solvers}
best = {}
for name, solver in solvers.items():
    for lr in learning_rates:
        try:
            est = make_mlp(solver=solver, learning_rate_init=lr).fit(X_train, y_train)
        except ValueError:  # the loss diverged at this rate
            final_loss[name].append(np.nan)
            continue
        final_loss[name].append(est.loss_curve_[-1])
        if name not in best or est.loss_curve_[-1] < best[name][1].loss_curve_[-1]:
            best[name] = (lr, est)

lbfgs = MLPClassifier(hidden_layer_sizes=(64,), solver="lbfgs", max_iter=n_epochs * 5,
                      random_state=0).fit(X_train, y_train)

# %%
# Loss curves at each solver's best learning rate
# ------------------------------------------------
#
# The x-axis counts epochs for the stochastic solvers (each epoch is about
# 20 mini-batch updates) and iterations for L-BFGS (each is one or more
# passes over the whole training set).
fig, ax = plt.subplots(figsize=(9.5, 4.8), layout="constrained")
styles = ["-", "--", "-.", ":"]
for i, (name, (lr, est)) in enumerate(best.items()):
    ax.plot(np.arange(1, len(est.loss_curve_) + 1), est.loss_curve_,
            linestyle=styles[i % 4], color=f"C{i}",
            label=f"{name} (lr={lr:g}): test acc. {est.score(X_test, y_test):.3f}")
ax.plot(np.arange(1, len(lbfgs.loss_curve_) + 1), lbfgs.loss_curve_, color="k",
        label=f"L-BFGS ({lbfgs.n_iter_} iterations): test acc. "
              f"{lbfgs.score(X_test, y_test):.3f}")
ax.set(xlabel="epoch (L-BFGS: iteration)", ylabel="training loss", yscale="log",
       xscale="log", title="Digits, one hidden layer of 64 ReLU units")
ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))

# %%
# With their best rates, momentum and Nesterov reach the lowest training
# loss of the stochastic solvers, followed closely by Adam, whose curve
# shows a brief upset around epoch 25: its best rate here is close to the
# largest it tolerates. RMSProp, AdaGrad and AdamW come next and plain SGD
# is the slowest. L-BFGS makes less progress per iteration early on than
# the others per epoch (it starts from plain gradient steps while it builds
# its curvature model), but it keeps going down steadily and ends lowest,
# stopping on its own after about 130 iterations once it has converged. On this easy problem every
# solver ends with a test accuracy between 0.97 and 0.98; the differences
# are in how fast they get there.
#
# AdamW ends above Adam at the same ``alpha``: its decoupled decay is not
# the gradient of the penalised objective drawn here, so it settles at a
# slightly different point. With ``alpha=0`` the two are identical.

# %%
# How sensitive is each solver to the learning rate?
# ---------------------------------------------------
fig, ax = plt.subplots(figsize=(9.5, 4.2), layout="constrained")
for i, (name, losses) in enumerate(final_loss.items()):
    ax.plot(learning_rates, losses, marker="o", linestyle=styles[i % 4],
            color=f"C{i}", label=name)
ax.set(xscale="log", yscale="log", xlabel="learning_rate_init",
       ylabel=f"training loss after {n_epochs} epochs")
ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))

# %%
# Each solver has its own range of good learning rates. Plain SGD needs the
# largest; momentum and Nesterov (which nearly coincide) do well from 0.03
# up, and the best rate of these three is the largest tried, so they might
# do a little better still at a larger one. The adaptive methods divide
# the step by a running gradient scale, which makes their good range lower:
# RMSProp, Adam and AdamW are best around 0.003 to 0.03 and fail at 0.3,
# RMSProp already at 0.03. AdaGrad tolerates large rates because its steps
# keep shrinking. Compare solvers at their own best rates, never at one
# shared rate.
plt.show()

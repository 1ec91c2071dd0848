"""
======================================================
Initialisation: keeping activations alive in deep nets
======================================================

Before the first update, a deep network is just a stack of random matrices
and non-linearities. If each layer multiplies the spread of its input by a
factor above one, the activations blow up layer after layer (and tanh units
saturate at +-1); below one, they shrink towards zero and the signal fades.
Either way the gradients that flow back through the same layers explode or
vanish, and training stalls.

Xavier (Glorot & Bengio, 2010) draws the weights with variance
``2 / (fan_in + fan_out)`` so that a tanh-like layer keeps the variance of
its input; He (He et al., 2015) uses ``2 / fan_in`` to make up for the half
of its input that a ReLU sets to zero. This example pushes the digits
through a 6-layer network of 100 units per layer, initialised five ways,
and draws the activations of every layer.
"""

# %%
# Five initialisers
# -----------------
#
# Every skreg initialiser takes ``(fan_in, fan_out, random_state)`` and
# returns a ``(fan_in, fan_out)`` array, and so does any callable you pass
# as ``init=`` to an estimator. Xavier and He come from
# :mod:`skreg.initializers` (the ones ``init='xavier'`` and ``init='he'``
# use); the three naive schemes are written here.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier
from skreg.initializers import he_normal, xavier_uniform


def zeros(fan_in, fan_out, random_state):
    return np.zeros((fan_in, fan_out))


def standard_normal(fan_in, fan_out, random_state):
    return random_state.normal(0.0, 1.0, size=(fan_in, fan_out))


def small_uniform(fan_in, fan_out, random_state):
    return random_state.uniform(-0.05, 0.05, size=(fan_in, fan_out))


initializers = {
    "zeros": zeros,
    "N(0, 1)": standard_normal,
    "U(-0.05, 0.05)": small_uniform,
    "Xavier (uniform)": xavier_uniform,
    "He (normal)": he_normal,
}

# %%
# The forward pass at initialisation
# ----------------------------------
#
# The input is the standardised digits data (1,797 images, 64 features,
# each with mean 0 and variance 1). Biases start at zero, as in skreg.
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
widths = [X.shape[1]] + [100] * 6
activations = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def forward(init, activation):
    """Activations of each hidden layer for freshly initialised weights."""
    rng = np.random.RandomState(0)
    h, out = X, []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        h = activations[activation](h @ init(fan_in, fan_out, rng))
        out.append(h)
    return out


acts = {(a, name): forward(init, a) for a in activations for name, init in initializers.items()}

# %%
# Histograms per layer
# --------------------
#
# One row per initialiser, one column per layer; the y-axis is the share of
# the layer's activations in each bin, and each panel gives the standard
# deviation of the activations. tanh outputs lie in [-1, 1], which is the x
# range of every tanh panel. ReLU outputs are either exactly 0 or positive
# with a scale that can change a million-fold across layers, so the ReLU
# panels show the *logarithm* of the positive outputs on one shared axis and
# state the share of zeros.


def draw(activation):
    names = list(initializers)
    fig, axes = plt.subplots(len(names), len(widths) - 1, figsize=(12, 9),
                             sharex=True, layout="constrained")
    if activation == "tanh":
        bins = np.linspace(-1, 1, 41)
    else:
        positive = np.concatenate([np.log10(h[h > 0]) for key, hs in acts.items()
                                   if key[0] == "relu" for h in hs])
        bins = np.linspace(np.floor(positive.min()), np.ceil(positive.max()), 41)
    for row, name in enumerate(names):
        for layer, (ax, h) in enumerate(zip(axes[row], acts[activation, name])):
            values = h.ravel()
            note = f"std {values.std():.2g}"
            if activation == "relu":
                note += f"\n{np.mean(values == 0):.0%} zero"
                values = np.log10(values[values > 0])
            ax.hist(values, bins=bins, color=f"C{row}",
                    weights=np.full(values.size, 1.0 / h.size))
            if values.size == 0:
                ax.set_yticks(())
            ax.text(0.97, 0.95, note, transform=ax.transAxes, ha="right",
                    va="top", fontsize="x-small")
            ax.tick_params(labelsize="x-small")
            if row == 0:
                ax.set_title(f"layer {layer + 1}")
            if layer == 0:
                ax.set_ylabel(name, fontsize="small")
            if row == len(names) - 1:
                ax.set_xlabel("activation" if activation == "tanh"
                              else "log10(activation > 0)", fontsize="small")
    fig.suptitle(f"{activation} activations at initialisation")


draw("tanh")

# %%
# For tanh:
#
# * **zeros**: every activation is exactly 0 in every layer. All units of a
#   layer compute the same thing, and with every weight at zero the gradient
#   of every weight is zero too: only the output biases can learn.
# * **N(0, 1)**: each unit sums 64 or 100 inputs with unit-variance weights,
#   so its pre-activation has a standard deviation of 8 to 10. Almost every
#   unit sits in a flat end of tanh, at -1 or +1, where the derivative is
#   about zero: the gradient vanishes through saturation.
# * **U(-0.05, 0.05)**: each layer multiplies the spread by about 0.3; by
#   layer 6 the activations are more than a thousand times smaller than the
#   input, a spike at 0.
# * **Xavier**: a broad bell in every layer. It still narrows slowly (its
#   standard deviation halves over six layers), because tanh is flatter than
#   the straight line Xavier's derivation assumes.
# * **He**: its larger weights put some units of the first layer into
#   saturation (the bumps at +-1), but from layer 2 on the activations stay
#   spread over the whole range with the same standard deviation, about
#   0.57. For this depth both Xavier and He keep the signal alive.

draw("relu")

# %%
# For ReLU about half of every layer's outputs are exactly zero, whatever
# the initialiser (zeros aside), which halves the variance that the next
# layer sees. On the log axis the bump of positive outputs moves right by
# almost one decade per layer with N(0, 1) (a factor of about 7: it
# explodes), left by about 0.7 decade with the small uniform (it vanishes),
# and drifts slowly left with Xavier, which is tuned for tanh (a factor of
# about 1.4 per layer). He's extra factor of 2 compensates for the zeroed
# half: the bump stays in place, with a standard deviation near 0.8 in
# every layer.

# %%
# The spread layer by layer
# -------------------------
#
# The same information in one picture: the standard deviation of each
# layer's activations, on a log scale.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
layers = np.arange(1, len(widths))
for ax, activation in zip(axes, activations):
    for row, name in enumerate(initializers):
        std = [h.std() for h in acts[activation, name]]
        if np.all(np.array(std) == 0):
            ax.plot([], [], "o-", color=f"C{row}", label=f"{name} (all 0)")
            continue
        ax.semilogy(layers, std, "o-", color=f"C{row}", label=name)
    ax.set(xlabel="layer", ylabel="std of activations", title=activation)
    ax.grid(True, which="major", alpha=0.3)
axes[1].legend(fontsize="small")

# %%
# Does it matter for training?
# ----------------------------
#
# The same 6-layer tanh network trained on the digits for 20 epochs with
# Adam, once per initialiser (passed as ``init=``). The zero network cannot
# move: its loss stays at log(10), the loss of predicting the class
# frequencies, until the no-improvement rule stops it. The saturated N(0, 1)
# network and the vanishing small-uniform one learn far more slowly than
# Xavier and He, which fit the training set within a few epochs.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
fig, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
for row, (name, init) in enumerate(initializers.items()):
    est = MLPClassifier(hidden_layer_sizes=widths[1:], activation="tanh",
                        init=init, max_iter=20, batch_size=100,
                        random_state=0).fit(X, y)
    ax.plot(np.arange(1, est.n_iter_ + 1), est.loss_curve_, "o-", ms=3,
            color=f"C{row}", label=f"{name}: train acc. {est.score(X, y):.2f}")
ax.set(xlabel="epoch", ylabel="training loss", yscale="log",
       title="6-layer tanh network on digits")
ax.legend(fontsize="small")
plt.show()

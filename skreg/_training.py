"""The mini-batch training loop of the stochastic solvers, and its contract.

``train(setup, state, data)`` is the whole loop. It reads three objects and
nothing else (never an estimator):

* :class:`Setup` (frozen): the network, the objective (penalty, alpha), the
  step chain (:mod:`skreg._steps`), the rate (``lr_init`` times the
  schedule's factor), the batch plan and the parts;
* :class:`State` (mutable): the flat parameter vector, the optimizer state,
  the batch-norm statistics, the random generator, the counters, the
  no-improvement monitor, the best weights so far and the :class:`History`;
* :class:`Data`: the training arrays (after any hold-out split).

One epoch: draw a permutation (or not), gather each mini-batch into a reused
buffer, compute the objective and its gradient, run the step chain. After
the epoch the loop checks that the loss and the weights are finite and calls
the parts (:mod:`skreg._parts`) in their order::

    every batch      part.on_batch_end(setup, state, lr, loss, done)
    every epoch      part.on_epoch_end(setup, state, epoch)
    on a divergence  part.on_divergence(setup, state, epoch)
    at the end       part.on_train_end(setup, state, reason)   (in reverse order)

A hook returns ``None`` to go on, or a short string, the reason to stop.
A divergence that no part takes (by returning a reason) raises
:class:`NonFiniteError`. ``train`` returns the reason training stopped:
'max_iter' when it ran all of ``setup.n_epochs``.
"""

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import scipy.sparse as sp

__all__ = ["Setup", "State", "History", "Data", "Epoch", "Part", "Monitor", "train", "end",
           "NonFiniteError", "divergence_detail"]


class NonFiniteError(ValueError):
    """The training loss or the weights became NaN or infinite."""


#: scikit-learn's message for the same condition
_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may "
               "contain large values and need to be preprocessed.")


class Monitor:
    """scikit-learn's no-improvement rule, on the validation score (early
    stopping, higher is better) or on the training loss (lower is better).

    ``update`` returns True when the metric has failed to improve by ``tol``
    for more than ``n_iter_no_change`` consecutive epochs.
    """

    def __init__(self, tol, n_iter_no_change, on_score):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.on_score = on_score
        self.best = -np.inf if on_score else np.inf
        self.count = 0

    def update(self, value):
        """Record ``value``; return (stalled, improved_best)."""
        if self.on_score:
            self.count = self.count + 1 if value < self.best + self.tol else 0
            improved = value > self.best
        else:
            self.count = self.count + 1 if value > self.best - self.tol else 0
            improved = value < self.best
        if improved:
            self.best = value
        return self.count > self.n_iter_no_change, improved


@dataclass
class History:
    """What training records, per epoch and in summary (the estimator's
    ``loss_curve_``, ``lr_curve_``, ... once a fit has succeeded)."""

    loss_curve: list = field(default_factory=list)
    lr_curve: list = field(default_factory=list)
    validation_scores: Optional[list] = None
    validation_loss_curve: Optional[list] = None
    loss: Optional[float] = None
    best_loss: Optional[float] = None
    best_validation_score: Optional[float] = None
    prox_n_iter: int = 0
    kkt_violation: Optional[float] = None


@dataclass(frozen=True)
class Data:
    """Training arrays: inputs, targets as the loss takes them (2-D, or class
    codes), sample weights (or None)."""

    X: Any
    Y: np.ndarray
    sw: Optional[np.ndarray] = None


@dataclass(frozen=True)
class Setup:
    """Everything a run trains with that does not change while it runs.

    ``steps`` is the step chain (see :mod:`skreg._steps`); ``parts`` the
    parts in calling order. ``max_iter`` is the schedule's horizon in epochs,
    ``n_epochs`` the epochs this call may run (1 for ``partial_fit``).
    """

    net: Any
    optimizer: Any
    schedule: Any
    penalty: Any
    alpha: float
    lr_init: float
    batch_size: int
    shuffle: bool
    max_iter: int
    n_epochs: int
    steps: tuple = ()
    parts: tuple = ()


@dataclass
class State:
    """Everything a run changes: parameters and the state that continues them.

    ``theta`` is the flat parameter vector (see :mod:`skreg._network`),
    ``stats`` the running batch-norm statistics (or None), ``n_iter`` the
    epochs run, ``t`` the samples seen, ``t0`` the samples seen before the
    schedule's origin, ``monitor`` the no-improvement rule's state, ``best``
    ``(score, theta, stats, n_averaged)`` of the best validation score so far (early
    stopping), ``plateau_factor`` the rate factor of the 'adaptive' rule,
    ``average`` and ``n_averaged`` the weight average and its count.
    """

    theta: np.ndarray
    opt_state: dict
    stats: Optional[tuple]
    rng: np.random.RandomState
    monitor: Monitor
    history: History
    n_iter: int = 0
    t: int = 0
    t0: int = 0
    plateau_factor: float = 1.0
    best: Optional[tuple] = None
    average: Optional[np.ndarray] = None
    n_averaged: int = 0

    def current(self):
        """The weights training would end with if it ended now: the weight
        average once there is one (``averaging``), else ``theta``."""
        return self.theta if self.average is None else self.average

    def save_best(self, score):
        """Keep ``(score, weights, statistics, n_averaged)`` of the weights
        training would end with now (n_averaged: 0 for raw weights)."""
        n_averaged = self.n_averaged if self.average is not None else 0
        self.best = (score, self.current().copy(), copy.deepcopy(self.stats), n_averaged)


@dataclass
class Epoch:
    """One finished epoch, as the parts see it. ``index`` counts from 1; a
    part may add a measurement (``score``, ``val_loss``) for the parts after
    it."""

    index: int
    loss: float
    lr: float
    started: float
    score: Optional[float] = None
    val_loss: Optional[float] = None


class Part:
    """A behaviour plugged into the loop at its documented points (see the
    module docstring). Hooks return None (go on) or a reason to stop."""

    def on_epoch_end(self, setup, state, epoch):
        return None

    def on_divergence(self, setup, state, epoch):
        return None

    def on_train_end(self, setup, state, reason):
        return None


def divergence_detail(epoch):
    """What went wrong in a diverged epoch, and what to do about it."""
    return (
        f"The training loss became non-finite ({epoch.loss}) in epoch "
        f"{epoch.index} (learning rate {epoch.lr:.3g}). The optimisation diverged: "
        "lower learning_rate_init, or scale the input features "
        "(e.g. StandardScaler)."
    )


class _Buffers:
    """Reused mini-batch buffers of a run: the network's workspace, the
    gathered inputs and targets, uniform sample weights."""

    def __init__(self, setup, data, dtype):
        B = setup.batch_size
        self.ws = setup.net.workspace(B, dtype)
        self.sparse = sp.issparse(data.X)
        self.X = (np.empty((B, data.X.shape[1]), dtype=data.X.dtype)
                  if setup.shuffle and not self.sparse else None)
        self.Y = np.empty((B,) + data.Y.shape[1:], dtype=data.Y.dtype)
        self.uniform_w = np.full(B, 1.0 / B, dtype=dtype)


def _run_epoch(setup, state, data, buf, grad, steps, batch_parts):
    """One pass of mini-batches; returns (mean objective, last rate)."""
    X, Y, sw = data.X, data.Y, data.sw
    net, theta, rng = setup.net, state.theta, state.rng
    P, G = net.views(theta), net.views(grad)
    penalty, alpha, schedule = setup.penalty, setup.alpha, setup.schedule
    theta_w = theta[:net.n_weights]
    n, batch_size = X.shape[0], setup.batch_size
    n_steps = math.ceil(n / batch_size)
    rate = setup.lr_init * state.plateau_factor
    k, seen_before = state.n_iter, state.t - state.t0
    skip_single = net.batch_norm and net.n_layers > 1 and n > 1
    order = rng.permutation(n) if setup.shuffle else None
    accumulated, seen, lr = 0.0, 0, None
    for b, start in enumerate(range(0, n, batch_size)):
        stop = min(start + batch_size, n)
        m = stop - start
        if m == 1 and skip_single:
            continue  # batch norm cannot normalise a lone trailing sample
        if order is not None:
            idx = order[start:stop]
            # ndarray.take with mode="clip" writes straight into the buffer
            # (mode="raise" goes through a temporary); idx is a permutation
            Xb = X[idx] if buf.sparse else X.take(idx, 0, buf.X[:m], "clip")
            Yb = Y.take(idx, 0, buf.Y[:m], "clip")
            swb = sw[idx] if sw is not None else None
        else:
            Xb, Yb = X[start:stop], Y[start:stop]
            swb = sw[start:stop] if sw is not None else None
        if swb is None:
            w = buf.uniform_w if m == batch_size else np.full(m, 1.0 / m, dtype=theta.dtype)
        else:
            total = swb.sum()
            w = swb / total if total > 0 else np.zeros_like(swb)
        lr = rate * schedule.factor(k + b / n_steps, n_epochs=setup.max_iter,
                                    steps_per_epoch=n_steps, samples_seen=seen_before)
        loss = buf.ws.loss_grad(P, G, Xb, Yb, w, rng=rng, stats=state.stats)
        if alpha:
            loss += alpha * penalty.value(theta_w)
        for step in steps:
            step(lr)
        accumulated += loss * m
        seen += m
        for part in batch_parts:
            reason = part.on_batch_end(setup, state, lr, loss, stop / n)
            if reason is not None:
                return reason, accumulated / seen, lr
    return None, accumulated / seen, lr


def _call(parts, hook, *args):
    """Call ``hook`` of every part in order; the first reason to stop wins,
    but every part is called."""
    reason = None
    for part in parts:
        said = getattr(part, hook)(*args)
        if reason is None:
            reason = said
    return reason


def train(setup, state, data, finish=True):
    """Run up to ``setup.n_epochs`` epochs; return the reason training stopped.

    With ``finish=False`` the parts' ``on_train_end`` hooks are not called:
    the run can go on with a later ``train`` call on the same state (see
    :mod:`skreg._resume`), and :func:`end` finishes it.
    """
    theta = state.theta
    grad = np.zeros_like(theta)
    buf = _Buffers(setup, data, theta.dtype)
    steps = tuple(entry.bind(setup, state, grad) for entry in setup.steps)
    batch_parts = [p for p in setup.parts if hasattr(p, "on_batch_end")]
    n = data.X.shape[0]
    reason = "max_iter"
    for _ in range(setup.n_epochs):
        tic = time.perf_counter()
        stopped, epoch_loss, lr = _run_epoch(setup, state, data, buf, grad, steps,
                                             batch_parts)
        if stopped is not None:
            reason = stopped
            break
        epoch = Epoch(state.n_iter + 1, epoch_loss, lr, tic)
        if not (np.isfinite(epoch_loss) and np.isfinite(state.theta).all()):
            stopped = _call(setup.parts, "on_divergence", setup, state, epoch)
            if stopped is None:
                # scikit-learn's message first: users match on it
                raise NonFiniteError(_NON_FINITE + " " + divergence_detail(epoch))
            state.n_iter += 1
            state.t += n
            reason = stopped
            break
        state.n_iter += 1
        state.t += n
        stopped = _call(setup.parts, "on_epoch_end", setup, state, epoch)
        if stopped is not None:
            reason = stopped
            break
    if finish:
        end(setup, state, reason)
    return reason


def end(setup, state, reason, parts=None):
    """Call the parts' ``on_train_end`` hooks (of ``parts``, default
    ``setup.parts``) in reverse, as nested context managers unwind: a part
    set up before another (weight averaging before early stopping) ends
    after it."""
    parts = setup.parts if parts is None else parts
    _call(tuple(parts)[::-1], "on_train_end", setup, state, reason)

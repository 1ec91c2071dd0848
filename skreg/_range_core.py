"""The learning-rate range test on a prepared run (Smith 2017, "Cyclical
learning rates", sec. 3.3; the ``lr_find`` of fastai and PyTorch Lightning).

From the run's initial weights, train for at most ``n_steps`` mini-batches
while the rate grows geometrically from ``min_lr`` to ``max_lr``, record the
mini-batch objective of every step, and stop once the smoothed loss has
clearly blown up. A rule then reads a rate off the curve.

It is the ordinary training loop (:func:`skreg._training.train`) on a copy
of the run's state, with a geometric schedule and one part, the
:class:`RangeMonitor`: no second loop. ``learning_rate_init='auto'`` calls
:func:`run_range_test` while preparing a fit; :func:`skreg.lr_range_test`
prepares an estimator's run and calls it.
"""

import copy
import dataclasses
import math

import numpy as np
from sklearn.utils import Bunch

from ._params import InvalidParameterError, check_int, check_real
from ._training import History, Monitor, Part, State, train
from .schedules import OneCycle, Schedule

__all__ = ["run_range_test", "check_settings", "RULES", "DEFAULTS", "RangeMonitor",
           "train_scratch"]

#: the settings ``learning_rate_init='auto'`` uses, which are
#: :func:`skreg.lr_range_test`'s defaults (a test checks that they agree)
DEFAULTS = {"min_lr": 1e-6, "max_lr": 10.0, "n_steps": 100, "smoothing": 0.9,
            "window": 5, "diverge_factor": 4.0, "rule": "auto"}


class _Geometric(Schedule):
    """factor = ratio ** (step / (n_steps - 1)) at mini-batch ``step``."""

    def __init__(self, ratio, n_steps):
        self.ratio = ratio
        self.n_steps = n_steps

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        step = round(epoch * steps_per_epoch)
        return self.ratio ** (step / (self.n_steps - 1))


def _centred_average(losses, half_width):
    """Mean of the losses at most ``half_width`` steps before or after each step
    (fewer at the ends): a smoothing without the lag of a running average."""
    x = np.asarray(losses, dtype=float)
    n = len(x)
    csum = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(n)
    lo, hi = np.maximum(i - half_width, 0), np.minimum(i + half_width + 1, n)
    return (csum[hi] - csum[lo]) / (hi - lo)


# ----------------------------------------------------------------- the rules
# Each takes the rates and the smoothed losses of the usable steps (those
# before the blow-up) and whether the schedule is one-cycle (whose peak rate
# is held only briefly), and returns a rate.
def _rule_auto(lrs, smooth, onecycle=False):
    """The rate at the minimum of the smoothed loss / 20; / (20 / 3) for a
    one-cycle peak. Chosen on the tuning benchmark (docs: "Tuning")."""
    return lrs[int(np.argmin(smooth))] / (20.0 / 3.0 if onecycle else 20.0)


def _rule_minimum(lrs, smooth, onecycle=False):
    """The rate at the minimum of the smoothed loss, divided by 10 (fastai's
    classic rule)."""
    return lrs[int(np.argmin(smooth))] / 10.0


def _rule_steepest(lrs, smooth, onecycle=False):
    """The rate where the smoothed loss falls fastest against log(rate),
    before its minimum."""
    stop = int(np.argmin(smooth)) + 1
    if stop < 3:
        return lrs[0]
    slope = np.gradient(smooth[:stop], np.log(lrs[:stop]))
    return lrs[int(np.argmin(slope))]


def _rule_valley(lrs, smooth, onecycle=False):
    """fastai's 'valley': the longest stretch of falling smoothed loss that ends
    at its minimum; the rate two thirds of the way along it."""
    lo = int(np.argmin(smooth))
    start = lo
    while start > 0 and smooth[start - 1] >= smooth[start]:
        start -= 1
    if lo - start < 2:
        return lrs[lo] / 10.0
    return lrs[start + int(round(2 * (lo - start) / 3))]


RULES = {
    "auto": _rule_auto,
    "minimum": _rule_minimum,
    "steepest": _rule_steepest,
    "valley": _rule_valley,
}


def check_settings(min_lr, max_lr, n_steps, smoothing, window, diverge_factor, rule):
    """Validate the test's settings; raise InvalidParameterError naming the bad one."""
    check_real("min_lr", min_lr, 0, low_open=True)
    check_real("max_lr", max_lr, 0, low_open=True)
    if not max_lr > min_lr:
        raise InvalidParameterError(
            f"max_lr must be larger than min_lr, got min_lr={min_lr!r} and max_lr={max_lr!r}."
        )
    check_int("n_steps", n_steps, 5)
    check_real("smoothing", smoothing, 0, 1, high_open=True)
    check_int("window", window, 0)
    check_real("diverge_factor", diverge_factor, 1, low_open=True)
    if not (callable(rule) or (isinstance(rule, str) and rule in RULES)):
        raise InvalidParameterError(
            f"rule must be one of {', '.join(map(repr, RULES))} or a callable "
            f"(lrs, smoothed_losses) -> rate; got {rule!r}."
        )


class RangeMonitor(Part):
    """Records the rate and objective of every step and ends the test: after
    ``n_steps`` steps, on a non-finite loss or weights, or once the
    bias-corrected running average of the loss (``smoothing``) exceeds
    ``diverge_factor`` times its lowest value."""

    def __init__(self, n_steps, smoothing, diverge_factor):
        self.n_steps, self.smoothing, self.diverge_factor = n_steps, smoothing, diverge_factor
        self.lrs, self.losses = [], []
        self._m, self._best = 0.0, np.inf

    def on_batch_end(self, setup, state, lr, loss, done):
        self.lrs.append(lr)
        self.losses.append(loss)
        t = len(self.losses)
        if not np.isfinite(loss):
            return "non-finite loss"
        beta = self.smoothing
        self._m = beta * self._m + (1.0 - beta) * loss
        smoothed = self._m / (1.0 - beta**t)
        self._best = min(self._best, smoothed)
        if t > 1 and smoothed > self.diverge_factor * self._best:
            return "diverged"
        if t >= self.n_steps:
            return "n_steps"
        return None

    def on_divergence(self, setup, state, epoch):
        return "non-finite weights"  # the weights overflowed at the end of an epoch


def train_scratch(setup, state, data):
    """Train ``setup`` on a scratch copy of ``state``: the same weights,
    batch-norm statistics and random generator, fresh optimizer moments and
    history; overflow is expected and silenced. The state given is left as
    it was. Returns the reason training stopped."""
    theta = state.theta.copy()
    scratch = State(theta=theta, opt_state=setup.optimizer.init(theta),
                    stats=copy.deepcopy(state.stats), rng=copy.deepcopy(state.rng),
                    monitor=Monitor(0.0, np.inf, False), history=History())
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return train(setup, scratch, data)


def run_range_test(setup, state, data, *, verbose=0, min_lr, max_lr, n_steps,
                   smoothing, window, diverge_factor, rule):
    """The test on a prepared run, which is left as it was: it trains copies
    of the weights, statistics and random generator.

    Returns the result :class:`~sklearn.utils.Bunch`.
    """
    monitor = RangeMonitor(n_steps, smoothing, diverge_factor)
    steps_per_epoch = math.ceil(data.X.shape[0] / setup.batch_size)
    test = dataclasses.replace(
        setup, schedule=_Geometric(max_lr / min_lr, n_steps), lr_init=float(min_lr),
        n_epochs=math.ceil(n_steps / steps_per_epoch) + 1, parts=(monitor,),
    )
    reason = train_scratch(test, state, data)
    if reason == "max_iter":  # (only when every batch was skipped)
        reason = "n_steps"
    return _result(monitor, reason, setup, verbose=verbose, min_lr=min_lr, max_lr=max_lr,
                   window=window, rule=rule)


def _result(monitor, reason, setup, *, verbose, min_lr, max_lr, window, rule):
    """Read the suggestion off the recorded curve; the result Bunch."""
    lrs = np.asarray(monitor.lrs, dtype=float)
    losses = np.asarray(monitor.losses, dtype=float)
    # usable: the steps before the one that stopped the test on a blow-up
    n_usable = len(losses)
    if reason in ("diverged", "non-finite loss") and n_usable > 1:
        n_usable -= 1
    n_usable = int(np.isfinite(losses[:n_usable]).cumprod().sum())
    smooth = np.full(len(losses), np.nan)
    smooth[:n_usable] = _centred_average(losses[:n_usable], window)
    if n_usable:
        if isinstance(rule, str):
            onecycle = isinstance(setup.schedule, OneCycle)
            suggestion = float(RULES[rule](lrs[:n_usable], smooth[:n_usable], onecycle))
        else:
            suggestion = float(rule(lrs[:n_usable], smooth[:n_usable]))
    else:
        suggestion = float(min_lr)
    if verbose:
        print(f"Learning-rate range test: {len(losses)} mini-batches from "
              f"{min_lr:.3g} to {lrs[-1] if len(lrs) else min_lr:.3g} "
              f"(stopped: {reason}); rule {rule!r} suggests {suggestion:.3g}")
    return Bunch(
        lrs=lrs,
        losses=losses,
        smoothed_losses=smooth,
        suggestion=suggestion,
        curve_suggestion=suggestion,
        probe=None,
        rule=rule if isinstance(rule, str) else getattr(rule, "__name__", repr(rule)),
        stop_reason=reason,
        n_usable=n_usable,
        n_steps=len(losses),
        min_lr=float(min_lr),
        max_lr=float(max_lr),
        batch_size=int(setup.batch_size),
    )

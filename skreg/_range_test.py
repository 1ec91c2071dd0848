"""The learning-rate range test (Smith 2017, "Cyclical learning rates", sec. 3.3;
the ``lr_find`` of fastai and PyTorch Lightning).

From the estimator's initial weights, train for at most ``n_steps``
mini-batches while the rate grows geometrically from ``min_lr`` to
``max_lr``, record the mini-batch objective of every step, and stop once the
smoothed loss has clearly blown up. A rule then reads a rate off the curve.

It is the ordinary training loop (:func:`skreg._training.train_epochs`) run
on a copy of the weights with a geometric schedule and a per-batch monitor:
no second loop. ``learning_rate_init='auto'`` runs it inside ``fit``, on the
data ``fit`` trains on.
"""

import copy
import inspect
import math
import types

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ._params import InvalidParameterError, check_int, check_real
from ._training import Monitor, NonFiniteError, train_epochs
from .schedules import OneCycle, Schedule

__all__ = ["lr_range_test", "RULES", "DEFAULTS"]

class _Geometric(Schedule):
    """factor = ratio ** (step / (n_steps - 1)) at mini-batch ``step``."""

    def __init__(self, ratio, n_steps):
        self.ratio = ratio
        self.n_steps = n_steps

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        step = round(epoch * steps_per_epoch)
        return self.ratio ** (step / (self.n_steps - 1))


class _Stop(Exception):
    """Raised by the per-batch monitor to end the test."""


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


def run_range_test(run, X, Y, sw, *, verbose=0, tol=1e-4, min_lr, max_lr, n_steps,
                   smoothing, window, diverge_factor, rule):
    """The test on a resolved training set-up (``_mlp._Run``) that is left as
    it was: weights, statistics and random generator are copied.

    Returns the result :class:`~sklearn.utils.Bunch`.
    """
    test = copy.copy(run)
    test.theta = run.theta.copy()
    test.grad = np.zeros_like(test.theta)
    test.params, test.grads = run.net.views(test.theta), run.net.views(test.grad)
    test.stats = copy.deepcopy(run.stats)
    test.rng = copy.deepcopy(run.rng)
    test.opt_state = run.optimizer.init(test.theta)
    test.schedule = _Geometric(max_lr / min_lr, n_steps)
    test.lr_init = float(min_lr)
    test.plateau_factor = 1.0
    test.reduce_on_plateau = False
    test.monitor = Monitor(tol, np.inf, False)
    test.t0 = 0
    # a scratch recipient of the history the loop writes
    sink = types.SimpleNamespace(
        n_iter_=0, t_=0, loss_=None, loss_curve_=[], lr_curve_=[], best_loss_=None,
        verbose=0, tol=tol, n_iter_no_change=np.inf,
    )

    lrs, losses = [], []
    state = {"m": 0.0, "best": np.inf, "reason": "n_steps"}

    def on_batch(lr, loss):
        lrs.append(lr)
        losses.append(loss)
        t = len(losses)
        if not np.isfinite(loss):
            state["reason"] = "non-finite loss"
            raise _Stop
        state["m"] = smoothing * state["m"] + (1.0 - smoothing) * loss
        smoothed = state["m"] / (1.0 - smoothing**t)
        state["best"] = min(state["best"], smoothed)
        if t > 1 and smoothed > diverge_factor * state["best"]:
            state["reason"] = "diverged"
            raise _Stop
        if t >= n_steps:
            raise _Stop

    test.on_batch = on_batch
    steps_per_epoch = math.ceil(X.shape[0] / run.batch_size)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            train_epochs(sink, test, X, Y, sw, None,
                         n_epochs=math.ceil(n_steps / steps_per_epoch) + 1,
                         incremental=False)
    except _Stop:
        pass
    except NonFiniteError:  # the weights overflowed at the end of an epoch
        state["reason"] = "non-finite weights"
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    # usable: the steps before the one that stopped the test on a blow-up
    n_usable = len(losses)
    if state["reason"] in ("diverged", "non-finite loss") and n_usable > 1:
        n_usable -= 1
    n_usable = int(np.isfinite(losses[:n_usable]).cumprod().sum())
    smooth = np.full(len(losses), np.nan)
    smooth[:n_usable] = _centred_average(losses[:n_usable], window)
    if n_usable:
        if isinstance(rule, str):
            onecycle = isinstance(run.schedule, OneCycle)
            suggestion = float(RULES[rule](lrs[:n_usable], smooth[:n_usable], onecycle))
        else:
            suggestion = float(rule(lrs[:n_usable], smooth[:n_usable]))
    else:
        suggestion = float(min_lr)
    if verbose:
        print(f"Learning-rate range test: {len(losses)} mini-batches from "
              f"{min_lr:.3g} to {lrs[-1] if len(lrs) else min_lr:.3g} "
              f"(stopped: {state['reason']}); rule {rule!r} suggests {suggestion:.3g}")
    return Bunch(
        lrs=lrs,
        losses=losses,
        smoothed_losses=smooth,
        suggestion=suggestion,
        rule=rule if isinstance(rule, str) else getattr(rule, "__name__", repr(rule)),
        stop_reason=state["reason"],
        n_usable=n_usable,
        n_steps=len(losses),
        min_lr=float(min_lr),
        max_lr=float(max_lr),
        batch_size=int(run.batch_size),
    )


def lr_range_test(estimator, X, y, *, sample_weight=None, min_lr=1e-6, max_lr=10.0,
                  n_steps=100, smoothing=0.9, window=5, diverge_factor=4.0, rule="auto"):
    """Learning-rate range test of an MLP estimator on data.

    Starting from the weights the estimator would start ``fit`` from (its
    initialisation under ``random_state``, or its current weights with
    ``warm_start=True``), with its own solver, penalty, batch size, batch
    normalisation and dropout, train for at most ``n_steps`` mini-batches
    while the learning rate grows geometrically,
    ``lr_k = min_lr * (max_lr / min_lr) ** (k / (n_steps - 1))``, recording
    the mini-batch objective (loss plus penalty) before each step. The test
    stops early once the smoothed loss exceeds ``diverge_factor`` times its
    lowest value, or the loss is not finite. ``rule`` then reads a rate off
    the smoothed curve. This is exactly what ``learning_rate_init='auto'``
    runs inside ``fit`` (on the training part when ``early_stopping=True``).

    The estimator passed in is not modified (the test runs on a clone; with
    ``warm_start=True`` the clone carries the fitted weights).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        With a stochastic solver (not 'lbfgs').
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    sample_weight : array-like of shape (n_samples,), default=None
    min_lr, max_lr : float, default=1e-6, 10.0
        First and last rate of the sweep (``0 < min_lr < max_lr``).
    n_steps : int, default=100
        Mini-batches the test may run (at least 5): this bounds its cost.
        Small data sets are cycled through as often as needed.
    smoothing : float in [0, 1), default=0.9
        ``beta`` of the bias-corrected running average the stop rule watches,
        ``m_k = beta m_{k-1} + (1 - beta) loss_k``, ``s_k = m_k / (1 - beta**k)``.
    window : int >= 0, default=5
        Half-width of the centred moving average the rule reads (the mean of
        the losses at most ``window`` steps before or after each step): once
        the test is over, a smoothing without the running average's lag.
    diverge_factor : float > 1, default=4.0
        Stop once the running average exceeds this multiple of its minimum.
    rule : {'auto', 'minimum', 'steepest', 'valley'} or callable, default='auto'
        How the suggestion is read off the smoothed curve of the usable steps
        (those before the blow-up):

        - 'auto': the rate at the minimum of the smoothed loss divided by 20,
          or by 20/3 when the estimator's schedule is 'onecycle' (its peak
          rate is held only briefly). Chosen on the tuning benchmark, where
          it came within 1 accuracy point (0.02 R^2) of the best fixed rate
          in more cells than the other rules (documentation: "Tuning");
        - 'minimum': the rate at the minimum / 10 (fastai's classic rule);
        - 'steepest': where the smoothed loss falls fastest against
          log(rate), before its minimum;
        - 'valley': the longest stretch of falling smoothed loss that ends
          at its minimum; the rate two thirds of the way along it (fastai's
          newer rule);
        - a callable ``rule(lrs, smoothed_losses) -> float``.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``lrs`` (the rate of each step), ``losses`` (the raw mini-batch
        objective), ``smoothed_losses`` (the centred average of the usable
        steps, NaN after them), ``suggestion`` (the suggested
        rate), ``rule``, ``stop_reason`` ('n_steps', 'diverged',
        'non-finite loss' or 'non-finite weights'), ``n_steps`` (steps run),
        ``n_usable`` (steps before the blow-up),
        ``min_lr``, ``max_lr`` and ``batch_size``.

    See Also
    --------
    skreg.plotting.LearningRateRangeDisplay : Draws the result.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier, lr_range_test
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> res = lr_range_test(MLPClassifier((32,), solver="sgd", random_state=0), X, y)
    >>> 1e-4 < res.suggestion < 10
    True
    >>> len(res.lrs) == len(res.losses) <= 100
    True
    """
    from ._mlp import BaseMLP

    if not isinstance(estimator, BaseMLP):
        raise TypeError(
            "lr_range_test needs a skreg MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}."
        )
    check_settings(min_lr, max_lr, n_steps, smoothing, window, diverge_factor, rule)
    est = clone(estimator)
    if estimator.warm_start and hasattr(estimator, "coefs_"):
        est.__dict__.update(copy.deepcopy(
            {k: v for k, v in vars(estimator).items() if k.endswith("_") or k.startswith("_")}
        ))
    est.set_params(learning_rate_init="auto")
    est._range_test_settings = dict(
        min_lr=min_lr, max_lr=max_lr, n_steps=n_steps, smoothing=smoothing, window=window,
        diverge_factor=diverge_factor, rule=rule, only=True,
    )
    try:
        est._fit(X, y, sample_weight, incremental=False)
    except RangeTestDone as done:
        return done.result
    raise InvalidParameterError(  # pragma: no cover - lbfgs is rejected first
        "lr_range_test found no stochastic training to run."
    )


class RangeTestDone(Exception):
    """Carries the result out of ``fit`` when only the test was asked for."""

    def __init__(self, result):
        super().__init__("range test done")
        self.result = result


#: the settings ``learning_rate_init='auto'`` uses: lr_range_test's defaults
DEFAULTS = {
    name: p.default for name, p in inspect.signature(lr_range_test).parameters.items()
    if p.kind is p.KEYWORD_ONLY and name != "sample_weight"
}

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
import math
import types

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ._params import InvalidParameterError, check_int, check_real
from ._training import Monitor, NonFiniteError, train_epochs
from .schedules import Schedule

__all__ = ["lr_range_test", "RULES", "DEFAULTS"]

#: the settings ``learning_rate_init='auto'`` uses
DEFAULTS = {
    "min_lr": 1e-6,
    "max_lr": 10.0,
    "n_steps": 100,
    "smoothing": 0.9,
    "diverge_factor": 4.0,
    "rule": "valley",
}


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


def _smooth(losses, beta):
    """Bias-corrected exponential moving average (fastai's smooth loss):
    ``m_t = beta m_{t-1} + (1 - beta) x_t``, ``s_t = m_t / (1 - beta**t)``."""
    out = np.empty(len(losses))
    m = 0.0
    for t, x in enumerate(losses, start=1):
        m = beta * m + (1.0 - beta) * x
        out[t - 1] = m / (1.0 - beta**t)
    return out


# ----------------------------------------------------------------- the rules
def _rule_minimum(lrs, smooth):
    """The rate at the minimum of the smoothed loss, divided by 10."""
    return lrs[int(np.argmin(smooth))] / 10.0


def _rule_steepest(lrs, smooth):
    """The rate where the smoothed loss falls fastest in log(rate), taken
    before the minimum."""
    stop = int(np.argmin(smooth)) + 1
    if stop < 3:
        return lrs[0]
    slope = np.gradient(smooth[:stop], np.log(lrs[:stop]))
    return lrs[int(np.argmin(slope))]


def _rule_valley(lrs, smooth):
    """fastai's 'valley': the longest stretch over which the smoothed loss
    keeps falling, ending at the minimum; the rate two thirds of the way
    along that stretch (its start is where the fall begins, its end where
    the curve turns)."""
    n = len(smooth)
    lo = int(np.argmin(smooth))
    # walk back from the minimum while the loss keeps (weakly) rising going back
    start = lo
    while start > 0 and smooth[start - 1] >= smooth[start]:
        start -= 1
    if lo - start < 2:
        return lrs[max(lo, 0)] / 10.0 if n else lrs[0]
    return lrs[start + int(round(2 * (lo - start) / 3))]


def _rule_fraction(lrs, smooth):
    """The largest rate, before the minimum, whose smoothed loss has already
    fallen by half of the total drop from the start to the minimum, / 3.

    A stable choice for long runs at a constant rate: well inside the region
    where the loss falls, a factor below where it is fastest."""
    lo = int(np.argmin(smooth))
    drop = smooth[0] - smooth[lo]
    if lo < 2 or drop <= 0:
        return lrs[0]
    half = np.nonzero(smooth[: lo + 1] <= smooth[0] - 0.5 * drop)[0][0]
    return lrs[half]


RULES = {
    "minimum": _rule_minimum,
    "steepest": _rule_steepest,
    "valley": _rule_valley,
    "half_drop": _rule_fraction,
}


def check_settings(min_lr, max_lr, n_steps, smoothing, diverge_factor, rule):
    """Validate the test's settings; raise InvalidParameterError naming the bad one."""
    check_real("min_lr", min_lr, 0, low_open=True)
    check_real("max_lr", max_lr, 0, low_open=True)
    if not max_lr > min_lr:
        raise InvalidParameterError(
            f"max_lr must be larger than min_lr, got min_lr={min_lr!r} and max_lr={max_lr!r}."
        )
    check_int("n_steps", n_steps, 5)
    check_real("smoothing", smoothing, 0, 1, high_open=True)
    check_real("diverge_factor", diverge_factor, 1, low_open=True)
    if not (callable(rule) or (isinstance(rule, str) and rule in RULES)):
        raise InvalidParameterError(
            f"rule must be one of {', '.join(map(repr, RULES))} or a callable "
            f"(lrs, smoothed_losses) -> rate; got {rule!r}."
        )


def run_range_test(run, X, Y, sw, *, verbose=0, tol=1e-4, min_lr, max_lr, n_steps,
                   smoothing, diverge_factor, rule):
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
    finite = np.isfinite(losses)
    smooth = np.full(len(losses), np.nan)
    smooth[finite] = _smooth(losses[finite], smoothing) if finite.any() else []
    usable = finite.copy()
    if state["reason"] in ("diverged", "non-finite loss") and len(losses) > 1:
        usable[-1] = False  # the step that triggered the stop
    chooser = RULES[rule] if isinstance(rule, str) else rule
    if usable.sum() >= 1:
        suggestion = float(chooser(lrs[usable], smooth[usable]))
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
        n_steps=len(losses),
        min_lr=float(min_lr),
        max_lr=float(max_lr),
        batch_size=int(run.batch_size),
    )


def lr_range_test(estimator, X, y, *, sample_weight=None, min_lr=1e-6, max_lr=10.0,
                  n_steps=100, smoothing=0.9, diverge_factor=4.0, rule="valley"):
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
        ``beta`` of the bias-corrected moving average
        ``m_k = beta m_{k-1} + (1 - beta) loss_k``, ``s_k = m_k / (1 - beta**k)``.
    diverge_factor : float > 1, default=4.0
        Stop once the smoothed loss exceeds this multiple of its minimum.
    rule : {'valley', 'minimum', 'steepest', 'half_drop'} or callable, default='valley'
        How the suggestion is read off the curve of usable steps:

        - 'valley': the longest run of falling smoothed loss that ends at its
          minimum; the rate two thirds of the way along it (fastai's rule);
        - 'minimum': the rate at the minimum of the smoothed loss, / 10;
        - 'steepest': the rate where the smoothed loss falls fastest against
          log(rate), before the minimum;
        - 'half_drop': the first rate at which the smoothed loss has fallen
          by half of its total drop to the minimum;
        - a callable ``rule(lrs, smoothed_losses) -> float``.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``lrs`` (the rate of each step), ``losses`` (the raw mini-batch
        objective), ``smoothed_losses``, ``suggestion`` (the suggested
        rate), ``rule``, ``stop_reason`` ('n_steps', 'diverged',
        'non-finite loss' or 'non-finite weights'), ``n_steps`` (steps run),
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
    check_settings(min_lr, max_lr, n_steps, smoothing, diverge_factor, rule)
    est = clone(estimator)
    if estimator.warm_start and hasattr(estimator, "coefs_"):
        est.__dict__.update(copy.deepcopy(
            {k: v for k, v in vars(estimator).items() if k.endswith("_") or k.startswith("_")}
        ))
    est.set_params(learning_rate_init="auto")
    est._range_test_settings = dict(
        min_lr=min_lr, max_lr=max_lr, n_steps=n_steps, smoothing=smoothing,
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

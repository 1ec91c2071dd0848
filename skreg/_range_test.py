"""The learning-rate range test of an estimator: :func:`lr_range_test`.

The test itself (rules, monitor, the run on a prepared set-up) is
:mod:`skreg._range_core`; this is its public entry: clone the estimator,
prepare the run its ``fit`` would train, and run the test on it.
"""

import copy

from sklearn.base import clone

from . import _state
from ._base import BaseMLP
from ._config import resolve
from ._fitting import _blas_threads, prepare
from ._probe import with_probe
from ._range_core import DEFAULTS, RULES, check_settings, run_range_test

__all__ = ["lr_range_test", "RULES", "DEFAULTS"]


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
    the smoothed curve. With ``rule='auto'`` a held-out probe follows (see
    below). This is exactly what ``learning_rate_init='auto'`` runs inside
    ``fit`` (on the training part when ``early_stopping=True``).

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

        Only 'auto' runs the **held-out probe**, which sees what the curve
        cannot: overfitting within the fit's horizon. It holds out
        ``validation_fraction`` of the training rows (at most 512; the
        early-stopping validation set when ``early_stopping=True``), drawn
        with a copy of the estimator's random generator; trains from the
        same initial weights on the other rows for at most 100 mini-batches
        at a constant rate ``eta`` = 4 x the constant-schedule suggestion;
        and scores the network's loss on the held-out rows 10 times. If
        that loss reached its minimum at mini-batch ``s*`` and then rose by
        more than 0.5 % on average, the rate becomes
        ``min(curve suggestion, eta * sum(p(t), t <= s*) / M)``, where
        ``p`` is the solver's ``step_profile`` and ``M`` the sum of the
        schedule's rate factors times ``p(t)`` over the fit's ``max_iter``
        epochs: the fit's summed step sizes then equal the probe's at its
        best point.
        Otherwise the curve's suggestion stands. Skipped with fewer than 50
        training rows.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``lrs`` (the rate of each step), ``losses`` (the raw mini-batch
        objective), ``smoothed_losses`` (the centred average of the usable
        steps, NaN after them), ``curve_suggestion`` (the rate the rule
        reads off the curve), ``suggestion`` (the suggested rate: the curve's,
        after the probe for 'auto'), ``probe`` (None, or a dict: ``rate``,
        ``steps`` and ``held_out_losses`` of its evaluations, ``best_step``,
        ``overfit``, ``n_batches``, ``horizon_steps``, ``horizon_mass``,
        ``n_train``, ``n_held_out``, ``held_out`` ('slice' or
        'early_stopping')), ``rule``, ``stop_reason`` ('n_steps', 'diverged',
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
    if not isinstance(estimator, BaseMLP):
        raise TypeError(
            "lr_range_test needs a skreg MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}."
        )
    check_settings(min_lr, max_lr, n_steps, smoothing, window, diverge_factor, rule)
    est = clone(estimator)
    if estimator.warm_start and hasattr(estimator, "coefs_"):
        # the clone starts from the fitted weights, as a warm-started fit would
        est.__dict__.update(copy.deepcopy(_state.snapshot(estimator)))
    est.set_params(learning_rate_init="auto")  # (the test sets the rate)
    if resolve(est, est._kind).optimizer is None:
        raise ValueError("lr_range_test needs a stochastic solver; solver='lbfgs' "
                         "has no learning rate.")
    with _blas_threads(est):
        run = prepare(est, X, y, sample_weight, incremental=False, rate=None)
        result = run_range_test(run.setup, run.state, run.data, verbose=run.cfg.verbose,
                                min_lr=min_lr, max_lr=max_lr,
                                n_steps=n_steps, smoothing=smoothing, window=window,
                                diverge_factor=diverge_factor, rule=rule)
        if isinstance(rule, str) and rule == "auto":
            result = with_probe(result, run.setup, run.state, run.data,
                                run.cfg.validation_fraction, verbose=run.cfg.verbose)
        return result

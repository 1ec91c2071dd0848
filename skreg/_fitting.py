"""Fit orchestration: prepare a run from an estimator and its data, train it,
store the result.

``fit`` is :func:`prepare` (checks, data, network, initial state, the
:class:`~skreg._training.Setup` with its step chain and parts, the
learning rate, running the range test for 'auto'), then
:func:`skreg._training.train` (or the L-BFGS driver), then :func:`store`,
which is the only place that writes the training's results into the
estimator. The whole of it is transactional: a fit that fails leaves the
estimator as it was (:func:`skreg._state.snapshot` / ``restore``).
"""

import copy
import dataclasses
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from . import _state
from ._config import hidden_sizes, resolve
from ._data import check_sample_weight
from ._lbfgs import minimize_lbfgs
from ._network import Network
from ._probe import with_probe
from ._proximal import ProximalPhase
from ._parts import (EarlyStopping, Progress, RecordHistory, ReduceOnPlateau, StopOnPlateau,
                     Verbose, WarnAtMaxIter)
from ._range_core import DEFAULTS as RANGE_TEST_DEFAULTS
from ._range_core import run_range_test
from ._steps import chain
from ._threads import blas_threads_for
from ._training import _NON_FINITE, Data, History, Monitor, NonFiniteError, Setup, State, train
from .averaging import RULES as AVERAGING_RULES
from .initializers import INITIALIZERS
from .losses import get_loss
from .schedules import LinearWarmup

__all__ = ["fit", "prepare", "Prepared", "store"]


@dataclass
class Prepared:
    """A run ready to train: the checked configuration, the network, the
    full and training data, the state, and for a stochastic solver the
    set-up (None for 'lbfgs'). ``range_test`` is the range test's result
    ('auto'), ``keep_rate`` that partial_fit keeps the rate of its first
    call."""

    cfg: Any
    net: Network
    penalty: Any
    X: Any
    data: Data
    state: State
    first_pass: bool
    incremental: bool
    setup: Optional[Setup] = None
    range_test: Optional[dict] = None
    keep_rate: bool = False
    target_scale: Optional[tuple] = None


@dataclass
class _Start:
    """What prepare knows once the data are checked: enough for the state."""

    cfg: Any
    net: Network
    penalty: Any
    X: Any
    Y: Any
    y: Any
    sw: Any
    first_pass: bool
    incremental: bool
    target_scale: Optional[tuple] = None


def _blas_threads(est):
    """BLAS threads for fitting ``est`` (see skreg._threads.blas_threads_for)."""
    try:
        width = max(hidden_sizes(est.hidden_layer_sizes), default=1)
    except (TypeError, ValueError):  # invalid: the parameter check reports it
        width = 1
    if isinstance(est.solver, str) and est.solver == "lbfgs":
        batch = None  # full-batch products: let BLAS decide
    else:
        batch = est.batch_size if isinstance(est.batch_size, numbers.Integral) else 200
    return blas_threads_for(width, batch)


def fit(est, X, y, sample_weight=None, *, incremental=False, classes=None):
    """Fit ``est`` (``partial_fit`` when ``incremental``): prepare, train, store.
    A failed fit leaves the estimator as it was."""
    saved = _state.snapshot(est)
    try:
        with _blas_threads(est):
            run = prepare(est, X, y, sample_weight, incremental=incremental, classes=classes)
            if run.setup is None:
                _train_lbfgs(run)
            else:
                train(run.setup, run.state, run.data)
            _check_output_is_finite(run)
            store(est, run)
    except BaseException:
        _state.restore(est, saved)
        raise
    return est


# ------------------------------------------------------------------ prepare
def prepare(est, X, y, sample_weight=None, *, incremental=False, classes=None,
            rate="resolve"):
    """The run ``fit`` would train. ``rate='resolve'`` settles the learning
    rate ('auto' runs the range test); ``rate=None`` leaves ``lr_init``
    unset (what :func:`skreg.lr_range_test` starts from).

    Checking the data sets what fit learns about it on ``est``
    (``n_features_in_``, ``classes_``...); nothing else is written.
    """
    start = _start(est, X, y, sample_weight, incremental, classes)
    state = _initial_state(est, start)
    if start.cfg.optimizer is None:
        return Prepared(start.cfg, start.net, start.penalty, start.X,
                        Data(start.X, start.Y, start.sw), state, start.first_pass, incremental,
                        target_scale=start.target_scale)
    run = _stochastic(est, start, state)
    return _resolve_rate(est, run) if rate == "resolve" else run


def _start(est, X, y, sample_weight, incremental, classes):
    cfg = resolve(est, est._kind)
    if incremental and cfg.early_stopping:
        raise ValueError(
            "partial_fit does not support early_stopping=True: early stopping "
            "holds out part of fit's data, and partial_fit sees one batch at a "
            "time. Set early_stopping=False to train incrementally."
        )
    first_pass = not hasattr(est, "coefs_") or (not cfg.warm_start and not incremental)
    X, Y, y = est._validate_input(X, y, incremental, first_pass, classes)
    sw = check_sample_weight(sample_weight, X)
    sw = est._apply_class_weight(sw, y, X, incremental)
    Y, target_scale = _scale_target(est, cfg, Y, sw, first_pass)
    if target_scale is not None:  # (early stopping scores y: in the same units)
        y = Y.reshape(np.shape(y))
    n_samples, n_features = X.shape
    # targets as the loss takes them: class codes (softmax), bool indicators
    # (logistic outputs) or real values in X's dtype (regression)
    n_outputs = Y.shape[1] if Y.ndim == 2 else len(est.classes_)
    units = [n_features] + cfg.hidden + [n_outputs]
    loss = get_loss(est._loss_name(), cfg.values.get("label_smoothing", 0.0))
    net = Network(units, cfg.activation, loss, cfg.batch_norm, cfg.dropout)
    if net.batch_norm and len(units) > 2 and n_samples < 2:
        raise ValueError(
            "batch_norm=True needs at least 2 training samples: the statistics of a "
            f"single sample normalise every unit to 0 (got n_samples={n_samples})."
        )
    # the group penalty acts on the rows of each weight matrix: give it the layout
    penalty = cfg.penalty.bind(list(zip(units[:-1], units[1:])))
    return _Start(cfg, net, penalty, X, Y, y, sw, first_pass, incremental, target_scale)


def _scale_target(est, cfg, Y, sw, first_pass):
    """``scale_target``: (standardised Y, (mean, std)), or (Y, None). A
    later fit continuing the weights keeps the first fit's mean and std."""
    if not cfg.values.get("scale_target", False):
        return Y, None
    if cfg.loss != "squared_error":
        raise ValueError(
            f"scale_target=True needs loss='squared_error' (got loss={cfg.loss!r}): "
            "standardised targets have no meaning for the Poisson deviance, whose "
            "targets must stay non-negative counts or rates."
        )
    if first_pass:
        mean = np.average(Y, axis=0, weights=sw)
        std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sw))
        # a constant output: nothing to scale (and no division by 0)
        std = np.where(std > np.finfo(Y.dtype).eps * np.maximum(1.0, np.abs(mean)), std, 1.0)
        scale = (mean.astype(Y.dtype), std.astype(Y.dtype))
    else:
        scale = getattr(est, "_target_scale", None)
        if scale is None:  # the weights continued were fitted in y's units
            scale = (np.zeros(Y.shape[1], Y.dtype), np.ones(Y.shape[1], Y.dtype))
    return (Y - scale[0]) / scale[1], scale


def _unfold_target_scale(params, scale):
    """The output layer of a network fitted with ``scale_target``, back in
    the standardised units it trains in (copies)."""
    coefs, intercepts = list(params[0]), list(params[1])
    mean, std = scale
    coefs[-1] = coefs[-1] / std
    intercepts[-1] = (intercepts[-1] - mean) / std
    return (coefs, intercepts) + tuple(params[2:])


def _init_weights(init, activation, fan_in, fan_out, rng, dtype):
    if callable(init):
        W = np.asarray(init(fan_in, fan_out, rng))
        if W.shape != (fan_in, fan_out) or W.dtype.kind not in "iuf":
            raise ValueError(
                f"init returned an array of shape {W.shape} and dtype {W.dtype}; "
                f"expected a real numeric array of shape ({fan_in}, {fan_out})."
            )
        with np.errstate(over="ignore"):
            W = W.astype(dtype)
        if not np.isfinite(W).all():
            raise ValueError(f"init returned weights that are not finite in {W.dtype}.")
        return W
    if init == "auto":
        init = "he" if activation == "relu" else "xavier"
    return INITIALIZERS[init](fan_in, fan_out, rng, dtype)


def _check_compatible(est, units, batch_norm):
    old = [est.coefs_[0].shape[0]] + [c.shape[1] for c in est.coefs_]
    # (without hidden layers there is nothing to normalise: no bn_gammas_)
    if old != units or bool(est.bn_gammas_) != (bool(batch_norm) and len(units) > 2):
        raise ValueError(
            f"The network layout changed since the last fit (layer sizes {old} -> "
            f"{units}, batch_norm={batch_norm}). With warm_start=True or "
            "partial_fit, keep hidden_layer_sizes, batch_norm and the outputs fixed, "
            "or fit from scratch."
        )


def _fresh_parameters(est, start, rng, dtype):
    cfg, units = start.cfg, start.net.layer_units
    coefs = [_init_weights(cfg.init, cfg.activation, a, b, rng, dtype)
             for a, b in zip(units[:-1], units[1:])]
    intercepts = [np.zeros(b, dtype=dtype) for b in units[1:]]
    if isinstance(cfg.init, str) and cfg.init == "auto":
        intercepts[-1][...] = est._initial_output_bias(start.Y, start.sw)
    hidden = units[1:-1] if cfg.batch_norm else []
    gammas = [np.ones(u, dtype=dtype) for u in hidden]
    betas = [np.zeros(u, dtype=dtype) for u in hidden]
    return (coefs, intercepts, gammas, betas)


def _initial_state(est, start):
    """Weights, statistics, generator and history a run starts from: fresh on
    a first pass, the estimator's (copies) otherwise."""
    cfg, net, dtype = start.cfg, start.net, start.X.dtype
    if start.first_pass or not start.incremental:
        rng = check_random_state(cfg.random_state)
    else:
        rng = copy.deepcopy(est._rng)
    es = cfg.early_stopping
    if start.first_pass:
        params = _fresh_parameters(est, start, rng, dtype)
        stats = net.new_stats(dtype)
        history = History(validation_scores=[] if es else None,
                          validation_loss_curve=[] if es else None)
        n_iter = t = 0
    else:
        _check_compatible(est, net.layer_units, cfg.batch_norm)
        params = (est.coefs_, est.intercepts_, est.bn_gammas_, est.bn_betas_)
        if start.target_scale is not None:
            params = _unfold_target_scale(params, start.target_scale)
        stats = None
        if cfg.batch_norm:
            stats = ([m.astype(dtype) for m in est.bn_running_means_],
                     [v.astype(dtype) for v in est.bn_running_vars_])
        scores, val_losses = est.validation_scores_, est.validation_loss_curve_
        if es and scores is None:
            scores, val_losses = [], []
        history = History(
            loss_curve=list(est.loss_curve_), lr_curve=list(est.lr_curve_),
            validation_scores=None if scores is None else list(scores),
            validation_loss_curve=None if val_losses is None else list(val_losses),
            loss=getattr(est, "loss_", None), best_loss=est.best_loss_,
            best_validation_score=est.best_validation_score_)
        n_iter, t = est.n_iter_, est.t_
    theta = net.pack(params, dtype)
    return State(theta=theta, opt_state={}, stats=stats, rng=rng,
                 monitor=Monitor(cfg.tol, cfg.n_iter_no_change, es), history=history,
                 n_iter=n_iter, t=t)


def _hold_out(est, start, state):
    """Split off the early-stopping validation set; (training Data, part)."""
    cfg, X, Y, y, sw = start.cfg, start.X, start.Y, start.y, start.sw
    stratify = Y if (est._kind == "classifier" and start.net.layer_units[-1] == 1) else None
    arrays = [X, Y, y] + ([sw] if sw is not None else [])
    try:
        split = train_test_split(*arrays, random_state=state.rng,
                                 test_size=cfg.validation_fraction, stratify=stratify)
    except ValueError as exc:
        raise ValueError(
            f"early_stopping=True cannot hold out validation_fraction="
            f"{cfg.validation_fraction} of {X.shape[0]} samples"
            f"{' (stratified by class)' if stratify is not None else ''}: {exc} "
            "Increase validation_fraction or the data, or set early_stopping=False."
        ) from exc
    X, X_val, Y, Y_val, _, y_val = split[:6]
    sw, sw_val = (split[6], split[7]) if sw is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    w_val = (sw_val / sw_val.sum()) if sw_val is not None and sw_val.sum() > 0 \
        else np.full(X_val.shape[0], 1.0 / X_val.shape[0])
    part = EarlyStopping(X_val, Y_val, y_val, w_val, sw_val, est._scorer())
    state.save_best(-np.inf)  # the weights this fit starts from
    return Data(X, Y, sw), part


def _batch_size(cfg, net, n):
    if cfg.batch_size == "auto":
        batch_size = min(200, n)
    else:
        if cfg.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                f"going to be clipped: batch_size={cfg.batch_size} is larger than "
                f"the number of training samples ({n}); using batch_size={n}."
            )
        batch_size = int(np.clip(cfg.batch_size, 1, n))
    if net.batch_norm and net.n_layers > 1 and batch_size < 2:
        raise ValueError(
            "batch_norm=True needs mini-batches of at least 2 samples (got "
            f"batch_size={batch_size}): one sample normalises every unit to 0."
        )
    return batch_size


def _averaging(cfg, incremental, data, batch_size):
    """The weight-averaging part, or None."""
    rule = cfg.averaging
    if rule is None:
        return None
    if incremental:
        raise ValueError(
            f"averaging={rule!r} is not available in partial_fit: an average runs "
            "over the epochs of one fit. Use fit, or averaging=None."
        )
    rule = AVERAGING_RULES[rule]() if isinstance(rule, str) else copy.deepcopy(rule)
    return rule._part(cfg.max_iter, data, batch_size)


def _parts(cfg, incremental, early_stopping, averaging, proximal):
    # the proximal phase first: its train-end hook runs last (see train)
    parts = [proximal] if proximal is not None else []
    parts.append(RecordHistory())
    if averaging is not None:
        parts.append(averaging)  # (updated before early stopping scores it)
    if early_stopping is not None:
        parts.append(early_stopping)
    if cfg.verbose:
        parts.append(Verbose())
    if cfg.verbose >= 2:
        parts.append(Progress())
    on_score = early_stopping is not None
    parts.append(ReduceOnPlateau(on_score, cfg.verbose) if cfg.plateau
                 else StopOnPlateau(on_score, cfg.verbose))
    if not incremental:
        parts.append(WarnAtMaxIter())
    return tuple(parts)


def _stochastic(est, start, state):
    """The set-up of a stochastic solver; continues optimizer, monitor and
    schedule state in a partial_fit after the first."""
    cfg, net, optimizer = start.cfg, start.net, start.cfg.optimizer
    incremental, first_pass = start.incremental, start.first_pass
    resume = incremental and not first_pass
    if resume and hasattr(est, "_opt_state"):
        state.opt_state = copy.deepcopy(est._opt_state)
        state.monitor.best = est._monitor_state["best"]
        state.monitor.count = est._monitor_state["count"]
        state.plateau_factor = est._plateau_factor
    else:
        state.opt_state = optimizer.init(state.theta)
        if not incremental:
            state.n_iter = 0
    data, early = Data(start.X, start.Y, start.sw), None
    if cfg.early_stopping:
        data, early = _hold_out(est, start, state)
    # samples seen before this run: a fit restarts the schedule, partial_fit
    # continues the run in progress
    state.t0 = est._t0 if resume and hasattr(est, "_t0") else (0 if incremental else state.t)
    alpha = float(cfg.alpha)
    schedule = cfg.schedule
    if cfg.warmup:
        schedule = LinearWarmup(schedule, cfg.warmup, data.X.shape[0])
    batch_size = _batch_size(cfg, net, data.X.shape[0])
    averaging = _averaging(cfg, incremental, data, batch_size)
    proximal = None
    if alpha and start.penalty.has_prox and cfg.prox_max_iter and not incremental:
        proximal = ProximalPhase(data, cfg.prox_max_iter, cfg.prox_tol)
    setup = Setup(
        net=net, optimizer=optimizer, schedule=schedule, penalty=start.penalty,
        alpha=alpha, lr_init=None, batch_size=batch_size,
        shuffle=cfg.shuffle, max_iter=cfg.max_iter,
        n_epochs=1 if incremental else cfg.max_iter,
        steps=chain(optimizer, start.penalty, alpha, cfg.max_grad_norm),
        parts=_parts(cfg, incremental, early, averaging, proximal),
    )
    return Prepared(cfg, net, start.penalty, start.X, data, state, first_pass, incremental,
                    setup, target_scale=start.target_scale)


def _resolve_rate(est, run):
    """learning_rate_init, or the range test's suggestion for 'auto' (on the
    data this fit trains on, from its initial weights; partial_fit keeps the
    rate of its first call)."""
    lr = run.cfg.learning_rate_init
    if isinstance(lr, str):
        if (run.incremental and not run.first_pass
                and getattr(est, "lr_range_test_", None) is not None):
            run.keep_rate = True
            lr = est.learning_rate_
        else:
            result = run_range_test(run.setup, run.state, run.data, verbose=run.cfg.verbose,
                                    **RANGE_TEST_DEFAULTS)
            if not run.incremental:  # (partial_fit has no known horizon)
                result = with_probe(result, run.setup, run.state, run.data,
                                    run.cfg.validation_fraction, verbose=run.cfg.verbose)
            # a plain dict on the fitted estimator (safe persistence with skops)
            run.range_test = dict(result)
            lr = result["suggestion"]
    run.setup = dataclasses.replace(run.setup, lr_init=float(lr))
    return run


# --------------------------------------------------------------------- lbfgs
def _train_lbfgs(run):
    cfg, net, state, data = run.cfg, run.net, run.state, run.data
    X, Y, sw = data.X, data.Y, data.sw
    n = X.shape[0]
    w = (sw / sw.sum()) if sw is not None else np.full(n, 1.0 / n, dtype=X.dtype)
    ws = net.workspace(n, state.theta.dtype)

    def fun(th, grad_out):
        return ws.loss_grad(net.views(th), net.views(grad_out), X, Y, w)

    theta, obj, nit, curve = minimize_lbfgs(
        fun, state.theta, net.n_weights, run.penalty, cfg.alpha, max_iter=cfg.max_iter, max_fun=cfg.max_fun, tol=cfg.tol,
        verbose=cfg.verbose,
    )
    if not np.isfinite(theta).all() or not np.isfinite(obj):
        raise NonFiniteError(
            _NON_FINITE + " L-BFGS produced non-finite weights: scale the "
            "input features (e.g. StandardScaler) or increase alpha."
        )
    if state.stats is not None:
        # running statistics := statistics of the whole training set
        grad = np.empty_like(theta)
        ws.loss_grad(net.views(theta), net.views(grad), X, Y, w, stats=state.stats,
                     momentum=1.0)
    state.theta, state.n_iter = theta, nit
    state.history.loss = obj
    state.history.best_loss = min(curve) if curve else obj
    state.history.loss_curve = curve


# --------------------------------------------------------------------- store
def _check_output_is_finite(run):
    """Raise if the trained network's output overflows on (a sample of) the
    training data: finite weights can still be too large to use."""
    X, net, state = run.X, run.net, run.state
    n = X.shape[0]
    # 256 rows spread over the data: a check, not a second training pass
    rows = np.linspace(0, n - 1, min(n, 256)).astype(np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        out = net.predict(net.views(state.theta), state.stats, X[rows])
    if not np.isfinite(out).all():
        raise NonFiniteError(
            "The trained network's output is not finite on the training data (the "
            "weights grew too large): the optimisation diverged. Lower "
            "learning_rate_init, increase alpha, or scale the input features "
            "(e.g. StandardScaler)."
        )


def store(est, run):
    """Write a finished run into the estimator (the registry's entries)."""
    net, state, history, setup = run.net, run.state, run.state.history, run.setup
    P = net.views(state.theta)
    if run.target_scale is not None:
        # scale_target: y = mean + std * output, folded into the output layer
        mean, std = run.target_scale
        P.coefs[-1] *= std
        P.intercepts[-1] *= std
        P.intercepts[-1] += mean
    est._target_scale = run.target_scale
    est.coefs_, est.intercepts_ = P.coefs, P.intercepts
    est.bn_gammas_, est.bn_betas_ = P.gammas, P.betas
    est.bn_running_means_ = state.stats[0] if state.stats is not None else []
    est.bn_running_vars_ = state.stats[1] if state.stats is not None else []
    est._rng = state.rng
    est.n_outputs_ = net.layer_units[-1]
    est.n_layers_ = len(net.layer_units)
    est.out_activation_ = net.loss.out_activation
    est.n_iter_, est.t_ = state.n_iter, state.t
    est.loss_, est.best_loss_ = history.loss, history.best_loss
    est.loss_curve_, est.lr_curve_ = history.loss_curve, history.lr_curve
    est.validation_scores_ = history.validation_scores
    est.validation_loss_curve_ = history.validation_loss_curve
    est.best_validation_score_ = history.best_validation_score
    est.n_averaged_ = state.n_averaged
    est.prox_n_iter_, est.kkt_violation_ = history.prox_n_iter, history.kkt_violation
    est.optimizer_ = run.cfg.optimizer
    est.lr_schedule_ = run.cfg.schedule if setup is not None else None
    if setup is None:
        est.learning_rate_ = est.lr_range_test_ = None
        return
    if not run.keep_rate:
        est.learning_rate_ = setup.lr_init
        est.lr_range_test_ = run.range_test
    est._opt_state = state.opt_state
    # plain data, not the Monitor: the fitted state holds no helper objects
    est._monitor_state = {"best": float(state.monitor.best), "count": int(state.monitor.count)}
    est._plateau_factor = state.plateau_factor
    est._t0 = state.t0

"""MLPClassifier and MLPRegressor: parameters, validation and fit glue.

The numerical work lives in the small modules (``_network``, ``losses``,
``penalties``, ``optimizers``, ``schedules``, ``_training``, ``_lbfgs``);
this module resolves the constructor parameters into those objects and wires
them together.
"""

import contextlib
import copy
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from . import optimizers as _opt
from . import schedules as _sched
from ._lbfgs import minimize_lbfgs
from ._network import Network, Params
from ._threads import blas_threads_for
from ._params import InvalidParameterError, check_bool, check_int, check_options, check_real
from ._range_test import DEFAULTS as _RANGE_TEST_DEFAULTS
from ._range_test import RangeTestDone, run_range_test
from ._training import _NON_FINITE, Monitor, NonFiniteError, train_epochs
from .initializers import INITIALIZERS
from .losses import get_loss
from .penalties import get_penalty

__all__ = ["MLPClassifier", "MLPRegressor"]

_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
_SOLVERS = ("sgd", "adam", "lbfgs", "adagrad", "rmsprop", "adamw")
_SCHEDULES = ("constant", "invscaling", "adaptive", "step", "exponential",
              "cosine", "onecycle")
_INITS = ("auto",) + tuple(INITIALIZERS)
_PENALTIES = ("l2", "l1", "elasticnet", "group_lasso", "group_elasticnet", None)


def _rescale_weights(sw, dtype):
    """Cast weights to ``dtype`` after dividing them by the power of two that
    puts the largest one in [0.5, 1). Only ratios of weights enter the
    objective and scaling by 2**k is exact, so this changes nothing except
    that weights like 1e300 or 1e-300 no longer overflow / underflow float32."""
    if sw.size:
        sw = np.ldexp(sw, -np.frexp(sw.max())[1])
    return sw.astype(dtype)


@contextlib.contextmanager
def _overflow_as_value_error():
    """numpy raises OverflowError for a Python int too large for a float."""
    try:
        yield
    except OverflowError as exc:
        raise ValueError(f"X or y holds a number too large for a float: {exc}") from None


@contextlib.contextmanager
def _blas_threads_for(est):
    """BLAS threads for fitting ``est`` (see skreg._threads.blas_threads_for)."""
    try:
        width = max(est._hidden_sizes(), default=1)
    except (TypeError, ValueError):  # invalid: _check_params reports it
        width = 1
    if isinstance(est.solver, str) and est.solver == "lbfgs":
        batch = None  # full-batch products: let BLAS decide
    else:
        batch = est.batch_size if isinstance(est.batch_size, numbers.Integral) else 200
    with blas_threads_for(width, batch):
        yield


def _check_output_is_finite(net, params, stats, X):
    """Raise if the trained network's output overflows on (a sample of) the
    training data: finite weights can still be too large to use."""
    n = X.shape[0]
    # 256 rows spread over the data: a check, not a second training pass
    rows = np.linspace(0, n - 1, min(n, 256)).astype(np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        out = net.predict(params, stats, X[rows])
    if not np.isfinite(out).all():
        raise NonFiniteError(
            "The trained network's output is not finite on the training data (the "
            "weights grew too large): the optimisation diverged. Lower "
            "learning_rate_init, increase alpha, or scale the input features "
            "(e.g. StandardScaler)."
        )


class _Run:
    """Everything one call of fit / partial_fit trains with."""

    def save_best(self):
        self.best_theta = self.theta.copy()
        self.best_stats = copy.deepcopy(self.stats)


class BaseMLP(BaseEstimator):
    """Shared implementation of the two estimators (not public)."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate=None,
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        penalty="l2",
        l1_ratio=0.15,
        init="auto",
        lr_schedule="constant",
        batch_norm=False,
        dropout=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.init = init
        self.lr_schedule = lr_schedule
        self.batch_norm = batch_norm
        self.dropout = dropout

    # ------------------------------------------------------------ parameters
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (numbers.Integral, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            # a ValueError and a TypeError, as scikit-learn's parameter check
            raise InvalidParameterError(
                "hidden_layer_sizes must be an int or a sequence of ints, got "
                f"{self.hidden_layer_sizes!r}."
            ) from None
        for s in sizes:
            if not isinstance(s, numbers.Integral) or isinstance(s, bool):
                raise ValueError(
                    "hidden_layer_sizes must contain ints >= 1 (an empty "
                    f"sequence means no hidden layer), got {self.hidden_layer_sizes!r}."
                )
            if s < 1:  # scikit-learn's message first
                raise ValueError(
                    f"hidden_layer_sizes must be > 0, got {[int(v) for v in sizes]}. "
                    "It must contain ints >= 1 (an empty sequence means no hidden layer)."
                )
        return [int(s) for s in sizes]

    def _check_params(self):
        """Validate every parameter; return the resolved objects."""
        hidden = self._hidden_sizes()
        check_options("activation", self.activation, _ACTIVATIONS)
        check_real("alpha", self.alpha, 0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            if isinstance(self.batch_size, str):
                raise ValueError(
                    f"batch_size must be 'auto' or an int >= 1, got {self.batch_size!r}."
                )
            check_int("batch_size", self.batch_size, 1)
        if self.learning_rate is not None:
            check_options("learning_rate", self.learning_rate,
                          ("constant", "invscaling", "adaptive"))
        if isinstance(self.learning_rate_init, str):
            if self.learning_rate_init != "auto":
                raise InvalidParameterError(
                    "learning_rate_init must be a float > 0 or 'auto' (set by a "
                    f"learning-rate range test), got {self.learning_rate_init!r}."
                )
        else:
            check_real("learning_rate_init", self.learning_rate_init, 0, low_open=True)
        check_real("power_t", self.power_t, 0)
        check_int("max_iter", self.max_iter, 1)
        check_bool("shuffle", self.shuffle)
        check_real("tol", self.tol, 0)
        if not isinstance(self.verbose, (bool, np.bool_, numbers.Integral)) or self.verbose < 0:
            raise ValueError(f"verbose must be a bool or an int >= 0, got {self.verbose!r}.")
        check_bool("warm_start", self.warm_start)
        check_real("momentum", self.momentum, 0, 1)
        check_bool("nesterovs_momentum", self.nesterovs_momentum)
        check_bool("early_stopping", self.early_stopping)
        # 0 is allowed without early stopping (scikit-learn's range), not with it
        check_real("validation_fraction", self.validation_fraction, 0, 1,
                   low_open=bool(self.early_stopping), high_open=True)
        check_real("beta_1", self.beta_1, 0, 1, high_open=True)
        check_real("beta_2", self.beta_2, 0, 1, high_open=True)
        check_real("epsilon", self.epsilon, 0, low_open=True)
        check_int("n_iter_no_change", self.n_iter_no_change, 1, allow_inf=True)
        check_int("max_fun", self.max_fun, 1)
        try:  # (no draw: an int seeds a new generator, an instance is returned)
            check_random_state(self.random_state)
        except ValueError:
            raise ValueError(
                "random_state must be None, an int in [0, 2**32 - 1] or a "
                f"numpy.random.RandomState, got {self.random_state!r}."
            ) from None
        check_options("penalty", self.penalty, _PENALTIES)
        check_real("l1_ratio", self.l1_ratio, 0, 1)
        check_bool("batch_norm", self.batch_norm)
        if not callable(self.init):
            if not isinstance(self.init, str) or self.init not in _INITS:
                raise ValueError(
                    f"init must be one of {', '.join(map(repr, _INITS))} or a callable "
                    f"(fan_in, fan_out, random_state) -> array; got {self.init!r}."
                )

        # dropout: one float or one per hidden layer
        if isinstance(self.dropout, (numbers.Real, np.floating)) and not isinstance(
            self.dropout, bool
        ):
            dropout = [float(self.dropout)] * len(hidden)
            check_real("dropout", self.dropout, 0, 1, high_open=True)
        else:
            try:
                dropout = [check_real("dropout", p, 0, 1, high_open=True)
                           for p in self.dropout]
            except TypeError:
                raise TypeError(
                    "dropout must be a float in [0, 1) or a sequence with one such "
                    f"value per hidden layer, got {self.dropout!r}."
                ) from None
            if len(dropout) != len(hidden):
                raise ValueError(
                    f"dropout has {len(dropout)} values but there are {len(hidden)} "
                    "hidden layers; give one float or one value per hidden layer."
                )

        optimizer = self._resolve_solver()
        schedule, plateau = self._resolve_schedule()
        if optimizer is None and any(p > 0 for p in dropout):
            raise ValueError(
                "dropout is not supported with solver='lbfgs': the objective would "
                "change between line-search evaluations. Use a stochastic solver "
                "or dropout=0."
            )
        if optimizer is None and self.penalty in ("group_lasso", "group_elasticnet"):
            raise ValueError(
                f"penalty={self.penalty!r} is not supported with solver='lbfgs': "
                "L-BFGS-B handles only box constraints, which cannot express the "
                "group norm. Use solver='adam', 'sgd', 'adamw', 'rmsprop' or "
                "'adagrad' (their proximal step gives exact zero rows), or "
                "penalty='l1' with 'lbfgs'."
            )
        return {
            "hidden": hidden,
            "dropout": dropout,
            "optimizer": optimizer,
            "schedule": schedule,
            "plateau": plateau,
            "penalty": get_penalty(self.penalty, self.l1_ratio),
        }

    def _resolve_solver(self):
        """The optimizer object, or None for L-BFGS."""
        s = self.solver
        if isinstance(s, _opt.Optimizer):
            opt = copy.deepcopy(s)
        elif isinstance(s, str) and s in _SOLVERS:
            opt = {
                "sgd": lambda: _opt.SGD(self.momentum, self.nesterovs_momentum),
                "adam": lambda: _opt.Adam(self.beta_1, self.beta_2, self.epsilon),
                "adamw": lambda: _opt.AdamW(self.beta_1, self.beta_2, self.epsilon),
                "adagrad": lambda: _opt.Adagrad(self.epsilon),
                "rmsprop": lambda: _opt.RMSprop(epsilon=self.epsilon),
                "lbfgs": lambda: None,
            }[s]()
        else:
            raise ValueError(
                f"solver must be one of {', '.join(map(repr, _SOLVERS))} or an "
                f"optimizer from skreg.optimizers; got {s!r}."
            )
        if opt is not None:
            opt._check()
        return opt

    def _resolve_schedule(self):
        """(schedule object, reduce_on_plateau)."""
        name = self.learning_rate if self.learning_rate is not None else self.lr_schedule
        if isinstance(name, _sched.Schedule):
            sched = copy.deepcopy(name)
            sched._check()
            return sched, False
        if not (isinstance(name, str) and name in _SCHEDULES):
            raise ValueError(
                f"lr_schedule must be one of {', '.join(map(repr, _SCHEDULES))} or a "
                f"schedule from skreg.schedules; got {name!r}."
            )
        sched = {
            "constant": _sched.Constant,
            "adaptive": _sched.Constant,
            "invscaling": lambda: _sched.InverseScaling(self.power_t),
            "step": _sched.StepDecay,
            "exponential": _sched.ExponentialDecay,
            "cosine": _sched.CosineAnnealing,
            "onecycle": _sched.OneCycle,
        }[name]()
        return sched, name == "adaptive"

    def _init_weights(self, fan_in, fan_out, rng, dtype):
        init = self.init
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
            init = "he" if self.activation == "relu" else "xavier"
        return INITIALIZERS[init](fan_in, fan_out, rng, dtype)

    # ------------------------------------------------------------ samples
    def _check_sample_weight(self, sample_weight, X):
        n = X.shape[0]
        if sample_weight is None:
            return None
        if isinstance(sample_weight, numbers.Number):
            sample_weight = np.full(n, sample_weight, dtype=np.float64)
        sw = column_or_1d(np.asarray(sample_weight, dtype=np.float64), warn=False)
        if sw.shape[0] != n:
            raise ValueError(
                f"sample_weight has {sw.shape[0]} entries but X has {n} samples."
            )
        if not np.isfinite(sw).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        if (sw < 0).any():
            raise ValueError("sample_weight must be non-negative; negative weights found.")
        if n and sw.sum() <= 0:
            raise ValueError("sample_weight sums to zero: at least one weight must be > 0.")
        return _rescale_weights(sw, X.dtype)

    # ------------------------------------------------------------ fitting
    def _layer_units(self, n_features, hidden, n_outputs):
        return [n_features] + hidden + [n_outputs]

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        # history lists grow in place and the random generator advances:
        # the snapshot holds copies of those
        # (constructor parameters are the user's own objects: kept as they are)
        params = self._get_param_names()
        snapshot = {k: (list(v) if isinstance(v, list) and k not in params else v)
                    for k, v in self.__dict__.items()}
        if "_rng" in snapshot:
            snapshot["_rng"] = copy.deepcopy(self._rng)
        try:
            with _blas_threads_for(self):
                return self._fit_inner(X, y, sample_weight, incremental, classes)
        except BaseException:
            # transactional: a failed fit leaves the estimator as it was
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise

    def _fit_inner(self, X, y, sample_weight, incremental, classes):
        cfg = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: early stopping "
                "holds out part of fit's data, and partial_fit sees one batch at a "
                "time. Set early_stopping=False to train incrementally."
            )
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y, y_orig = self._validate_input(X, y, incremental, first_pass, classes)
        sw = self._check_sample_weight(sample_weight, X)
        sw = self._apply_class_weight(sw, y_orig, X, incremental)
        n_samples, n_features = X.shape
        dtype = X.dtype
        # targets as the loss takes them: class codes (softmax), bool indicators
        # (logistic outputs) or real values in X's dtype (regression)
        n_outputs = Y.shape[1] if Y.ndim == 2 else len(self.classes_)
        units = self._layer_units(n_features, cfg["hidden"], n_outputs)
        loss = get_loss(self._loss_name(n_outputs))
        net = Network(units, self.activation, loss, self.batch_norm, cfg["dropout"])
        # the group penalty acts on the rows of each weight matrix: give it the layout
        cfg["penalty"] = cfg["penalty"].bind(list(zip(units[:-1], units[1:])))
        if net.batch_norm and len(units) > 2 and n_samples < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 training samples: the statistics of a "
                f"single sample normalise every unit to 0 (got n_samples={n_samples})."
            )

        if first_pass or not incremental:
            rng = check_random_state(self.random_state)
        else:
            rng = self._rng
        if first_pass:
            coefs = [self._init_weights(a, b, rng, dtype) for a, b in zip(units[:-1], units[1:])]
            intercepts = [np.zeros(b, dtype=dtype) for b in units[1:]]
            if isinstance(self.init, str) and self.init == "auto":
                intercepts[-1][...] = self._initial_output_bias(Y, sw)
            gammas = [np.ones(u, dtype=dtype) for u in units[1:-1]] if self.batch_norm else []
            betas = [np.zeros(u, dtype=dtype) for u in units[1:-1]] if self.batch_norm else []
            from_params = (coefs, intercepts, gammas, betas)
            stats = net.new_stats(dtype)
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_ = []
            self.lr_curve_ = []
            self.validation_scores_ = [] if self.early_stopping else None
            self.validation_loss_curve_ = [] if self.early_stopping else None
            self.best_validation_score_ = None
            self.best_loss_ = None
        else:
            self._check_compatible(units, dtype)
            from_params = (self.coefs_, self.intercepts_, self.bn_gammas_, self.bn_betas_)
            stats = ((copy.deepcopy(self.bn_running_means_), copy.deepcopy(self.bn_running_vars_))
                     if self.batch_norm else None)
            if stats is not None:
                stats = ([m.astype(dtype) for m in stats[0]], [v.astype(dtype) for v in stats[1]])
            if self.early_stopping and self.validation_scores_ is None:
                self.validation_scores_ = []
                self.validation_loss_curve_ = []
        theta = net.pack(from_params, dtype)
        self._rng = rng
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(units)
        self.out_activation_ = loss.out_activation

        optimizer = cfg["optimizer"]
        if optimizer is None:
            if getattr(self, "_range_test_settings", None):
                raise ValueError("lr_range_test needs a stochastic solver; solver='lbfgs' "
                                 "has no learning rate.")
            theta, stats = self._fit_lbfgs(net, theta, stats, X, Y, sw, cfg)
            self.learning_rate_ = None
            self.lr_range_test_ = None
        else:
            theta, stats = self._fit_stochastic(net, theta, stats, X, Y, sw, y_orig,
                                                cfg, rng, first_pass, incremental)
        _check_output_is_finite(net, net.views(theta), stats, X)
        self._store(net, theta, stats)
        self.optimizer_ = optimizer
        self.lr_schedule_ = cfg["schedule"] if optimizer is not None else None
        return self

    def _initial_output_bias(self, Y, sw):
        """Output biases that init='auto' starts from (zeros here; regressors
        start at the best constant model)."""
        return 0.0

    def _check_compatible(self, units, dtype):
        old = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        # (without hidden layers there is nothing to normalise: no bn_gammas_)
        if old != units or bool(self.bn_gammas_) != (bool(self.batch_norm) and len(units) > 2):
            raise ValueError(
                f"The network layout changed since the last fit (layer sizes {old} -> "
                f"{units}, batch_norm={self.batch_norm}). With warm_start=True or "
                "partial_fit, keep hidden_layer_sizes, batch_norm and the outputs fixed, "
                "or fit from scratch."
            )

    def _store(self, net, theta, stats):
        P = net.views(theta)
        self.coefs_ = P.coefs
        self.intercepts_ = P.intercepts
        self.bn_gammas_ = P.gammas
        self.bn_betas_ = P.betas
        self.bn_running_means_ = stats[0] if stats is not None else []
        self.bn_running_vars_ = stats[1] if stats is not None else []

    def _params_view(self):
        return Params(self.coefs_, self.intercepts_, self.bn_gammas_, self.bn_betas_)

    def _network(self):
        units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        return Network(units, self.activation, get_loss(self._loss_name(self.n_outputs_)),
                       bool(self.bn_gammas_))

    def _fit_lbfgs(self, net, theta, stats, X, Y, sw, cfg):
        n = X.shape[0]
        w = (sw / sw.sum()) if sw is not None else np.full(n, 1.0 / n, dtype=X.dtype)
        ws = net.workspace(n, theta.dtype)

        def fun(th, grad_out):
            return ws.loss_grad(net.views(th), net.views(grad_out), X, Y, w)

        theta, obj, nit, curve = minimize_lbfgs(
            fun, theta, net.n_weights, cfg["penalty"], self.alpha,
            max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
            verbose=self.verbose,
        )
        if not np.isfinite(theta).all() or not np.isfinite(obj):
            raise NonFiniteError(
                _NON_FINITE + " L-BFGS produced non-finite weights: scale the "
                "input features (e.g. StandardScaler) or increase alpha."
            )
        if stats is not None:
            # running statistics := statistics of the whole training set
            grad = np.empty_like(theta)
            ws.loss_grad(net.views(theta), net.views(grad), X, Y, w, stats=stats,
                         momentum=1.0)
        self.n_iter_ = nit
        self.loss_ = obj
        self.best_loss_ = min(curve) if curve else obj
        self.loss_curve_ = curve
        return theta, stats

    def _fit_stochastic(self, net, theta, stats, X, Y, sw, y_orig, cfg, rng,
                        first_pass, incremental):
        run = _Run()
        run.net, run.theta, run.stats = net, theta, stats
        run.grad = np.zeros_like(theta)
        run.params, run.grads = net.views(theta), net.views(run.grad)
        run.optimizer, run.schedule, run.penalty = cfg["optimizer"], cfg["schedule"], cfg["penalty"]
        run.alpha, run.rng = float(self.alpha), rng
        run.shuffle, run.max_iter = self.shuffle, self.max_iter
        run.reduce_on_plateau = cfg["plateau"]

        if incremental and not first_pass and hasattr(self, "_opt_state"):
            # partial_fit continues optimizer, schedule and plateau state
            run.opt_state = copy.deepcopy(self._opt_state)
            run.monitor = Monitor(self.tol, self.n_iter_no_change, self.early_stopping)
            run.monitor.best = self._monitor_state["best"]
            run.monitor.count = self._monitor_state["count"]
            run.plateau_factor = self._plateau_factor
        else:
            run.opt_state = run.optimizer.init(theta)
            run.monitor = Monitor(self.tol, self.n_iter_no_change, self.early_stopping)
            run.plateau_factor = 1.0
            if not incremental:
                self.n_iter_ = 0

        evaluate = None
        if self.early_stopping:
            stratify = Y if (is_classifier(self) and self.n_outputs_ == 1) else None
            arrays = [X, Y, y_orig] + ([sw] if sw is not None else [])
            try:
                split = train_test_split(*arrays, random_state=rng,
                                         test_size=self.validation_fraction,
                                         stratify=stratify)
            except ValueError as exc:
                raise ValueError(
                    f"early_stopping=True cannot hold out validation_fraction="
                    f"{self.validation_fraction} of {X.shape[0]} samples"
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
            loss = net.loss
            w_val = (sw_val / sw_val.sum()) if sw_val is not None and sw_val.sum() > 0 \
                else np.full(X_val.shape[0], 1.0 / X_val.shape[0])

            def evaluate():
                raw = net.predict(run.params, run.stats, X_val, link=False)
                val_loss = loss.loss_and_delta(raw.copy(), Y_val, w_val)
                out = loss.link(raw)
                return self._score_output(out, y_val, sw_val), val_loss

            run.save_best()

        n = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is "
                    f"going to be clipped: batch_size={self.batch_size} is larger than "
                    f"the number of training samples ({n}); using batch_size={n}."
                )
            batch_size = int(np.clip(self.batch_size, 1, n))
        if net.batch_norm and net.n_layers > 1 and batch_size < 2:
            raise ValueError(
                "batch_norm=True needs mini-batches of at least 2 samples (got "
                f"batch_size={batch_size}): one sample normalises every unit to 0."
            )
        run.batch_size = batch_size
        run.lr_init = self._resolve_learning_rate(run, X, Y, sw, first_pass, incremental)
        # samples seen before this run: a fit restarts the schedule, partial_fit
        # continues the run in progress
        if incremental and not first_pass and hasattr(self, "_t0"):
            run.t0 = self._t0
        else:
            run.t0 = 0 if incremental else self.t_
        self._t0 = run.t0
        train_epochs(self, run, X, Y, sw, evaluate,
                     n_epochs=1 if incremental else self.max_iter,
                     incremental=incremental)
        theta, stats = run.theta, run.stats
        if self.early_stopping:
            theta, stats = run.best_theta, run.best_stats
            self.best_loss_ = None
            if getattr(run, "diverged", False):
                # the moments hold NaN: a later partial_fit starts them afresh
                run.opt_state = run.optimizer.init(theta)
        self._opt_state = run.opt_state
        # plain data, not the Monitor: the fitted state holds no helper objects
        self._monitor_state = {"best": float(run.monitor.best), "count": int(run.monitor.count)}
        self._plateau_factor = run.plateau_factor
        return theta, stats

    def _resolve_learning_rate(self, run, X, Y, sw, first_pass, incremental):
        """learning_rate_init, or the range test's suggestion for 'auto' (on the
        data this fit trains on, from its initial weights; partial_fit keeps the
        rate of its first call)."""
        if not isinstance(self.learning_rate_init, str):
            self.learning_rate_ = float(self.learning_rate_init)
            self.lr_range_test_ = None
            return self.learning_rate_
        if incremental and not first_pass and getattr(self, "lr_range_test_", None) is not None:
            return self.learning_rate_
        settings = dict(getattr(self, "_range_test_settings", None) or _RANGE_TEST_DEFAULTS)
        only = settings.pop("only", False)
        result = run_range_test(run, X, Y, sw, verbose=self.verbose, tol=self.tol, **settings)
        if only:
            raise RangeTestDone(result)
        # a plain dict on the fitted estimator (safe persistence with skops)
        self.lr_range_test_ = dict(result)
        self.learning_rate_ = result["suggestion"]
        return self.learning_rate_

    @property
    def feature_importances_(self):
        """Norm of each input feature's outgoing weights, summing to 1.

        ``||W_1[i, :]||_2`` for input i (the first weight matrix, with batch
        normalisation folded in, i.e. the weights the network applies at
        prediction), divided by the sum over features unless all are zero.
        With ``penalty='group_lasso'`` or 'group_elasticnet' a zero is exact
        and means the network does not use the feature; under the other
        penalties the values are only a ranking by weight size (an L1 zero
        row is rare). Compare features on the same scale (standardise X).
        """
        check_is_fitted(self)
        from ._fold import fold_batch_norm

        coefs, _ = fold_batch_norm(self.coefs_[:2], self.intercepts_[:2],
                                   self.bn_gammas_[:1], self.bn_betas_[:1],
                                   self.bn_running_means_[:1], self.bn_running_vars_[:1])
        W = coefs[0]
        imp = np.sqrt(np.einsum("ij,ij->i", W, W))  # ||W[i, :]||_2
        total = imp.sum()
        return imp / total if total > 0 else imp

    # ----------------------------------------------------------- predicting
    def _forward(self, X):
        check_is_fitted(self)
        with _overflow_as_value_error():
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                              dtype=(np.float64, np.float32))
        net = self._network()
        stats = (self.bn_running_means_, self.bn_running_vars_) if self.bn_gammas_ else None
        return net.predict(self._params_view(), stats, X)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Update the model with one epoch over the given data."""
        return self._fit(X, y, sample_weight, incremental=True, **kwargs)

    def _check_solver(self):
        if isinstance(self.solver, str) and self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real targets (regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights ``s_i`` of the samples in the objective.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def to_sklearn(self):
        """The equivalent fitted scikit-learn estimator (see :func:`skreg.export.to_sklearn`).

        Returns
        -------
        estimator : sklearn.neural_network.MLPClassifier or MLPRegressor
        """
        from .export import to_sklearn

        return to_sklearn(self)

    # ------------------------------------------------------------ persistence
    def __getstate__(self):
        state = dict(super().__getstate__())  # (a copy: never write into __dict__)
        from . import __version__

        state["_skreg_version"] = __version__
        return state

    def __setstate__(self, state):
        from . import __version__

        state = dict(state)
        saved = state.pop("_skreg_version", "0.1.0 or older")
        if saved != __version__:
            # (scikit-learn's warning class, so one filter covers both libraries)
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=f"skreg.{type(self).__name__}",
                    current_sklearn_version=__version__,
                    original_sklearn_version=saved,
                ),
                stacklevel=2,
            )
        # skreg 0.1.0 stored helper objects; keep their plain data instead
        if "_label_coder" in state:
            state["_label_kind"] = state.pop("_label_coder").kind
        if "_monitor" in state:
            mon = state.pop("_monitor")
            state["_monitor_state"] = {"best": float(mon.best), "count": int(mon.count)}
        super().__setstate__(state)



_PARAMS_DOC = """
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer. ``()`` is a network without hidden layer
        (a linear / logistic model).

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Hidden-layer activation.

    solver : {'adam', 'sgd', 'lbfgs', 'adagrad', 'rmsprop', 'adamw'} or \
Optimizer, default='adam'
        How the weights are optimised. Strings take their hyper-parameters
        from this estimator (``momentum``, ``nesterovs_momentum``, ``beta_1``,
        ``beta_2``, ``epsilon``); an object from :mod:`skreg.optimizers`
        carries its own (tunable as ``solver__<name>``). 'adam' and 'adamw'
        follow torch.optim (epsilon added to sqrt(v_hat)); 'adamw' applies
        the L2 part of the penalty as decoupled weight decay. 'lbfgs' is
        full-batch L-BFGS-B; with an L1 part it solves the split problem
        W = U - V, U, V >= 0, exactly.

    alpha : float, default=0.0001
        Strength of the penalty in the objective
        ``sum_i s_i loss_i / sum_i s_i + alpha * R(W)``. Unlike scikit-learn,
        alpha is *not* divided by the batch or sample size: an alpha tuned
        for scikit-learn corresponds to ``alpha_sklearn / n_samples`` here
        (``/ batch_size`` for its stochastic solvers).

    batch_size : int or 'auto', default='auto'
        Mini-batch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``. A size larger than the training set is
        clipped, with a warning.

    learning_rate : {'constant', 'invscaling', 'adaptive'} or None, \
default=None
        scikit-learn's name for the schedule, kept as an alias: when set, it
        takes precedence over ``lr_schedule``.

    learning_rate_init : float or 'auto', default=0.001
        Initial (peak, for 'onecycle') learning rate of stochastic solvers.
        'auto' runs a learning-rate range test (:func:`skreg.lr_range_test`,
        at most 100 mini-batches) on the training data at the start of
        ``fit`` and uses its suggestion, a rate that suits the solver at
        hand: use it when you change or search over ``solver``. The default
        0.001 is scikit-learn's, and suits Adam. The rate used is
        ``learning_rate_``. Ignored by 'lbfgs'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

    shuffle : bool, default=True
        Shuffle the training samples before each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the early-stopping split, shuffling and
        dropout masks.

    tol : float, default=1e-4
        Improvement of the training loss (or validation score with
        early stopping) below which an epoch counts as "no improvement".

    verbose : bool or int, default=False
        1 prints one line per epoch (loss, validation score and loss,
        learning rate, seconds); 2 also shows progress within long epochs.

    warm_start : bool, default=False
        Start ``fit`` from the current weights. Optimizer state, schedule and
        ``n_iter_`` restart with each fit; history lists keep growing.

    momentum : float, default=0.9
        Momentum of solver='sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Nesterov momentum for solver='sgd'.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        single-output classification), stop when the validation score has
        not improved by ``tol`` for ``n_iter_no_change`` epochs, and restore
        the best weights. Stochastic solvers only. If the training diverges
        (non-finite loss or weights), training stops with a
        ``ConvergenceWarning``, ``validation_scores_[-1]`` is ``nan`` and the
        best weights are kept (as scikit-learn); without early stopping a
        divergence raises ``ValueError``. Not available in ``partial_fit``.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay of the first-moment estimate (adam, adamw), in [0, 1).

    beta_2 : float, default=0.999
        Decay of the second-moment estimate (adam, adamw), in [0, 1).

    epsilon : float, default=1e-8
        Added to the denominator of adam, adamw, adagrad and rmsprop.

    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping (or, with the
        'adaptive' schedule, dividing the learning rate by 5).

    max_fun : int, default=15000
        Maximum number of loss evaluations of solver='lbfgs'.

    penalty : {'l2', 'l1', 'elasticnet', 'group_lasso', 'group_elasticnet'} \
or None, default='l2'
        R(W) over all weight matrices, never biases: 'l2' is
        ``0.5 * ||W||^2``, 'l1' is ``||W||_1`` (applied by soft-thresholding,
        which gives exact zeros), 'elasticnet' is
        ``l1_ratio * ||W||_1 + 0.5 * (1 - l1_ratio) * ||W||^2``.
        'group_lasso' is ``sum_l sum_i sqrt(fan_out_l) * ||W_l[i, :]||_2``
        over the rows of every weight matrix (all outgoing weights of an
        input feature or hidden unit), applied by block soft-thresholding,
        which zeroes whole rows: unused features (see
        ``feature_importances_``) and removable units (see
        :func:`skreg.prune`). 'group_elasticnet' is
        ``l1_ratio * group_lasso + 0.5 * (1 - l1_ratio) * ||W||^2``. The
        group penalties need a stochastic solver (not 'lbfgs').

    l1_ratio : float, default=0.15
        Mix of the 'elasticnet' and 'group_elasticnet' penalties, in [0, 1].

    init : {'auto', 'xavier', 'he', 'xavier_uniform', 'xavier_normal', \
'he_uniform', 'he_normal'} or callable, default='auto'
        Weight initialisation. 'xavier' is Glorot & Bengio's uniform
        U(-sqrt(6/(fan_in+fan_out)), +sqrt(6/(fan_in+fan_out))); 'he' is
        He et al.'s N(0, 2/fan_in); 'auto' is 'he' for relu and 'xavier'
        otherwise. A callable ``(fan_in, fan_out, random_state) -> array``
        is also accepted. Biases start at 0.

    lr_schedule : {'constant', 'invscaling', 'adaptive', 'step', \
'exponential', 'cosine', 'onecycle'} or Schedule, default='constant'
        Learning-rate schedule of every stochastic solver, as multiplier of
        ``learning_rate_init``: see :mod:`skreg.schedules` for the formulas
        ('step': StepDecay(), 'exponential': ExponentialDecay(), 'cosine':
        CosineAnnealing(), 'onecycle': OneCycle()). 'adaptive' divides the
        rate by 5 whenever the loss stalls for ``n_iter_no_change`` epochs,
        and stops once it falls below 1e-6.

    batch_norm : bool, default=False
        Batch normalisation of every hidden layer (Ioffe & Szegedy 2015):
        ``z_hat = (z - mean_B) / sqrt(var_B + 1e-5)``, then
        ``gamma * z_hat + beta`` before the activation. Training uses the
        mini-batch statistics (the whole set for lbfgs) and updates running
        estimates with momentum 0.1 (torch's convention, unbiased variance);
        prediction uses the running estimates. gamma and beta are learned and
        never penalised.

    dropout : float or sequence of float, default=0.0
        Probability of zeroing each hidden unit's output during training
        (one value, or one per hidden layer), with the kept outputs scaled by
        ``1 / (1 - p)`` (inverted dropout); nothing changes at prediction.
        Not allowed with solver='lbfgs'.
"""

_ATTRS_DOC = """
    loss_ : float
        Objective at the end of training (mean over the last epoch's
        mini-batches for stochastic solvers).

    best_loss_ : float or None
        Lowest epoch loss (None when early stopping decides).

    loss_curve_ : list of float
        Objective of each epoch (each iteration for lbfgs).

    lr_curve_ : list of float
        Learning rate of the last update of each epoch.

    learning_rate_ : float or None
        The ``learning_rate_init`` training used: the range test's
        suggestion for 'auto', the given number otherwise (None for 'lbfgs').

    lr_range_test_ : dict or None
        With ``learning_rate_init='auto'``, the range test of the last fit
        (the keys of :func:`skreg.lr_range_test`'s result: ``lrs``,
        ``losses``, ``smoothed_losses``, ``suggestion``, ...); None otherwise.

    validation_scores_ : list of float or None
        Validation score of each epoch (early stopping only).

    validation_loss_curve_ : list of float or None
        Data loss on the validation set per epoch (early stopping only).

    best_validation_score_ : float or None
        Best validation score (early stopping only).

    t_ : int
        Number of training samples seen.

    optimizer_ : Optimizer or None
        The optimizer the last fit used (resolved from ``solver``; None for
        'lbfgs').

    lr_schedule_ : Schedule or None
        The learning-rate schedule the last fit used (resolved from
        ``learning_rate`` / ``lr_schedule``; None for 'lbfgs').

    coefs_ : list of ndarray
        Weight matrix of each layer, shape (fan_in, fan_out).

    intercepts_ : list of ndarray
        Bias vector of each layer.

    bn_gammas_, bn_betas_ : list of ndarray
        Learned batch-norm scale and shift of each hidden layer (empty lists
        without batch normalisation).

    bn_running_means_, bn_running_vars_ : list of ndarray
        Running batch-norm mean and (unbiased) variance of each hidden
        layer, used at prediction.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X has string column names.

    n_iter_ : int
        Epochs (or lbfgs iterations) run by the last ``fit``; with
        ``partial_fit``, the calls so far.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation.

    feature_importances_ : ndarray of shape (`n_features_in_`,)
        Norm of each input's outgoing first-layer weights (batch norm
        folded in), normalised to sum to 1 when not all zero; exact zeros
        with the group penalties. Usable with
        :class:`~sklearn.feature_selection.SelectFromModel`.
"""


class _LabelCoder:
    """Class labels <-> network targets and outputs (what scikit-learn's MLP
    does with a LabelBinarizer, without its per-call validation cost).

    ``kind`` is 'multiclass' (one softmax output per class), 'binary' (one
    logistic output for ``classes[1]``; a single class gives a constant 0
    target) or 'multilabel' (one logistic output per label).
    """

    def __init__(self, classes, target_type):
        self.classes = classes
        if target_type == "multilabel-indicator":
            self.kind = "multilabel"
        else:
            self.kind = "multiclass" if len(classes) > 2 else "binary"

    @classmethod
    def from_kind(cls, classes, kind):
        """The coder of a fitted estimator, from its plain-data state."""
        coder = cls.__new__(cls)
        coder.classes, coder.kind = classes, kind
        return coder

    @staticmethod
    def labels(y, target_type):
        """Sorted distinct labels (column indices for an indicator matrix)."""
        if target_type == "multilabel-indicator":
            return np.arange(y.shape[1])
        try:
            return np.unique(y)
        except TypeError:
            raise ValueError(
                "Mix of label input types: the labels must all be numbers or all be "
                "strings."
            ) from None

    def encode(self, y):
        if self.kind == "multilabel":
            return np.asarray(y).astype(bool)
        if self.kind == "binary":
            if len(self.classes) < 2:
                return np.zeros((len(y), 1), dtype=bool)
            return (np.asarray(y) == self.classes[1]).reshape(-1, 1)
        # multiclass: the index of each label in classes (the softmax loss
        # takes class codes, not one-hot rows)
        return np.searchsorted(self.classes, np.asarray(y))

    def decode(self, out):
        if self.kind == "multilabel":
            return (out > 0.5).astype(int)
        if self.kind == "binary":
            if len(self.classes) < 2:
                return np.full(out.shape[0], self.classes[0])
            return self.classes[(out.ravel() > 0.5).astype(int)]
        return self.classes[np.argmax(out, axis=1)]


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = """Multilayer-perceptron classifier with tunable regularisation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`
    that also lets you choose the penalty, the initialisation, the solver,
    the learning-rate schedule, batch normalisation and dropout. The
    objective on a mini-batch is ``sum_i s_i * loss_i / sum_i s_i +
    alpha * R(W)`` with the cross-entropy loss (softmax for several classes,
    logistic for two classes or multilabel targets).

    Parameters
    ----------
""" + _PARAMS_DOC + """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``
        ('balanced': ``n_samples / (n_classes * bincount(y))``). 'balanced'
        is not available in ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels.
""" + _ATTRS_DOC + """
    See Also
    --------
    MLPRegressor : The same network for regression.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     MLPClassifier(hidden_layer_sizes=(16,), penalty="l1", alpha=1e-3,
    ...                   solver="adamw", lr_schedule="cosine",
    ...                   learning_rate_init=0.01, max_iter=300, random_state=0),
    ... ).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate=None,
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        penalty="l2",
        l1_ratio=0.15,
        init="auto",
        lr_schedule="constant",
        batch_norm=False,
        dropout=0.0,
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            penalty=penalty, l1_ratio=l1_ratio, init=init, lr_schedule=lr_schedule,
            batch_norm=batch_norm, dropout=dropout,
        )
        self.class_weight = class_weight

    def _loss_name(self, n_outputs):
        return "binary_log_loss" if self.out_activation_ == "logistic" else "log_loss"

    def _validate_input(self, X, y, incremental, first_pass, classes):
        with _overflow_as_value_error():
            X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True,
                                 dtype=(np.float64, np.float32), reset=first_pass)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target = type_of_target(y)
        if target not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"Unknown label type: y is {target!r}; MLPClassifier needs binary, "
                "multiclass or multilabel-indicator targets (use MLPRegressor for "
                "continuous targets)."
            )
        if sp.issparse(y):
            y = y.toarray()
        labels = _LabelCoder.labels(y, target)
        if first_pass:
            if incremental:
                if classes is None:
                    raise ValueError(
                        "classes must be passed on the first call to partial_fit."
                    )
                coder = _LabelCoder(_LabelCoder.labels(np.asarray(classes), None), target)
                extra = np.setdiff1d(labels, coder.classes)
                if len(extra):
                    raise ValueError(
                        "`y` has classes not in `self.classes_`. `self.classes_` has "
                        f"{coder.classes}. 'y' has {labels}. (The classes passed to "
                        f"partial_fit lack {extra}.)"
                    )
            else:
                coder = _LabelCoder(labels, target)
            # plain data (a string and classes_); the coder is rebuilt on use
            self._label_kind = coder.kind
            self.classes_ = coder.classes
        else:
            if self.warm_start and not incremental:
                if set(labels) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes "
                        f"as in the previous call to fit. Previously got {self.classes_}, "
                        f"`y` has {labels}. Set warm_start=False to fit the new classes "
                        "from scratch."
                    )
            elif len(np.setdiff1d(labels, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {labels}."
                )
            if classes is not None and not np.array_equal(
                np.unique(classes), np.asarray(self.classes_)
            ):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on last call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
        # the output activation depends on the label type
        self.out_activation_ = "softmax" if self._label_kind == "multiclass" else "logistic"
        Y = self._label_coder().encode(y)
        return X, Y, y

    def _apply_class_weight(self, sw, y, X, incremental):
        cw = self.class_weight
        if cw is None:
            return sw
        if isinstance(cw, str):
            if cw != "balanced":
                raise ValueError(
                    f"class_weight must be None, 'balanced' or a dict, got {cw!r}."
                )
            if incremental:
                raise ValueError(
                    "class_weight='balanced' is not supported in partial_fit: the "
                    "class frequencies of a batch are not those of the data. Pass a "
                    "dict of weights instead."
                )
        elif not isinstance(cw, dict):
            raise TypeError(f"class_weight must be None, 'balanced' or a dict, got {cw!r}.")
        cw_sample = compute_sample_weight(cw, y)
        if not (np.isfinite(cw_sample).all() and (cw_sample >= 0).all()):
            raise ValueError(
                f"class_weight must give every class a finite weight >= 0, got {cw!r}."
            )
        cw_sample = _rescale_weights(cw_sample, X.dtype)
        sw = cw_sample if sw is None else sw * cw_sample
        if not sw.sum() > 0:
            raise ValueError(
                f"With class_weight={cw!r} every sample has weight zero: at least one "
                "sample must have a positive weight."
            )
        return sw

    def _score_output(self, out, y, sample_weight):
        if not np.isfinite(out).all():
            return np.nan
        return accuracy_score(y, self._decode(out), sample_weight=sample_weight)

    def _label_coder(self):
        return _LabelCoder.from_kind(self.classes_, self._label_kind)

    def _decode(self, out):
        return self._label_coder().decode(out)

    def predict(self, X):
        """Predict class labels for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Probability of each class for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        out = self._forward(X)
        if self.n_outputs_ == 1:
            p = out.ravel()
            return np.vstack([1 - p, p]).T
        return out

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba(X)``."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch (one pass of mini-batches) over X.

        Optimizer state, schedule progress and ``n_iter_`` continue from the
        previous call.

        Early stopping does not apply here: with ``early_stopping=True``
        ``partial_fit`` raises, as scikit-learn's does, and the estimator is
        left unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            If ``early_stopping=True`` (scikit-learn raises the same error).
            Set ``early_stopping=False`` to train incrementally, and score
            held-out data of your own to decide when to stop.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = """Multilayer-perceptron regressor with tunable regularisation.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    that also lets you choose the penalty, the initialisation, the solver,
    the learning-rate schedule, batch normalisation and dropout. The
    objective on a mini-batch is ``sum_i s_i * loss_i / sum_i s_i +
    alpha * R(W)``.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        'squared_error' is half the squared error averaged over outputs
        (identity output); 'poisson' is half the Poisson deviance summed over
        outputs, with an exponential output (targets must be >= 0).
""" + _PARAMS_DOC + """
    Attributes
    ----------
""" + _ATTRS_DOC + """
    See Also
    --------
    MLPClassifier : The same network for classification.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=0.1, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0,
    ...                    max_iter=500).fit(X, y)
    >>> round(reg.score(X, y), 3)
    1.0
    """

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate=None,
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        penalty="l2",
        l1_ratio=0.15,
        init="auto",
        lr_schedule="constant",
        batch_norm=False,
        dropout=0.0,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            penalty=penalty, l1_ratio=l1_ratio, init=init, lr_schedule=lr_schedule,
            batch_norm=batch_norm, dropout=dropout,
        )
        self.loss = loss

    def _loss_name(self, n_outputs):
        return self.loss

    def _validate_input(self, X, y, incremental, first_pass, classes):
        check_options("loss", self.loss, ("squared_error", "poisson"))
        with _overflow_as_value_error():
            X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True,
                                 y_numeric=True, dtype=(np.float64, np.float32),
                                 reset=first_pass)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError("loss='poisson' requires non-negative targets y.")
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(X.dtype, copy=False)
        return X, Y, y

    def _apply_class_weight(self, sw, y, X, incremental):
        return sw

    def _initial_output_bias(self, Y, sw):
        # the best constant model: the (weighted) mean target, through the
        # inverse link (log for the exponential output of 'poisson')
        mean = np.average(Y, axis=0, weights=sw)
        if self.loss == "poisson":
            with np.errstate(divide="ignore"):
                return np.where(mean > 0, np.log(np.maximum(mean, np.finfo(Y.dtype).tiny)), 0.0)
        return mean

    def _score_output(self, out, y, sample_weight):
        if not np.isfinite(out).all():
            return np.nan
        if out.shape[1] == 1:
            out = out.ravel()
        return r2_score(y, out, sample_weight=sample_weight)

    def predict(self, X):
        """Predict targets for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch (one pass of mini-batches) over X.

        Optimizer state, schedule progress and ``n_iter_`` continue from the
        previous call.

        Early stopping does not apply here: with ``early_stopping=True``
        ``partial_fit`` raises, as scikit-learn's does, and the estimator is
        left unchanged.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            If ``early_stopping=True`` (scikit-learn raises the same error).
            Set ``early_stopping=False`` to train incrementally, and score
            held-out data of your own to decide when to stop.
        """
        return self._fit(X, y, sample_weight, incremental=True)

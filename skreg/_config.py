"""The parameter table of the MLP estimators, its checks and what they resolve to.

:data:`PARAMS` is the one list of constructor parameters: name, default,
type (for the docs), check, documentation and which estimators take it. The
estimators' explicit signatures (which scikit-learn requires) must agree
with it (a test checks name, order and default), their Parameters sections
are made from it (:func:`parameters_doc`), and :func:`resolve` validates an
estimator's parameters with it, in table order, then builds the objects a
fit trains with (:class:`Config`).
"""

import copy
import numbers
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
from sklearn.utils import check_random_state

from . import optimizers as _opt
from . import schedules as _sched
from ._params import InvalidParameterError, check_bool, check_int, check_options, check_real
from .initializers import INITIALIZERS
from .penalties import get_penalty

__all__ = ["Param", "PARAMS", "Config", "resolve", "parameters_doc", "hidden_sizes",
           "param_names"]

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
SOLVERS = ("sgd", "adam", "lbfgs", "adagrad", "rmsprop", "adamw")
SCHEDULES = ("constant", "invscaling", "adaptive", "step", "exponential", "cosine",
             "onecycle")
INITS = ("auto",) + tuple(INITIALIZERS)
PENALTIES = ("l2", "l1", "elasticnet", "group_lasso", "group_elasticnet", None)
LOSSES = ("squared_error", "poisson")

CLASSIFIER, REGRESSOR = ("classifier",), ("regressor",)
BOTH = CLASSIFIER + REGRESSOR


@dataclass(frozen=True)
class Param:
    """One constructor parameter. ``check(name, value, checked)`` raises
    :class:`InvalidParameterError` for a bad value and returns the checked
    value (``checked``: the parameters before it in the table, checked);
    None means the value is checked where it is resolved (:func:`resolve`)."""

    name: str
    default: Any
    type: str
    check: Any
    doc: str
    estimators: tuple = BOTH

    def header(self):
        """The numpydoc line ``name : type, default=...``."""
        return f"{self.name} : {self.type}, default={_default_text(self.default)}"


def _default_text(value):
    if isinstance(value, float) and "e" in repr(value):
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"  # 1e-8, not 1e-08
    return repr(value)


# ------------------------------------------------------------ simple checks
def real(low=None, high=None, **kw):
    return lambda name, value, checked: check_real(name, value, low, high, **kw)


def integer(low=None, **kw):
    return lambda name, value, checked: check_int(name, value, low, **kw)


def options(allowed):
    return lambda name, value, checked: check_options(name, value, allowed)


def boolean(name, value, checked):
    return check_bool(name, value)


def hidden_sizes(value):
    """``hidden_layer_sizes`` as a list of ints >= 1 (raises for anything else)."""
    sizes = value
    if isinstance(sizes, (numbers.Integral, np.integer)) and not isinstance(sizes, bool):
        sizes = [sizes]
    try:
        sizes = list(sizes)
    except TypeError:
        # a ValueError and a TypeError, as scikit-learn's parameter check
        raise InvalidParameterError(
            f"hidden_layer_sizes must be an int or a sequence of ints, got {value!r}."
        ) from None
    for s in sizes:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise ValueError(
                "hidden_layer_sizes must contain ints >= 1 (an empty "
                f"sequence means no hidden layer), got {value!r}."
            )
        if s < 1:  # scikit-learn's message first
            raise ValueError(
                f"hidden_layer_sizes must be > 0, got {[int(v) for v in sizes]}. "
                "It must contain ints >= 1 (an empty sequence means no hidden layer)."
            )
    return [int(s) for s in sizes]


def _check_hidden(name, value, checked):
    return hidden_sizes(value)


def _check_batch_size(name, value, checked):
    if isinstance(value, str) and value == "auto":
        return value
    if isinstance(value, str):
        raise ValueError(f"batch_size must be 'auto' or an int >= 1, got {value!r}.")
    return check_int(name, value, 1)


def _check_learning_rate(name, value, checked):
    if value is None:
        return None
    return check_options(name, value, ("constant", "invscaling", "adaptive"))


def _check_learning_rate_init(name, value, checked):
    if isinstance(value, str):
        if value != "auto":
            raise InvalidParameterError(
                "learning_rate_init must be a float > 0 or 'auto' (set by a "
                f"learning-rate range test), got {value!r}."
            )
        return value
    return check_real(name, value, 0, low_open=True)


def _check_random_state(name, value, checked):
    try:  # (no draw: an int seeds a new generator, an instance is returned)
        check_random_state(value)
    except ValueError:
        raise ValueError(
            "random_state must be None, an int in [0, 2**32 - 1] or a "
            f"numpy.random.RandomState, got {value!r}."
        ) from None
    return value


def _check_verbose(name, value, checked):
    if not isinstance(value, (bool, np.bool_, numbers.Integral)) or value < 0:
        raise ValueError(f"verbose must be a bool or an int >= 0, got {value!r}.")
    return value


def _check_validation_fraction(name, value, checked):
    # 0 is allowed without early stopping (scikit-learn's range), not with it
    return check_real(name, value, 0, 1, low_open=bool(checked["early_stopping"]),
                      high_open=True)


def _check_init(name, value, checked):
    if not callable(value) and (not isinstance(value, str) or value not in INITS):
        raise ValueError(
            f"init must be one of {', '.join(map(repr, INITS))} or a callable "
            f"(fan_in, fan_out, random_state) -> array; got {value!r}."
        )
    return value


def _check_dropout(name, value, checked):
    """One float, or one per hidden layer: a list with one value per layer."""
    n_hidden = len(checked["hidden_layer_sizes"])
    if isinstance(value, (numbers.Real, np.floating)) and not isinstance(value, bool):
        check_real(name, value, 0, 1, high_open=True)
        return [float(value)] * n_hidden
    try:
        dropout = [check_real(name, p, 0, 1, high_open=True) for p in value]
    except TypeError:
        raise TypeError(
            "dropout must be a float in [0, 1) or a sequence with one such "
            f"value per hidden layer, got {value!r}."
        ) from None
    if len(dropout) != n_hidden:
        raise ValueError(
            f"dropout has {len(dropout)} values but there are {n_hidden} "
            "hidden layers; give one float or one value per hidden layer."
        )
    return dropout


def _check_averaging(name, value, checked):
    from .averaging import RULES, WeightAveraging

    if value is None:
        return None
    if isinstance(value, WeightAveraging):
        value._check()
        return value
    if not (isinstance(value, str) and value in RULES):
        raise InvalidParameterError(
            f"averaging must be None, one of {', '.join(map(repr, RULES))} or an "
            f"object from skreg.averaging (SWA, EMA); got {value!r}."
        )
    return value


def _check_max_grad_norm(name, value, checked):
    if value is None:
        return None
    return check_real(name, value, 0, low_open=True)


def _check_warmup(name, value, checked):
    warmup = check_real(name, value, 0)
    if warmup >= checked["max_iter"]:
        raise InvalidParameterError(
            f"warmup must be smaller than max_iter (epochs of warm-up before the "
            f"schedule), got warmup={value!r} and max_iter={checked['max_iter']!r}."
        )
    return warmup


def _check_class_weight(name, value, checked):
    if isinstance(value, str) and value != "balanced":
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {value!r}.")
    if not (value is None or isinstance(value, (str, dict))):
        raise TypeError(f"class_weight must be None, 'balanced' or a dict, got {value!r}.")
    return value


# ------------------------------------------------------------------ the table
PARAMS = (
    Param("loss", "squared_error", "{'squared_error', 'poisson'}",
          options(LOSSES), """\
'squared_error' is half the squared error averaged over outputs
(identity output); 'poisson' is half the Poisson deviance summed over
outputs, with an exponential output (targets must be >= 0).
""", REGRESSOR),
    Param("hidden_layer_sizes", (100,), 'array-like of int',
          _check_hidden, """\
Units of each hidden layer. ``()`` is a network without hidden layer
(a linear / logistic model).
""", BOTH),
    Param("activation", "relu", "{'identity', 'logistic', 'tanh', 'relu'}",
          options(ACTIVATIONS), """\
Hidden-layer activation.
""", BOTH),
    Param("solver", "adam", "{'adam', 'sgd', 'lbfgs', 'adagrad', 'rmsprop', 'adamw'} or Optimizer",
          None, """\
How the weights are optimised. Strings take their hyper-parameters
from this estimator (``momentum``, ``nesterovs_momentum``, ``beta_1``,
``beta_2``, ``epsilon``); an object from :mod:`skreg.optimizers`
carries its own (tunable as ``solver__<name>``). 'adam' and 'adamw'
follow torch.optim (epsilon added to sqrt(v_hat)); 'adamw' applies
the L2 part of the penalty as decoupled weight decay. 'lbfgs' is
full-batch L-BFGS-B; with an L1 part it solves the split problem
W = U - V, U, V >= 0, exactly.
""", BOTH),
    Param("alpha", 0.0001, 'float',
          real(0), """\
Strength of the penalty in the objective
``sum_i s_i loss_i / sum_i s_i + alpha * R(W)``. Unlike scikit-learn,
alpha is *not* divided by the batch or sample size: an alpha tuned
for scikit-learn corresponds to ``alpha_sklearn / n_samples`` here
(``/ batch_size`` for its stochastic solvers).
""", BOTH),
    Param("batch_size", "auto", "int or 'auto'",
          _check_batch_size, """\
Mini-batch size of the stochastic solvers; 'auto' is
``min(200, n_samples)``. A size larger than the training set is
clipped, with a warning.
""", BOTH),
    Param("learning_rate", None, "{'constant', 'invscaling', 'adaptive'} or None",
          _check_learning_rate, """\
scikit-learn's name for the schedule, kept as an alias: when set, it
takes precedence over ``lr_schedule``.
""", BOTH),
    Param("learning_rate_init", 0.001, "float or 'auto'",
          _check_learning_rate_init, """\
Initial (peak, for 'onecycle') learning rate of stochastic solvers.
'auto' runs a learning-rate range test (:func:`skreg.lr_range_test`,
at most 100 mini-batches) on the training data at the start of
``fit``, then a held-out probe (at most 100 more mini-batches, on a
slice of the training data or the early-stopping split) that lowers
the rate when it would overfit within ``max_iter`` epochs: a rate
that suits the solver at hand, the schedule and the horizon. Use it
when you change or search over ``solver``. The default 0.001 is
scikit-learn's, and suits Adam. The rate used is ``learning_rate_``,
how it was chosen ``lr_range_test_``. Ignored by 'lbfgs'.
""", BOTH),
    Param("power_t", 0.5, 'float',
          real(0), """\
Exponent of the 'invscaling' schedule.
""", BOTH),
    Param("max_iter", 200, 'int',
          integer(1), """\
Maximum number of epochs (stochastic solvers) or iterations (lbfgs).
""", BOTH),
    Param("shuffle", True, 'bool',
          boolean, """\
Shuffle the training samples before each epoch.
""", BOTH),
    Param("random_state", None, 'int, RandomState instance or None',
          _check_random_state, """\
Seeds weight initialisation, the early-stopping split, shuffling and
dropout masks.
""", BOTH),
    Param("tol", 1e-4, 'float',
          real(0), """\
Improvement of the training loss (or validation score with
early stopping) below which an epoch counts as "no improvement".
""", BOTH),
    Param("verbose", False, 'bool or int',
          _check_verbose, """\
1 prints one line per epoch (loss, validation score and loss,
learning rate, seconds); 2 also shows progress within long epochs.
""", BOTH),
    Param("warm_start", False, 'bool',
          boolean, """\
Start ``fit`` from the current weights. Optimizer state, schedule and
``n_iter_`` restart with each fit; history lists keep growing.
""", BOTH),
    Param("momentum", 0.9, 'float',
          real(0, 1), """\
Momentum of solver='sgd', in [0, 1].
""", BOTH),
    Param("nesterovs_momentum", True, 'bool',
          boolean, """\
Nesterov momentum for solver='sgd'.
""", BOTH),
    Param("early_stopping", False, 'bool',
          boolean, """\
Hold out ``validation_fraction`` of the training data (stratified for
single-output classification), stop when the validation score has
not improved by ``tol`` for ``n_iter_no_change`` epochs, and restore
the best weights. Stochastic solvers only. If the training diverges
(non-finite loss or weights), training stops with a
``ConvergenceWarning``, ``validation_scores_[-1]`` is ``nan`` and the
best weights are kept (as scikit-learn); without early stopping a
divergence raises ``ValueError``. Not available in ``partial_fit``.
""", BOTH),
    Param("validation_fraction", 0.1, 'float',
          _check_validation_fraction, """\
Share of the training data held out for early stopping.
""", BOTH),
    Param("beta_1", 0.9, 'float',
          real(0, 1, high_open=True), """\
Decay of the first-moment estimate (adam, adamw), in [0, 1).
""", BOTH),
    Param("beta_2", 0.999, 'float',
          real(0, 1, high_open=True), """\
Decay of the second-moment estimate (adam, adamw), in [0, 1).
""", BOTH),
    Param("epsilon", 1e-8, 'float',
          real(0, low_open=True), """\
Added to the denominator of adam, adamw, adagrad and rmsprop.
""", BOTH),
    Param("n_iter_no_change", 10, 'int',
          integer(1, allow_inf=True), """\
Epochs without improvement by ``tol`` before stopping (or, with the
'adaptive' schedule, dividing the learning rate by 5).
""", BOTH),
    Param("max_fun", 15000, 'int',
          integer(1), """\
Maximum number of loss evaluations of solver='lbfgs'.
""", BOTH),
    Param("penalty", "l2", "{'l2', 'l1', 'elasticnet', 'group_lasso', 'group_elasticnet'} or None",
          options(PENALTIES), """\
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
""", BOTH),
    Param("l1_ratio", 0.15, 'float',
          real(0, 1), """\
Mix of the 'elasticnet' and 'group_elasticnet' penalties, in [0, 1].
""", BOTH),
    Param("prox_max_iter", 20, 'int',
          integer(0), """\
Steps of full-batch proximal gradient descent that end a fit whose
penalty has a non-smooth part ('l1', 'elasticnet', 'group_lasso',
'group_elasticnet'), after the mini-batch epochs (and after early
stopping and ``averaging`` have chosen the weights), on the same
objective, all training samples at once (without dropout; batch
normalisation with the whole set's statistics, as 'lbfgs'). Mini-batch
noise keeps reopening weights that the penalty would zero; this phase
lands on the objective's own zeros, so that a zero weight or row
satisfies the optimality condition (see ``kkt_violation_``). It stops
earlier once the conditions hold to ``prox_tol``. 0 turns it off.
Not run by ``partial_fit`` (one batch is not the objective) or
'lbfgs' (exact already).
""", BOTH),
    Param("prox_tol", 1e-2, 'float',
          real(0, low_open=True), """\
Stopping tolerance of the proximal phase (``prox_max_iter``): the
largest violation of the optimality conditions, relative to each
weight's or row's threshold (``alpha * l1_ratio``, times
``sqrt(fan_out)`` for a row), see ``kkt_violation_``.
""", BOTH),
    Param("init", "auto", "{'auto', 'xavier', 'he', 'xavier_uniform', 'xavier_normal', 'he_uniform', 'he_normal'} or callable",
          _check_init, """\
Weight initialisation. 'xavier' is Glorot & Bengio's uniform
U(-sqrt(6/(fan_in+fan_out)), +sqrt(6/(fan_in+fan_out))); 'he' is
He et al.'s N(0, 2/fan_in); 'auto' is 'he' for relu and 'xavier'
otherwise. A callable ``(fan_in, fan_out, random_state) -> array``
is also accepted. Biases start at 0.
""", BOTH),
    Param("lr_schedule", "constant", "{'constant', 'invscaling', 'adaptive', 'step', 'exponential', 'cosine', 'onecycle'} or Schedule",
          None, """\
Learning-rate schedule of every stochastic solver, as multiplier of
``learning_rate_init``: see :mod:`skreg.schedules` for the formulas
('step': StepDecay(), 'exponential': ExponentialDecay(), 'cosine':
CosineAnnealing(), 'onecycle': OneCycle()). 'adaptive' divides the
rate by 5 whenever the loss stalls for ``n_iter_no_change`` epochs,
and stops once it falls below 1e-6.
""", BOTH),
    Param("batch_norm", False, 'bool',
          boolean, """\
Batch normalisation of every hidden layer (Ioffe & Szegedy 2015):
``z_hat = (z - mean_B) / sqrt(var_B + 1e-5)``, then
``gamma * z_hat + beta`` before the activation. Training uses the
mini-batch statistics (the whole set for lbfgs) and updates running
estimates with momentum 0.1 (torch's convention, unbiased variance);
prediction uses the running estimates. gamma and beta are learned and
never penalised.
""", BOTH),
    Param("dropout", 0.0, 'float or sequence of float',
          _check_dropout, """\
Probability of zeroing each hidden unit's output during training
(one value, or one per hidden layer), with the kept outputs scaled by
``1 / (1 - p)`` (inverted dropout); nothing changes at prediction.
Not allowed with solver='lbfgs'.
""", BOTH),
    Param("averaging", None, "{'swa', 'ema'}, WeightAveraging or None",
          _check_averaging, """\
Weight averaging (:mod:`skreg.averaging`): 'swa' is ``SWA()``, the
mean of the end-of-epoch weights from epoch
``floor(start * max_iter) + 1`` on (Izmailov et al. 2018); 'ema' is
``EMA()``, an exponential moving average after every step. The fitted
estimator holds the averaged weights (batch-norm statistics recomputed
for them) and ``n_averaged_`` counts the averaged iterates. With early
stopping each epoch scores the weights the fit would end with then
(the average once it has begun). Not in ``partial_fit``; ignored by
'lbfgs'.
""", BOTH),
    Param("max_grad_norm", None, "float or None",
          _check_max_grad_norm, """\
Clip the mini-batch gradient before the optimizer step: when its
global L2 norm ``||g||`` (data loss plus the smooth part of the
penalty, over all parameters, biases included) exceeds
``max_grad_norm``, it is scaled by ``max_grad_norm / (||g|| + 1e-6)``
(``torch.nn.utils.clip_grad_norm_``). Decoupled weight decay and the
proximal step are not part of that gradient. Applies inside the range
test of ``learning_rate_init='auto'`` too; ignored by 'lbfgs'.
""", BOTH),
    Param("warmup", 0, "float",
          _check_warmup, """\
Epochs of linear learning-rate warm-up (fractional allowed). At
training progress ``t`` (epochs, fractional within an epoch) the rate
is ``learning_rate_init * t / warmup`` while ``t < warmup``, so the
first step has rate 0; then ``lr_schedule`` runs as if training began
at ``t = warmup`` and lasted ``max_iter - warmup`` epochs ('cosine'
anneals over the remaining epochs, 'step' and 'exponential' count from
the end of the warm-up, 'invscaling' counts the samples seen since;
'adaptive' watches every epoch, the warm-up included). Must be below
``max_iter``. Not with 'onecycle', whose ``pct_start`` is its own
warm-up. The range test of ``learning_rate_init='auto'`` runs without
it. Ignored by 'lbfgs'.
""", BOTH),
    Param("label_smoothing", 0.0, "float",
          real(0, 1, high_open=True), """\
Label smoothing eps in [0, 1) of the training targets: softmax targets
become ``(1 - eps) * onehot + eps / K`` for K classes (torch's
``CrossEntropyLoss(label_smoothing=eps)``), logistic ones (binary,
multilabel) ``y * (1 - eps) + eps / 2`` (Keras's
``BinaryCrossentropy(label_smoothing=eps)``). ``sample_weight`` and
``class_weight`` weight each sample's smoothed loss; ``loss_curve_``
and ``validation_loss_curve_`` report the smoothed objective.
""", CLASSIFIER),
    Param("scale_target", False, "bool",
          boolean, """\
Train on the standardised targets ``(y - mean) / std`` (per output,
with ``sample_weight``; a constant output keeps ``std = 1``), then fold
the scaling into the output layer (``W *= std``, ``b = b * std +
mean``), so the fitted network predicts in the units of ``y`` and
exports as it is. The objective (``alpha`` included) and ``loss_curve_``
are those of the standardised targets. What it helps: a target far from
unit scale (a price in the thousands) makes the output layer's weights
large, and an adaptive solver, whose steps are about the learning rate
whatever the gradient, needs many epochs to reach them: on the price of
the computers data (mean 2,220) scikit-learn's default rate 0.001 gives
a held-out R^2 of 0.843 without it and 0.888 with it, but on the 309
training rows of diabetes the faster fit overfits in 200 epochs (0.400
without, 0.304 with; ``benchmarks/scale_target.py``). A later
``partial_fit`` or ``warm_start`` fit keeps the first fit's mean and
std. Only with ``loss='squared_error'``.
""", REGRESSOR),
    Param("class_weight", None, "dict, 'balanced' or None",
          _check_class_weight, """\
Weights of the classes, multiplied into ``sample_weight``
('balanced': ``n_samples / (n_classes * bincount(y))``). 'balanced'
is not available in ``partial_fit``.
""", CLASSIFIER),)

_BY_NAME = {p.name: p for p in PARAMS}


def param_names(kind):
    """The parameters of the 'classifier' or the 'regressor', in table order."""
    return [p.name for p in PARAMS if kind in p.estimators]


def parameters_doc(kind):
    """The numpydoc Parameters entries of one estimator, from the table."""
    blocks = []
    for p in PARAMS:
        if kind in p.estimators:
            body = "".join("        " + line + "\n" if line else "\n"
                           for line in p.doc.splitlines())
            blocks.append(f"    {p.header()}\n{body}")
    return "\n".join(blocks)


# ------------------------------------------------------------ resolution
@dataclass(frozen=True)
class Config:
    """An estimator's parameters, checked (``values``), and the objects a fit
    trains with: hidden sizes, dropout per hidden layer, optimizer (None for
    'lbfgs'), schedule, whether the 'adaptive' plateau rule applies, and the
    (unbound) penalty."""

    values: dict
    hidden: list
    dropout: list
    optimizer: Optional[_opt.Optimizer]
    schedule: _sched.Schedule
    plateau: bool
    penalty: Any

    def __getattr__(self, name):
        # (through __dict__: while unpickling, ``values`` is not set yet)
        values = self.__dict__.get("values", {})
        if name not in values:
            raise AttributeError(name)
        return values[name]


def resolve(est, kind):
    """Check every parameter of ``est`` (table order), then resolve them."""
    checked = {}
    for name in param_names(kind):
        p = _BY_NAME[name]
        value = getattr(est, name)
        checked[name] = value if p.check is None else p.check(name, value, checked)
    optimizer = _resolve_solver(checked)
    schedule, plateau = _resolve_schedule(checked)
    dropout = checked["dropout"]
    if optimizer is None and any(p > 0 for p in dropout):
        raise ValueError(
            "dropout is not supported with solver='lbfgs': the objective would "
            "change between line-search evaluations. Use a stochastic solver "
            "or dropout=0."
        )
    if optimizer is None and checked["penalty"] in ("group_lasso", "group_elasticnet"):
        raise ValueError(
            f"penalty={checked['penalty']!r} is not supported with solver='lbfgs': "
            "L-BFGS-B handles only box constraints, which cannot express the "
            "group norm. Use solver='adam', 'sgd', 'adamw', 'rmsprop' or "
            "'adagrad' (their proximal step gives exact zero rows), or "
            "penalty='l1' with 'lbfgs'."
        )
    if checked["warmup"] and isinstance(schedule, _sched.OneCycle):
        raise ValueError(
            f"warmup={checked['warmup']!r} cannot be combined with the 'onecycle' "
            "schedule, which warms up by itself (its pct_start). Use warmup=0, or "
            "another lr_schedule."
        )
    values = {name: getattr(est, name) for name in checked}
    return Config(values=values, hidden=checked["hidden_layer_sizes"], dropout=dropout,
                  optimizer=optimizer, schedule=schedule, plateau=plateau,
                  penalty=get_penalty(checked["penalty"], checked["l1_ratio"]))


def _resolve_solver(p):
    """The optimizer object, or None for L-BFGS."""
    s = p["solver"]
    if isinstance(s, _opt.Optimizer):
        opt = copy.deepcopy(s)
    elif isinstance(s, str) and s in SOLVERS:
        opt = {
            "sgd": lambda: _opt.SGD(p["momentum"], p["nesterovs_momentum"]),
            "adam": lambda: _opt.Adam(p["beta_1"], p["beta_2"], p["epsilon"]),
            "adamw": lambda: _opt.AdamW(p["beta_1"], p["beta_2"], p["epsilon"]),
            "adagrad": lambda: _opt.Adagrad(p["epsilon"]),
            "rmsprop": lambda: _opt.RMSprop(epsilon=p["epsilon"]),
            "lbfgs": lambda: None,
        }[s]()
    else:
        raise ValueError(
            f"solver must be one of {', '.join(map(repr, SOLVERS))} or an "
            f"optimizer from skreg.optimizers; got {s!r}."
        )
    if opt is not None:
        opt._check()
    return opt


def _resolve_schedule(p):
    """(schedule object, reduce_on_plateau)."""
    name = p["learning_rate"] if p["learning_rate"] is not None else p["lr_schedule"]
    if isinstance(name, _sched.Schedule):
        sched = copy.deepcopy(name)
        sched._check()
        return sched, False
    if not (isinstance(name, str) and name in SCHEDULES):
        raise ValueError(
            f"lr_schedule must be one of {', '.join(map(repr, SCHEDULES))} or a "
            f"schedule from skreg.schedules; got {name!r}."
        )
    sched = {
        "constant": _sched.Constant,
        "adaptive": _sched.Constant,
        "invscaling": lambda: _sched.InverseScaling(p["power_t"]),
        "step": _sched.StepDecay,
        "exponential": _sched.ExponentialDecay,
        "cosine": _sched.CosineAnnealing,
        "onecycle": _sched.OneCycle,
    }[name]()
    return sched, name == "adaptive"

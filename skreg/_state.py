"""The fitted state of the MLP estimators: one registry, and what reads it.

:data:`FITTED` lists every attribute a fit may set, with its group:

* 'input'    what fit learned about X (``n_features_in_``, ``feature_names_in_``);
* 'labels'   how targets are coded (``classes_``, the label kind);
* 'network'  the layout and output (``n_layers_``, ``n_outputs_``, ``out_activation_``);
* 'weights'  the parameter views of the flat vector and batch-norm statistics;
* 'history'  what training recorded (``loss_curve_``, ``n_iter_``, ...);
* 'training' what the fit resolved and used (``learning_rate_``, ``optimizer_``, ...);
* 'resume'   plain data that lets ``partial_fit`` continue (optimizer moments,
  monitor counts, the random generator); ``layout=True`` marks the entries
  tied to the layer sizes, which pruning drops.

Readers: fit's rollback (:func:`snapshot` / :func:`restore`), pruning (which
rebuilds 'weights' and drops the layout-tied entries), export (the 'history'
entries scikit-learn's MLP has too, ``sklearn=True``), and persistence
(:class:`FittedStateMixin`, which also converts the state older versions
saved, :data:`MIGRATIONS`). A test checks that a fit sets nothing else.
"""

import warnings
from dataclasses import dataclass

from sklearn.exceptions import InconsistentVersionWarning

__all__ = ["Field", "FITTED", "MIGRATIONS", "ATTRIBUTES_DOC", "FittedStateMixin",
           "snapshot", "restore", "names"]


@dataclass(frozen=True)
class Field:
    """One fitted attribute (see the module docstring for the groups)."""

    name: str
    group: str
    sklearn: bool = False  # scikit-learn's MLP has it: export carries it
    layout: bool = False  # tied to the layer sizes: pruning drops it


FITTED = (
    Field("n_features_in_", "input"),
    Field("feature_names_in_", "input"),
    Field("classes_", "labels"),
    Field("_label_kind", "labels"),
    Field("n_layers_", "network"),
    Field("n_outputs_", "network"),
    Field("out_activation_", "network"),
    Field("coefs_", "weights"),
    Field("intercepts_", "weights"),
    Field("bn_gammas_", "weights"),
    Field("bn_betas_", "weights"),
    Field("bn_running_means_", "weights"),
    Field("bn_running_vars_", "weights"),
    Field("n_iter_", "history", sklearn=True),
    Field("t_", "history", sklearn=True),
    Field("loss_", "history", sklearn=True),
    Field("best_loss_", "history", sklearn=True),
    Field("loss_curve_", "history", sklearn=True),
    Field("lr_curve_", "history"),
    Field("validation_scores_", "history", sklearn=True),
    Field("validation_loss_curve_", "history"),
    Field("best_validation_score_", "history", sklearn=True),
    Field("learning_rate_", "training"),
    Field("lr_range_test_", "training"),
    Field("n_averaged_", "training"),
    Field("prox_n_iter_", "training"),
    Field("kkt_violation_", "training"),
    Field("optimizer_", "training"),
    Field("lr_schedule_", "training"),
    Field("_rng", "resume"),
    Field("_t0", "resume"),
    Field("_target_scale", "resume"),
    Field("_opt_state", "resume", layout=True),
    Field("_monitor_state", "resume", layout=True),
    Field("_plateau_factor", "resume", layout=True),
)


def names(group=None, **flags):
    """Names of the registry entries in ``group`` (all if None) whose flags
    (``sklearn=``, ``layout=``) match."""
    return [f.name for f in FITTED if (group is None or f.group == group)
            and all(getattr(f, k) == v for k, v in flags.items())]


def snapshot(est):
    """The fitted state of ``est`` as it is now (references: a fit replaces
    its attributes and never changes one in place)."""
    state = vars(est)
    return {f.name: state[f.name] for f in FITTED if f.name in state}


def restore(est, saved):
    """Put back a :func:`snapshot`: entries set since are removed."""
    state = vars(est)
    for f in FITTED:
        state.pop(f.name, None)
    state.update(saved)


def _label_coder_to_kind(coder):
    return {"_label_kind": coder.kind}


def _monitor_to_plain(monitor):
    return {"_monitor_state": {"best": float(monitor.best), "count": int(monitor.count)}}


#: fitted attributes added since 0.1.0, and the value that describes a model
#: fitted before them (no average, no proximal phase)
ADDED_SINCE_0_1 = {"n_averaged_": 0, "prox_n_iter_": 0, "kkt_violation_": None}

#: state of older versions -> its present form (skreg 0.1.0 stored helper objects)
MIGRATIONS = {
    "_label_coder": _label_coder_to_kind,
    "_monitor": _monitor_to_plain,
}


class FittedStateMixin:
    """Persistence of the fitted state: the skreg version is saved with it,
    a different version warns on load, older state is converted, and
    parameters the saved estimator did not have yet take their defaults."""

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
        for old, convert in MIGRATIONS.items():
            if old in state:
                state.update(convert(state.pop(old)))
        if "coefs_" in state:
            for name, value in ADDED_SINCE_0_1.items():
                state.setdefault(name, value)
        # parameters added since the file was written take their defaults
        from ._config import PARAMS

        for p in PARAMS:
            if self._kind in p.estimators:
                state.setdefault(p.name, p.default)
        super().__setstate__(state)


ATTRIBUTES_DOC = """
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
        The ``learning_rate_init`` training used: for 'auto', the range
        test's suggestion after the held-out probe
        (``lr_range_test_['suggestion']``); the given number otherwise (None
        for 'lbfgs').

    lr_range_test_ : dict or None
        With ``learning_rate_init='auto'``, how the last fit chose its rate:
        the keys of :func:`skreg.lr_range_test`'s result (``lrs``,
        ``losses``, ``smoothed_losses``, ``curve_suggestion``, ``suggestion``,
        ``probe``, ...); None otherwise.

    validation_scores_ : list of float or None
        Validation score of each epoch (early stopping only).

    validation_loss_curve_ : list of float or None
        Data loss on the validation set per epoch (early stopping only).

    best_validation_score_ : float or None
        Best validation score (early stopping only).

    t_ : int
        Number of training samples seen.

    n_averaged_ : int
        Number of iterates in the weight average (``averaging``; 0 without
        averaging, or when training stopped before averaging began).

    prox_n_iter_ : int
        Steps of the full-batch proximal phase (``prox_max_iter``) the last
        fit ran; 0 when it did not run.

    kkt_violation_ : float or None
        Where the proximal phase ended, the largest violation of the
        optimality conditions of the full-batch objective, relative to the
        thresholds: a zero row ``g`` (group penalties) is optimal when
        ``||grad_g|| <= tau_g = alpha * l1_ratio * sqrt(fan_out)`` (``grad``:
        gradient of the data loss plus the smooth part of the penalty), a
        non-zero row when ``grad_g = -tau_g * w_g / ||w_g||``, and each
        violation is the distance from that, divided by ``tau_g``; element by
        element, with ``tau = alpha * l1_ratio``, for 'l1' and
        'elasticnet' (:meth:`skreg.penalties.Penalty.kkt_violation`); the
        unpenalised parameters' gradient counts relative to the smallest
        threshold. At most ``prox_tol`` when the phase converged; None when
        it did not run.

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

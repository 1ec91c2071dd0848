"""Export fitted skreg networks to scikit-learn's own MLP estimators.

At prediction time every skreg network is a plain multilayer perceptron:
dropout is the identity, and batch normalisation with its running statistics
is an affine map per unit that folds into the weights and bias of its layer
(:func:`skreg._fold.fold_batch_norm`). So a fitted
:class:`skreg.MLPClassifier` / :class:`skreg.MLPRegressor` has an exact
counterpart in :mod:`sklearn.neural_network`, which :func:`to_sklearn`
builds. Everything that knows scikit-learn's MLP (skl2onnx, m2cgen,
hummingbird, joblib files read by an environment without skreg) can then use
the model.
"""

import copy

import numpy as np
import sklearn
from sklearn.base import is_classifier
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.neural_network import MLPClassifier as _SkMLPClassifier
from sklearn.neural_network import MLPRegressor as _SkMLPRegressor
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import LabelBinarizer, LabelEncoder
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from . import _state
from ._fold import fold_batch_norm

__all__ = ["to_sklearn", "pipeline_to_sklearn", "folded_weights", "ensemble_to_sklearn"]

#: training history carried over as it is (copies): it describes how the
#: network was trained, which stays true of the exported one
_HISTORY = tuple(_state.names("history", sklearn=True))


def _is_skreg(est):
    return isinstance(est, _state.FittedStateMixin)


def _is_search(est):
    """An MLPClassifierCV / MLPRegressorCV, by the method only they have
    (importing skreg._search here would close an import circle)."""
    return hasattr(type(est), "default_param_distributions")


def folded_weights(estimator):
    """Weights and biases of the plain network that ``estimator`` computes.

    Batch normalisation (if any) is folded into the layer it follows, with
    ``s = gamma / sqrt(running_var + eps)``: ``W' = W * s`` (column-wise) and
    ``b' = (b - running_mean) * s + beta``. Without batch normalisation the
    arrays are copies of ``coefs_`` and ``intercepts_``.

    Parameters
    ----------
    estimator : skreg.MLPClassifier or skreg.MLPRegressor
        A fitted estimator.

    Returns
    -------
    coefs, intercepts : list of ndarray
        New arrays, in the dtype of the fitted weights.
    """
    if not _is_skreg(estimator):
        raise TypeError(
            f"folded_weights needs a skreg MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    dtype = estimator.coefs_[0].dtype
    # folded in float64 and rounded once to the model's dtype
    up = [[np.asarray(a, dtype=np.float64) for a in arrays] for arrays in (
        estimator.coefs_, estimator.intercepts_, estimator.bn_gammas_,
        estimator.bn_betas_, estimator.bn_running_means_, estimator.bn_running_vars_)]
    coefs, intercepts = fold_batch_norm(*up)
    return ([W.astype(dtype) for W in coefs], [b.astype(dtype) for b in intercepts])


def _label_binarizer(est):
    """A fitted LabelBinarizer that decodes like the skreg classifier."""
    lb = LabelBinarizer()
    if est._label_kind == "multilabel":
        # an identity indicator matrix has every label: classes_ = 0..k-1
        return lb.fit(np.eye(len(est.classes_), dtype=int))
    return lb.fit(est.classes_)


def to_sklearn(estimator):
    """Convert a fitted skreg estimator to the equal scikit-learn estimator.

    Returns a fitted :class:`sklearn.neural_network.MLPClassifier` (for a
    :class:`skreg.MLPClassifier`) or :class:`sklearn.neural_network.MLPRegressor`
    whose ``predict``, ``predict_proba`` and ``score`` give skreg's results
    up to rounding: batch normalisation is folded into the weights (see
    :func:`folded_weights`), dropout is dropped (it is the identity at
    prediction). The constructor parameters are those that describe the
    network (``hidden_layer_sizes``, ``activation``, ``loss``); the other
    training parameters keep scikit-learn's defaults, since skreg's
    (penalties, schedules, ...) have no scikit-learn equivalent. The
    training history (``n_iter_``, ``loss_curve_``, ...) and
    ``feature_names_in_`` are carried over.

    Parameters
    ----------
    estimator : skreg.MLPClassifier or skreg.MLPRegressor
        A fitted estimator. It is not modified.

    Returns
    -------
    sklearn_estimator : sklearn.neural_network.MLPClassifier or MLPRegressor

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If the network cannot be expressed by the installed scikit-learn
        (``loss='poisson'`` needs scikit-learn >= 1.7).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skreg import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, dropout=0.1,
    ...                     max_iter=50, random_state=0).fit(X, y)
    >>> sk = clf.to_sklearn()
    >>> type(sk).__module__
    'sklearn.neural_network._multilayer_perceptron'
    >>> bool(np.allclose(sk.predict_proba(X), clf.predict_proba(X), rtol=1e-12, atol=0))
    True
    """
    if not _is_skreg(estimator):
        raise TypeError(
            f"to_sklearn converts a skreg MLPClassifier or MLPRegressor, got "
            f"{type(estimator).__name__}; use pipeline_to_sklearn for a Pipeline."
        )
    check_is_fitted(estimator)
    coefs, intercepts = folded_weights(estimator)
    params = {
        "hidden_layer_sizes": tuple(int(W.shape[1]) for W in coefs[:-1]),
        "activation": estimator.activation,
    }
    if is_classifier(estimator):
        sk = _SkMLPClassifier(**params)
    else:
        if "loss" in _SkMLPRegressor._get_param_names():
            params["loss"] = estimator.loss
        elif estimator.loss != "squared_error":
            raise ValueError(
                f"loss={estimator.loss!r} cannot be exported to scikit-learn "
                f"{sklearn.__version__}: its MLPRegressor has only the squared error "
                "(the Poisson loss with its exponential output arrived in "
                "scikit-learn 1.7). Upgrade scikit-learn, or keep the skreg model."
            )
        sk = _SkMLPRegressor(**params)

    # the attributes scikit-learn's prediction path reads
    sk.coefs_ = coefs
    sk.intercepts_ = intercepts
    sk.n_layers_ = len(coefs) + 1
    sk.n_outputs_ = int(estimator.n_outputs_)
    sk.out_activation_ = estimator.out_activation_
    sk.n_features_in_ = estimator.n_features_in_
    if hasattr(estimator, "feature_names_in_"):
        sk.feature_names_in_ = estimator.feature_names_in_.copy()
    if is_classifier(estimator):
        sk._label_binarizer = _label_binarizer(estimator)
        sk.classes_ = sk._label_binarizer.classes_
    for name in _HISTORY:
        value = getattr(estimator, name, None)
        setattr(sk, name, copy.deepcopy(value))
    return sk


def ensemble_to_sklearn(search):
    """The scikit-learn model equal to a fitted ``MLPClassifierCV`` /
    ``MLPRegressorCV``.

    Without an ensemble (``ensemble=None``) this is :func:`to_sklearn` of
    ``best_estimator_``. With one, it is a fitted soft
    :class:`~sklearn.ensemble.VotingClassifier` (or a
    :class:`~sklearn.ensemble.VotingRegressor`) of the members, each
    converted by :func:`to_sklearn`, with the ensemble's weights: it
    averages the members' probabilities (outputs) with those weights and
    takes the class of the largest, as the search predicts. skl2onnx
    converts both voting estimators.

    Parameters
    ----------
    search : skreg.MLPClassifierCV or skreg.MLPRegressorCV
        Fitted. It is not modified.

    Returns
    -------
    model : VotingClassifier, VotingRegressor or a scikit-learn MLP

    Raises
    ------
    ValueError
        For a multilabel classifier or a regressor of several outputs:
        scikit-learn's voting estimators take single-label classifiers and
        single-output regressors only.
    """
    check_is_fitted(search, "best_estimator_")
    ens = search.ensemble_
    if ens is None:
        return to_sklearn(search.best_estimator_)
    first = ens["members"][0]
    clf = is_classifier(first)
    if (clf and first._label_kind == "multilabel") or (not clf and first.n_outputs_ > 1):
        raise ValueError(
            f"An ensemble of {'multilabel classifiers' if clf else 'regressors with '}"
            f"{'' if clf else f'{first.n_outputs_} outputs'} has no scikit-learn "
            "equivalent: VotingClassifier averages single-label class probabilities "
            "and VotingRegressor single outputs. Export best_estimator_ instead "
            "(search.best_estimator_.to_sklearn()), or fit with ensemble=None."
        )
    members = [to_sklearn(m) for m in ens["members"]]
    named = [(f"member{i}", m) for i, m in enumerate(members)]
    weights = np.asarray(ens["weights"], dtype=float)  # (skl2onnx takes an array)
    if clf:
        # (flatten_transform only shapes transform(); skl2onnx needs False)
        model = VotingClassifier(named, voting="soft", weights=weights,
                                 flatten_transform=False)
        model.le_ = LabelEncoder().fit(first.classes_)
        model.classes_ = model.le_.classes_
    else:
        model = VotingRegressor(named, weights=weights)
    # what fit would set (sklearn.ensemble._voting._BaseVoting.fit)
    model.estimators_ = members
    model.named_estimators_ = Bunch(**dict(named))
    # (n_features_in_ is a property that reads the members)
    if hasattr(members[0], "feature_names_in_"):
        model.feature_names_in_ = members[0].feature_names_in_.copy()
    return model


def _convert(obj):
    if _is_skreg(obj):
        return to_sklearn(obj)
    if _is_search(obj):
        return ensemble_to_sklearn(obj)
    if isinstance(obj, Pipeline):
        steps = [(name, _convert(step)) for name, step in obj.steps]
        new = copy.copy(obj)  # keeps memory, verbose and any fitted attribute
        new.steps = steps
        return new
    if isinstance(obj, FeatureUnion):
        new = copy.copy(obj)
        new.transformer_list = [(n, _convert(t)) for n, t in obj.transformer_list]
        return new
    if isinstance(obj, str) or obj is None:  # 'passthrough', 'drop', None
        return obj
    return copy.deepcopy(obj)


def pipeline_to_sklearn(pipeline):
    """Copy of a fitted Pipeline with every skreg estimator converted.

    Each skreg step (also inside nested pipelines and feature unions) is
    replaced by :func:`to_sklearn` of it; every other step is deep-copied, so
    the result shares no fitted state with ``pipeline``. A skreg estimator
    alone is converted too.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline or skreg estimator
        Fitted.

    Returns
    -------
    converted : sklearn.pipeline.Pipeline or sklearn MLP estimator

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier
    >>> from skreg.export import pipeline_to_sklearn
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=30,
    ...                                                      random_state=0)).fit(X, y)
    >>> sk_pipe = pipeline_to_sklearn(pipe)
    >>> type(sk_pipe[-1]).__module__
    'sklearn.neural_network._multilayer_perceptron'
    >>> bool((sk_pipe.predict(X) == pipe.predict(X)).all())
    True
    """
    if not (_is_skreg(pipeline) or _is_search(pipeline) or isinstance(pipeline, Pipeline)):
        raise TypeError(
            "pipeline_to_sklearn converts a sklearn Pipeline or a skreg estimator, "
            f"got {type(pipeline).__name__}."
        )
    if isinstance(pipeline, Pipeline):
        check_is_fitted(pipeline)
    return _convert(pipeline)

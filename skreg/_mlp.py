"""MLPClassifier and MLPRegressor: scikit-learn's surface and what differs
between classification and regression. Everything else is shared
(:mod:`skreg._base`), and the parameters and fitted state come from their
tables (:mod:`skreg._config`, :mod:`skreg._state`).

(The classes keep this module as their home: pickles and skops files name
``skreg._mlp.MLPClassifier``, ``skreg._mlp._LabelCoder`` and so on.)
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin

from ._base import BaseMLP, set_params_of_init, stochastic_only
from ._config import parameters_doc
from ._data import check_regression_targets, r2
from ._labels import _LabelCoder, accuracy, apply_class_weight, check_targets
from ._state import ATTRIBUTES_DOC

__all__ = ["MLPClassifier", "MLPRegressor", "BaseMLP", "_LabelCoder"]

_PARTIAL_FIT_DOC = """Update the model with one epoch (one pass of mini-batches) over X.

        Optimizer state, schedule progress and ``n_iter_`` continue from the
        previous call.

        Early stopping does not apply here: with ``early_stopping=True``
        ``partial_fit`` raises, as scikit-learn's does, and the estimator is
        left unchanged.

        Parameters
        ----------
        X : {{array-like, sparse matrix}} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, {outputs})
        sample_weight : array-like of shape (n_samples,), default=None{classes}

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
""" + parameters_doc("classifier") + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels.
""" + ATTRIBUTES_DOC + """
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

    _kind = "classifier"

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
        prox_max_iter=20,
        prox_tol=1e-2,
        init="auto",
        lr_schedule="constant",
        batch_norm=False,
        dropout=0.0,
        averaging=None,
        max_grad_norm=None,
        warmup=0,
        label_smoothing=0.0,
        class_weight=None,
    ):
        set_params_of_init(self, locals())

    # ----------------------------------------------- what a classifier adds
    def _loss_name(self):
        return "log_loss" if self._label_kind == "multiclass" else "binary_log_loss"

    def _validate_input(self, X, y, incremental, first_pass, classes):
        X, y = self._validate_X_y(X, y, first_pass)
        y, coder = check_targets(self, y, incremental, first_pass, classes)
        return X, coder.encode(y), y

    def _apply_class_weight(self, sw, y, X, incremental):
        return apply_class_weight(self.class_weight, sw, y, X.dtype, incremental)

    def _label_coder(self):
        return _LabelCoder.from_kind(self.classes_, self._label_kind)

    def _scorer(self):
        return accuracy(self._label_coder())

    # ------------------------------------------------------------ predicting
    def predict(self, X):
        """Predict class labels for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        out = self._forward(X)  # (checks that the estimator is fitted)
        return self._label_coder().decode(out)

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

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        return self._partial_fit(X, y, sample_weight, classes)

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(outputs="n_classes", classes="""
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call.""")
    partial_fit = stochastic_only(partial_fit)

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
""" + parameters_doc("regressor") + """
    Attributes
    ----------
""" + ATTRIBUTES_DOC + """
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

    _kind = "regressor"

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
        prox_max_iter=20,
        prox_tol=1e-2,
        init="auto",
        lr_schedule="constant",
        batch_norm=False,
        dropout=0.0,
        averaging=None,
        max_grad_norm=None,
        warmup=0,
        scale_target=False,
    ):
        set_params_of_init(self, locals())

    # ------------------------------------------------ what a regressor adds
    def _loss_name(self):
        return self.loss

    def _validate_input(self, X, y, incremental, first_pass, classes):
        X, y = self._validate_X_y(X, y, first_pass, y_numeric=True)
        y, Y = check_regression_targets(y, self.loss, X.dtype)
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

    def _scorer(self):
        return r2

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

    def partial_fit(self, X, y, sample_weight=None):
        return self._partial_fit(X, y, sample_weight)

    partial_fit.__doc__ = _PARTIAL_FIT_DOC.format(outputs="n_outputs", classes="")
    partial_fit = stochastic_only(partial_fit)

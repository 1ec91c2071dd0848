"""What the two MLP estimators share: fit / partial_fit / predict glue.

Fitting itself is :mod:`skreg._fitting`; the parameters are the table of
:mod:`skreg._config`; the fitted state is the registry of
:mod:`skreg._state`. An estimator class supplies what differs between
classification and regression (``_kind``, target checks, loss, metric).
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _fitting
from ._config import param_names
from ._data import overflow_as_value_error
from ._network import Network, Params
from ._state import FittedStateMixin
from .losses import get_loss

__all__ = ["BaseMLP", "set_params_of_init"]


def set_params_of_init(est, arguments):
    """What an estimator's ``__init__`` does: store each parameter of its
    kind (from the table), unchanged, from ``locals()``."""
    for name in param_names(est._kind):
        setattr(est, name, arguments[name])


class BaseMLP(FittedStateMixin, BaseEstimator):
    """Shared implementation of the two estimators (not public)."""

    _kind = None  # 'classifier' or 'regressor': the table's estimator names

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
        return _fitting.fit(self, X, y, sample_weight, incremental=False)

    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        return _fitting.fit(self, X, y, sample_weight, incremental=True, classes=classes)

    def _check_solver(self):
        if isinstance(self.solver, str) and self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _initial_output_bias(self, Y, sw):
        """Output biases that init='auto' starts from (zeros here; regressors
        start at the best constant model)."""
        return 0.0

    def _validate_X_y(self, X, y, first_pass, **kw):
        with overflow_as_value_error():
            return validate_data(self, X, y, accept_sparse="csr", multi_output=True,
                                 dtype=(np.float64, np.float32), reset=first_pass, **kw)

    # ------------------------------------------------------------ predicting
    def _params_view(self):
        return Params(self.coefs_, self.intercepts_, self.bn_gammas_, self.bn_betas_)

    def _network(self):
        units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        return Network(units, self.activation, get_loss(self._loss_name()),
                       bool(self.bn_gammas_))

    def _forward(self, X):
        check_is_fitted(self)
        with overflow_as_value_error():
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                              dtype=(np.float64, np.float32))
        stats = (self.bn_running_means_, self.bn_running_vars_) if self.bn_gammas_ else None
        return self._network().predict(self._params_view(), stats, X)

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


#: ``partial_fit`` exists only for the stochastic solvers (scikit-learn's rule)
stochastic_only = available_if(lambda est: est._check_solver())

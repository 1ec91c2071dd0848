"""skreg: scikit-learn multilayer perceptrons with tunable regularisation,
initialisation, optimisation and learning-rate schedules."""

from ._mlp import MLPClassifier, MLPRegressor
from ._range_test import lr_range_test
from ._search import MLPClassifierCV, MLPRegressorCV
from .pruning import prune
from .selection import GroupLassoSelectorCV, group_lasso_path

__version__ = "0.1.0"

__all__ = ["GroupLassoSelectorCV", "MLPClassifier", "MLPClassifierCV", "MLPRegressor",
           "MLPRegressorCV", "group_lasso_path", "lr_range_test", "prune", "__version__"]

"""skreg: scikit-learn multilayer perceptrons with tunable regularisation,
initialisation, optimisation and learning-rate schedules."""

from ._mlp import MLPClassifier, MLPRegressor
from ._range_test import lr_range_test
from ._search import MLPClassifierCV, MLPRegressorCV
from .pruning import prune

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPClassifierCV", "MLPRegressor", "MLPRegressorCV", "lr_range_test", "prune", "__version__"]

"""
=====================================================
A network that tunes itself: MLPClassifierCV
=====================================================

:class:`skreg.MLPClassifierCV` is one line: it searches skreg's knobs
(hidden sizes, activation, solver, penalty and alpha, initialisation,
schedule, dropout, batch normalisation), each candidate with
``learning_rate_init='auto'``, refits the best one on all the data, and
predicts with a greedy ensemble of the search's fold models.

The search is successive halving over epochs (the rounds of scikit-learn's
``HalvingRandomSearchCV`` with ``max_iter`` as the resource): 27 random
configurations are cross-validated with a few epochs, the best third go on
with three times as many, and so on, until one is left with the full
``max_iter``. A survivor resumes from its checkpoint, so the whole search
trains about three cross-validated fits at full length.

This example compares the one-liner on the breast-cancer data with
scikit-learn's MLP at its defaults, scikit-learn's MLP tuned by a random
search over its own knobs (20 candidates x 5 folds, the budget of the
tuning benchmark), and gradient boosting, then draws the rounds of the
search.
"""

# %%
# Four models on one split
# ------------------------
# Every model sees the same standardised training rows; scores are on the
# 30 % held out. The split has 171 test rows, so one row is 0.6 points: the
# benchmark on the :doc:`/tuning` page repeats this over seeds and data sets.
# On this small set the four models are within a few rows of each other,
# and which one leads changes with the split and the seed.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifierCV
from skreg.plotting import HalvingSearchDisplay

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)

sklearn_space = {
    "mlpclassifier__hidden_layer_sizes": [(64,), (128,), (256,), (64, 64), (128, 128)],
    "mlpclassifier__activation": ["relu", "tanh"],
    "mlpclassifier__solver": ["adam", "sgd"],
    "mlpclassifier__alpha": loguniform(1e-6, 1e-1),
    "mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1),
    "mlpclassifier__learning_rate": ["constant", "adaptive", "invscaling"],
}
models = {
    "scikit-learn MLP,\ndefaults": make_pipeline(StandardScaler(), SklearnMLP(random_state=0)),
    "scikit-learn MLP,\nrandom search 20 x 5": RandomizedSearchCV(
        make_pipeline(StandardScaler(), SklearnMLP(random_state=0)), sklearn_space,
        n_iter=20, cv=5, random_state=0, n_jobs=2),
    "skreg\nMLPClassifierCV()": make_pipeline(StandardScaler(),
                                              MLPClassifierCV(random_state=0, n_jobs=2)),
    "HistGradient-\nBoosting": HistGradientBoostingClassifier(random_state=0),
}
scores, times = {}, {}
for name, model in models.items():
    tic = time.perf_counter()
    with warnings.catch_warnings():
        # scikit-learn's search reports each candidate that stops at max_iter
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    times[name] = time.perf_counter() - tic
    scores[name] = model.score(X_test, y_test)
    print(f"{name.replace(chr(10), ' '):>42}: held-out accuracy {scores[name]:.3f} "
          f"({times[name]:.1f} s)")

fig, ax = plt.subplots(figsize=(8, 3.6))
names = list(scores)
bars = ax.bar(range(len(names)), [scores[n] for n in names],
              color=["0.6", "0.45", "C3", "C0"])
for bar, n in zip(bars, names):
    ax.annotate(f"{scores[n]:.3f}\n{times[n]:.1f} s", (bar.get_x() + bar.get_width() / 2,
                                                      bar.get_height()),
                xytext=(0, 3), textcoords="offset points", ha="center", fontsize=9)
ax.set_xticks(range(len(names)), names, fontsize=9)
low = min(scores.values())
ax.set_ylim(low - 0.03, 1.0)
ax.set_ylabel("held-out accuracy")
ax.set_title("Breast cancer: accuracy on the 30 % held out, and fit time")
fig.tight_layout()

# %%
# The rounds of the search
# ------------------------
# Each grey path is one candidate: its mean 5-fold score after 7 epochs,
# and, if it was in the best third, after 21, 63 and 189. The red path is
# the candidate that was refitted, with the epochs of its highest point
# (``refit_max_iter='best'``: cross-validation also chooses how long to
# train). Scores of the first round are noisy
# (7 epochs on 364 rows is a few dozen steps), which is why each round keeps
# a third of the candidates, not only the leader.
search = models["skreg\nMLPClassifierCV()"][-1]
fig, ax = plt.subplots(figsize=(7, 4))
HalvingSearchDisplay.from_estimator(search, ax=ax,
                                    name="MLPClassifierCV: candidates per round (top)")
fig.tight_layout()

for r, (n, epochs, secs) in enumerate(zip(search.n_candidates_, search.n_resources_,
                                          search.round_times_)):
    print(f"round {r + 1}: {n:2d} candidates x {search.n_splits_} folds, "
          f"max_iter={epochs:3d}, {secs:.1f} s")
print(f"refit: {search.refit_time_:.2f} s")
print("chosen:", {k: v for k, v in search.best_params_.items()})

# %%
# The ensemble that predicts
# --------------------------
# ``predict`` averages the probabilities of ``ensemble_['members']``: fold
# models of the candidates that greedy selection chose on the out-of-fold
# predictions, with their weights. The refitted single network is still
# ``best_estimator_``; here is how the two do on the held-out rows.
ens = search.ensemble_
pipe = models["skreg\nMLPClassifierCV()"]
Z_test = pipe[:-1].transform(X_test)
print(f"{len(ens['members'])} members from {len(set(ens['rows']))} candidates, "
      f"weights {np.round(np.unique(ens['weights']), 3)}")
print(f"held-out accuracy: ensemble {search.score(Z_test, y_test):.3f}, "
      f"best_estimator_ alone {search.best_estimator_.score(Z_test, y_test):.3f}")

# %%
# What was chosen
# ---------------
# ``best_estimator_`` is a plain fitted :class:`skreg.MLPClassifier`; its
# ``learning_rate_`` is the rate the range test picked for the chosen
# solver and schedule.
best = search.best_estimator_
print(f"solver={best.solver!r}, lr_schedule={best.lr_schedule!r}, "
      f"learning_rate_={best.learning_rate_:.3g}, n_iter_={best.n_iter_}")
print("share of candidates stopped in the first round:",
      f"{1 - search.n_candidates_[1] / search.n_candidates_[0]:.0%}")
rank = np.asarray(search.cv_results_["iter"]) == 0
print(f"first-round scores: min {np.min(search.cv_results_['mean_test_score'][rank]):.3f}, "
      f"max {np.max(search.cv_results_['mean_test_score'][rank]):.3f}")

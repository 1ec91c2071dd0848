"""
=========================================
Selecting inputs along a group-lasso path
=========================================

With ``penalty='group_lasso'`` a network can switch an input off entirely:
the input's row of the first weight matrix becomes exactly zero.
:func:`skreg.group_lasso_path` makes this a path. It fits the network once
without a penalty (the dense fit), then again and again at increasing
``alpha``, each fit starting from the weights of the one before, until no
input is left. Each input is recorded with the alpha at which it leaves
for good, its *exit alpha*. :class:`skreg.GroupLassoSelectorCV` puts the
path inside a scikit-learn transformer. It chooses a point on the path by
cross-validation and passes on only the inputs that point keeps, so a
pipeline can select inputs and then fit its final model on them.

The test bed is real data with known junk added: scikit-learn's diabetes
data, with 50 extra columns that hold no information about the target.
"""

# %%
# Diabetes plus 50 permuted columns
# ---------------------------------
#
# The diabetes data record ten baseline variables for 442 patients: age,
# sex, body mass index (``bmi``), mean blood pressure (``bp``) and six blood
# serum measurements (``s1`` to ``s6``). The target is a measure of how far
# the disease has progressed a year later. To each patient we add 50 noise
# columns. Each one copies a real column, picked at random, and shuffles its
# rows. A noise column thus has exactly the distribution of a real input,
# so its scale and shape give nothing away, but it has no link to the
# target or to the patient's other values. A column named ``noise07_s2``
# is the eighth noise column, a shuffled copy of ``s2``.
#
# The target is standardised once, with the mean and standard deviation of
# all 442 patients. This puts it on the scale of the standardised inputs,
# where the network's default learning rate is at home. All scores below
# are R^2, and R^2 does not change when the target and the predictions are
# shifted and rescaled together.
#
# Many fits below stop at their epoch limit before the loss has settled
# (on purpose for the points of a path, which get 20 epochs each), and a
# ``ConvergenceWarning`` says so each time. We silence it.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import GroupLassoSelectorCV, MLPRegressor, group_lasso_path
from skreg.plotting import GroupLassoPathDisplay

warnings.filterwarnings("ignore", category=ConvergenceWarning)

diabetes = load_diabetes()
real_names = list(diabetes.feature_names)
X_real, y = diabetes.data, diabetes.target
rng = np.random.RandomState(0)
copied = rng.randint(0, X_real.shape[1], size=50)
X_noise = np.column_stack([rng.permutation(X_real[:, j]) for j in copied])
noise_names = [f"noise{i:02d}_{real_names[j]}" for i, j in enumerate(copied)]
X = pd.DataFrame(np.hstack([X_real, X_noise]), columns=real_names + noise_names)
is_real = np.isin(X.columns, real_names)
y = (y - y.mean()) / y.std()
print(f"{X.shape[0]} patients, {is_real.sum()} real and {(~is_real).sum()} noise columns")

# %%
# The path on all 442 patients
# ----------------------------
#
# We standardise the 60 columns and run the path of a network with one
# hidden layer of 32 units. The dense fit gets 200 epochs. Every later point
# gets 20 epochs, warm-started, followed by the full-batch proximal phase.
# The path holds out a fifth of the patients (``validation_fraction=0.2``)
# to score each point and trains on the remaining 353. There are 20 alphas,
# spaced evenly on a log scale from ``eps=0.01`` times ``alpha_max`` up to
# ``alpha_max``, the alpha at which an all-zero first layer is optimal for
# the dense fit. The path would continue past that point if any input were
# still in, but here the last point already has none.
X_std = StandardScaler().fit_transform(X)
path = group_lasso_path(
    MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(32,), max_iter=200,
                 random_state=0),
    X_std, y, n_alphas=20, path_max_iter=20, random_state=0)

print("   alpha  inputs kept (real + noise)  validation R^2")
for alpha, support, n, score in zip(path.alphas, path.support, path.n_selected,
                                    path.validation_scores):
    n_real, n_noise = support[is_real].sum(), support[~is_real].sum()
    print(f"{alpha:8.2g}  {n:5d}   ({n_real:2d} + {n_noise:2d})           {score:6.3f}")

order = np.argsort(-path.exit_alphas, kind="stable")
print("\nthe 12 inputs that leave last, with their exit alphas:")
print(", ".join(f"{X.columns[j]} {path.exit_alphas[j]:.2g}" for j in order[:12]))
last_noise = path.exit_alphas[~is_real].max()
print(f"last noise column out at alpha {last_noise:.2g}; real columns out by then: "
      f"{[c for c, e in zip(real_names, path.exit_alphas[is_real]) if e <= last_noise]}")

fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
GroupLassoPathDisplay.from_path(
    path, ax=ax, feature_names=list(X.columns),
    name="Group-lasso path, diabetes + 50 shuffled copies (all 442 patients)")

# %%
# Each line is one input's first-layer row norm. The eight inputs that stay
# longest are drawn in colour and the others in grey. The dashed line is
# the R^2 on the 89 held-out patients, read on the right-hand axis. In the
# dense fit (the leftmost point) the noise rows are about as large as the
# real ones, so weight size alone does not separate them. That fit
# overfits: its held-out R^2 is slightly below zero, worse than predicting
# the mean.
#
# As alpha grows, the noise columns leave first and in large numbers:
# between alpha of about 0.0035 and 0.024 the count of noise inputs drops
# from 49 to none, and the held-out R^2 climbs to its top, about 0.34,
# near alpha = 0.015. From alpha of about 0.024 on, only real inputs are
# left: ``bmi``, ``s5``, ``bp`` and ``s3``. ``bmi`` and ``s5`` are the last
# two. The lasso path of a linear model on these data (not run here) brings
# in the same four first: ``bmi``, ``s5``, ``bp``, ``s3``, in that order.
# The six weaker real inputs are another matter. ``age``, ``s4`` and ``s6``
# leave early, while most of the noise columns are still in. ``s1``,
# ``s2`` and ``sex`` leave among the last few noise columns. On a few
# hundred patients a shuffled copy can look as useful as a weak real
# input, and the path cannot tell them apart. It does cleanly separate the
# strong inputs from the noise.

# %%
# The selector in a pipeline
# --------------------------
#
# To judge the selection honestly, we now split off a quarter of the
# patients as a test set. The pipeline standardises the columns, runs
# :class:`~skreg.GroupLassoSelectorCV`, and fits a plain (unpenalised)
# network on the columns the selector keeps. The selector first runs the
# path on all 331 training patients, without a hold-out. It then runs the
# path with the same alphas on the training part of each of 3 folds and
# scores every point on that fold's held-out part. The score comes from a
# network refit without penalty on just the inputs that point keeps (the
# "relaxed" score). ``selection='1se'``, the default, picks the largest
# alpha whose mean score is within one standard error of the best. We also
# fit the pipeline with ``selection='best'``, the best mean score itself.
# ``set_output(transform="pandas")`` keeps the column names through the
# scaler, so the selector can report which columns it keeps by name.
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)


def path_network():
    return MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(32,), max_iter=200,
                        random_state=0)


def final_network():
    return MLPRegressor(hidden_layer_sizes=(32,), max_iter=500, random_state=0)


pipes = {}
for selection in ["1se", "best"]:
    pipes[selection] = make_pipeline(
        StandardScaler(),
        GroupLassoSelectorCV(path_network(), n_alphas=15, path_max_iter=20, cv=3,
                             selection=selection),
        final_network(),
    ).set_output(transform="pandas").fit(X_train, y_train)

selector = pipes["1se"][1]
cv_mean = selector.cv_scores_.mean(axis=1)
best = np.argmax(cv_mean)
se = selector.cv_scores_[best].std(ddof=1) / np.sqrt(selector.cv_scores_.shape[1])
print(f"best mean CV R^2 {cv_mean[best]:.3f} at alpha {selector.alphas_[best]:.3g}; "
      f"one standard error {se:.3f}, so '1se' takes the largest alpha scoring at least "
      f"{cv_mean[best] - se:.3f}")
for selection, pipe in pipes.items():
    sel = pipe[1]
    print(f"selection={selection!r:6}: alpha_ {sel.alpha_:.3g}, "
          f"mean CV R^2 there {cv_mean[list(sel.alphas_).index(sel.alpha_)]:.3f}; keeps "
          f"{sel.support_[is_real].sum()} of 10 real columns "
          f"{list(sel.get_feature_names_out())}, drops "
          f"{(~sel.support_[~is_real]).sum()} of 50 noise columns")

all_columns = make_pipeline(StandardScaler(), final_network()).fit(X_train, y_train)
real_only = make_pipeline(StandardScaler(), final_network()).fit(X_train[real_names], y_train)
linear = LinearRegression().fit(X_train[real_names], y_train)
linear_cv = cross_val_score(LinearRegression(), X_train[real_names], y_train, cv=3).mean()
print("\ntest R^2 of the final MLPRegressor")
for selection, pipe in pipes.items():
    label = f"on the columns selected ({selection!r}):"
    print(f"  {label:35s}{pipe.score(X_test, y_test):6.3f}")
print(f"  on all 60 columns:                 {all_columns.score(X_test, y_test):6.3f}")
print(f"  on the 10 real columns (oracle):   "
      f"{real_only.score(X_test[real_names], y_test):6.3f}")
print(f"for scale, LinearRegression on the 10 real columns: test R^2 "
      f"{linear.score(X_test[real_names], y_test):.3f}, 3-fold CV R^2 on the training "
      f"part {linear_cv:.3f}")

fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
GroupLassoPathDisplay.from_estimator(
    selector, ax=ax, name="GroupLassoSelectorCV: path on the 331 training patients")

# %%
# Both rules throw out all 50 noise columns. ``'1se'`` keeps only ``bmi``
# and ``s5``, at alpha of about 0.056. ``'best'`` stops at a smaller alpha,
# about 0.029, and also keeps ``bp`` and ``s3``: the four strong inputs of
# the first path. On the test patients the two subsets score about the
# same, around 0.26 to 0.27. The same final network fed all 60 columns
# does much worse: its test R^2 is clearly negative, because the 50 noise
# columns give 500 epochs of Adam plenty to overfit. Selection is what
# makes the network usable here. It does not reach the oracle network,
# which sees exactly the ten real columns and scores about 0.37. The
# weaker real inputs carry some signal, and the selector dropped them
# together with the noise it could not tell them from.
#
# The plot shows the selector's own path, with the mean cross-validated
# R^2 of each point (dashed) and the chosen alpha (dotted). While many noise
# inputs are still in, the score is near zero and jumps about from fold to
# fold. It passes 0.4 around alpha = 0.02, peaks at about 0.49 near 0.03
# to 0.04, and falls to zero when the last input leaves and only a
# constant is left. The
# cross-validated R^2 of about 0.48 is far above the test R^2 of the same
# subsets. That gap comes from the split, not from the selection: the 111
# test patients are simply harder to predict. Linear regression on the ten
# real columns shows the same gap (printed last).

# %%
# Exit alphas as feature importances
# ----------------------------------
#
# ``feature_importances_`` holds each input's exit alpha on the selector's
# path over the whole training set. A larger value means the input stayed in
# longer as the penalty grew. The bars below are sorted, real columns in
# blue, noise in grey. The dotted line is the chosen ``alpha_``. An input is
# kept only if its bar rises above the line. ``bp`` and ``s3`` leave exactly
# at ``alpha_``, so ``'1se'`` drops them.
imp = selector.feature_importances_
order = np.argsort(-imp, kind="stable")
fig, ax = plt.subplots(figsize=(12, 4.2), layout="constrained")
ax.bar(np.arange(len(order)), imp[order], color=np.where(is_real[order], "C0", "0.7"))
ax.set_xticks(np.arange(len(order)), X.columns[order], rotation=90, fontsize=6)
ax.set_xlim(-0.7, len(order) - 0.3)
ax.set_yscale("log")
ax.axhline(selector.alpha_, color="C3", ls=":", lw=1.5)
ax.set(ylabel="exit alpha (log scale)",
       title="GroupLassoSelectorCV.feature_importances_: the alpha at which each input leaves")
ax.legend(handles=[Patch(color="C0", label="real column"),
                   Patch(color="0.7", label="shuffled copy (noise)"),
                   plt.Line2D([], [], color="C3", ls=":",
                              label=f"alpha_ = {selector.alpha_:.3g}")],
          loc="upper right")
print("exit alpha of each real column:",
      ", ".join(f"{c} {e:.2g}" for c, e in zip(real_names, imp[is_real])))
print(f"highest exit alpha of a noise column: {imp[~is_real].max():.2g}")

# %%
# The ranking puts the four strong real inputs well clear of the noise.
# Below them, real and noise columns mix: ``s6`` ties with the
# longest-lasting noise columns, ``s1``, ``s2``, ``sex`` and ``age`` sit
# among the noise, and ``s4`` leaves with the very first batch. Because the
# values are points of a grid, many inputs tie. They measure how much
# penalty an input survives, not how much it adds to a prediction. For
# ranking inputs they are useful. As a cut-off between signal and noise
# they are only as good as the separation the data allow.
plt.show()

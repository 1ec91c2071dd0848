"""
===============================================
Selecting inputs along a group-lasso path
===============================================

Draft.
"""

# %%
# The data
# --------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
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
is_real = np.arange(X.shape[1]) < len(real_names)
y = (y - y.mean()) / y.std()
print(f"{X.shape[0]} rows, {is_real.sum()} real and {(~is_real).sum()} noise columns")

# %%
# The path
# --------
path_net = MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(32,), max_iter=200,
                        random_state=0)
path = group_lasso_path(path_net, StandardScaler().fit_transform(X), y, n_alphas=20,
                        path_max_iter=20, random_state=0)

print("alpha       inputs kept  (real, noise)  validation R^2")
for alpha, support, score in zip(path.alphas, path.support, path.validation_scores):
    print(f"{alpha:9.2g}  {support.sum():6d}       ({support[is_real].sum():2d}, "
          f"{support[~is_real].sum():2d})       {score:6.3f}")

order = np.argsort(-path.exit_alphas, kind="stable")
print("last to leave (exit alpha):")
for j in order[:12]:
    print(f"  {X.columns[j]:15s} {path.exit_alphas[j]:.3g}")
first_noise = order[~is_real[order]][0]
print("real columns that leave before the first noise column to go last:",
      [X.columns[j] for j in np.flatnonzero(is_real & (path.exit_alphas <= path.exit_alphas[first_noise]))])

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
GroupLassoPathDisplay.from_path(path, ax=ax, feature_names=list(X.columns),
                                name="diabetes + 50 permuted copies")

# %%
# The selector in a pipeline
# --------------------------
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)


def final_net():
    return MLPRegressor(hidden_layer_sizes=(32,), max_iter=500, random_state=0)


selector = GroupLassoSelectorCV(
    MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(32,), max_iter=200,
                 random_state=0),
    n_alphas=15, path_max_iter=20, cv=3)
pipe = make_pipeline(StandardScaler(), selector, final_net()).set_output(transform="pandas")
pipe.fit(X_train, y_train)
selector = pipe[1]
kept = selector.support_
print(f"chosen alpha {selector.alpha_:.3g} ('1se'): keeps {kept[is_real].sum()} of "
      f"{is_real.sum()} real columns, drops {(~kept[~is_real]).sum()} of "
      f"{(~is_real).sum()} noise columns")
print("kept:", list(selector.get_feature_names_out()))

dense = make_pipeline(StandardScaler(), final_net()).fit(X_train, y_train)
oracle = make_pipeline(StandardScaler(), final_net()).fit(X_train[real_names], y_train)
pipe_best = make_pipeline(StandardScaler(), GroupLassoSelectorCV(selector.estimator, n_alphas=15, path_max_iter=20, cv=3, selection="best"), final_net()).set_output(transform="pandas").fit(X_train, y_train)
print("best:", pipe_best[1].alpha_, list(pipe_best[1].get_feature_names_out()), pipe_best.score(X_test, y_test))
print(f"test R^2, selected columns ('1se'): {pipe.score(X_test, y_test):.3f}")
print(f"test R^2, all 60 columns:           {dense.score(X_test, y_test):.3f}")
print(f"test R^2, the 10 real columns:      {oracle.score(X_test[real_names], y_test):.3f}")

mean = selector.cv_scores_.mean(axis=1)
for alpha, m, s in zip(selector.alphas_, mean, selector.cv_scores_.std(axis=1)):
    print(f"  alpha {alpha:8.3g}: mean CV R^2 {m:6.3f} (std {s:.3f})")

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
GroupLassoPathDisplay.from_estimator(selector, ax=ax)

# %%
# Exit alphas as importances
# --------------------------
imp = selector.feature_importances_
order = np.argsort(-imp, kind="stable")
fig, ax = plt.subplots(figsize=(11, 3.8), layout="constrained")
ax.bar(np.arange(len(order)), imp[order],
       color=np.where(is_real[order], "C0", "0.65"))
ax.set_xticks(np.arange(len(order)), X.columns[order], rotation=90, fontsize=6)
ax.set_yscale("log")
ax.axhline(selector.alpha_, color="C3", ls=":")
import os
for i in plt.get_fignums(): plt.figure(i).savefig(f"/tmp/glsel/fig{i}.png", dpi=80)
plt.show()

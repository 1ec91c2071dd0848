"""
==============
Early stopping
==============

With ``early_stopping=True`` the estimator holds out ``validation_fraction``
of the training data, scores the network on it after every epoch, stops
once the validation score has not improved by ``tol`` for
``n_iter_no_change`` epochs in a row, and keeps the weights of the best
epoch. It is a regulariser that needs no penalty: the weights simply do not
get the time to fit the noise.

This example draws the history of such a fit with
:class:`~skreg.plotting.TrainingHistoryDisplay`, then follows a fit
*without* early stopping on held-out test data to see what the stopping
rule saved us from.
"""

# %%
# A fit with early stopping
# -------------------------
#
# A noisy problem (40 features of which 5 are informative, 5% of the labels
# flipped) and a wide network with no penalty, so that overfitting is easy.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skreg import MLPClassifier
from skreg.plotting import TrainingHistoryDisplay

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_classification(n_samples=600, n_features=40, n_informative=5,
                           n_redundant=0, flip_y=0.05, random_state=1)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.33, stratify=y, random_state=0
)
params = dict(hidden_layer_sizes=(200,), alpha=0.0, learning_rate_init=0.003,
              batch_size=32, random_state=0)

stopped = MLPClassifier(early_stopping=True, validation_fraction=0.2,
                        n_iter_no_change=25, max_iter=150, **params)
stopped.fit(X_train, y_train)

disp = TrainingHistoryDisplay.from_estimator(stopped, plot_lr=False)
disp.ax_.set_title(f"early stopping: ran {stopped.n_iter_} epochs, kept epoch "
                   f"{disp.best_epoch}")

# %%
# The training loss (blue) keeps falling: the network fits its training
# part ever better. The validation loss (orange, dashed) reaches its
# minimum within the first ten epochs and then climbs: from there on the
# network becomes more and more confident on points it gets wrong, which is
# overfitting. The validation accuracy (green) is noisy, since the held-out
# part has only 80 samples; it peaks at the dotted line, and after
# ``n_iter_no_change=25`` epochs without a better score the fit stops and
# restores the weights of that epoch. Note that the rule watches the
# validation *accuracy*, which here peaks later than the validation loss.

# %%
# What happens without early stopping
# -----------------------------------
#
# We train the same network on the whole training set one epoch at a time
# with ``partial_fit`` and score it on the test set after every epoch.
full = MLPClassifier(**params)
test_acc, test_loss = [], []
for epoch in range(120):
    full.partial_fit(X_train, y_train, classes=np.unique(y))
    test_acc.append(full.score(X_test, y_test))
    test_loss.append(log_loss(y_test, full.predict_proba(X_test)))
epochs = np.arange(1, len(test_acc) + 1)

fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
ax.plot(epochs, test_loss, color="C1", label="test log-loss")
ax.set(xlabel="epoch", ylabel="test log-loss")
ax2 = ax.twinx()
ax2.plot(epochs, test_acc, color="C2", label="test accuracy")
ax2.set_ylabel("test accuracy")
ax.axvline(disp.best_epoch, color="k", linestyle=":", label="epoch kept by early stopping")
ax.axvline(stopped.n_iter_, color="0.5", linestyle="--", label="where it stopped")
handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
ax2.legend(handles=handles, loc="center right")
ax.set_title("the same network trained without early stopping")

es_acc = stopped.score(X_test, y_test)
es_loss = log_loss(y_test, stopped.predict_proba(X_test))
print(f"early stopping : test accuracy {es_acc:.3f}, test log-loss {es_loss:.3f}")
print(f"120 epochs     : test accuracy {test_acc[-1]:.3f}, test log-loss {test_loss[-1]:.3f}")

# %%
# On the test set the picture is the same as on the validation set: the
# test log-loss is lowest after about ten epochs and then rises steadily, to
# almost twice its minimum after 120 epochs. The test *accuracy*, on the
# other hand, peaks early and then stays nearly flat: the extra epochs make
# the network over-confident more than they make it wrong.
#
# So, here, early stopping buys a much better log-loss (0.70 against 0.97
# after 120 epochs) but not a better accuracy: it is a little lower (0.71
# against 0.74). The stopped model learned from only 80% of the training
# data, and it picked its epoch by the accuracy on 80 held-out samples,
# which is noisy. On small data sets, weigh that loss of training data
# against the protection; a larger ``validation_fraction`` gives a steadier
# choice of epoch, at the price of even less data to train on.
plt.show()

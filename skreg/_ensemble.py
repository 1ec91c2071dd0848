"""Ensembles from a cross-validated search: members, weights, selection.

An ensemble is plain data: ``{'members': [fitted networks], 'weights':
array, ...}``. It predicts the weighted average of its members' class
probabilities (classifier) or outputs (regressor); a classifier's label is
the class of the largest average probability (every label above 0.5 for a
multilabel one), as a soft ``VotingClassifier`` decides.

The members are fold models of the search: the network of a candidate
trained on the training rows of one fold. A candidate's *bag* is its k fold
models, equally weighted; its out-of-fold (OOF) outputs are each row's
output by the model that did not see the row.

* ``'folds'``: the bag of the best candidate.
* ``'greedy'``: ensemble selection with replacement (Caruana et al. 2004)
  over the bags of every candidate (each at the round where it scored
  best): start empty, and ``n_rounds`` times add the bag whose addition
  gives the best score of the averaged OOF outputs (ties: the bag listed
  first, i.e. the better single score); weights are the counts.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier

__all__ = ["greedy_selection", "outputs", "ensemble_outputs", "ensemble_predict", "oof_scorer",
           "GREEDY_ROUNDS"]

#: additions of the greedy selection (AutoGluon's default ensemble size)
GREEDY_ROUNDS = 25


def greedy_selection(oof, score, n_rounds=GREEDY_ROUNDS):
    """Counts of each entry of ``oof`` chosen by greedy selection with
    replacement.

    Parameters
    ----------
    oof : list of ndarray, all of one shape
        Out-of-fold outputs of the pool's members, in order of preference.
    score : callable
        ``score(outputs) -> float``, higher is better, of averaged outputs.
    n_rounds : int
        The number of additions.

    Returns
    -------
    counts : ndarray of int, of length ``len(oof)``
    """
    counts = np.zeros(len(oof), dtype=int)
    total = np.zeros_like(oof[0], dtype=float)
    for k in range(1, n_rounds + 1):
        scores = [score((total + o) / k) for o in oof]
        # the first best (np.nanargmax): ties go to the member listed first
        best = int(np.nanargmax(np.where(np.isfinite(scores), scores, -np.inf)))
        counts[best] += 1
        total += oof[best]
    return counts


def outputs(model, X):
    """What an ensemble averages: class probabilities or 2-D outputs."""
    if is_classifier(model):
        return model.predict_proba(X)
    out = model.predict(X)
    return out.reshape(out.shape[0], -1)


def ensemble_outputs(ensemble, X):
    """The weighted average of the members' probabilities / outputs."""
    outs = [outputs(m, X) for m in ensemble["members"]]
    return np.average(np.stack(outs), axis=0, weights=ensemble["weights"])


def ensemble_predict(ensemble, X):
    """Labels (classifier) or targets (regressor) of the ensemble."""
    return _predict_from(ensemble["members"][0], ensemble_outputs(ensemble, X))


def _predict_from(like, out):
    """What ``predict`` of a model like ``like`` returns for averaged
    probabilities / outputs ``out``."""
    if not is_classifier(like):
        return out.ravel() if out.shape[1] == 1 else out
    if like._label_kind == "multilabel":
        return (out > 0.5).astype(int)
    return like.classes_[np.argmax(out, axis=1)]


class _Answered(BaseEstimator):
    """Stands for a model whose outputs are known: a scorer asks it to
    predict the rows the outputs are of."""

    def __init__(self, outputs=None, like=None):
        self.outputs = outputs
        self.like = like

    def predict(self, X):
        return _predict_from(self.like, self.outputs)

    def predict_proba(self, X):
        return self.outputs


class _AnsweredClassifier(ClassifierMixin, _Answered):
    @property
    def classes_(self):
        return self.like.classes_


class _AnsweredRegressor(RegressorMixin, _Answered):
    pass


def oof_scorer(scorer, like, y, rows):
    """``score(outputs)`` of averaged OOF outputs with the search's scorer,
    on the rows that have an out-of-fold output (``like``: a fold model, for
    the labels)."""
    cls = _AnsweredClassifier if is_classifier(like) else _AnsweredRegressor
    y_rows = y.iloc[rows] if hasattr(y, "iloc") else np.asarray(y)[rows]
    dummy = np.zeros((len(rows), 1))  # (the scorer passes it on unread)

    def score(outputs):
        return float(scorer(cls(outputs[rows], like), dummy, y_rows))

    return score

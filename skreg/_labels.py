"""Class labels: how a classifier's targets are checked, coded for the
network and decoded from its output, and how class weights enter."""

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import accuracy_score
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from ._data import rescale_weights

__all__ = ["_LabelCoder", "check_targets", "apply_class_weight", "accuracy"]


class _LabelCoder:
    """Class labels <-> network targets and outputs (what scikit-learn's MLP
    does with a LabelBinarizer, without its per-call validation cost).

    ``kind`` is 'multiclass' (one softmax output per class), 'binary' (one
    logistic output for ``classes[1]``; a single class gives a constant 0
    target) or 'multilabel' (one logistic output per label).
    """

    def __init__(self, classes, target_type):
        self.classes = classes
        if target_type == "multilabel-indicator":
            self.kind = "multilabel"
        else:
            self.kind = "multiclass" if len(classes) > 2 else "binary"

    @classmethod
    def from_kind(cls, classes, kind):
        """The coder of a fitted estimator, from its plain-data state."""
        coder = cls.__new__(cls)
        coder.classes, coder.kind = classes, kind
        return coder

    @staticmethod
    def labels(y, target_type):
        """Sorted distinct labels (column indices for an indicator matrix)."""
        if target_type == "multilabel-indicator":
            return np.arange(y.shape[1])
        try:
            return np.unique(y)
        except TypeError:
            raise ValueError(
                "Mix of label input types: the labels must all be numbers or all be "
                "strings."
            ) from None

    def encode(self, y):
        if self.kind == "multilabel":
            return np.asarray(y).astype(bool)
        if self.kind == "binary":
            if len(self.classes) < 2:
                return np.zeros((len(y), 1), dtype=bool)
            return (np.asarray(y) == self.classes[1]).reshape(-1, 1)
        # multiclass: the index of each label in classes (the softmax loss
        # takes class codes, not one-hot rows)
        return np.searchsorted(self.classes, np.asarray(y))

    def decode(self, out):
        if self.kind == "multilabel":
            return (out > 0.5).astype(int)
        if self.kind == "binary":
            if len(self.classes) < 2:
                return np.full(out.shape[0], self.classes[0])
            return self.classes[(out.ravel() > 0.5).astype(int)]
        return self.classes[np.argmax(out, axis=1)]


def _first_coder(labels, target, incremental, classes):
    """The coder of a first fit (or first partial_fit, from ``classes``)."""
    if not incremental:
        return _LabelCoder(labels, target)
    if classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    coder = _LabelCoder(_LabelCoder.labels(np.asarray(classes), None), target)
    extra = np.setdiff1d(labels, coder.classes)
    if len(extra):
        raise ValueError(
            "`y` has classes not in `self.classes_`. `self.classes_` has "
            f"{coder.classes}. 'y' has {labels}. (The classes passed to "
            f"partial_fit lack {extra}.)"
        )
    return coder


def _check_same_classes(est, labels, incremental, classes):
    """A later fit (warm start) or partial_fit must keep the classes."""
    if est.warm_start and not incremental:
        if set(labels) != set(est.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes "
                f"as in the previous call to fit. Previously got {est.classes_}, "
                f"`y` has {labels}. Set warm_start=False to fit the new classes "
                "from scratch."
            )
    elif len(np.setdiff1d(labels, est.classes_, assume_unique=True)):
        raise ValueError(
            "`y` has classes not in `self.classes_`. `self.classes_` has "
            f"{est.classes_}. 'y' has {labels}."
        )
    if classes is not None and not np.array_equal(np.unique(classes),
                                                  np.asarray(est.classes_)):
        raise ValueError(
            f"`classes={classes!r}` is not the same as on last call to "
            f"partial_fit, was: {est.classes_!r}"
        )


def check_targets(est, y, incremental, first_pass, classes):
    """Check a classifier's targets; on a first pass, set ``classes_`` and the
    label kind (plain data: the coder is rebuilt on use). Returns the coder."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    target = type_of_target(y)
    if target not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"Unknown label type: y is {target!r}; MLPClassifier needs binary, "
            "multiclass or multilabel-indicator targets (use MLPRegressor for "
            "continuous targets)."
        )
    if sp.issparse(y):
        y = y.toarray()
    labels = _LabelCoder.labels(y, target)
    if first_pass:
        coder = _first_coder(labels, target, incremental, classes)
        est._label_kind = coder.kind
        est.classes_ = coder.classes
    else:
        _check_same_classes(est, labels, incremental, classes)
    return y, _LabelCoder.from_kind(est.classes_, est._label_kind)


def apply_class_weight(class_weight, sw, y, dtype, incremental):
    """``sample_weight`` times the weight of each sample's class."""
    cw = class_weight
    if cw is None:
        return sw
    if isinstance(cw, str) and incremental:
        raise ValueError(
            "class_weight='balanced' is not supported in partial_fit: the "
            "class frequencies of a batch are not those of the data. Pass a "
            "dict of weights instead."
        )
    cw_sample = compute_sample_weight(cw, y)
    if not (np.isfinite(cw_sample).all() and (cw_sample >= 0).all()):
        raise ValueError(
            f"class_weight must give every class a finite weight >= 0, got {cw!r}."
        )
    cw_sample = rescale_weights(cw_sample, dtype)
    sw = cw_sample if sw is None else sw * cw_sample
    if not sw.sum() > 0:
        raise ValueError(
            f"With class_weight={cw!r} every sample has weight zero: at least one "
            "sample must have a positive weight."
        )
    return sw


class accuracy:
    """The early-stopping metric of a classifier: accuracy of the decoded
    output (nan for a non-finite output). A class, not a closure, so that a
    run in progress pickles (a search sends it to its workers)."""

    def __init__(self, coder):
        self.coder = coder

    def __call__(self, out, y, sample_weight):
        if not np.isfinite(out).all():
            return np.nan
        return accuracy_score(y, self.coder.decode(out), sample_weight=sample_weight)

"""Fits that run in stages: a checkpoint after each, the next stage resumes.

A :class:`Resumable` is one fit of an estimator planned for its
``max_iter`` epochs (the *horizon*), run a stage at a time:
``advance(X, y, sw, epochs)`` trains until ``epochs`` epochs have run, from
where the previous stage stopped (weights, optimizer moments, random
generator, counters, early-stopping and plateau state: the whole
:class:`~skreg._training.State`), and returns the checkpoint as a fitted
estimator. Everything that depends on the horizon is settled once, when the
run starts: the ``'auto'`` learning rate (range test and probe) and the
schedule, which runs over the horizon, not over the stage. So the checkpoint
after ``e`` epochs is the state of the uninterrupted ``max_iter``-epoch fit
after its ``e``-th epoch, and the last one is that fit, bit for bit.

A checkpoint is finished as a fit ends (early stopping's best weights, the
weight average, the proximal phase) on a copy of the state: the run itself
goes on from the raw state. The 'max_iter reached' warning is left out: a
stage ends by design. 'lbfgs' keeps no state between calls of scipy's
driver; its stages are fits from scratch of ``epochs`` iterations.

The successive-halving search (:mod:`skreg._halving`) keeps one Resumable
per candidate and fold, so that a survivor of a round trains only the new
epochs of the next.
"""

import copy
import dataclasses

from sklearn.base import clone

from ._fitting import _blas_threads, _check_output_is_finite, fit, prepare, store
from ._parts import WarnAtMaxIter
from ._training import end, train

__all__ = ["Resumable"]


class Resumable:
    """One fit of ``estimator`` (unfitted; ``max_iter`` is the horizon), run
    in stages. ``stopped`` is the reason training ended ('max_iter' at the
    horizon, or a stop rule's), None while it can go on."""

    def __init__(self, estimator):
        self.estimator = estimator
        self.run = None
        self.stopped = None

    def advance(self, X, y, sample_weight, epochs):
        """Train until ``epochs`` epochs have run (fewer if the run stops);
        return the checkpoint, a fitted estimator. ``X, y, sample_weight``
        are the training data, the same at every stage (the first one
        prepares the run from them)."""
        est = self.estimator
        with _blas_threads(est):
            if self.run is None:
                self.run = prepare(est, X, y, sample_weight)
                # (the rows the run trains on are enough to keep, for the
                # output check of each checkpoint: not a second copy of X)
                self.run.X = self.run.data.X
            run = self.run
            if run.setup is None:  # lbfgs: a fit from scratch of `epochs` iterations
                model = clone(est).set_params(max_iter=epochs)
                return fit(model, X, y, sample_weight)
            todo = epochs - run.state.n_iter
            if self.stopped is None and todo > 0:
                stage = dataclasses.replace(run.setup, n_epochs=todo)
                reason = train(stage, run.state, run.data, finish=False)
                if reason != "max_iter" or run.state.n_iter >= run.setup.max_iter:
                    self.stopped = reason
            return self._checkpoint()

    def _checkpoint(self):
        run = copy.copy(self.run)
        run.state = copy.deepcopy(self.run.state)
        parts = [p for p in run.setup.parts if not isinstance(p, WarnAtMaxIter)]
        end(run.setup, run.state, self.stopped or "max_iter", parts)
        _check_output_is_finite(run)
        # prepare set what fit learns of the data (classes_, n_features_in_)
        # on the estimator: the checkpoint is a copy of it with the weights
        model = copy.copy(self.estimator)
        store(model, run)
        return model

"""Parts: the behaviours the training loop calls at its documented points.

Each part is configuration only; what it changes lives in the loop's
:class:`~skreg._training.State` (history, monitor, best weights), so the same
part works for any run. A hook returns None to go on or a reason to stop (see
:mod:`skreg._training`). ``fit`` uses, in this order:

=====================  ======================================================
proximal phase         the full-batch proximal phase (:mod:`skreg._proximal`)
                       at the end, L1 and group penalties only; first, so
                       that it ends last
:class:`RecordHistory` loss and rate of every epoch (also a diverged one)
averaging              the weight average (:mod:`skreg.averaging`), before
                       early stopping scores it
:class:`EarlyStopping` validation score and loss; keeps the best weights and
                       restores them at the end; takes a divergence
:class:`Verbose`       one line per epoch (``verbose >= 1``)
:class:`Progress`      progress within long epochs (``verbose >= 2``)
:class:`StopOnPlateau` scikit-learn's ``n_iter_no_change`` rule: stop
:class:`ReduceOnPlateau` the same rule, dividing the rate by 5 ('adaptive')
:class:`WarnAtMaxIter` ``ConvergenceWarning`` when ``max_iter`` ran out
=====================  ======================================================
"""

import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._training import Part, divergence_detail

__all__ = ["RecordHistory", "EarlyStopping", "Verbose", "Progress", "StopOnPlateau",
           "ReduceOnPlateau", "WarnAtMaxIter"]


class RecordHistory(Part):
    """Appends the epoch's objective and last rate to the history."""

    def on_epoch_end(self, setup, state, epoch):
        history = state.history
        history.loss = epoch.loss
        history.loss_curve.append(epoch.loss)
        history.lr_curve.append(epoch.lr)

    on_divergence = on_epoch_end


class EarlyStopping(Part):
    """Scores the network on held-out data after every epoch, keeps the
    weights of the best score, and puts them back when training ends (the
    weights scored are those training would end with: ``state.current()``).

    ``score(out, y, sample_weight) -> float`` is the estimator's metric on
    the network's output; ``Y`` are the held-out targets as the loss takes
    them (for the validation loss), ``y`` as the metric takes them, ``w`` the
    normalised sample weights of the loss, ``sw`` those of the metric.
    """

    def __init__(self, X, Y, y, w, sw, score):
        self.X, self.Y, self.y, self.w, self.sw = X, Y, y, w, sw
        self.score = score

    def on_epoch_end(self, setup, state, epoch):
        net = setup.net
        raw = net.predict(net.views(state.current()), state.stats, self.X, link=False)
        val_loss = net.loss.loss_and_delta(raw.copy(), self.Y, self.w)
        score = self.score(net.loss.link(raw), self.y, self.sw)
        epoch.score, epoch.val_loss = score, val_loss
        history = state.history
        history.validation_scores.append(score)
        history.validation_loss_curve.append(val_loss)
        if score > state.best[0]:
            state.save_best(score)
        history.best_validation_score = state.best[0]

    def on_divergence(self, setup, state, epoch):
        # as scikit-learn (its issue 29504): the epoch is recorded with a nan
        # validation score, the best weights are kept, training stops
        state.history.validation_scores.append(np.nan)
        state.history.validation_loss_curve.append(np.nan)
        best = state.best[0]
        kept = ("the weights this fit started from" if best == -np.inf
                else f"the weights of the best validation score ({best:.6g})")
        warnings.warn(
            divergence_detail(epoch) + f" Early stopping kept {kept} and stopped training.",
            ConvergenceWarning,
        )
        return "diverged"

    def on_train_end(self, setup, state, reason):
        _, state.theta, state.stats, state.n_averaged = state.best
        state.average = None  # (the kept weights are chosen)
        state.history.best_loss = None
        if reason == "diverged":
            # the moments hold NaN: a later fit starts them afresh
            state.opt_state = setup.optimizer.init(state.theta)


class Verbose(Part):
    """Prints one line per epoch: loss, validation score and loss, rate, time."""

    def on_epoch_end(self, setup, state, epoch):
        extra = ""
        if epoch.score is not None:
            extra = (f", validation score = {epoch.score:.6f}, "
                     f"validation loss = {epoch.val_loss:.6f}")
        print(
            f"\rIteration {state.n_iter}, loss = {epoch.loss:.8f}{extra}, "
            f"lr = {epoch.lr:.3g}, time = {time.perf_counter() - epoch.started:.3f}s"
        )


class Progress(Part):
    """Shows how far an epoch has got, at most twice a second."""

    def __init__(self):
        self._last = time.perf_counter()

    def on_batch_end(self, setup, state, lr, loss, done):
        if time.perf_counter() - self._last > 0.5:
            self._last = time.perf_counter()
            sys.stdout.write(f"\r  epoch {state.n_iter + 1}: {100 * done:5.1f}% ")
            sys.stdout.flush()

    def on_epoch_end(self, setup, state, epoch):
        self._last = time.perf_counter()


class StopOnPlateau(Part):
    """scikit-learn's rule: stop once the validation score (``on_score``) or
    the training loss has not improved by ``tol`` for more than
    ``n_iter_no_change`` epochs (the counts live in ``state.monitor``)."""

    def __init__(self, on_score, verbose=0):
        self.on_score = on_score
        self.verbose = verbose

    def _stalled(self, state, epoch):
        monitor = state.monitor
        stalled, _ = monitor.update(epoch.score if self.on_score else epoch.loss)
        if not self.on_score:
            state.history.best_loss = monitor.best
        if not stalled:
            return None
        what = "Validation score" if self.on_score else "Training loss"
        return (f"{what} did not improve more than tol={monitor.tol:f} for "
                f"{monitor.n_iter_no_change} consecutive epochs.")

    def on_epoch_end(self, setup, state, epoch):
        msg = self._stalled(state, epoch)
        if msg is None:
            return None
        if self.verbose:
            print(msg + " Stopping.")
        return "no improvement"


class ReduceOnPlateau(StopOnPlateau):
    """The 'adaptive' rule: where :class:`StopOnPlateau` would stop, divide
    the rate by 5 instead; stop once it is at most 1e-6."""

    def on_epoch_end(self, setup, state, epoch):
        msg = self._stalled(state, epoch)
        if msg is None:
            return None
        if setup.lr_init * state.plateau_factor <= 1e-6:
            if self.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return "learning rate too small"
        state.plateau_factor /= 5.0
        state.monitor.count = 0
        if self.verbose:
            print(msg + f" Setting learning rate to {setup.lr_init * state.plateau_factor:f}")
        return None


class WarnAtMaxIter(Part):
    """A ``ConvergenceWarning`` when the epochs ran out before any stop rule."""

    def on_train_end(self, setup, state, reason):
        if reason == "max_iter":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({setup.n_epochs}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

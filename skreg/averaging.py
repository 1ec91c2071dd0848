"""Weight averaging: what the estimators' ``averaging`` parameter takes.

* :class:`SWA` (Izmailov et al. 2018, stochastic weight averaging): the
  equal-weight running mean of all trainable parameters (weights, biases,
  batch-norm scale and shift) at the end of every epoch from epoch
  ``floor(start * max_iter) + 1`` on (torch's ``AveragedModel`` updated
  once per epoch); the rate schedule is unchanged.
* :class:`EMA` (Polyak averaging): after every complete step (proximal step
  included), ``avg = decay * avg + (1 - decay) * w``, the first update
  copying the weights (torch's ``AveragedModel`` with
  ``get_ema_multi_avg_fn(decay)``).

The fitted estimator holds the averaged weights. With batch normalisation,
the running statistics are then recomputed for them by one pass in training
mode over the training data (not an early-stopping validation split), in
unshuffled mini-batches of ``batch_size``, dropout off, averaged over the
mini-batches (torch's ``update_bn`` with ``momentum=None``). With early
stopping, each epoch's validation score is that of the weights the fit
would end with if it stopped then (the average, once averaging has begun),
and the best-scored ones are kept. An average keeps an exact zero of the
L1 or group penalties only where every averaged iterate had one.
"""

import math

import numpy as np
from sklearn.base import BaseEstimator

from ._params import check_real
from ._training import Part

__all__ = ["WeightAveraging", "SWA", "EMA"]


class WeightAveraging(BaseEstimator):
    """Base class of the averaging rules (a scikit-learn estimator, so that
    ``averaging__start`` works in a grid search)."""

    def _check(self):
        """Validate hyper-parameters; raise ValueError naming the bad one."""

    def _part(self, max_iter, data, batch_size):  # pragma: no cover - abstract
        raise NotImplementedError


class SWA(WeightAveraging):
    """Stochastic weight averaging: the mean of the end-of-epoch weights.

    Parameters
    ----------
    start : float in [0, 1), default=0.75
        Averaging starts at epoch ``floor(start * max_iter) + 1``; 0 averages
        every epoch.
    """

    def __init__(self, start=0.75):
        self.start = start

    def _check(self):
        check_real("SWA.start", self.start, 0, 1, high_open=True)

    def _part(self, max_iter, data, batch_size):
        return _Averaging(data, batch_size, first_epoch=math.floor(self.start * max_iter) + 1)


class EMA(WeightAveraging):
    """Exponential moving average of the weights after every step.

    Parameters
    ----------
    decay : float in [0, 1), default=0.9
        Weight of the running average at each step. After T steps the first
        iterate keeps weight ``decay ** (T - 1)``. The default was chosen on
        ``benchmarks/techniques.py`` (5 data sets, 3 seeds, the default
        batch size): 0.9 never lost more than 0.006 to the model without
        averaging, while 0.99 lost 0.057 R^2 on diabetes and 0.999 lost on
        every small data set (their fits take only a few hundred steps).
    """

    def __init__(self, decay=0.9):
        self.decay = decay

    def _check(self):
        check_real("EMA.decay", self.decay, 0, 1, high_open=True)

    def _part(self, max_iter, data, batch_size):
        return _Averaging(data, batch_size, decay=self.decay)


#: the strings ``averaging`` takes
RULES = {"swa": SWA, "ema": EMA}


class _Averaging(Part):
    """Keeps ``state.average`` (and ``state.n_averaged``); at the end puts
    the average in place of the weights and refreshes the batch-norm
    statistics for them. Early stopping scores ``state.average`` when set."""

    def __init__(self, data, batch_size, *, first_epoch=None, decay=None):
        self.data, self.batch_size = data, batch_size
        self.first_epoch, self.decay = first_epoch, decay
        self._scratch = None
        if decay is not None:
            self.on_batch_end = self._ema_step  # only EMA needs the batch hook

    def _add(self, state):
        theta, n = state.theta, state.n_averaged
        if n == 0:
            state.average = theta.copy()
        elif self.decay is not None:
            # avg <- decay * avg + (1 - decay) * w, through one scratch vector
            # (EMA runs every mini-batch: no allocation there)
            if self._scratch is None or self._scratch.shape != theta.shape:
                self._scratch = np.empty_like(theta)
            state.average *= self.decay
            np.multiply(theta, 1.0 - self.decay, out=self._scratch)
            state.average += self._scratch
        else:
            # running mean of n + 1 iterates: avg <- avg + (w - avg) / (n + 1)
            state.average += (theta - state.average) / (n + 1)
        state.n_averaged = n + 1

    def _ema_step(self, setup, state, lr, loss, done):
        self._add(state)

    def on_epoch_end(self, setup, state, epoch):
        if self.decay is None and epoch.index >= self.first_epoch:
            self._add(state)

    def on_train_end(self, setup, state, reason):
        # (after early stopping's own end, which chose the weights itself)
        if state.average is not None:
            state.theta, state.average = state.average, None
        if state.n_averaged and state.stats is not None:
            _refresh_batch_norm(setup.net, state.theta, state.stats, self.data,
                                self.batch_size)


def _refresh_batch_norm(net, theta, stats, data, batch_size):
    """Running statistics := the mean over unshuffled mini-batches of the
    batch statistics of ``theta``, in training mode without dropout
    (torch's ``update_bn`` with ``momentum=None``)."""
    from ._network import Network

    plain = Network(net.layer_units, net.activation, net.loss, net.batch_norm)
    ws = plain.workspace(batch_size, theta.dtype)
    params, grads = plain.views(theta), plain.views(np.empty_like(theta))
    X, Y = data.X, data.Y
    n, k = X.shape[0], 0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        if stop - start == 1 and n > 1:
            continue  # one sample has no batch statistics
        w = np.full(stop - start, 1.0 / (stop - start), dtype=theta.dtype)
        # momentum 1 / (k + 1): the cumulative mean of the batch statistics
        ws.loss_grad(params, grads, X[start:stop], Y[start:stop], w, stats=stats,
                     momentum=1.0 / (k + 1))
        k += 1

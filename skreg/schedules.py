"""Learning-rate schedules.

A schedule is a pure function of training progress. ``factor(epoch, ...)``
returns the multiplier of ``learning_rate_init`` at the (fractional) epoch
``epoch = k + b / steps_per_epoch`` of mini-batch ``b`` in epoch ``k``.
The keyword arguments give what some schedules need:

* ``n_epochs``: the epochs the fit may run (``max_iter``);
* ``steps_per_epoch``: mini-batches per epoch;
* ``samples_seen``: samples processed before the current epoch (``t_``).

scikit-learn's plateau rule ('adaptive': divide by 5 when the loss stalls) is
stateful and lives in the training loop, not here.
"""

import math

from sklearn.base import BaseEstimator

from ._params import check_int, check_real

__all__ = [
    "Schedule",
    "Constant",
    "InverseScaling",
    "StepDecay",
    "ExponentialDecay",
    "CosineAnnealing",
    "OneCycle",
    "LinearWarmup",
]


class Schedule(BaseEstimator):
    """Base class. Subclasses implement ``factor``."""

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        raise NotImplementedError  # pragma: no cover

    def _check(self):
        """Validate hyper-parameters; raise ValueError naming the bad one."""


class Constant(Schedule):
    """lr = learning_rate_init."""

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        return 1.0


class InverseScaling(Schedule):
    """scikit-learn's 'invscaling': lr = lr_init / (t + 1) ** power_t.

    ``t`` is the number of samples seen before the current epoch, so, as in
    scikit-learn, the rate changes once per epoch.

    Parameters
    ----------
    power_t : float, default=0.5
    """

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def _check(self):
        check_real("InverseScaling.power_t", self.power_t, 0)

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        # (t + 1)^-power_t, as exp(-power_t log(1 + t)): no overflow, tends to 0
        return math.exp(-self.power_t * math.log1p(samples_seen))


class StepDecay(Schedule):
    """torch's StepLR: lr = lr_init * gamma ** floor(epoch / step_size).

    Parameters
    ----------
    step_size : int or None, default=None
        Epochs between two decays; None means ``max(1, max_iter // 3)``
        (three plateaus over the fit).
    gamma : float, default=0.1
        Multiplicative decay.
    """

    def __init__(self, step_size=None, gamma=0.1):
        self.step_size = step_size
        self.gamma = gamma

    def _check(self):
        if self.step_size is not None:
            check_int("StepDecay.step_size (or None)", self.step_size, 1)
        check_real("StepDecay.gamma", self.gamma, 0, 1, low_open=True)

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        step = self.step_size if self.step_size is not None else max(1, n_epochs // 3)
        return self.gamma ** (int(epoch) // step)


class ExponentialDecay(Schedule):
    """torch's ExponentialLR: lr = lr_init * gamma ** floor(epoch).

    Parameters
    ----------
    gamma : float or None, default=None
        Decay per epoch; None means the rate falls 100-fold over the fit,
        ``gamma = 0.01 ** (1 / max_iter)``.
    """

    def __init__(self, gamma=None):
        self.gamma = gamma

    def _check(self):
        if self.gamma is not None:
            check_real("ExponentialDecay.gamma (or None)", self.gamma, 0, 1, low_open=True)

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        gamma = self.gamma if self.gamma is not None else 0.01 ** (1.0 / n_epochs)
        return gamma ** int(epoch)


class CosineAnnealing(Schedule):
    """torch's CosineAnnealingWarmRestarts with eta_min = 0, in epochs.

    Within a cycle of length T_i, lr = lr_init * (1 + cos(pi * T_cur / T_i)) / 2;
    cycles restart at lr_init and grow by ``T_mult``. Evaluated at
    fractional epochs, so the rate decreases within an epoch.

    Parameters
    ----------
    T_0 : int or None, default=None
        Epochs of the first cycle; None means one cosine over the whole fit
        (``T_0 = max_iter``), i.e. no restart.
    T_mult : int, default=1
        Growth factor of the cycle length after each restart.
    """

    def __init__(self, T_0=None, T_mult=1):
        self.T_0 = T_0
        self.T_mult = T_mult

    def _check(self):
        if self.T_0 is not None:
            check_int("CosineAnnealing.T_0 (or None)", self.T_0, 1)
        check_int("CosineAnnealing.T_mult", self.T_mult, 1)

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        T_0 = self.T_0 if self.T_0 is not None else n_epochs
        if epoch < T_0:
            T_i, T_cur = T_0, epoch
        elif self.T_mult == 1:
            T_i, T_cur = T_0, epoch % T_0
        else:
            # index n of the current cycle: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
            n = int(math.log(epoch / T_0 * (self.T_mult - 1) + 1, self.T_mult))
            T_cur = epoch - T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
            T_i = T_0 * self.T_mult**n
        return 0.5 * (1.0 + math.cos(math.pi * T_cur / T_i))


class OneCycle(Schedule):
    """torch's OneCycleLR (cosine annealing, no momentum cycling).

    Over all the fit's updates (``max_iter * steps_per_epoch``) the rate rises
    from ``lr_init / div_factor`` to the peak ``lr_init`` during the first
    ``pct_start`` of the updates, then anneals to
    ``lr_init / (div_factor * final_div_factor)``. Each phase follows
    ``end + (start - end) * (1 + cos(pi * pct)) / 2``.

    Parameters
    ----------
    pct_start : float, default=0.3
    div_factor : float, default=25.0
    final_div_factor : float, default=1e4
    """

    def __init__(self, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
        self.pct_start = pct_start
        self.div_factor = div_factor
        self.final_div_factor = final_div_factor

    def _check(self):
        check_real("OneCycle.pct_start", self.pct_start, 0, 1, low_open=True, high_open=True)
        check_real("OneCycle.div_factor", self.div_factor, 0, low_open=True)
        check_real("OneCycle.final_div_factor", self.final_div_factor, 0, low_open=True)

    @staticmethod
    def _anneal(start, end, pct):
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        total = n_epochs * steps_per_epoch
        step = min(round(epoch * steps_per_epoch), total - 1)
        initial = 1.0 / self.div_factor
        final = initial / self.final_div_factor
        end_up = float(self.pct_start * total) - 1
        end_down = total - 1
        if step <= end_up:
            pct = step / end_up if end_up > 0 else 1.0
            return self._anneal(initial, 1.0, pct)
        span = end_down - end_up
        pct = (step - end_up) / span if span > 0 else 1.0
        return self._anneal(1.0, final, pct)


class LinearWarmup(Schedule):
    """A linear warm-up in front of another schedule (the ``warmup``
    parameter of the estimators builds it).

    At progress ``t`` (epochs, fractional within an epoch) the factor is
    ``t / warmup`` while ``t < warmup`` (the first step has rate 0); then
    ``schedule`` runs as if training began at ``t = warmup`` and lasted
    ``n_epochs - warmup`` epochs, with the samples seen counted from the end
    of the warm-up (``samples_per_epoch`` per epoch).

    Parameters
    ----------
    schedule : Schedule
    warmup : float
        Epochs of warm-up, > 0.
    samples_per_epoch : int, default=0
        Training samples per epoch (only 'invscaling' counts samples).
    """

    def __init__(self, schedule, warmup, samples_per_epoch=0):
        self.schedule = schedule
        self.warmup = warmup
        self.samples_per_epoch = samples_per_epoch

    def factor(self, epoch, *, n_epochs=1, steps_per_epoch=1, samples_seen=0):
        warmup = self.warmup
        if epoch < warmup:
            return epoch / warmup  # linear warm-up from 0
        return self.schedule.factor(
            epoch - warmup, n_epochs=n_epochs - warmup, steps_per_epoch=steps_per_epoch,
            samples_seen=max(samples_seen - warmup * self.samples_per_epoch, 0),
        )

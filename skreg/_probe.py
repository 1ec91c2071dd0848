"""The held-out probe of ``learning_rate_init='auto'``: what the range test
cannot see.

The range test (:mod:`skreg._range_core`) measures how fast the *training*
loss can fall. Whether a rate overfits within the fit's horizon is a
question about held-out data and about how long the fit trains. The probe
answers it with one short run of the ordinary loop
(:func:`skreg._training.train`):

1. hold out a slice of the training data (the early-stopping split when
   there is one, otherwise rows drawn from a *copy* of the fit's random
   generator, so the fit itself draws exactly what it would have drawn);
2. from the fit's initial weights, train on the rest for at most
   ``n_steps`` mini-batches at a constant probe rate ``eta`` (a multiple of
   the range test's suggestion), scoring the network's loss on the slice
   every few steps;
3. if the held-out loss reached its minimum at step ``s*`` and then rose
   clearly, the fit would overfit at the suggested rate. The fit's rate is
   lowered so that its *rate mass* (the sum of its per-step step sizes over
   the whole horizon, ``lr * M``, with ``M`` the sum over ``max_iter``
   epochs of the schedule's factor times the optimizer's ``step_profile``)
   equals the probe's mass at its best step, ``eta * sum(profile(t), t <=
   s*)``: ``lr = min(suggestion, that / M)``. If the held-out loss is still
   falling (or flat) at the end, the suggestion stands.

The probe never touches the run it is given: it trains copies of the
weights, statistics and random generator, and its held-out rows are never
the test rows of a cross-validation (it sees only the data ``fit`` sees).
"""

import copy
import dataclasses
import math

import numpy as np

from ._parts import EarlyStopping
from ._range_core import RULES, train_scratch
from ._training import Data, Part
from .schedules import Constant

__all__ = ["PROBE", "ProbeMonitor", "hold_out_slice", "horizon_mass", "run_probe",
           "read_probe", "probe_rate", "with_probe"]

#: the probe's settings: training mini-batches (its cost bound), the number
#: of held-out evaluations, the largest held-out slice, the probe rate as a
#: multiple of the range test's suggestion (for a constant schedule), and
#: the relative rise of the held-out loss above its minimum that counts as
#: overfitting
PROBE = {"n_steps": 100, "n_evals": 10, "max_rows": 512, "rate_factor": 4.0,
         "rise": 0.005, "min_samples": 50}


class ProbeMonitor(Part):
    """Counts the probe's mini-batches, scores the held-out loss every
    ``every`` of them, and ends the probe after ``n_steps`` or on a
    non-finite loss."""

    def __init__(self, X, Y, w, n_steps, every):
        self.X, self.Y, self.w = X, Y, w
        self.n_steps, self.every = n_steps, every
        self.n_batches = 0
        self.steps, self.losses = [], []

    def _score(self, setup, state):
        net = setup.net
        raw = net.predict(net.views(state.theta), state.stats, self.X, link=False)
        return float(net.loss.loss_and_delta(raw, self.Y, self.w))

    def on_batch_end(self, setup, state, lr, loss, done):
        self.n_batches += 1
        t = self.n_batches
        if not np.isfinite(loss):
            return "non-finite loss"
        if t % self.every == 0 or t == self.n_steps:
            held = self._score(setup, state)
            self.steps.append(t)
            self.losses.append(held)
            if not np.isfinite(held):
                return "non-finite held-out loss"
        return "n_steps" if t >= self.n_steps else None

    def on_divergence(self, setup, state, epoch):
        return "non-finite weights"


def hold_out_slice(data, rng, fraction, max_rows, min_samples):
    """Split ``data`` into (probe training Data, held-out X, Y, w), drawing
    the held-out rows with ``rng`` (a copy: the caller's generator is not
    consumed). None when there are fewer than ``min_samples`` rows."""
    n = data.X.shape[0]
    if n < min_samples:
        return None
    n_held = int(min(max_rows, max(10, round(fraction * n))))
    perm = rng.permutation(n)
    held, rest = np.sort(perm[:n_held]), np.sort(perm[n_held:])
    sw = data.sw
    train_data = Data(data.X[rest], data.Y[rest], None if sw is None else sw[rest])
    return train_data, data.X[held], data.Y[held], _weights(None if sw is None else sw[held],
                                                            n_held, data.X.dtype)


def _weights(sw, n, dtype):
    if sw is not None and sw.sum() > 0:
        return (sw / sw.sum()).astype(dtype, copy=False)
    return np.full(n, 1.0 / n, dtype=dtype)


def cap_rows(X, Y, w, max_rows):
    """The first ``max_rows`` held-out rows (an early-stopping split is
    already in random order), their weights renormalised."""
    if X.shape[0] <= max_rows:
        return X, Y, w
    w = w[:max_rows]
    return X[:max_rows], Y[:max_rows], w / w.sum()


def horizon_mass(schedule, max_iter, n, batch_size, profile=None, max_points=4096):
    """(steps, mass) of a fit: its mini-batches ``T = max_iter * ceil(n /
    batch_size)`` and the sum over them of the schedule's factor times the
    optimizer's step profile (``profile(t)`` for 1-based updates ``t``;
    None: 1), estimated from at most ``max_points`` evenly spaced steps,
    each standing for the steps around it, when there are more."""
    per_epoch = math.ceil(n / batch_size)
    total = max_iter * per_epoch
    steps = np.unique(np.linspace(0, total - 1, min(total, max_points)).astype(np.int64))
    factors = np.array([schedule.factor(k / per_epoch, n_epochs=max_iter,
                                        steps_per_epoch=per_epoch,
                                        samples_seen=(k // per_epoch) * n) for k in steps])
    edges = np.concatenate([[0], (steps[1:] + steps[:-1] + 1) // 2, [total]])
    if profile is None:
        share = np.diff(edges).astype(float)
    else:
        cum = np.concatenate([[0.0], np.cumsum(profile(np.arange(1, total + 1)))])
        share = cum[edges[1:]] - cum[edges[:-1]]
    return total, float(np.sum(factors * share))


def run_probe(setup, state, data, held, rate, *, n_steps, n_evals):
    """Train a copy of the run at the constant ``rate`` for at most
    ``n_steps`` mini-batches on ``data``, scoring ``held = (X, Y, w)``;
    returns the :class:`ProbeMonitor` (its ``steps`` and ``losses``)."""
    every = max(1, n_steps // n_evals)
    monitor = ProbeMonitor(*held, n_steps, every)
    per_epoch = math.ceil(data.X.shape[0] / setup.batch_size)
    probe = dataclasses.replace(
        setup, schedule=Constant(), lr_init=float(rate),
        batch_size=min(setup.batch_size, data.X.shape[0]),
        n_epochs=math.ceil(n_steps / per_epoch) + 1, parts=(monitor,),
    )
    monitor.reason = train_scratch(probe, state, data)
    return monitor


def read_probe(steps, losses, rate, mass, suggestion, rise, profile=None):
    """The fit's rate from the probe's held-out curve: ``(rate, best_step,
    overfit)``. Only the finite start of the curve counts (a probe that
    blew up says the probe rate was too fast, not that the fit overfits).
    Overfitting is seen when the mean loss after the minimum is more than
    ``rise`` (relative) above it; the rate is then the one at which the
    fit's mass ``mass`` (see :func:`horizon_mass`) equals the probe's mass
    at its best step ``s*``, ``rate * sum(profile(t) for t = 1..s*)``."""
    losses = np.asarray(losses, dtype=float)
    n = int(np.isfinite(losses).cumprod().sum())
    if n == 0:
        return suggestion, None, False
    losses = losses[:n]
    best = int(np.argmin(losses))
    after = losses[best + 1:]
    overfit = bool(after.size) and after.mean() > (1.0 + rise) * losses[best]
    if not overfit:
        return suggestion, int(steps[best]), False
    done = np.arange(1, steps[best] + 1)
    probe_mass = rate * float(done.size if profile is None else np.sum(profile(done)))
    return min(suggestion, probe_mass / mass), int(steps[best]), True


def _held_out(setup, state, data, fraction, settings):
    """(probe training Data, held-out (X, Y, w), where from) or None."""
    early = next((p for p in setup.parts if isinstance(p, EarlyStopping)), None)
    if early is not None:
        if data.X.shape[0] < settings["min_samples"]:
            return None
        return data, cap_rows(early.X, early.Y, early.w, settings["max_rows"]), \
            "early_stopping"
    split = hold_out_slice(data, copy.deepcopy(state.rng), fraction,
                           settings["max_rows"], settings["min_samples"])
    if split is None:
        return None
    return split[0], tuple(split[1:]), "slice"


def probe_rate(setup, state, data, result, fraction, *, verbose=0, settings=PROBE):
    """Run the probe for a fit prepared as ``setup, state, data`` whose range
    test gave ``result`` (rule 'auto'); returns ``(rate, record)``, the
    record a plain dict for ``lr_range_test_['probe']`` (None when the
    probe was skipped: fewer than ``min_samples`` training rows, or no
    usable range-test step)."""
    suggestion = float(result["suggestion"])
    n_usable = result["n_usable"]
    where = _held_out(setup, state, data, fraction, settings) if n_usable else None
    if where is None:
        return suggestion, None
    probe_data, held, source = where
    base = RULES["auto"](result["lrs"][:n_usable], result["smoothed_losses"][:n_usable])
    rate = settings["rate_factor"] * base
    profile = getattr(setup.optimizer, "step_profile", None)
    total, mass = horizon_mass(setup.schedule, setup.max_iter, data.X.shape[0],
                               setup.batch_size, profile)
    n_steps = int(min(settings["n_steps"], total))
    monitor = run_probe(setup, state, probe_data, held, rate, n_steps=n_steps,
                        n_evals=settings["n_evals"])
    final, best_step, overfit = read_probe(monitor.steps, monitor.losses, rate, mass,
                                           suggestion, settings["rise"], profile)
    record = dict(rate=float(rate), steps=np.asarray(monitor.steps, dtype=np.int64),
                  held_out_losses=np.asarray(monitor.losses, dtype=float),
                  best_step=best_step, overfit=overfit, n_batches=monitor.n_batches,
                  stop_reason=monitor.reason, horizon_steps=int(total),
                  horizon_mass=float(mass), n_train=int(probe_data.X.shape[0]),
                  n_held_out=int(held[0].shape[0]), held_out=source)
    if verbose:
        seen = (f"held-out loss lowest at mini-batch {best_step} and rising: rate "
                f"lowered to {final:.3g}" if overfit else "no overfitting seen")
        print(f"Held-out probe: {monitor.n_batches} mini-batches at {rate:.3g} on "
              f"{record['n_train']} rows, scored on {record['n_held_out']}; {seen}")
    return float(final), record


def with_probe(result, setup, state, data, fraction, *, verbose=0):
    """The range test's ``result`` with the probe's verdict: ``suggestion``
    becomes the rate the fit trains with, ``curve_suggestion`` keeps the
    rate read off the curve, ``probe`` the probe's record."""
    rate, record = probe_rate(setup, state, data, result, fraction, verbose=verbose)
    result["curve_suggestion"] = float(result["suggestion"])
    result["suggestion"], result["probe"] = rate, record
    return result

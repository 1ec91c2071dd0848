"""Schedule values against the formulas of torch.optim.lr_scheduler and
scikit-learn, written out independently here."""

import math

import numpy as np
import pytest

from skreg.schedules import (Constant, CosineAnnealing, ExponentialDecay, InverseScaling,
                             OneCycle, StepDecay)


def test_constant_and_inverse_scaling():
    assert Constant().factor(3.7, n_epochs=10) == 1.0
    # scikit-learn: lr = lr_init / (t + 1) ** power_t, t = samples seen
    assert InverseScaling(0.5).factor(2, samples_seen=99) == pytest.approx(0.1)
    assert InverseScaling(0.25).factor(0, samples_seen=0) == 1.0


def test_step_decay_like_steplr():
    s = StepDecay(step_size=3, gamma=0.5)
    got = [s.factor(e + 0.5, n_epochs=10) for e in range(10)]
    expected = [0.5 ** (e // 3) for e in range(10)]
    np.testing.assert_allclose(got, expected)
    # default: three plateaus over the fit
    d = StepDecay()
    assert [d.factor(e, n_epochs=9) for e in (0, 2, 3, 6, 8)] == [1, 1, 0.1, 0.1**2, 0.1**2]


def test_exponential_decay_like_exponentiallr():
    s = ExponentialDecay(gamma=0.9)
    assert s.factor(4.99, n_epochs=10) == pytest.approx(0.9**4)
    d = ExponentialDecay()
    assert d.factor(50, n_epochs=50) == pytest.approx(0.01)


def _torch_warm_restarts(epoch, T_0, T_mult):
    # CosineAnnealingWarmRestarts.step(epoch) with eta_min = 0, base lr 1
    if epoch >= T_0:
        if T_mult == 1:
            T_cur, T_i = epoch % T_0, T_0
        else:
            n = int(math.log((epoch / T_0 * (T_mult - 1) + 1), T_mult))
            T_cur = epoch - T_0 * (T_mult**n - 1) / (T_mult - 1)
            T_i = T_0 * T_mult**n
    else:
        T_cur, T_i = epoch, T_0
    return (1 + math.cos(math.pi * T_cur / T_i)) / 2


@pytest.mark.parametrize("T_0, T_mult", [(5, 1), (3, 2), (2, 3)])
def test_cosine_warm_restarts(T_0, T_mult):
    s = CosineAnnealing(T_0=T_0, T_mult=T_mult)
    for epoch in np.arange(0, 30, 0.25):
        assert s.factor(epoch, n_epochs=30) == pytest.approx(
            _torch_warm_restarts(epoch, T_0, T_mult), abs=1e-12)
    # restarts: back to the full rate at the start of every cycle
    starts = [0, T_0, T_0 + T_0 * T_mult]
    for e in starts:
        assert s.factor(e, n_epochs=30) == pytest.approx(1.0)


def test_cosine_default_is_one_half_cosine_over_the_fit():
    s = CosineAnnealing()
    assert s.factor(0, n_epochs=20) == 1.0
    assert s.factor(10, n_epochs=20) == pytest.approx(0.5)
    assert s.factor(19.999, n_epochs=20) == pytest.approx(0.0, abs=1e-6)


def _torch_onecycle(step, total, pct_start, div, final_div):
    max_lr = 1.0
    initial = max_lr / div
    min_lr = initial / final_div
    phases = [(float(pct_start * total) - 1, initial, max_lr),
              (total - 1, max_lr, min_lr)]
    start_step = 0
    for i, (end_step, start, end) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        start_step = end_step


@pytest.mark.parametrize("pct_start, div, final_div", [(0.3, 25.0, 1e4), (0.25, 10.0, 100.0)])
def test_onecycle_like_torch(pct_start, div, final_div):
    s = OneCycle(pct_start=pct_start, div_factor=div, final_div_factor=final_div)
    n_epochs, steps = 8, 5
    total = n_epochs * steps
    for step in range(total):
        epoch = step // steps + (step % steps) / steps
        got = s.factor(epoch, n_epochs=n_epochs, steps_per_epoch=steps)
        assert got == pytest.approx(_torch_onecycle(step, total, pct_start, div, final_div),
                                    rel=1e-12)
    assert s.factor(0, n_epochs=n_epochs, steps_per_epoch=steps) == pytest.approx(1 / div)
    last = s.factor(n_epochs - 1 / steps, n_epochs=n_epochs, steps_per_epoch=steps)
    assert last == pytest.approx(1 / (div * final_div))


@pytest.mark.parametrize("sched, match", [
    (StepDecay(step_size=0), "step_size"),
    (ExponentialDecay(gamma=1.5), "gamma"),
    (CosineAnnealing(T_mult=0), "T_mult"),
    (OneCycle(pct_start=1.2), "pct_start"),
    (InverseScaling(power_t=-1), "power_t"),
])
def test_invalid_schedule_parameters(sched, match):
    with pytest.raises(ValueError, match=match):
        sched._check()

"""BLAS thread settings under concurrent fits (skreg._threads).

* The limiter itself, on fake libraries, with the orders of entering and
  leaving forced by events: the last holder out restores what the first one
  in found, and a setting changed by someone else in between stays.
* Another thread's ``threadpool_limits`` block and the fits share one
  process-wide setting, whoever set it last wins: step by step schedules
  (on fake libraries, no sleeps) pin what each side sees and what the process
  is left with, including the interleaving of the flaky failure in which a
  fit starting inside the block lowered it to one thread, and the reads and
  writes of the limiter that cannot be atomic with another thread's.
* Real fits of small and large networks, both estimators, fit and
  partial_fit, from 8 plain threads, from ``joblib.Parallel(prefer="threads")``
  and from ``GridSearchCV`` under the threading backend: the thread-pool
  settings afterwards are the ones before (also inside the user's own
  ``threadpool_limits``), small fits run with one BLAS thread, large ones are
  never limited by their own fit, and every fit gives bitwise the weights of
  the same fit run alone, also beside a thread that keeps changing the limit
  (there, what that thread sees inside its blocks is not asserted: see above).
* ``SKREG_BLAS_THREADS=off`` leaves the settings alone; a bad value is an
  error naming the variable.
"""

import multiprocessing
import os
import threading
import warnings

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

from skreg import MLPClassifier, MLPRegressor
from skreg import _threads
from skreg._threads import _SINGLE_THREAD_BELOW
from skreg.optimizers import Adam

TIMEOUT = 60  # seconds: a deadlock fails the test instead of hanging it

_BLAS = ThreadpoolController().select(user_api="blas").lib_controllers
# the tests on real fits observe the BLAS libraries threadpoolctl finds (an
# old threadpoolctl does not recognise numpy 2's scipy_openblas, for one)
needs_blas = pytest.mark.skipif(not _BLAS, reason="threadpoolctl finds no BLAS library")


def _blas_threads():
    return tuple(lib.get_num_threads() for lib in _BLAS)


def _pools():
    """What the issue compares: every thread pool threadpoolctl finds."""
    return sorted((p["internal_api"], p.get("filepath", ""), p["num_threads"])
                  for p in threadpool_info())


# ================================================================ limiter
class FakeLib:
    def __init__(self, n):
        self.n = n
        self.sets = []

    def get_num_threads(self):
        return self.n

    def set_num_threads(self, n):
        self.sets.append(n)
        self.n = n


def _limiter(*threads):
    libs = [FakeLib(n) for n in threads]
    return _threads.BlasLimiter(lambda: libs), libs


def test_one_holder_sets_one_thread_and_restores():
    found = []
    libs = [FakeLib(4), FakeLib(1), FakeLib(None)]
    lim = _threads.BlasLimiter(lambda: found.append(1) or libs)
    for _ in range(3):
        with lim.limit():
            assert [lib.n for lib in libs] == [1, 1, None]
        assert [lib.n for lib in libs] == [4, 1, None]
    # a library at one thread already (or not reporting) is never touched
    assert libs[1].sets == [] and libs[2].sets == []
    assert libs[0].sets == [1, 4] * 3
    assert found == [1]  # libraries looked up once


def test_nested_holders_in_one_thread():
    lim, (lib,) = _limiter(3)
    with lim.limit():
        with lim.limit():
            assert lib.n == 1
        assert lib.n == 1
    assert lib.n == 3
    assert lib.sets == [1, 3]


class _Holder(threading.Thread):
    """Enters the limiter, says so, and exits when told to."""

    def __init__(self, lim):
        super().__init__(daemon=True)
        self.lim = lim
        self.inside = threading.Event()
        self.leave = threading.Event()
        self.left = threading.Event()

    def run(self):
        with self.lim.limit():
            self.inside.set()
            assert self.leave.wait(TIMEOUT)
        self.left.set()

    def enter(self):
        self.start()
        assert self.inside.wait(TIMEOUT)

    def exit(self):
        self.leave.set()
        assert self.left.wait(TIMEOUT)
        self.join(TIMEOUT)


@pytest.mark.parametrize("order", ["A B A B", "A B B A"])
def test_two_holders_in_threads_any_order(order):
    lim, libs = _limiter(2, 6, 1)
    a, b = _Holder(lim), _Holder(lim)
    a.enter()
    assert [lib.n for lib in libs] == [1, 1, 1]
    b.enter()
    first, second = (a, b) if order == "A B A B" else (b, a)
    first.exit()
    assert [lib.n for lib in libs] == [1, 1, 1]  # the other one still inside
    second.exit()
    assert [lib.n for lib in libs] == [2, 6, 1]
    # one "set to 1" when the first came in, one restore when the last left
    assert [lib.sets for lib in libs] == [[1, 2], [1, 6], []]


@pytest.mark.parametrize("order", ["A B A B", "A B B A"])
def test_a_setting_made_while_fits_run_is_kept(order):
    lim, (lib, other) = _limiter(4, 4)
    a, b = _Holder(lim), _Holder(lim)
    a.enter()
    lib.set_num_threads(3)  # the user (another thread) asks for 3
    b.enter()
    assert lib.n == 3  # a later holder does not override it
    first, second = (a, b) if order == "A B A B" else (b, a)
    first.exit()
    second.exit()
    assert lib.n == 3  # theirs, kept
    assert other.n == 4  # the untouched library is restored


def test_a_setting_undone_while_fits_run_gets_restored():
    # a user's threadpool_limits block inside the fits: it restores the 1 it
    # found, so the library is ours again and the last holder restores it
    lim, (lib,) = _limiter(4)
    a = _Holder(lim)
    a.enter()
    with threadpool_limits_fake([lib], 2):
        assert lib.n == 2
    assert lib.n == 1
    a.exit()
    assert lib.n == 4


class threadpool_limits_fake:
    """What threadpoolctl's ``threadpool_limits(limits=n)`` does to the
    libraries: on enter it reads every library's count, then sets each to
    ``n``; on exit it sets each back to the count it read. ``enter`` and
    ``exit`` let a schedule play another thread's block step by step."""

    def __init__(self, libs, n):
        self.libs, self.n = list(libs), n

    def enter(self):
        self.found = [lib.get_num_threads() for lib in self.libs]
        for lib in self.libs:
            lib.set_num_threads(self.n)

    def exit(self):
        for lib, n in zip(self.libs, self.found):
            lib.set_num_threads(n)

    def __enter__(self):
        self.enter()
        return self

    def __exit__(self, *exc):
        self.exit()


# ------------------------------------- another thread's threadpool_limits block
# BLAS libraries hold one process-wide setting, with nothing but "get" and
# "set": a small fit (one thread) and another thread's threadpool_limits(3)
# block cannot both have theirs while they overlap, and neither can tell the
# other's setting from its own. Whoever sets last wins. These schedules pin
# what each side gets; "fit N" is a holder of the limiter in its own thread.

def test_a_fit_starting_inside_another_threads_block_sets_one_thread():
    # The flaky failure of test_fits_beside_a_thread_changing_the_limit...:
    # the block read its 3 on one library, a small fit started in another
    # thread (the first holder) and set both libraries to one thread, and
    # the block read 1 on the other library: {(3, 1), (3, 3)} over the run
    # ((1, 3) when the fit reached the first library before the block read it).
    lim, libs = _limiter(2, 2)  # numpy's and scipy's OpenBLAS, 2 threads each
    block = threadpool_limits_fake(libs, 3)
    fit = _Holder(lim)
    block.enter()
    first = libs[0].get_num_threads()
    fit.enter()
    second = libs[1].get_num_threads()
    assert (first, second) == (3, 1)
    # the limiter did what it was built for: a fit starting while the process
    # has more than one thread sets one; the 3 it found is what it restores
    assert lim._saved == [(libs[0], 3), (libs[1], 3)]
    block.exit()  # threadpoolctl puts back the 2s it found: the fit runs with 2
    assert [lib.n for lib in libs] == [2, 2]
    fit.exit()  # not at skreg's one thread any more: left alone
    assert [lib.n for lib in libs] == [2, 2]


# schedule: [(step, the two libraries' counts after it)], starting at (2, 4)
SCHEDULES = {
    "block inside a fit": [
        ("fit 1 enters", (1, 1)),
        ("block enters", (3, 3)),  # its limit, for the running fit too
        ("block leaves", (1, 1)),  # the one thread it found
        ("fit 1 leaves", (2, 4)),  # skreg's one thread: restored
    ],
    "block from inside a fit to after it": [
        ("fit 1 enters", (1, 1)),
        ("block enters", (3, 3)),
        ("fit 1 leaves", (3, 3)),  # the block's: left alone
        ("block leaves", (1, 1)),  # the one thread it found stays
    ],
    "fit from inside a block to after it": [
        ("block enters", (3, 3)),
        ("fit 1 enters", (1, 1)),  # the block sees one thread from now on
        ("block leaves", (2, 4)),  # the counts it found: the fit runs with them
        ("fit 1 leaves", (2, 4)),
    ],
    "the block's limit outlives it": [
        ("fit 1 enters", (1, 1)),
        ("block enters", (3, 3)),
        ("fit 1 leaves", (3, 3)),
        ("fit 2 enters", (1, 1)),  # records the 3s it found
        ("block leaves", (1, 1)),  # puts back the 1s it found (fit 1's)
        ("fit 2 leaves", (3, 3)),  # the 1s look like its own: it restores 3s
    ],
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_fits_beside_another_threads_block(name):
    lim, libs = _limiter(2, 4)
    block = threadpool_limits_fake(libs, 3)
    fits = {}
    for step, expected in SCHEDULES[name]:
        who, what = step.rsplit(" ", 1)
        if who == "block" and what == "enters":
            block.enter()
        elif who == "block":
            block.exit()
        elif what == "enters":
            fits[who] = _Holder(lim)
            fits[who].enter()
        else:
            fits.pop(who).exit()
        assert tuple(lib.n for lib in libs) == expected, step
    assert lim._count == 0


class InterruptedLib(FakeLib):
    """A library on which another thread acts right after the next read of
    it: in the gap between the limiter's check of a count and its change."""

    def __init__(self, n):
        super().__init__(n)
        self.after_next_read = None

    def get_num_threads(self):
        n = self.n
        act, self.after_next_read = self.after_next_read, None
        if act is not None:
            act()
        return n


def test_a_block_entered_while_the_first_fit_limits():
    # the fit reads 2, the block sets 3, the fit sets 1: the block runs
    # with one thread, and its exit puts back 2 for the fit
    lib = InterruptedLib(2)
    lim = _threads.BlasLimiter(lambda: [lib])
    block = threadpool_limits_fake([lib], 3)
    lib.after_next_read = block.enter
    fit = _Holder(lim)
    fit.enter()
    assert block.found == [2] and lib.n == 1
    assert lim._saved == [(lib, 2)]
    block.exit()
    assert lib.n == 2
    fit.exit()
    assert lib.n == 2
    assert lib.sets == [3, 1, 2]


def test_a_block_entered_while_the_last_fit_restores():
    # the fit reads its 1, the block sets 3, the fit restores 2: the block
    # runs with neither its 3 nor skreg's 1, and its exit leaves 1
    lib = InterruptedLib(2)
    lim = _threads.BlasLimiter(lambda: [lib])
    block = threadpool_limits_fake([lib], 3)
    fit = _Holder(lim)
    fit.enter()
    lib.after_next_read = block.enter
    fit.exit()
    assert block.found == [1] and lib.n == 2
    block.exit()
    assert lib.n == 1
    assert lib.sets == [1, 3, 2, 1]


def test_many_holders_random_interleavings_restore():
    lim, libs = _limiter(5, 2)
    rng = np.random.RandomState(0)
    for _ in range(20):
        holders = [_Holder(lim) for _ in range(4)]
        for h in holders:
            h.enter()
            assert [lib.n for lib in libs] == [1, 1]
        for i in rng.permutation(4):
            assert [lib.n for lib in libs] == [1, 1]
            holders[i].exit()
        assert [lib.n for lib in libs] == [5, 2]


class PerThreadLib(FakeLib):
    """An OpenBLAS on OpenMP: each thread has its own setting."""

    threading_layer = "openmp"

    def __init__(self, n):
        self.default = n
        self.local = threading.local()
        self.sets = []

    @property
    def n(self):
        return getattr(self.local, "n", self.default)

    @n.setter
    def n(self, value):
        self.local.n = value


def test_per_thread_library_is_set_in_each_fits_own_thread():
    shared, own = FakeLib(4), PerThreadLib(4)
    lim = _threads.BlasLimiter(lambda: [shared, own])
    a, b = _Holder(lim), _Holder(lim)
    seen = {}

    def look(name):
        with lim.limit():
            seen[name] = (shared.n, own.n)

    a.enter()
    b.enter()
    assert own.n == 4  # this thread's setting: untouched by the holders
    t = threading.Thread(target=look, args=("third",))
    t.start()
    t.join(TIMEOUT)
    assert seen["third"] == (1, 1)
    a.exit()
    b.exit()
    assert (shared.n, own.n) == (4, 4)
    look("here")
    assert seen["here"] == (1, 1)
    assert (shared.n, own.n) == (4, 4)
    # set once and restored once per holder, in the holder's thread
    assert sorted(own.sets) == [1] * 4 + [4] * 4


def test_failure_while_limiting_puts_back_what_was_changed():
    class Broken(FakeLib):
        def set_num_threads(self, n):
            raise RuntimeError("cannot set")

    good = FakeLib(3)
    lim = _threads.BlasLimiter(lambda: [good, Broken(2)])
    with pytest.raises(RuntimeError, match="cannot set"):
        lim.enter()
    assert good.n == 3
    assert lim._count == 0


def test_fork_in_child_gets_settings_back_and_a_free_lock():
    lim, (lib,) = _limiter(4)
    token = lim.enter()
    lim._lock.acquire()  # as if the fork happened while another thread held it
    lim._after_fork_in_child()
    assert lib.n == 4
    with lim.limit():  # the lock is usable (a deadlock would hang here)
        assert lib.n == 1
    lim.exit(token)  # entered before the fork: void, does not unbalance
    assert lib.n == 4
    with lim.limit():
        assert lib.n == 1
    assert lib.n == 4


def _child_report(queue):
    X = np.random.RandomState(0).randn(40, 5)
    y = X[:, 0] > 0
    inside = _blas_threads()
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    queue.put((inside, _blas_threads()))


@needs_blas
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_real_fork_while_a_fit_holds_the_limit():
    with threadpool_limits(limits=3, user_api="blas"):
        before = _blas_threads()
        with _threads._LIMITER.limit():
            assert set(_blas_threads()) == {1}
            ctx = multiprocessing.get_context("fork")
            queue = ctx.Queue()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork + threads
                proc = ctx.Process(target=_child_report, args=(queue,))
                proc.start()
            inside, after = queue.get(timeout=TIMEOUT)
            proc.join(TIMEOUT)
            assert proc.exitcode == 0
            assert set(_blas_threads()) == {1}  # the parent still holds it
        assert _blas_threads() == before
    # the child started with the parent's settings from before the limit
    assert inside == before and after == before


@needs_blas
# ======================================================= environment variable
@pytest.mark.parametrize("value", ["off", " OFF "])
def test_env_off_leaves_blas_threads_alone(monkeypatch, value):
    monkeypatch.setenv(_threads.ENV_VAR, value)
    _SmallAdam.seen.clear()
    X, y = _data()[:2]
    with threadpool_limits(limits=3, user_api="blas"):
        inside = _blas_threads()
        MLPClassifier(hidden_layer_sizes=(8,), solver=_SmallAdam(), max_iter=2, random_state=0).fit(X, y)
        assert _blas_threads() == inside
    assert set(_SmallAdam.seen) == {inside}  # ran with the user's 3 threads


@needs_blas
@pytest.mark.parametrize("value", [None, "", "auto", "AUTO"])
def test_env_auto_limits_small_fits(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(_threads.ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(_threads.ENV_VAR, value)
    _SmallAdam.seen.clear()
    X, y = _data()[:2]
    with threadpool_limits(limits=3, user_api="blas"):
        inside = _blas_threads()
        MLPClassifier(hidden_layer_sizes=(8,), solver=_SmallAdam(), max_iter=2, random_state=0).fit(X, y)
        assert _blas_threads() == inside
    assert set(_SmallAdam.seen) == {(1,) * len(_BLAS)}


@pytest.mark.parametrize("value", ["2", "on", "none"])
def test_env_bad_value_is_an_error_naming_it(monkeypatch, value):
    monkeypatch.setenv(_threads.ENV_VAR, value)
    X, y = _data()[:2]
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    before = _pools()
    with pytest.raises(ValueError, match=rf"SKREG_BLAS_THREADS='{value}'.*'auto'.*'off'"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    assert _pools() == before


# ================================================================ real fits
class _RecordingAdam(Adam):
    """Adam that notes the BLAS thread counts it runs under (class-wide)."""

    seen = []

    def update(self, theta, grad, state, lr):
        type(self).seen.append(_blas_threads())
        super().update(theta, grad, state, lr)


class _SmallAdam(_RecordingAdam):
    seen = []


class _LargeAdam(_RecordingAdam):
    seen = []


def _data():
    rng = np.random.RandomState(0)
    X = rng.randn(64, 10)
    y_clf = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    y_reg = X @ rng.randn(10) + np.sin(X[:, 2])
    return X, y_clf, y_reg


def _partial(est, X, y, calls, **kw):
    for i in range(calls):
        est.partial_fit(X[i::calls], y[i::calls], **kw)
    return est


def _jobs():
    X, yc, yr = _data()
    classes = np.unique(yc)
    return {
        "clf-small-fit": lambda: MLPClassifier(
            hidden_layer_sizes=(8,), solver=_SmallAdam(), max_iter=3, random_state=0).fit(X, yc),
        "reg-small-fit": lambda: MLPRegressor(
            hidden_layer_sizes=(8, 4), solver="sgd", max_iter=3, random_state=1).fit(X, yr),
        "clf-small-partial": lambda: _partial(MLPClassifier(
            hidden_layer_sizes=(8,), solver=_SmallAdam(), batch_size=16, random_state=2), X, yc, 3,
            classes=classes),
        "reg-small-partial": lambda: _partial(MLPRegressor(
            hidden_layer_sizes=(12,), solver="sgd", batch_size=8, random_state=3), X, yr, 3),
        # 200 * 150**2 multiply-adds: above the threshold, not limited
        "clf-large-fit": lambda: MLPClassifier(
            hidden_layer_sizes=(150,), solver=_LargeAdam(), max_iter=2, random_state=4).fit(X, yc),
        # 1 * 2100**2: large too, with one-sample batches
        "reg-large-partial": lambda: _partial(MLPRegressor(
            hidden_layer_sizes=(2100,), solver=_LargeAdam(), batch_size=1, random_state=5),
            X[:12], yr[:12], 1),
        "reg-lbfgs": lambda: MLPRegressor(
            hidden_layer_sizes=(8,), solver="lbfgs", max_iter=8, random_state=6).fit(X, yr),
    }


def test_job_sizes_are_on_both_sides_of_the_threshold():
    # batch * widest layer**2 of the jobs above ('auto' batches count as 200)
    assert max(200 * 8**2, 16 * 8**2, 8 * 12**2) < _SINGLE_THREAD_BELOW
    assert min(200 * 150**2, 1 * 2100**2) >= _SINGLE_THREAD_BELOW


def _result(est):
    return (np.concatenate([a.ravel() for a in est.coefs_ + est.intercepts_]),
            est.n_iter_, list(getattr(est, "loss_curve_", [est.loss_])))


def _run(name):
    return name, _result(_jobs()[name]())


@pytest.fixture(scope="module")
def alone():
    """Every job run alone, in this thread, before any concurrency."""
    _SmallAdam.seen.clear()
    _LargeAdam.seen.clear()
    with threadpool_limits(limits=3, user_api="blas"):
        out = dict(_run(name) for name in _jobs())
    # alone, a small fit runs with one thread, a large one with the user's 3
    assert set(_SmallAdam.seen) == {(1,) * len(_BLAS)}
    assert set(_LargeAdam.seen) == {(3,) * len(_BLAS)}
    return out


def _assert_same(results, alone):
    """Small fits bitwise (they always run with one thread). A large fit runs
    with one thread while small ones hold the limit and with the process's
    setting otherwise, and which it gets depends on timing: OpenBLAS may split
    a reduction between its threads (the penalty's ``np.dot(w, w)`` over
    10,000 weights; with older OpenBLAS builds, as numpy 1.26's, also the
    column sums ``ones @ delta`` of the gradient), so its results may differ
    by rounding: a few ulps of the loss, and 1e-10 relative in the weights
    after its two epochs (a real difference would be far larger)."""
    assert len(results) > 0
    for name, (theta, n_iter, losses) in results:
        ref = alone[name]
        assert n_iter == ref[1], name
        if "large" in name:
            np.testing.assert_allclose(theta, ref[0], rtol=1e-10, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(losses, ref[2], rtol=1e-12, err_msg=name)
        else:
            assert np.array_equal(theta, ref[0]), name
            assert losses == ref[2], name


def _plain_threads(names):
    out, errors = [], []

    def work(k):
        try:
            # each thread its own order of the jobs
            for name in names[k:] + names[:k]:
                out.append(_run(name))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a fit thread did not finish"
    assert not errors, errors
    return out


def _joblib_threads(names):
    return joblib.Parallel(n_jobs=8, prefer="threads")(
        joblib.delayed(_run)(name) for name in names)


RUNNERS = {"threads": _plain_threads, "joblib": _joblib_threads}


@needs_blas
@pytest.mark.parametrize("user_limit", [None, 3])
@pytest.mark.parametrize("runner", list(RUNNERS))
def test_concurrent_fits_keep_settings_and_results(alone, runner, user_limit):
    names = list(_jobs()) * 2
    _SmallAdam.seen.clear()
    outer = _pools()
    with threadpool_limits(limits=user_limit, user_api="blas"):
        before = _pools()
        results = RUNNERS[runner](names)
        assert _pools() == before  # the user's limit (if any) still in force
        if user_limit:
            assert _blas_threads() == (user_limit,) * len(_BLAS)
    assert _pools() == outer
    assert len(results) == (8 if runner == "threads" else 1) * len(names)
    _assert_same(results, alone)
    # a small fit runs with one thread, whatever runs beside it
    assert _SmallAdam.seen and set(_SmallAdam.seen) == {(1,) * len(_BLAS)}


@needs_blas
def test_large_fit_alone_is_not_limited():
    _LargeAdam.seen.clear()
    with threadpool_limits(limits=2, user_api="blas"):
        _run("clf-large-fit")
    assert set(_LargeAdam.seen) == {(2,) * len(_BLAS)}


@needs_blas
@pytest.mark.parametrize("user_limit", [None, 3])
def test_grid_search_threading_backend(user_limit):
    X, yc, _ = _data()
    grid = {"hidden_layer_sizes": [(8,), (150,)], "alpha": [1e-4, 1e-1],
            "solver": ["adam", "sgd"]}

    def search(n_jobs):
        gs = GridSearchCV(MLPClassifier(max_iter=2, random_state=0), grid, cv=3,
                          n_jobs=n_jobs)
        return gs.fit(X, yc)

    ref = search(1)
    outer = _pools()
    with threadpool_limits(limits=user_limit, user_api="blas"):
        before = _pools()
        with joblib.parallel_backend("threading", n_jobs=8):
            got = search(8)
        assert _pools() == before
    assert _pools() == outer
    for key in [f"split{i}_test_score" for i in range(3)] + ["rank_test_score"]:
        assert np.array_equal(got.cv_results_[key], ref.cv_results_[key]), key
    assert got.best_params_ == ref.best_params_
    for a, b in zip(got.best_estimator_.coefs_, ref.best_estimator_.coefs_):
        assert np.array_equal(a, b)


@pytest.fixture
def blas_settings_put_back():
    """Put the BLAS thread counts back after a test whose end state is not
    defined, so that the tests after it start from the usual settings."""
    before = [lib.get_num_threads() for lib in _BLAS]
    yield
    assert _threads._LIMITER._count == 0  # no fit is left holding the limit
    for lib, n in zip(_BLAS, before):
        _threads._set_threads(lib, n)


@needs_blas
def test_fits_beside_a_thread_changing_the_limit_give_the_same_weights(blas_settings_put_back):
    # A thread entering and leaving its own threadpool_limits(3) blocks while
    # fits run: the thread counts change under the fits, their weights do not.
    # What that thread reads inside its blocks depends on the timing (a small
    # fit starting inside a block sets one thread; see the schedules above),
    # and so do the settings at the end: only that every count read is one
    # that somebody set is asserted.
    names = ["clf-small-fit", "reg-small-partial", "clf-large-fit"]
    ref = {name: _run(name)[1] for name in names}
    start = _blas_threads()
    stop = threading.Event()
    blocked = threading.Event()
    blocks = []

    def user():
        while not stop.is_set():
            with threadpool_limits(limits=3, user_api="blas"):
                blocks.append(_blas_threads())
            blocked.set()

    other = threading.Thread(target=user, daemon=True)
    other.start()
    try:
        assert blocked.wait(TIMEOUT)  # it is changing the limit before the fits start
        results = _joblib_threads(names * 6)
    finally:
        stop.set()
        other.join(TIMEOUT)
    assert not other.is_alive()
    _assert_same(results, ref)
    # every count anyone saw is one somebody set: the block's 3, skreg's 1,
    # or the process's count from before
    for i, n in enumerate(start):
        assert {b[i] for b in blocks} <= {3, 1, n}

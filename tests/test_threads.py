"""BLAS thread settings under concurrent fits (skreg._threads).

* The limiter itself, on fake libraries, with the orders of entering and
  leaving forced by events: the last holder out restores what the first one
  in found, and a setting changed by someone else in between stays.
* Real fits of small and large networks, both estimators, fit and
  partial_fit, from 8 plain threads, from ``joblib.Parallel(prefer="threads")``
  and from ``GridSearchCV`` under the threading backend: the thread-pool
  settings afterwards are the ones before (also inside the user's own
  ``threadpool_limits``), small fits run with one BLAS thread, large ones are
  never limited by their own fit, and every fit gives bitwise the weights of
  the same fit run alone.
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
    with threadpool_limits_fake(lib, 2):
        assert lib.n == 2
    assert lib.n == 1
    a.exit()
    assert lib.n == 4


class threadpool_limits_fake:
    """What threadpoolctl's context manager does to one library."""

    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __enter__(self):
        self.before = self.lib.get_num_threads()
        self.lib.set_num_threads(self.n)

    def __exit__(self, *exc):
        self.lib.set_num_threads(self.before)


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
    """Weights bitwise; the reported loss bitwise too, except one ulp for the
    large networks: their penalty term ``np.dot(w, w)`` runs over more than
    10,000 weights, where OpenBLAS splits the sum between its threads, and a
    large fit runs with one thread while small ones hold the limit, with the
    process's setting otherwise. Mini-batch updates never use the loss value,
    so the weights stay bitwise equal."""
    assert len(results) > 0
    for name, (theta, n_iter, losses) in results:
        ref = alone[name]
        assert np.array_equal(theta, ref[0]), name
        assert n_iter == ref[1], name
        if "large" in name:
            np.testing.assert_array_max_ulp(np.array(losses), np.array(ref[2]), maxulp=1)
        else:
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


@needs_blas
def test_fits_beside_a_thread_changing_the_limit_give_the_same_weights():
    # a thread entering and leaving its own threadpool_limits(3) blocks while
    # fits run: the thread counts change under the fits, their weights do not
    names = ["clf-small-fit", "reg-small-partial", "clf-large-fit"]
    ref = {name: _run(name)[1] for name in names}
    stop = threading.Event()
    blocks = []

    def user():
        while not stop.is_set():
            with threadpool_limits(limits=3, user_api="blas"):
                blocks.append(_blas_threads())

    other = threading.Thread(target=user, daemon=True)
    other.start()
    try:
        results = _joblib_threads(names * 6)
    finally:
        stop.set()
        other.join(TIMEOUT)
    assert not other.is_alive()
    assert blocks and set(blocks) == {(3,) * len(_BLAS)}  # its limit held inside
    _assert_same(results, ref)
    # (the end state is not checked: a block that starts while a small fit
    # holds the limit and ends after the last one restores the 1 it found;
    # that is threadpoolctl's save/restore, documented in docs/performance.rst)

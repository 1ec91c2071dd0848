"""BLAS thread management during fits.

A small network spends a mini-batch in a few matrix products of a few
microseconds each; waking BLAS worker threads for them costs more than they
save (measured: up to ten times slower on a busy machine). skreg therefore
runs the fit of a small network with one BLAS thread.

BLAS thread counts are process-wide, so fits running in several threads at
once share one setting. They share it through one reference-counted limiter:

* the first small fit to start records every BLAS library's thread count and
  sets the libraries that use more than one thread to one;
* the fits that start while it runs only add one to the count;
* the last one to finish, whichever it is, puts back the recorded counts, but
  only on the libraries that are still at the one thread skreg set: a setting
  someone else made in the meantime (``threadpool_limits`` in another thread,
  a library call) is theirs and stays.

So whatever the interleaving of fits, the process ends with the settings it
had before the first of them, as long as only fits change the settings. A fit
of a large network never changes them; while small fits hold the limit it
runs with one thread too (a process has one setting).

What this cannot promise, by design: code in another thread that changes the
settings while fits run (its own ``threadpool_limits`` block) shares the one
process-wide setting with them, and whoever sets it last wins. A small fit
that starts while such a block is in force sets one thread under it; a block
that starts while fits run sets its count for them too; and a library offers
only "get" and "set", so neither side can tell the other's setting from its
own (a 1 put back by the block looks like skreg's) nor check and change a
count in one step. The process may then end with settings other than those
from before. tests/test_threads.py plays these schedules one step at a time;
docs/performance.rst ("What skreg does to BLAS threads") tells users.

Two library details. threadpoolctl 3.8 lets only one Python thread at a
time change OpenBLAS's (process-wide) setting and silently ignores the
others; the limiter serialises its own calls with its lock, and whichever
thread is the last to leave must be able to restore, so it calls the
library's setter directly (``_real_set_num_threads`` where threadpoolctl has
it). An OpenBLAS built on OpenMP keeps one setting per thread instead: there
each fit sets and restores its own thread's setting, nothing is shared.

Setting the environment variable ``SKREG_BLAS_THREADS=off`` (read at every
fit) turns the management off: fits then never touch the thread settings and
run with whatever the process has, e.g. the user's own
``threadpoolctl.threadpool_limits``.
"""

import contextlib
import os
import threading

#: below this many multiply-adds per mini-batch in the largest layer, BLAS runs
#: single-threaded: thread start-up costs more than it saves, and on a busy
#: machine extra threads made small networks up to ten times slower (measured)
_SINGLE_THREAD_BELOW = 4_000_000

#: the environment variable that turns skreg's BLAS thread management off
ENV_VAR = "SKREG_BLAS_THREADS"
_ON = ("", "auto")
_OFF = ("off",)


def management_enabled():
    """Whether fits may limit BLAS threads, from ``SKREG_BLAS_THREADS``."""
    value = os.environ.get(ENV_VAR, "")
    key = value.strip().lower()
    if key in _ON:
        return True
    if key in _OFF:
        return False
    raise ValueError(
        f"The environment variable {ENV_VAR}={value!r} is not understood: use 'auto' "
        "(the default: one BLAS thread while fitting a small network) or 'off' "
        "(skreg never changes the BLAS thread settings)."
    )


def _blas_libraries():
    """Controllers of the BLAS libraries loaded in the process (threadpoolctl)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas").lib_controllers


def _per_thread(lib):
    """OpenBLAS on OpenMP: the setting belongs to the calling thread."""
    return getattr(lib, "threading_layer", None) == "openmp"


def _set_threads(lib, n):
    # threadpoolctl >= 3.8 gates OpenBLAS's set_num_threads to one "controlling"
    # Python thread and ignores the call from any other: go to the library
    # itself (our calls are serialised by the limiter's lock)
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


def _limit(libs):
    """Set every library using more than one thread to one; return
    [(library, its count before)] of those that took it."""
    saved = []
    try:
        for lib in libs:
            n = lib.get_num_threads()
            # at one thread already (the user's limit or the default):
            # nothing to do and nothing to restore
            if n is not None and n > 1:
                _set_threads(lib, 1)
                if lib.get_num_threads() == 1:
                    saved.append((lib, n))
    except BaseException:
        _restore(saved)
        raise
    return saved


def _restore(saved):
    for lib, n in saved:
        # still ours? otherwise someone changed it since: theirs stays. (A 1
        # set by someone else looks the same, and another thread may set the
        # library between this read and our write: see the module docstring.)
        if lib.get_num_threads() == 1:
            _set_threads(lib, n)


class BlasLimiter:
    """One process-wide "one BLAS thread while any holder is inside".

    ``find_libraries()`` returns objects with ``get_num_threads()`` and
    ``set_num_threads(n)`` (threadpoolctl's library controllers); it is called
    once, at the first ``enter``. ``enter`` returns a token to give to
    ``exit``. Every call is serialised by one lock. Libraries whose setting
    is per thread are left to ``limit``, which sets them in its own thread.
    """

    def __init__(self, find_libraries=_blas_libraries):
        self._find_libraries = find_libraries
        self._shared = None  # libraries with one process-wide setting
        self._own = None  # libraries with a setting per thread
        self._lock = threading.Lock()
        self._count = 0  # holders inside
        self._saved = []  # [(library, its thread count before)] set to 1 by us
        self._generation = 0  # bumped in a forked child: older tokens are void

    def _libraries(self):
        if self._shared is None:
            libs = list(self._find_libraries())
            self._own = [lib for lib in libs if _per_thread(lib)]
            self._shared = [lib for lib in libs if not _per_thread(lib)]

    def enter(self):
        with self._lock:
            self._libraries()
            if self._count == 0:
                self._saved = _limit(self._shared)
            self._count += 1
            return self._generation

    def exit(self, token):
        with self._lock:
            if token != self._generation or self._count == 0:
                return  # entered before a fork, in the parent
            self._count -= 1
            if self._count == 0:
                saved, self._saved = self._saved, []
                _restore(saved)

    def _after_fork_in_child(self):
        # The holders were threads of the parent, absent here (the forking
        # thread's own, if any, are voided by the new generation): the child
        # gets the settings back, and a lock the fork may have caught held is
        # replaced by a free one.
        self._lock = threading.Lock()
        saved, self._saved = self._saved, []
        if self._count:
            self._count = 0
            try:
                _restore(saved)
            except Exception:  # pragma: no cover - never fail a fork over this
                pass
        self._generation += 1

    @contextlib.contextmanager
    def limit(self):
        token = self.enter()
        try:
            own = _limit(self._own)  # this thread's own settings, if any
            try:
                yield
            finally:
                _restore(own)
        finally:
            self.exit(token)


_LIMITER = BlasLimiter()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _LIMITER._after_fork_in_child())


@contextlib.contextmanager
def single_blas_thread():
    """One BLAS thread inside (shared with concurrent fits, see the module
    docstring), unless ``SKREG_BLAS_THREADS=off``."""
    if not management_enabled():
        yield
        return
    with _LIMITER.limit():
        yield


@contextlib.contextmanager
def blas_threads_for(width, batch_size):
    """One BLAS thread while fitting a network whose widest layer has
    ``width`` units with mini-batches of ``batch_size`` rows (``None``: full
    batch, where BLAS decides); restored after (shared by concurrent fits)."""
    if batch_size is None or batch_size * width * width >= _SINGLE_THREAD_BELOW:
        yield
        return
    with single_blas_thread():
        yield

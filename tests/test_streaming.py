"""partial_fit_chunks: the helper must give exactly what feeding the same
chunks to partial_fit by hand gives, whatever holds the data (numpy array,
memmap on disk, dask array, sparse matrix, DataFrame, iterable of chunks)."""

import math
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from skreg import MLPClassifier, MLPRegressor
from skreg.streaming import partial_fit_chunks

CLASSES = np.array([0, 1, 2])


def _classification(n=230, d=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(n, 3)), axis=1)
    return X, y


def _regression(n=230, d=6, seed=1):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=n)
    sw = rng.uniform(0.2, 3.0, size=n)
    return X, y, sw


def _clf(shuffle, **kw):
    params = dict(hidden_layer_sizes=(8,), batch_size=16, learning_rate_init=0.01,
                  shuffle=shuffle, random_state=3)
    params.update(kw)
    return MLPClassifier(**params)


def _reg(shuffle, **kw):
    params = dict(hidden_layer_sizes=(8,), batch_size=16, learning_rate_init=0.01,
                  shuffle=shuffle, random_state=4)
    params.update(kw)
    return MLPRegressor(**params)


def _by_hand(est, X, y, chunk_size, n_epochs, sw=None, classes=None, order=None):
    """Reference: the loop a user would write, over in-memory numpy arrays."""
    n = X.shape[0]
    starts = list(range(0, n, chunk_size))
    for epoch in range(n_epochs):
        visit = starts if order is None else [starts[i] for i in order[epoch]]
        for a in visit:
            kw = {}
            if sw is not None:
                kw["sample_weight"] = sw[a:a + chunk_size]
            if classes is not None:
                kw["classes"] = classes
            est.partial_fit(X[a:a + chunk_size], y[a:a + chunk_size], **kw)
    return est


def _assert_same_model(a, b):
    assert a.n_iter_ == b.n_iter_
    assert a.t_ == b.t_
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert ca.dtype == cb.dtype
        np.testing.assert_array_equal(ca, cb)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)
    np.testing.assert_array_equal(a.lr_curve_, b.lr_curve_)


# ---------------------------------------------------------------- numpy
@pytest.mark.parametrize("shuffle", [False, True])
def test_numpy_classifier_matches_hand_fed_chunks(shuffle):
    X, y = _classification()
    # sort by label: the first chunks lack some classes, so classes= is needed
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    got = partial_fit_chunks(_clf(shuffle), X, y, chunk_size=64, n_epochs=3,
                             classes=CLASSES)
    ref = _by_hand(_clf(shuffle), X, y, 64, 3, classes=CLASSES)
    _assert_same_model(got, ref)
    assert got.n_iter_ == 3 * math.ceil(230 / 64)
    assert got.t_ == 3 * 230
    np.testing.assert_array_equal(got.classes_, CLASSES)
    np.testing.assert_array_equal(got.predict_proba(X), ref.predict_proba(X))


@pytest.mark.parametrize("shuffle", [False, True])
def test_numpy_regressor_with_sample_weight(shuffle):
    X, y, sw = _regression()
    got = partial_fit_chunks(_reg(shuffle), X, y, chunk_size=50, n_epochs=2,
                             sample_weight=sw)
    ref = _by_hand(_reg(shuffle), X, y, 50, 2, sw=sw)
    _assert_same_model(got, ref)
    # the weights matter: ignoring them gives another model
    plain = partial_fit_chunks(_reg(shuffle), X, y, chunk_size=50, n_epochs=2)
    assert not np.array_equal(plain.coefs_[0], got.coefs_[0])


def test_state_carries_over_chunks_like_one_in_memory_fit():
    # With rows in storage order and chunks that are whole numbers of
    # mini-batches, the stream sees exactly the mini-batches of fit() on the
    # whole array: if the Adam moments and step count were reset at a chunk
    # boundary, the weights would differ.
    X, y, _ = _regression(n=240)
    # (init='he': with init='auto' the output bias starts at the mean target of
    # the data the first call sees, which for a stream is the first chunk)
    kw = dict(batch_size=20, lr_schedule="constant", max_iter=2, tol=0.0, init="he")
    streamed = partial_fit_chunks(_reg(False, **kw), X, y, chunk_size=60, n_epochs=2)
    whole = _reg(False, **kw).fit(X, y)
    for a, b in zip(streamed.coefs_ + streamed.intercepts_,
                    whole.coefs_ + whole.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert whole.n_iter_ == 2 and streamed.n_iter_ == 8


def test_schedule_counts_one_epoch_per_chunk():
    # cosine over max_iter = n_epochs * n_chunks epochs: the rate of the last
    # update of chunk k is lr0 * (1 + cos(pi * (k + (s - 1) / s) / T)) / 2,
    # with s mini-batches per chunk and T = max_iter.
    X, y, _ = _regression(n=200)
    n_chunks, n_epochs, s = 4, 3, 5  # chunks of 50 rows, mini-batches of 10
    T = n_epochs * n_chunks
    lr0 = 0.02
    est = _reg(False, batch_size=10, lr_schedule="cosine", max_iter=T,
               learning_rate_init=lr0)
    partial_fit_chunks(est, X, y, chunk_size=50, n_epochs=n_epochs)
    k = np.arange(T)
    expected = lr0 * 0.5 * (1 + np.cos(np.pi * (k + (s - 1) / s) / T))
    np.testing.assert_allclose(est.lr_curve_, expected, rtol=1e-12)


def test_shuffled_chunk_order_matches_hand_fed_permutations():
    X, y = _classification()
    n_chunks = math.ceil(230 / 40)
    got = partial_fit_chunks(_clf(True), X, y, chunk_size=40, n_epochs=3,
                             classes=CLASSES, shuffle_chunks=True, random_state=11)
    rs = np.random.RandomState(11)
    order = [rs.permutation(n_chunks) for _ in range(3)]
    ref = _by_hand(_clf(True), X, y, 40, 3, classes=CLASSES, order=order)
    _assert_same_model(got, ref)
    # and it is not the storage order
    plain = partial_fit_chunks(_clf(True), X, y, chunk_size=40, n_epochs=3,
                               classes=CLASSES)
    assert not np.array_equal(plain.coefs_[0], got.coefs_[0])


def test_continues_a_fitted_estimator():
    X, y, _ = _regression()
    got = _reg(True).fit(X, y)
    ref = _reg(True).fit(X, y)
    partial_fit_chunks(got, X, y, chunk_size=100)
    _by_hand(ref, X, y, 100, 1)
    _assert_same_model(got, ref)


# ---------------------------------------------------------------- memmap
@pytest.mark.parametrize("shuffle", [False, True])
def test_memmap_matches_in_memory_chunks(tmp_path, shuffle):
    X, y, sw = _regression()
    X32 = X.astype(np.float32)
    path = tmp_path / "X.dat"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X32.shape)
    mm[:] = X32
    mm.flush()
    del mm
    X_disk = np.memmap(path, dtype=np.float32, mode="r", shape=X32.shape)
    y_disk = np.lib.format.open_memmap(tmp_path / "y.npy", mode="w+",
                                       dtype=np.float64, shape=y.shape)
    y_disk[:] = y
    got = partial_fit_chunks(_reg(shuffle), X_disk, y_disk, chunk_size=48,
                             n_epochs=2, sample_weight=sw)
    ref = _by_hand(_reg(shuffle), X32.copy(), y, 48, 2, sw=sw)
    _assert_same_model(got, ref)
    assert got.coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(np.asarray(X_disk), X32)  # input untouched


def test_memmap_classifier(tmp_path):
    X, y = _classification()
    path = tmp_path / "X.npy"
    np.save(path, X)
    X_disk = np.load(path, mmap_mode="r")
    got = partial_fit_chunks(_clf(True), X_disk, y, chunk_size=64, n_epochs=2,
                             classes=CLASSES)
    ref = _by_hand(_clf(True), X, y, 64, 2, classes=CLASSES)
    _assert_same_model(got, ref)


class _RowRecorder:
    """A minimal on-disk-like array that records every row range read."""

    def __init__(self, data):
        self.data = data
        self.shape = data.shape
        self.reads = []

    def __getitem__(self, key):
        assert isinstance(key, slice) and key.step is None
        self.reads.append((key.start, key.stop))
        return self.data[key]


def test_reads_one_chunk_at_a_time():
    X, y = _classification(n=230)
    rec = _RowRecorder(X)
    partial_fit_chunks(_clf(False), rec, y, chunk_size=64, n_epochs=2,
                       classes=CLASSES)
    one_pass = [(0, 64), (64, 128), (128, 192), (192, 230)]
    assert rec.reads == one_pass * 2  # never more than chunk_size rows at once


# ---------------------------------------------------------------- dask
def test_dask_array_native_chunks_match_hand_fed():
    da = pytest.importorskip("dask.array")
    import dask

    X, y = _classification()
    Xd = da.from_array(X, chunks=(50, -1))
    yd = da.from_array(y, chunks=50)
    with dask.config.set(scheduler="synchronous"):
        got = partial_fit_chunks(_clf(True), Xd, yd, n_epochs=2, classes=CLASSES)
    ref = _by_hand(_clf(True), X, y, 50, 2, classes=CLASSES)
    _assert_same_model(got, ref)
    assert got.n_iter_ == 2 * 5  # blocks of 50, 50, 50, 50, 30


@pytest.mark.parametrize("shuffle", [False, True])
def test_dask_regressor_explicit_chunk_size(shuffle):
    # chunk_size need not follow the dask blocks (here 70-row blocks, 48-row
    # chunks), and y / sample_weight may be dask arrays with other blocks
    da = pytest.importorskip("dask.array")
    import dask

    X, y, sw = _regression()
    Xd = da.from_array(X, chunks=(70, 3))
    yd = da.from_array(y, chunks=33)
    swd = da.from_array(sw, chunks=100)
    with dask.config.set(scheduler="synchronous"):
        got = partial_fit_chunks(_reg(shuffle), Xd, yd, chunk_size=48, n_epochs=2,
                                 sample_weight=swd)
    ref = _by_hand(_reg(shuffle), X, y, 48, 2, sw=sw)
    _assert_same_model(got, ref)


def test_dask_blocks_are_loaded_lazily_one_per_call():
    da = pytest.importorskip("dask.array")
    import dask

    X, y = _classification()
    loads = []

    @dask.delayed
    def load(a, b):
        loads.append(a)
        return X[a:b]

    starts = list(range(0, 230, 50))
    Xd = da.concatenate([
        da.from_delayed(load(a, min(a + 50, 230)), shape=(min(a + 50, 230) - a, 6),
                        dtype=X.dtype)
        for a in starts
    ])

    class Recorder:
        """Delegates to a real estimator; notes which blocks were loaded."""

        def __init__(self):
            self.est = _clf(True)
            self.loaded_at_call = []

        def partial_fit(self, Xc, yc, **kw):
            self.loaded_at_call.append(list(loads))
            self.est.partial_fit(Xc, yc, **kw)

    rec = Recorder()
    with dask.config.set(scheduler="synchronous"):
        partial_fit_chunks(rec, Xd, y, n_epochs=2, classes=CLASSES)
    # call k sees exactly the blocks up to k loaded: nothing read ahead,
    # nothing loaded twice within an epoch, every block read again next epoch
    calls = [starts[:k + 1] for k in range(5)]
    assert rec.loaded_at_call == calls + [starts + c for c in calls]
    _assert_same_model(rec.est, _by_hand(_clf(True), X, y, 50, 2, classes=CLASSES))


def test_dask_unknown_lengths_are_rejected():
    da = pytest.importorskip("dask.array")
    X, y = _classification()
    Xd = da.from_array(X, chunks=(50, -1))
    yd = da.from_array(y, chunks=50)
    unknown = Xd[Xd[:, 0] > 0]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        partial_fit_chunks(_clf(True), unknown, yd[yd > 0], classes=CLASSES)


class _LazyFrame:
    """Stands for a dask DataFrame: lazy (compute) but without row chunks."""

    shape = (230, 6)

    def compute(self):  # pragma: no cover - never called
        raise AssertionError("the whole frame must not be computed")


def test_lazy_collection_without_row_chunks_is_rejected():
    X, y = _classification()
    with pytest.raises(TypeError, match="to_dask_array"):
        partial_fit_chunks(_clf(True), _LazyFrame(), y, chunk_size=50, classes=CLASSES)


def test_import_does_not_import_dask():
    code = ("import sys, skreg, skreg.streaming; "
            "bad = [m for m in ('dask', 'distributed') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- other containers
def test_sparse_input():
    X, y = _classification()
    X[np.abs(X) < 0.7] = 0.0
    Xs = sp.csr_matrix(X)
    got = partial_fit_chunks(_clf(True), Xs, y, chunk_size=64, classes=CLASSES)
    ref = _by_hand(_clf(True), Xs, y, 64, 1, classes=CLASSES)
    _assert_same_model(got, ref)
    # the sparse products round differently from the dense ones, by ~1 ulp
    dense = _by_hand(_clf(True), X, y, 64, 1, classes=CLASSES)
    for a, b in zip(got.coefs_, dense.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_dataframe_rows_are_taken_by_position():
    pd = pytest.importorskip("pandas")
    X, y = _classification()
    # a shuffled index: rows must be taken by position, not by label
    index = np.random.RandomState(0).permutation(230) + 1000
    Xdf = pd.DataFrame(X, index=index)
    ys = pd.Series(y, index=index)
    got = partial_fit_chunks(_clf(True), Xdf, ys, chunk_size=64, classes=CLASSES)
    ref = _by_hand(_clf(True), X, y, 64, 1, classes=CLASSES)
    _assert_same_model(got, ref)


def test_iterable_of_chunks():
    X, y, sw = _regression()
    ref = _by_hand(_reg(True), X, y, 50, 3, sw=sw)

    chunks = [(X[a:a + 50], y[a:a + 50], sw[a:a + 50]) for a in range(0, 230, 50)]
    got = partial_fit_chunks(_reg(True), chunks, n_epochs=3)
    _assert_same_model(got, ref)

    def gen():
        for a in range(0, 230, 50):
            yield X[a:a + 50], y[a:a + 50], sw[a:a + 50]

    got = partial_fit_chunks(_reg(True), gen, n_epochs=3)  # callable: fresh per epoch
    _assert_same_model(got, ref)

    with pytest.raises(ValueError, match="one-shot iterator"):
        partial_fit_chunks(_reg(True), gen(), n_epochs=3)
    one = partial_fit_chunks(_reg(True), gen(), n_epochs=1)
    assert one.n_iter_ == 5


def test_works_with_a_scikit_learn_estimator():
    from sklearn.linear_model import SGDClassifier

    X, y = _classification()
    kw = dict(random_state=0, shuffle=False)
    got = partial_fit_chunks(SGDClassifier(**kw), X, y, chunk_size=64, n_epochs=2,
                             classes=CLASSES)
    ref = _by_hand(SGDClassifier(**kw), X, y, 64, 2, classes=CLASSES)
    np.testing.assert_array_equal(got.coef_, ref.coef_)


# ---------------------------------------------------------------- errors
def test_invalid_arguments():
    X, y = _classification()
    est = _clf(True)
    with pytest.raises(ValueError, match="chunk_size is required"):
        partial_fit_chunks(est, X, y, classes=CLASSES)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="chunk_size"):
            partial_fit_chunks(est, X, y, chunk_size=bad, classes=CLASSES)
        with pytest.raises(ValueError, match="n_epochs"):
            partial_fit_chunks(est, X, y, chunk_size=10, n_epochs=bad, classes=CLASSES)
    with pytest.raises(ValueError, match="230 rows but y has 229"):
        partial_fit_chunks(est, X, y[:-1], chunk_size=10, classes=CLASSES)
    with pytest.raises(ValueError, match="sample_weight has 5"):
        partial_fit_chunks(est, X, y, chunk_size=10, classes=CLASSES,
                           sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="y is None"):
        partial_fit_chunks(est, X, chunk_size=10)
    with pytest.raises(ValueError, match="no rows"):
        partial_fit_chunks(est, X[:0], y[:0], chunk_size=10, classes=CLASSES)
    with pytest.raises(TypeError, match="shuffle_chunks"):
        partial_fit_chunks(est, X, y, chunk_size=10, shuffle_chunks="yes")
    with pytest.raises(ValueError, match="shuffle_chunks=True needs an array"):
        partial_fit_chunks(est, [(X, y)], shuffle_chunks=True)
    with pytest.raises(ValueError, match="tuple"):
        partial_fit_chunks(est, [X], classes=CLASSES)
    with pytest.raises(ValueError, match="yielded no chunk"):
        partial_fit_chunks(est, [])
    assert not hasattr(est, "coefs_")  # nothing was trained by the failures
    # the estimator's own messages come through: classes on the first call,
    # no partial_fit for L-BFGS
    with pytest.raises(ValueError, match="classes"):
        partial_fit_chunks(_clf(True), X, y, chunk_size=64)
    with pytest.raises(AttributeError, match="partial_fit"):
        partial_fit_chunks(_clf(True, solver="lbfgs"), X, y, chunk_size=64)

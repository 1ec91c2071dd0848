"""Training on data larger than memory, one chunk at a time.

:func:`partial_fit_chunks` walks over an on-disk or lazy data set (a numpy
memmap, a dask array, an HDF5 dataset, or any iterable of chunks), brings
one chunk of rows into memory, hands it to the estimator's ``partial_fit``
and lets it go before loading the next one. Only one chunk (plus the
network and the optimizer state) is held in memory at any time.

dask is optional: this module never imports it at import time. A dask array
is recognised by its ``compute`` method and materialised one chunk at a
time; dask is imported only then, and it is necessarily installed since the
array exists.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["partial_fit_chunks"]


def _is_lazy(a):
    """True for dask collections (anything with a ``compute`` method)."""
    return a is not None and callable(getattr(a, "compute", None))


def _check_lazy_array(a, name):
    """Reject dask collections that cannot be sliced by row position."""
    if not _is_lazy(a):
        return
    if not hasattr(a, "chunks"):
        raise TypeError(
            f"{name} is a {type(a).__name__} with a compute() method but no row "
            "chunks; dask DataFrames and Series cannot be sliced by row position. "
            f"Convert it first with {name}.to_dask_array(lengths=True)."
        )
    if a.ndim and not np.isfinite(a.shape[0]):
        raise ValueError(
            f"{name} is a dask array of unknown length (shape {a.shape}); call "
            f"{name}.compute_chunk_sizes() first, or build it with "
            "to_dask_array(lengths=True)."
        )


def _n_rows(a, name):
    shape = getattr(a, "shape", None)
    if shape is None or len(shape) == 0:
        raise ValueError(f"{name} must be an array with at least one dimension.")
    return int(shape[0])


def _rows(a, start, stop):
    """Rows ``start:stop`` of ``a``, still lazy for dask arrays."""
    if a is None:
        return None
    if hasattr(a, "iloc"):  # pandas: positional, not label, slicing
        return a.iloc[start:stop]
    return a[start:stop]


def _dask_blocks(a, bounds):
    """The row chunks ``bounds`` of the dask array ``a``, as delayed objects.

    Rechunking to exactly these rows (a no-op when they are already its
    blocks) and taking ``to_delayed()`` optimises the graph once; computing
    one block then only runs the tasks that block depends on, instead of
    optimising a new slice of the whole graph for every chunk.
    """
    sizes = tuple(int(b - s) for s, b in bounds)
    a = a.rechunk((sizes,) + (-1,) * (a.ndim - 1))
    return list(a.to_delayed().ravel())


def _materialize(parts):
    """Compute the lazy entries of ``parts`` in one go; keep the others."""
    lazy = [i for i, p in enumerate(parts) if _is_lazy(p)]
    if not lazy:
        return list(parts)
    import dask  # only reached when a dask collection was passed

    values = dask.compute(*(parts[i] for i in lazy))
    out = list(parts)
    for i, v in zip(lazy, values):
        out[i] = v
    return out


def _bounds(n, chunk_size, X):
    """(start, stop) of every non-empty chunk of rows."""
    if chunk_size is None:
        if _is_lazy(X):
            # one chunk per block of the dask array: each compute reads one block
            edges = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(int)
            return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
        raise ValueError(
            "chunk_size is required unless X is a dask array (whose own row "
            "chunks are used by default); pass e.g. chunk_size=10_000."
        )
    return [(a, min(a + chunk_size, n)) for a in range(0, n, chunk_size)]


def _check_count(name, value, allow_none=False):
    if allow_none and value is None:
        return None
    if (not isinstance(value, (numbers.Integral, np.integer))
            or isinstance(value, (bool, np.bool_)) or value < 1):
        raise ValueError(
            f"{name} must be an int >= 1{' or None' if allow_none else ''}, "
            f"got {value!r}."
        )
    return int(value)


def _call(partial_fit, Xc, yc, swc, classes):
    kwargs = {}
    if swc is not None:
        kwargs["sample_weight"] = swc
    if classes is not None:
        kwargs["classes"] = classes
    partial_fit(Xc, yc, **kwargs)


def partial_fit_chunks(
    estimator,
    X,
    y=None,
    *,
    chunk_size=None,
    n_epochs=1,
    classes=None,
    sample_weight=None,
    shuffle_chunks=False,
    random_state=None,
):
    """Train an estimator chunk by chunk with ``partial_fit``.

    Slices the rows of ``X`` (and ``y``, ``sample_weight``) into consecutive
    chunks, loads one chunk at a time into memory and calls
    ``estimator.partial_fit`` on it, ``n_epochs`` times over the data. The
    peak memory is that of one chunk, not of the data set.

    The estimator's own state carries across chunks and epochs: weights,
    optimizer state (momenta, Adam moments and step count), learning-rate
    schedule progress, ``n_iter_`` and ``t_``. The result is exactly what
    calling ``partial_fit`` by hand on the same chunks in the same order
    gives. If the estimator is already fitted, training continues from its
    current state (``clone`` it first to start afresh).

    Parameters
    ----------
    estimator : estimator with a ``partial_fit`` method
        Typically :class:`skreg.MLPClassifier` or :class:`skreg.MLPRegressor`
        with a stochastic solver; any scikit-learn estimator with
        ``partial_fit`` works. Modified in place.
    X : array-like of shape (n_samples, n_features), or iterable of chunks
        Anything sliceable by rows: numpy array, :class:`numpy.memmap`,
        scipy sparse CSR matrix, HDF5/zarr dataset, pandas DataFrame (sliced
        with ``iloc``), or a dask array (each chunk is computed on its own
        with ``dask.compute``). With ``y=None``, ``X`` is instead an iterable
        of ``(X_chunk, y_chunk)`` or ``(X_chunk, y_chunk, sample_weight_chunk)``
        tuples, or a callable returning such an iterable; for
        ``n_epochs > 1`` it must be re-iterable (a list, or a callable that
        returns a fresh generator each time), not a one-shot iterator.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Targets, sliced like ``X`` (numpy, memmap, dask, pandas...). None
        only when ``X`` is an iterable of chunks.
    chunk_size : int or None, default=None
        Rows per chunk (the last chunk may be shorter). None uses the row
        chunks of a dask ``X``; it is required for every other array. Choose
        a multiple of the estimator's ``batch_size`` so that no chunk ends
        with a short mini-batch.
    n_epochs : int, default=1
        Passes over the whole data set.
    classes : array-like of shape (n_classes,), default=None
        All class labels, for classifiers that are not fitted yet (a single
        chunk need not contain every class). Passed to every
        ``partial_fit`` call when given.
    sample_weight : array-like of shape (n_samples,), default=None
        Per-sample weights, sliced like ``X``. With an iterable of chunks,
        put the weights in the tuples instead.
    shuffle_chunks : bool, default=False
        Visit the chunks in a new random order in each epoch. The default
        keeps the storage order, which reads the file sequentially and is
        fully deterministic. Rows within a chunk are shuffled (or not) by
        the estimator itself, following its ``shuffle`` parameter.
        Unavailable for an iterable of chunks.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order when ``shuffle_chunks=True``.

    Returns
    -------
    estimator : object
        The same estimator, trained.

    Notes
    -----
    For skreg's estimators every ``partial_fit`` call counts as one epoch:
    after this function ``n_iter_`` has grown by ``n_epochs * n_chunks``,
    and the learning-rate schedule advances by one epoch per chunk.
    Schedules that need the total length of the training ('cosine' with
    ``T_0=None``, 'onecycle', 'exponential' with ``gamma=None``, 'step' with
    ``step_size=None``) take it from ``max_iter``: set
    ``max_iter = n_epochs * n_chunks`` where
    ``n_chunks = ceil(n_samples / chunk_size)`` (or the number of non-empty
    row blocks of a dask array). 'constant', 'invscaling' and 'adaptive'
    need nothing. ``early_stopping`` is not available with ``partial_fit``.

    With a dask array, chunks are computed one after another, by the active
    dask scheduler (a ``distributed.Client`` if one is registered), and
    brought to this process; the training itself is sequential, here.
    :class:`dask_ml.wrappers.Incremental` (from the separate dask-ml
    package, not needed by skreg) is an alternative with the same principle
    that also fits into dask-ml's incremental hyper-parameter searches.

    With a :class:`numpy.memmap`, the pages of the file that were read stay
    in the operating system's page cache and may be counted in the
    process's resident memory, but they are reclaimable: the memory the
    process allocates itself stays that of one chunk.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import MLPRegressor
    >>> from skreg.streaming import partial_fit_chunks
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(1000, 4))          # could be np.memmap or dask
    >>> y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    >>> reg = MLPRegressor(hidden_layer_sizes=(), batch_size=50, shuffle=False,
    ...                    learning_rate_init=0.05, random_state=0)
    >>> reg = partial_fit_chunks(reg, X, y, chunk_size=250, n_epochs=5)
    >>> reg.n_iter_                             # 5 epochs x 4 chunks
    20
    >>> bool(reg.score(X, y) > 0.99)
    True
    """
    partial_fit = estimator.partial_fit  # AttributeError of the estimator
    n_epochs = _check_count("n_epochs", n_epochs)
    chunk_size = _check_count("chunk_size", chunk_size, allow_none=True)
    if not isinstance(shuffle_chunks, (bool, np.bool_)):
        raise TypeError(f"shuffle_chunks must be a bool, got {shuffle_chunks!r}.")
    if classes is not None:
        classes = np.asarray(classes)

    if y is None:
        if hasattr(X, "shape") or hasattr(X, "iloc"):
            raise ValueError(
                "y is None but X is an array: pass the targets as y, or pass X "
                "as an iterable of (X_chunk, y_chunk) tuples."
            )
        return _fit_iterable(estimator, partial_fit, X, n_epochs, classes,
                             sample_weight, shuffle_chunks)

    # plain lists become arrays; everything with a shape is sliced as it is
    X, y, sample_weight = (a if a is None or hasattr(a, "shape") else np.asarray(a)
                           for a in (X, y, sample_weight))
    for name, a in (("X", X), ("y", y), ("sample_weight", sample_weight)):
        _check_lazy_array(a, name)
    n = _n_rows(X, "X")
    for name, a in (("y", y), ("sample_weight", sample_weight)):
        if a is not None and _n_rows(a, name) != n:
            raise ValueError(
                f"X has {n} rows but {name} has {_n_rows(a, name)}; they must match."
            )
    if n == 0:
        raise ValueError("X has no rows: there is nothing to train on.")
    bounds = _bounds(n, chunk_size, X)
    rng = check_random_state(random_state) if shuffle_chunks else None

    # dask arrays: one delayed object per chunk, from a graph optimised once
    blocks = [_dask_blocks(a, bounds) if _is_lazy(a) else None
              for a in (X, y, sample_weight)]

    for _ in range(n_epochs):
        order = rng.permutation(len(bounds)) if shuffle_chunks else range(len(bounds))
        for i in order:
            start, stop = bounds[i]
            Xc, yc, swc = _materialize(
                [b[i] if b is not None else _rows(a, start, stop)
                 for a, b in zip((X, y, sample_weight), blocks)]
            )
            _call(partial_fit, Xc, yc, swc, classes)
            del Xc, yc, swc  # let the chunk go before the next one is loaded
    return estimator


def _fit_iterable(estimator, partial_fit, chunks, n_epochs, classes,
                  sample_weight, shuffle_chunks):
    if sample_weight is not None:
        raise ValueError(
            "sample_weight cannot be given with an iterable of chunks; yield "
            "(X_chunk, y_chunk, sample_weight_chunk) tuples instead."
        )
    if shuffle_chunks:
        raise ValueError(
            "shuffle_chunks=True needs an array X (an iterable of chunks has "
            "no random access); shuffle inside your generator instead."
        )
    source = chunks
    if not callable(source):
        try:
            it = iter(source)
        except TypeError:
            raise TypeError(
                "X must be an array-like with a shape, an iterable of "
                "(X_chunk, y_chunk[, sample_weight_chunk]) tuples, or a callable "
                f"returning one; got {type(chunks).__name__}."
            ) from None
        if n_epochs > 1 and it is source:
            raise ValueError(
                f"n_epochs={n_epochs} needs several passes, but X is a one-shot "
                "iterator (e.g. a generator). Pass a list, or a callable that "
                "returns a fresh iterator for each epoch."
            )

    for _ in range(n_epochs):
        iterable = source() if callable(source) else source
        seen = 0
        for item in iterable:
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
                raise ValueError(
                    "Each chunk must be a (X_chunk, y_chunk) or (X_chunk, y_chunk, "
                    f"sample_weight_chunk) tuple; got {type(item).__name__}"
                    f"{' of length %d' % len(item) if isinstance(item, (tuple, list)) else ''}."
                )
            Xc, yc, swc = _materialize(list(item) + [None] * (3 - len(item)))
            _call(partial_fit, Xc, yc, swc, classes)
            seen += 1
            del Xc, yc, swc, item
        if not seen:
            raise ValueError("The iterable of chunks yielded no chunk.")
    return estimator

"""Plotting helpers for fitted skreg estimators.

Small ``Display`` classes in scikit-learn's style: build one with
``Display.from_estimator(est)`` (or from the raw data with the constructor,
then call ``plot``). Each keeps the data it draws as attributes and the
matplotlib objects it creates as trailing-underscore attributes (``ax_``,
``figure_`` and the artists), so a figure can be restyled after the fact.

matplotlib is an optional dependency (``pip install "skreg[plot]"``). It is
imported only when something is drawn, never when this module is imported.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["TrainingHistoryDisplay", "WeightDistributionDisplay", "LearningRateRangeDisplay",
           "HalvingSearchDisplay", "GroupLassoPathDisplay"]


def _import_pyplot(caller):
    """Return ``matplotlib.pyplot``, or raise an ImportError that says how to
    install it."""
    try:
        import matplotlib  # noqa: F401
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install the "
            'plotting extra with `pip install "skreg[plot]"` (or simply '
            "`pip install matplotlib`)."
        ) from exc
    return plt


def _as_curve(values, name):
    """None, or a 1-D float array (None and empty lists give None)."""
    if values is None:
        return None
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}.")
    return arr if arr.size else None


def _first_best(scores):
    """1-based epoch of the first maximum of ``scores`` (NaN ignored), as the
    training loop picks it (strict improvement keeps the earliest), or None."""
    if scores is None or not np.isfinite(scores).any():
        return None
    return int(np.nanargmax(np.where(np.isfinite(scores), scores, -np.inf))) + 1


def _history_axes(plt, ax, draw_lr):
    """The figure, loss Axes and learning-rate Axes of a history plot.

    ``ax`` as :meth:`TrainingHistoryDisplay.plot` takes it. The learning-rate
    Axes is None when no rate is drawn, and the string "twin" when it is to
    be a twin y-axis of the loss Axes (created after the score's twin).
    """
    if ax is None:
        if draw_lr:
            fig, (ax, lr_ax) = plt.subplots(
                2, 1, sharex=True, figsize=(6.4, 5.6),
                gridspec_kw={"height_ratios": [2, 1]}, layout="constrained",
            )
        else:
            fig, ax = plt.subplots(layout="constrained")
            lr_ax = None
    elif isinstance(ax, (list, tuple, np.ndarray)):
        if len(ax) != 2:
            raise ValueError(
                f"ax must be one Axes or a pair (loss_ax, lr_ax), got {len(ax)} axes."
            )
        ax, lr_ax = ax
        lr_ax = lr_ax if draw_lr else None
        fig = ax.figure
    else:
        fig = ax.figure
        lr_ax = "twin" if draw_lr else None
    return fig, ax, lr_ax


class TrainingHistoryDisplay:
    """Training history of an MLP: loss, validation and learning rate per epoch.

    Draws the training loss of each epoch; when early stopping held out a
    validation set, also the validation loss (same axes, dashed), the
    validation score (on a twin y-axis at the right) and a vertical line at
    the best epoch, whose weights the estimator kept. The learning rate of
    each epoch is drawn on its own axes below (or on a twin axis when a
    single Axes is given).

    Build it with :meth:`from_estimator`; the constructor takes the curves
    themselves. All parameters are stored as attributes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training objective of each epoch (of each iteration for L-BFGS).

    validation_scores : array-like of shape (n_val,), default=None
        Validation score of each epoch. When shorter than ``loss_curve``
        (early stopping switched on in a later warm-started fit) it is
        aligned with the last epochs.

    validation_loss_curve : array-like of shape (n_val,), default=None
        Data loss on the validation set of each epoch.

    lr_curve : array-like of shape (n_epochs,), default=None
        Learning rate of the last update of each epoch.

    best_epoch : int, default=None
        1-based epoch to mark as the best one; ``from_estimator`` sets it to
        the epoch of the best validation score when early stopping was used.

    name : str, default=None
        Title, and prefix of the legend labels (useful when several
        histories share one Axes).

    xlabel : str, default="epoch"
        Label of the x axis ("iteration" for L-BFGS).

    Attributes
    ----------
    epochs : ndarray of shape (n_epochs,)
        1-based epoch numbers, the x data of the training curves.

    loss_line_ : matplotlib Line2D
        The training loss.

    validation_loss_line_ : matplotlib Line2D or None
        The validation loss.

    validation_score_line_ : matplotlib Line2D or None
        The validation score.

    lr_line_ : matplotlib Line2D or None
        The learning rate.

    best_epoch_line_ : matplotlib Line2D or None
        Vertical line at ``best_epoch``.

    ax_ : matplotlib Axes
        Axes of the loss curves.

    score_ax_ : matplotlib Axes or None
        Twin axes of the validation score.

    lr_ax_ : matplotlib Axes or None
        Axes of the learning rate.

    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    WeightDistributionDisplay : Histograms of the fitted weights.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from skreg import MLPClassifier
    >>> from skreg.plotting import TrainingHistoryDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01,
    ...                     lr_schedule="cosine", early_stopping=True,
    ...                     validation_fraction=0.2, max_iter=30,
    ...                     random_state=0).fit(X, y)
    >>> disp = TrainingHistoryDisplay.from_estimator(clf)
    >>> len(disp.loss_line_.get_ydata()) == clf.n_iter_
    True
    >>> disp.best_epoch == 1 + clf.validation_scores_.index(clf.best_validation_score_)
    True
    >>> plt.close(disp.figure_)
    """

    def __init__(self, loss_curve, *, validation_scores=None, validation_loss_curve=None,
                 lr_curve=None, best_epoch=None, name=None, xlabel="epoch"):
        self.loss_curve = _as_curve(loss_curve, "loss_curve")
        if self.loss_curve is None:
            raise ValueError("loss_curve is empty: there is no training history to plot.")
        self.validation_scores = _as_curve(validation_scores, "validation_scores")
        self.validation_loss_curve = _as_curve(validation_loss_curve, "validation_loss_curve")
        self.lr_curve = _as_curve(lr_curve, "lr_curve")
        if best_epoch is not None and not (
            isinstance(best_epoch, numbers.Integral)
            and 1 <= best_epoch <= len(self.loss_curve)
        ):
            raise ValueError(
                f"best_epoch must be an int between 1 and {len(self.loss_curve)} "
                f"(the number of epochs), got {best_epoch!r}."
            )
        self.best_epoch = best_epoch
        self.name = name
        self.xlabel = xlabel
        self.epochs = np.arange(1, len(self.loss_curve) + 1)

    def _tail_epochs(self, curve):
        """x data of a curve recorded during the last ``len(curve)`` epochs."""
        n = len(self.loss_curve)
        return np.arange(n - len(curve) + 1, n + 1)

    def plot(self, ax=None, *, plot_lr=True, lr_log_scale=True, loss_kw=None,
             validation_kw=None, lr_kw=None):
        """Draw the history.

        Parameters
        ----------
        ax : matplotlib Axes, pair of Axes or None, default=None
            None: a new figure with the losses on top and the learning rate
            below. One Axes: everything on it, the learning rate on an extra
            twin y-axis. A pair ``(loss_ax, lr_ax)``: the losses on the first,
            the learning rate on the second.

        plot_lr : bool, default=True
            Draw the learning rate (when there is a ``lr_curve``).

        lr_log_scale : bool, default=True
            Logarithmic y-axis for the learning rate.

        loss_kw, validation_kw, lr_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for the training loss,
            the validation curves and the learning rate.

        Returns
        -------
        display : TrainingHistoryDisplay
            This object, with the matplotlib artists stored as attributes.
        """
        plt = _import_pyplot("TrainingHistoryDisplay.plot")
        draw_lr = bool(plot_lr) and self.lr_curve is not None
        fig, ax, lr_ax = _history_axes(plt, ax, draw_lr)
        prefix = self.name + ": " if self.name else ""
        vkw = dict(validation_kw or {})
        handles = self._draw_losses(ax, prefix, loss_kw, vkw)
        handles += self._draw_validation_score(ax, prefix, vkw)
        handles += self._draw_best_epoch(ax)
        lr_is_twin = isinstance(lr_ax, str)
        handles += self._draw_lr(ax, lr_ax, prefix, lr_log_scale, lr_kw)

        # on the top-most twin, so that no curve is drawn over the legend
        top = self.lr_ax_ if lr_is_twin else (self.score_ax_ or ax)
        top.legend(handles=handles, loc="best", framealpha=0.9)
        if self.name:
            ax.set_title(self.name)
        self.ax_ = ax
        self.figure_ = fig
        return self

    def _draw_losses(self, ax, prefix, loss_kw, validation_kw):
        """Draw the training and validation losses on ``ax`` and label its
        axes; return the lines drawn, for the legend."""
        kw = {"color": "C0", "label": f"{prefix}training loss"}
        kw.update(loss_kw or {})
        (self.loss_line_,) = ax.plot(self.epochs, self.loss_curve, **kw)
        handles = [self.loss_line_]

        self.validation_loss_line_ = None
        if self.validation_loss_curve is not None:
            kw = {"color": "C1", "linestyle": "--", "label": f"{prefix}validation loss"}
            kw.update(validation_kw)
            (self.validation_loss_line_,) = ax.plot(
                self._tail_epochs(self.validation_loss_curve),
                self.validation_loss_curve, **kw,
            )
            handles.append(self.validation_loss_line_)
        ax.set_ylabel("loss")
        ax.set_xlabel(self.xlabel)
        ax.grid(True, alpha=0.3)
        return handles

    def _draw_validation_score(self, ax, prefix, validation_kw):
        """Draw the validation scores on a twin y-axis of ``ax``, when there
        are any; return the lines drawn."""
        self.score_ax_ = None
        self.validation_score_line_ = None
        if self.validation_scores is None:
            return []
        self.score_ax_ = ax.twinx()
        kw = {"color": "C2", "label": f"{prefix}validation score"}
        kw.update(validation_kw)
        (self.validation_score_line_,) = self.score_ax_.plot(
            self._tail_epochs(self.validation_scores), self.validation_scores, **kw
        )
        self.score_ax_.set_ylabel("validation score")
        return [self.validation_score_line_]

    def _draw_best_epoch(self, ax):
        """Mark ``best_epoch`` with a vertical line, when set; return the
        lines drawn."""
        self.best_epoch_line_ = None
        if self.best_epoch is None:
            return []
        self.best_epoch_line_ = ax.axvline(
            self.best_epoch, color="k", linestyle=":",
            label=f"best epoch ({self.best_epoch})",
        )
        return [self.best_epoch_line_]

    def _draw_lr(self, ax, lr_ax, prefix, lr_log_scale, lr_kw):
        """Draw the learning rate on ``lr_ax`` (None: not at all; "twin": on a
        new twin y-axis of ``ax``) and set ``lr_ax_``; return the lines that
        belong in the legend of ``ax``'s panel."""
        self.lr_line_ = None
        lr_is_twin = isinstance(lr_ax, str)
        if lr_is_twin:
            lr_ax = ax.twinx()
            if self.score_ax_ is not None:
                # a third y-axis: move its spine out of the score axis' way
                lr_ax.spines["right"].set_position(("axes", 1.15))
        self.lr_ax_ = lr_ax
        if lr_ax is None:
            return []
        kw = {"color": "C3", "label": f"{prefix}learning rate"}
        kw.update(lr_kw or {})
        x = (self._tail_epochs(self.lr_curve)
             if len(self.lr_curve) <= len(self.loss_curve)
             else np.arange(1, len(self.lr_curve) + 1))
        (self.lr_line_,) = lr_ax.plot(x, self.lr_curve, **kw)
        if lr_log_scale and np.all(self.lr_curve > 0):
            lr_ax.set_yscale("log")
        lr_ax.set_ylabel("learning rate")
        if lr_is_twin:
            return [self.lr_line_]  # same panel: one legend
        lr_ax.set_xlabel(self.xlabel)
        lr_ax.grid(True, alpha=0.3)
        if lr_ax.get_shared_x_axes().joined(lr_ax, ax):
            ax.set_xlabel("")  # the panel below carries it
        return []

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, plot_lr=True,
                       lr_log_scale=True, loss_kw=None, validation_kw=None, lr_kw=None):
        """Plot the training history of a fitted estimator.

        Works with any estimator that has a ``loss_curve_`` (including
        scikit-learn's MLPs); ``validation_scores_``,
        ``validation_loss_curve_`` and ``lr_curve_`` are drawn when present.

        Parameters
        ----------
        estimator : fitted MLPClassifier or MLPRegressor
            The estimator whose history to draw.

        ax : matplotlib Axes, pair of Axes or None, default=None
            Where to draw; see :meth:`plot`.

        name : str, default=None
            Title and legend prefix; none when None.

        plot_lr, lr_log_scale, loss_kw, validation_kw, lr_kw
            See :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        check_is_fitted(estimator, "loss_curve_")
        scores = getattr(estimator, "validation_scores_", None)
        scores = _as_curve(scores, "validation_scores_")
        best = _first_best(scores)
        if best is not None:
            # align with loss_curve_ when the scores cover only the last epochs
            best += len(estimator.loss_curve_) - len(scores)
        solver = getattr(estimator, "solver", None)
        is_lbfgs = isinstance(solver, str) and solver == "lbfgs"
        disp = cls(
            estimator.loss_curve_,
            validation_scores=scores,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            lr_curve=getattr(estimator, "lr_curve_", None),
            best_epoch=best,
            name=name,
            xlabel="iteration" if is_lbfgs else "epoch",
        )
        return disp.plot(ax=ax, plot_lr=plot_lr, lr_log_scale=lr_log_scale,
                         loss_kw=loss_kw, validation_kw=validation_kw, lr_kw=lr_kw)


class WeightDistributionDisplay:
    """Histogram of the weights of each layer, with the share of exact zeros.

    One panel per weight matrix (``coefs_``; biases are left out, as they
    are not penalised). An L1 or elastic-net penalty sets weights to exactly
    zero; by default those are taken out of the histogram and drawn as a
    separate vertical bar at 0 whose height is their count, so the spike does
    not flatten the rest. Each panel states the fraction of exact zeros.

    Parameters
    ----------
    coefs : list of array-like
        The weight matrices, e.g. ``estimator.coefs_``.

    layer_names : list of str, default=None
        One name per matrix; "layer i (fan_in x fan_out)" when None.

    name : str, default=None
        Figure title.

    Attributes
    ----------
    n_weights : ndarray of shape (n_layers,)
        Number of weights of each layer.

    zero_fraction : ndarray of shape (n_layers,)
        Fraction of each layer's weights that are exactly 0.

    counts_ : list of ndarray
        Histogram counts of each layer, as drawn.

    bin_edges_ : list of ndarray
        Histogram bin edges of each layer.

    hists_ : list of matplotlib StepPatch
        The histogram artists.

    zero_bars_ : list of matplotlib LineCollection or None
        The bar of the exact zeros per layer (``zeros='mark'`` and at least
        one zero), else None.

    axes_ : ndarray of matplotlib Axes
        The Axes of each layer (the same Axes repeated when one was given).

    ax_ : matplotlib Axes
        The first layer's Axes.

    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    TrainingHistoryDisplay : Loss, validation score and learning rate per epoch.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from skreg import MLPClassifier
    >>> from skreg.plotting import WeightDistributionDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), penalty="l1", alpha=0.01,
    ...                     learning_rate_init=0.01, max_iter=50,
    ...                     random_state=0).fit(X, y)
    >>> disp = WeightDistributionDisplay.from_estimator(clf)
    >>> frac = (clf.coefs_[0] == 0).mean()  # L1 made some weights exactly 0
    >>> bool(frac > 0 and disp.zero_fraction[0] == frac)
    True
    >>> # the zeros are drawn as their own bar, the rest as the histogram
    >>> int(disp.counts_[0].sum()) == clf.coefs_[0].size - int((clf.coefs_[0] == 0).sum())
    True
    >>> plt.close(disp.figure_)
    """

    def __init__(self, coefs, *, layer_names=None, name=None):
        self.coefs = [np.asarray(c, dtype=float) for c in coefs]
        if not self.coefs:
            raise ValueError("coefs is empty: there are no weights to plot.")
        if layer_names is None:
            layer_names = [
                f"layer {i + 1} ({c.shape[0]} x {c.shape[1]})" if c.ndim == 2
                else f"layer {i + 1}"
                for i, c in enumerate(self.coefs)
            ]
        elif len(layer_names) != len(self.coefs):
            raise ValueError(
                f"layer_names has {len(layer_names)} entries for {len(self.coefs)} layers."
            )
        self.layer_names = list(layer_names)
        self.name = name
        self.n_weights = np.array([c.size for c in self.coefs])
        self.zero_fraction = np.array(
            [np.count_nonzero(c == 0) / c.size if c.size else 0.0 for c in self.coefs]
        )

    def plot(self, ax=None, *, bins=30, zeros="mark", density=False, log=False,
             hist_kw=None):
        """Draw the histograms.

        Parameters
        ----------
        ax : matplotlib Axes, array of Axes or None, default=None
            None: a new figure with one panel per layer. An array with one
            Axes per layer. A single Axes: every layer overlaid.

        bins : int or sequence, default=30
            Bins of each layer's histogram (``numpy.histogram``'s ``bins``).

        zeros : {'mark', 'exclude', 'include'}, default='mark'
            Exact zeros: 'include' counts them in the histogram like any
            value; 'exclude' leaves them out (the fraction is still written);
            'mark' leaves them out of the histogram and draws their count as
            a bar at 0.

        density : bool, default=False
            Normalise the histogram to unit area (then the zero bar's height
            is the zero fraction).

        log : bool, default=False
            Logarithmic count axis.

        hist_kw : dict, default=None
            Keyword arguments passed to ``Axes.stairs``.

        Returns
        -------
        display : WeightDistributionDisplay
        """
        if zeros not in ("mark", "exclude", "include"):
            raise ValueError(
                f"zeros must be 'mark', 'exclude' or 'include', got {zeros!r}."
            )
        plt = _import_pyplot("WeightDistributionDisplay.plot")
        n = len(self.coefs)
        overlay = False
        if ax is None:
            fig, axes = plt.subplots(n, 1, figsize=(6.4, 1.2 + 1.8 * n),
                                     squeeze=False, layout="constrained")
            axes = axes.ravel()
        elif isinstance(ax, (list, tuple, np.ndarray)):
            axes = np.asarray(ax, dtype=object).ravel()
            if len(axes) != n:
                raise ValueError(f"ax has {len(axes)} axes for {n} layers.")
            fig = axes[0].figure
        else:
            axes = np.array([ax] * n, dtype=object)
            fig = ax.figure
            overlay = n > 1

        self.counts_, self.bin_edges_, self.hists_, self.zero_bars_ = [], [], [], []
        for i, (W, a, layer) in enumerate(zip(self.coefs, axes, self.layer_names)):
            w = W.ravel()
            is_zero = w == 0
            values = w if zeros == "include" else w[~is_zero]
            counts, edges = np.histogram(values, bins=bins)
            total = w.size if w.size else 1
            scale = 1.0
            if density:
                # unit area over all weights, zeros included when marked
                widths = np.diff(edges)
                scale = 1.0 / (total * widths) if total else 1.0
            heights = counts * scale
            kw = {"fill": True, "alpha": 0.8, "color": "C0"}
            if overlay:
                kw.update(alpha=0.5, color=f"C{i}",
                          label=f"{layer}: {self.zero_fraction[i]:.1%} exactly zero")
            kw.update(hist_kw or {})
            hist = a.stairs(heights, edges, **kw)
            zero_bar = None
            n_zero = int(is_zero.sum())
            if zeros == "mark" and n_zero:
                height = n_zero / total if density else n_zero
                zero_bar = a.vlines(0.0, 0.0, height, colors="C3" if not overlay
                                    else f"C{i}", linewidth=3,
                                    label=f"exact zeros ({n_zero})" if not overlay
                                    else None)
            self.counts_.append(counts)
            self.bin_edges_.append(edges)
            self.hists_.append(hist)
            self.zero_bars_.append(zero_bar)
            if log:
                a.set_yscale("log")
            if not overlay:
                a.set_title(f"{layer}: {self.zero_fraction[i]:.1%} of "
                            f"{self.n_weights[i]} weights exactly zero", fontsize="medium")
                if zero_bar is not None:
                    a.legend(loc="upper right", fontsize="small")
            a.set_ylabel("density" if density else "count")
        axes[-1].set_xlabel("weight value")
        if overlay:
            axes[0].legend(fontsize="small")
        if self.name:
            fig.suptitle(self.name)
        self.axes_ = axes
        self.ax_ = axes[0]
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, estimator, *, layers=None, ax=None, name=None, bins=30,
                       zeros="mark", density=False, log=False, hist_kw=None):
        """Plot the weight histograms of a fitted estimator.

        Parameters
        ----------
        estimator : fitted MLPClassifier or MLPRegressor
            Any estimator with a ``coefs_`` list.

        layers : list of int, default=None
            Indices into ``coefs_`` of the layers to draw (all when None).

        ax : matplotlib Axes, array of Axes or None, default=None
            Where to draw; see :meth:`plot`.

        name : str, default=None
            Figure title; none when None.

        bins, zeros, density, log, hist_kw
            See :meth:`plot`.

        Returns
        -------
        display : WeightDistributionDisplay
        """
        check_is_fitted(estimator, "coefs_")
        coefs = list(estimator.coefs_)
        index = range(len(coefs)) if layers is None else list(layers)
        for i in index:
            if not isinstance(i, numbers.Integral) or not -len(coefs) <= i < len(coefs):
                raise ValueError(
                    f"layers must hold indices into coefs_ (0 to {len(coefs) - 1}), "
                    f"got {layers!r}."
                )
        picked = [coefs[i] for i in index]
        names = [f"layer {i % len(coefs) + 1} ({coefs[i].shape[0]} x {coefs[i].shape[1]})"
                 for i in index]
        disp = cls(picked, layer_names=names, name=name)
        return disp.plot(ax=ax, bins=bins, zeros=zeros, density=density, log=log,
                         hist_kw=hist_kw)


class LearningRateRangeDisplay:
    """Loss against learning rate from a range test, with the suggestion marked.

    Draws the raw mini-batch objective of each step of
    :func:`skreg.lr_range_test` (faint) and its smoothed curve against the
    rate on a logarithmic x-axis, and a vertical line at the suggested rate.

    Parameters
    ----------
    lrs : array-like of shape (n_steps,)
        The rate of each step.
    losses : array-like of shape (n_steps,)
        The raw mini-batch objective of each step.
    smoothed_losses : array-like of shape (n_steps,) or None, default=None
        The smoothed curve.
    suggestion : float or None, default=None
        The suggested rate, marked with a vertical line.
    rule : str or None, default=None
        The rule that chose it (shown in the legend).
    name : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    raw_line_, smoothed_line_ : matplotlib Line2D
    suggestion_line_ : matplotlib Line2D or None
    ax_, figure_ : matplotlib Axes and Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier
    >>> from skreg.plotting import LearningRateRangeDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> disp = LearningRateRangeDisplay.from_estimator(
    ...     MLPClassifier((16,), solver="sgd", random_state=0), X, y)
    >>> bool((disp.smoothed_line_.get_xdata() == disp.lrs).all())
    True
    >>> plt.close(disp.figure_)
    """

    def __init__(self, lrs, losses, *, smoothed_losses=None, suggestion=None, rule=None,
                 name=None):
        self.lrs = _as_curve(lrs, "lrs")
        self.losses = _as_curve(losses, "losses")
        if self.lrs is None or self.losses is None or len(self.lrs) != len(self.losses):
            raise ValueError(
                "lrs and losses must be non-empty and of the same length, got "
                f"{0 if self.lrs is None else len(self.lrs)} and "
                f"{0 if self.losses is None else len(self.losses)}."
            )
        if not (self.lrs > 0).all():
            raise ValueError("lrs must be positive (they are drawn on a log axis).")
        self.smoothed_losses = _as_curve(smoothed_losses, "smoothed_losses")
        if self.smoothed_losses is not None and len(self.smoothed_losses) != len(self.lrs):
            raise ValueError("smoothed_losses must have the same length as lrs.")
        if suggestion is not None and not (isinstance(suggestion, numbers.Real) and suggestion > 0):
            raise ValueError(f"suggestion must be a positive number or None, got {suggestion!r}.")
        self.suggestion = suggestion
        self.rule = rule
        self.name = name

    def plot(self, ax=None, *, raw_kw=None, smoothed_kw=None, suggestion_kw=None):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; a new figure when None.
        raw_kw, smoothed_kw, suggestion_kw : dict, default=None
            Keyword arguments for ``Axes.plot`` (the two curves) and
            ``Axes.axvline`` (the suggestion).

        Returns
        -------
        self : LearningRateRangeDisplay
        """
        plt = _import_pyplot("LearningRateRangeDisplay")
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        (self.raw_line_,) = ax.plot(self.lrs, self.losses, **{
            "color": "0.6", "alpha": 0.6, "lw": 1, "label": "mini-batch loss",
            **(raw_kw or {})})
        self.smoothed_line_ = None
        curve = self.smoothed_losses if self.smoothed_losses is not None else self.losses
        if self.smoothed_losses is not None:
            (self.smoothed_line_,) = ax.plot(self.lrs, self.smoothed_losses, **{
                "color": "C0", "lw": 2, "label": "smoothed", **(smoothed_kw or {})})
        self.suggestion_line_ = None
        if self.suggestion is not None:
            label = f"suggested {self.suggestion:.2g}"
            if self.rule:
                label += f" ({self.rule})"
            self.suggestion_line_ = ax.axvline(self.suggestion, **{
                "color": "C3", "ls": "--", "label": label, **(suggestion_kw or {})})
        ax.set_xscale("log")
        # the interesting part is below the blow-up: clip the y-range to it
        good = curve[np.isfinite(curve)]
        if good.size:
            lo, hi = float(np.min(good)), float(good[0])
            span = max(hi - lo, 1e-12 * max(abs(hi), 1.0))
            ax.set_ylim(lo - 0.1 * span, max(hi, lo) + 0.6 * span)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training objective")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best", framealpha=0.9)
        if self.name:
            ax.set_title(self.name)
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_result(cls, result, *, ax=None, name=None, **kwargs):
        """Draw the result of :func:`skreg.lr_range_test` (or an estimator's
        ``lr_range_test_``).

        Parameters
        ----------
        result : Bunch or dict
            With ``lrs``, ``losses`` and, when present, ``smoothed_losses``,
            ``suggestion`` and ``rule``.
        ax : matplotlib Axes or None, default=None
        name : str or None, default=None
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : LearningRateRangeDisplay
        """
        if result is None:
            raise ValueError(
                "no range test to draw: the estimator's lr_range_test_ is None "
                "(it is set by learning_rate_init='auto')."
            )
        disp = cls(result["lrs"], result["losses"],
                   smoothed_losses=result.get("smoothed_losses"),
                   suggestion=result.get("suggestion"), rule=result.get("rule"), name=name)
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None, ax=None, name=None,
                       raw_kw=None, smoothed_kw=None, suggestion_kw=None, **test_kwargs):
        """Run :func:`skreg.lr_range_test` on ``estimator`` and draw it.

        Parameters
        ----------
        estimator : MLPClassifier or MLPRegressor
            Not modified.
        X, y : the data of the test
        sample_weight : array-like or None, default=None
        ax : matplotlib Axes or None, default=None
        name : str or None, default=None
        raw_kw, smoothed_kw, suggestion_kw : dict, default=None
            See :meth:`plot`.
        **test_kwargs
            Settings of :func:`skreg.lr_range_test` (``min_lr``, ``rule``, ...).

        Returns
        -------
        display : LearningRateRangeDisplay
            Its ``result`` attribute holds the test's result.
        """
        from ._range_test import lr_range_test

        result = lr_range_test(estimator, X, y, sample_weight=sample_weight, **test_kwargs)
        disp = cls.from_result(result, ax=ax, name=name, raw_kw=raw_kw,
                               smoothed_kw=smoothed_kw, suggestion_kw=suggestion_kw)
        disp.result = result
        return disp


class HalvingSearchDisplay:
    """The rounds of a successive-halving search: each candidate's
    cross-validated score against the resource it was given.

    Draws one faint line per candidate from round to round (it stops where
    the candidate was eliminated), a point per evaluation, and the path of
    the finally chosen candidate in colour, on a logarithmic resource axis
    with the number of candidates of each round written above it. Works for
    :class:`skreg.MLPClassifierCV` / :class:`skreg.MLPRegressorCV` (the
    resource is ``max_iter``, the epochs) and for scikit-learn's
    ``HalvingGridSearchCV`` / ``HalvingRandomSearchCV``.

    Parameters
    ----------
    cv_results : dict
        A halving search's ``cv_results_``: ``params``, ``iter``,
        ``n_resources`` and ``mean_test_score``.
    resource : str, default='max_iter'
        The parameter the rounds grow (``'n_samples'`` grows no parameter).
        Two rows are the same candidate when their parameters agree except
        for this one.
    best_index : int or None, default=None
        The row of the chosen candidate, whose path is highlighted.
    name : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    paths : list of (ndarray, ndarray)
        Resources and scores of each candidate, in the order first drawn.
    candidate_lines_ : list of matplotlib Line2D
    best_line_ : matplotlib Line2D or None
    ax_, figure_ : matplotlib Axes and Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import MLPClassifier, MLPClassifierCV
    >>> from skreg.plotting import HalvingSearchDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> search = MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=12),
    ...                          n_candidates=4, factor=2, cv=3, random_state=0).fit(X, y)
    >>> disp = HalvingSearchDisplay.from_estimator(search)
    >>> len(disp.paths), sorted(len(res) for res, _ in disp.paths)  # 4 -> 2 -> 1
    (4, [1, 1, 2, 3])
    >>> plt.close(disp.figure_)
    """

    def __init__(self, cv_results, *, resource="max_iter", best_index=None, name=None):
        missing = [k for k in ("params", "iter", "n_resources", "mean_test_score")
                   if k not in cv_results]
        if missing:
            raise ValueError(
                f"cv_results lacks {missing}: it must be the cv_results_ of a halving "
                "search (MLPClassifierCV, MLPRegressorCV, HalvingGridSearchCV or "
                "HalvingRandomSearchCV)."
            )
        self.cv_results = cv_results
        self.resource = resource
        self.best_index = best_index
        self.name = name
        from ._search import _candidate_key

        self._rows = {}  # candidate key -> its rows, in round order
        for i, params in enumerate(cv_results["params"]):
            self._rows.setdefault(_candidate_key(params, resource), []).append(i)
        res = np.asarray(cv_results["n_resources"], dtype=float)
        score = np.asarray(cv_results["mean_test_score"], dtype=float)
        self.paths = [(res[rows], score[rows]) for rows in self._rows.values()]

    def plot(self, ax=None, *, candidate_kw=None, best_kw=None):
        """Draw the rounds.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; a new figure when None.
        candidate_kw, best_kw : dict, default=None
            Keyword arguments for ``Axes.plot`` of the candidates' paths and
            of the chosen candidate's path.

        Returns
        -------
        self : HalvingSearchDisplay
        """
        plt = _import_pyplot("HalvingSearchDisplay")
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 4))
        else:
            fig = ax.figure
        self.candidate_lines_ = []
        best_rows = None
        for rows, (res, score) in zip(self._rows.values(), self.paths):
            if self.best_index is not None and self.best_index in rows:
                best_rows = (res, score)
            (line,) = ax.plot(res, score, **{"color": "0.55", "alpha": 0.6, "lw": 1,
                                             "marker": "o", "ms": 3, **(candidate_kw or {})})
            self.candidate_lines_.append(line)
        self.best_line_ = None
        if best_rows is not None:
            (self.best_line_,) = ax.plot(*best_rows, **{
                "color": "C3", "lw": 2.5, "marker": "o", "ms": 6, "label": "chosen candidate",
                **(best_kw or {})})
            ax.legend(loc="lower right", framealpha=0.9)
        res = np.asarray(self.cv_results["n_resources"])
        it = np.asarray(self.cv_results["iter"])
        rounds = sorted(set(it.tolist()))
        ticks = [res[it == r][0] for r in rounds]
        ax.set_xscale("log")
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks])
        ax.minorticks_off()
        for r, t in zip(rounds, ticks):
            ax.annotate(f"{int((it == r).sum())}", (t, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                        fontsize=8, color="0.3")
        ax.set_xlabel(f"{self.resource} (resource of the round)")
        ax.set_ylabel("mean cross-validated score")
        ax.grid(True, alpha=0.3)
        if self.name:
            ax.set_title(self.name, pad=14)
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, search, *, ax=None, name=None, **kwargs):
        """Draw a fitted halving search.

        Parameters
        ----------
        search : MLPClassifierCV, MLPRegressorCV or a fitted scikit-learn halving search
        ax : matplotlib Axes or None, default=None
        name : str or None, default=None
        **kwargs
            Passed to :meth:`plot`.

        Returns
        -------
        display : HalvingSearchDisplay
        """
        check_is_fitted(search, "cv_results_")
        resource = getattr(search, "resource", "max_iter")
        disp = cls(search.cv_results_, resource=resource,
                   best_index=getattr(search, "best_index_", None), name=name)
        return disp.plot(ax=ax, **kwargs)


class GroupLassoPathDisplay:
    """A group-lasso path: each input's first-layer row norm against alpha.

    One line per input on a logarithmic alpha axis (the dense point,
    ``alpha=0``, at the left edge, marked "dense"); a line ends where the
    input leaves the path. The ``n_highlight`` inputs that stay longest are
    drawn in colour and labelled, the others in grey. The validation (or
    mean cross-validated) score per point goes on a second axis, and the
    chosen alpha, if any, is a vertical line.

    Parameters
    ----------
    alphas : array-like of shape (n_points,)
        The path's alphas, increasing; the first may be 0 (the dense fit).
    row_norms : array-like of shape (n_points, n_features)
    scores : array-like of shape (n_points,) or None, default=None
    chosen_alpha : float or None, default=None
    feature_names : sequence of str or None, default=None
    n_highlight : int, default=8
    name : str or None, default=None
        Title of the axes.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One per input.
    score_line_ : matplotlib Line2D or None
    chosen_line_ : matplotlib Line2D or None
    ax_, score_ax_, figure_ : matplotlib Axes, Axes (or None) and Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import make_friedman1
    >>> from skreg import MLPRegressor, group_lasso_path
    >>> from skreg.plotting import GroupLassoPathDisplay
    >>> X, y = make_friedman1(n_samples=200, n_features=6, random_state=0)
    >>> path = group_lasso_path(MLPRegressor(penalty="group_lasso", hidden_layer_sizes=(8,),
    ...                                      max_iter=30, random_state=0),
    ...                         X, y, n_alphas=5, path_max_iter=5, random_state=0)
    >>> disp = GroupLassoPathDisplay.from_path(path)
    >>> len(disp.lines_)
    6
    >>> plt.close(disp.figure_)
    """

    def __init__(self, alphas, row_norms, *, scores=None, chosen_alpha=None,
                 feature_names=None, n_highlight=8, name=None):
        self.alphas = np.asarray(alphas, dtype=float)
        self.row_norms = np.asarray(row_norms, dtype=float)
        if self.alphas.ndim != 1 or self.row_norms.shape[:1] != self.alphas.shape:
            raise ValueError(
                f"row_norms must have one row per alpha: got alphas of shape "
                f"{self.alphas.shape} and row_norms of shape {self.row_norms.shape}."
            )
        self.scores = None if scores is None else np.asarray(scores, dtype=float)
        self.chosen_alpha = chosen_alpha
        n = self.row_norms.shape[1]
        self.feature_names = (list(feature_names) if feature_names is not None
                              else [f"x{i}" for i in range(n)])
        self.n_highlight = n_highlight
        self.name = name

    def _x(self):
        """Plotting positions: 0 (the dense point) one grid step left of the
        smallest positive alpha."""
        x = self.alphas.copy()
        positive = x[x > 0]
        if x.size and x[0] == 0 and positive.size:
            step = positive[1] / positive[0] if positive.size > 1 else 2.0
            x[0] = positive[0] / step
        return x

    def plot(self, ax=None, *, line_kw=None, score_kw=None):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
        line_kw, score_kw : dict, default=None
            Keyword arguments for ``Axes.plot`` of the inputs' lines and of
            the score line.

        Returns
        -------
        self : GroupLassoPathDisplay
        """
        plt = _import_pyplot("GroupLassoPathDisplay")
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        x = self._x()
        from .selection import last_inside

        last = last_inside(self.row_norms > 0)
        top = set(np.argsort(-last, kind="stable")[:self.n_highlight].tolist())
        self.lines_ = []
        colour = 0
        for j in range(self.row_norms.shape[1]):
            # draw up to the first point where the input is out for good
            stop = min(last[j] + 2, len(x))
            kw = {"lw": 1, "color": "0.7", "zorder": 1}
            if j in top:
                kw = {"lw": 1.8, "color": f"C{colour % 10}", "zorder": 2,
                      "label": self.feature_names[j]}
                colour += 1
            (line,) = ax.plot(x[:stop], self.row_norms[:stop, j], **{**kw, **(line_kw or {})})
            self.lines_.append(line)
        ax.set_xscale("log")
        ax.set_xlabel("alpha (log scale; leftmost point: the dense fit, alpha=0)")
        ax.set_ylabel("first-layer row norm ||W_1[i, :]||")
        if self.alphas.size and self.alphas[0] == 0:
            ax.annotate("dense", (x[0], 1.0), xycoords=("data", "axes fraction"),
                        xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8, color="0.3")
        self.score_ax_, self.score_line_ = None, None
        if self.scores is not None:
            self.score_ax_ = ax.twinx()
            (self.score_line_,) = self.score_ax_.plot(
                x, self.scores, **{"color": "k", "ls": "--", "lw": 1.5, "marker": ".",
                                   "label": "score", **(score_kw or {})})
            self.score_ax_.set_ylabel("score (dashed)")
        self.chosen_line_ = None
        if self.chosen_alpha is not None:
            where = self.chosen_alpha if self.chosen_alpha > 0 else x[0]
            self.chosen_line_ = ax.axvline(where, color="C3", ls=":", lw=1.5,
                                           label="chosen alpha")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
        ax.grid(True, alpha=0.3)
        if self.name:
            ax.set_title(self.name, pad=14)
        self.ax_ = ax
        self.figure_ = fig
        return self

    @classmethod
    def from_path(cls, path, *, ax=None, feature_names=None, n_highlight=8, name=None,
                  **kwargs):
        """Draw the result of :func:`skreg.group_lasso_path` (its validation
        scores, if any).

        Returns
        -------
        display : GroupLassoPathDisplay
        """
        disp = cls(path["alphas"], path["row_norms"], scores=path.get("validation_scores"),
                   feature_names=feature_names, n_highlight=n_highlight, name=name)
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, selector, *, ax=None, n_highlight=8, name=None, **kwargs):
        """Draw a fitted :class:`skreg.GroupLassoSelectorCV`: its whole-data
        path, the mean cross-validated score per point and the chosen alpha.

        Returns
        -------
        display : GroupLassoPathDisplay
        """
        check_is_fitted(selector, "path_")
        names = getattr(selector, "feature_names_in_", None)
        path = selector.path_
        disp = cls(path["alphas"], path["row_norms"], scores=path["mean_cv_scores"],
                   chosen_alpha=selector.alpha_, n_highlight=n_highlight, name=name,
                   feature_names=None if names is None else list(names))
        return disp.plot(ax=ax, **kwargs)

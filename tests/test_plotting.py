"""Tests of skreg.plotting: the displays draw exactly what the estimator holds."""

import subprocess
import sys

import numpy as np
import pytest

# CI installs the "plot" extra, so this skip never fires there.
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skreg import MLPClassifier, MLPRegressor  # noqa: E402
from skreg.plotting import TrainingHistoryDisplay, WeightDistributionDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def es_clf(iris):
    """Classifier fitted with early stopping and a decaying schedule."""
    X, y = iris
    return MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.02,
                         lr_schedule="exponential", early_stopping=True,
                         validation_fraction=0.3, n_iter_no_change=5, max_iter=40,
                         batch_size=32, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def l1_clf(iris):
    """Classifier whose L1 penalty set some weights to exactly zero."""
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(12, 6), penalty="l1", alpha=0.01,
                        learning_rate_init=0.02, max_iter=40, batch_size=32,
                        random_state=0).fit(X, y)
    assert all((c == 0).any() for c in clf.coefs_), "fixture needs exact zeros"
    return clf


# --------------------------------------------------------------- history
def test_history_draws_the_estimator_curves(es_clf):
    est = es_clf
    disp = TrainingHistoryDisplay.from_estimator(est)
    n = len(est.loss_curve_)
    assert n == est.n_iter_
    np.testing.assert_array_equal(disp.loss_line_.get_ydata(), est.loss_curve_)
    np.testing.assert_array_equal(disp.loss_line_.get_xdata(), np.arange(1, n + 1))
    np.testing.assert_array_equal(disp.validation_score_line_.get_ydata(),
                                  est.validation_scores_)
    np.testing.assert_array_equal(disp.validation_loss_line_.get_ydata(),
                                  est.validation_loss_curve_)
    np.testing.assert_array_equal(disp.lr_line_.get_ydata(), est.lr_curve_)
    np.testing.assert_array_equal(disp.lr_line_.get_xdata(), np.arange(1, n + 1))
    # stored data are the estimator's lists
    np.testing.assert_array_equal(disp.loss_curve, est.loss_curve_)
    np.testing.assert_array_equal(disp.validation_scores, est.validation_scores_)
    np.testing.assert_array_equal(disp.lr_curve, est.lr_curve_)


def test_history_marks_the_best_epoch(es_clf):
    est = es_clf
    scores = est.validation_scores_
    # the training loop keeps the first epoch reaching the best score
    best = next(i for i, s in enumerate(scores) if s == max(scores)) + 1
    assert est.best_validation_score_ == scores[best - 1]
    disp = TrainingHistoryDisplay.from_estimator(est)
    assert disp.best_epoch == best
    np.testing.assert_array_equal(disp.best_epoch_line_.get_xdata(), [best, best])


def test_history_axes_layout(es_clf):
    disp = TrainingHistoryDisplay.from_estimator(es_clf)
    assert disp.figure_ is disp.ax_.figure
    # learning rate on its own panel, sharing the epoch axis
    assert disp.lr_ax_ is not disp.ax_
    assert disp.lr_ax_.get_shared_x_axes().joined(disp.lr_ax_, disp.ax_)
    assert disp.lr_ax_.get_yscale() == "log"
    assert disp.score_ax_ is not None
    assert len(disp.figure_.axes) == 3  # loss, score twin, lr


def test_history_on_given_axes(es_clf):
    fig, ax = plt.subplots()
    disp = TrainingHistoryDisplay.from_estimator(es_clf, ax=ax, name="run A")
    assert disp.ax_ is ax and disp.figure_ is fig
    # learning rate and score on twin axes of the same panel
    assert disp.lr_ax_ is not ax and disp.lr_ax_.figure is fig
    assert disp.lr_ax_.get_position().bounds == ax.get_position().bounds
    assert disp.loss_line_.get_label().startswith("run A")

    fig, (a1, a2) = plt.subplots(1, 2)
    disp = TrainingHistoryDisplay.from_estimator(es_clf, ax=(a1, a2))
    assert disp.ax_ is a1 and disp.lr_ax_ is a2
    assert disp.lr_line_ in a2.lines
    with pytest.raises(ValueError, match="pair"):
        TrainingHistoryDisplay.from_estimator(es_clf, ax=[a1, a2, a1])


def test_history_without_early_stopping(iris):
    X, y = iris
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=15, learning_rate_init=0.01,
                        random_state=0).fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(est, plot_lr=False)
    assert disp.validation_scores is None and disp.validation_score_line_ is None
    assert disp.validation_loss_line_ is None and disp.score_ax_ is None
    assert disp.best_epoch is None and disp.best_epoch_line_ is None
    assert disp.lr_line_ is None and disp.lr_ax_ is None
    np.testing.assert_array_equal(disp.loss_line_.get_ydata(), est.loss_curve_)


def test_history_lbfgs_and_sklearn_estimators(iris):
    X, y = make_regression(n_samples=60, n_features=3, noise=1.0, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=30,
                       random_state=0).fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(est)
    assert disp.xlabel == "iteration" and disp.ax_.get_xlabel() == "iteration"
    assert disp.lr_line_ is None  # lbfgs has no learning rate
    np.testing.assert_array_equal(disp.loss_line_.get_ydata(), est.loss_curve_)

    # any estimator with loss_curve_ works, e.g. scikit-learn's own MLP
    X, y = iris
    sk = SkMLPClassifier(hidden_layer_sizes=(5,), max_iter=10, random_state=0).fit(X, y)
    disp = TrainingHistoryDisplay.from_estimator(sk)
    np.testing.assert_array_equal(disp.loss_line_.get_ydata(), sk.loss_curve_)
    assert disp.lr_line_ is None


def test_history_validation_aligned_to_last_epochs():
    loss = np.linspace(2.0, 1.0, 10)
    scores = [0.5, 0.7, 0.6, 0.7]
    disp = TrainingHistoryDisplay(loss, validation_scores=scores,
                                  lr_curve=np.full(10, 0.1), best_epoch=8).plot()
    np.testing.assert_array_equal(disp.validation_score_line_.get_xdata(), [7, 8, 9, 10])
    np.testing.assert_array_equal(disp.best_epoch_line_.get_xdata(), [8, 8])


def test_history_bad_input():
    with pytest.raises(ValueError, match="empty"):
        TrainingHistoryDisplay([])
    with pytest.raises(ValueError, match="best_epoch"):
        TrainingHistoryDisplay([1.0, 0.5], best_epoch=3)
    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(MLPClassifier())


# --------------------------------------------------------------- weights
def test_weights_include_zeros_counts_every_weight(l1_clf):
    est = l1_clf
    disp = WeightDistributionDisplay.from_estimator(est, zeros="include", bins=17)
    assert len(disp.axes_) == len(est.coefs_) == len(disp.counts_)
    for W, counts, edges in zip(est.coefs_, disp.counts_, disp.bin_edges_):
        assert counts.sum() == W.size
        assert len(edges) == 18
        assert edges[0] == W.min() and edges[-1] == W.max()
    assert all(bar is None for bar in disp.zero_bars_)


def test_weights_zero_fraction_and_marked_zeros(l1_clf):
    est = l1_clf
    disp = WeightDistributionDisplay.from_estimator(est)  # zeros="mark"
    for i, W in enumerate(est.coefs_):
        n_zero = sum(1 for v in W.ravel() if v == 0.0)
        assert disp.zero_fraction[i] == pytest.approx(n_zero / W.size)
        assert disp.n_weights[i] == W.shape[0] * W.shape[1]
        # histogram of the non-zero weights + the bar at 0 = every weight
        assert disp.counts_[i].sum() == W.size - n_zero
        (segment,) = disp.zero_bars_[i].get_segments()
        np.testing.assert_array_equal(segment, [[0, 0], [0, n_zero]])
        nonzero = W[W != 0]
        assert disp.bin_edges_[i][0] == nonzero.min()
        assert disp.bin_edges_[i][-1] == nonzero.max()
        assert f"{100 * n_zero / W.size:.1f}%" in disp.axes_[i].get_title()
        # the artist holds the counts drawn
        np.testing.assert_array_equal(disp.hists_[i].get_data().values, disp.counts_[i])


def test_weights_exclude_and_density(l1_clf):
    est = l1_clf
    disp = WeightDistributionDisplay.from_estimator(est, zeros="exclude")
    assert all(bar is None for bar in disp.zero_bars_)
    assert [c.sum() for c in disp.counts_] == [np.sum(W != 0) for W in est.coefs_]

    disp = WeightDistributionDisplay.from_estimator(est, density=True, log=True)
    for i, W in enumerate(est.coefs_):
        heights = disp.hists_[i].get_data().values
        area = np.sum(heights * np.diff(disp.bin_edges_[i]))
        zero_height = disp.zero_bars_[i].get_segments()[0][1, 1]
        # non-zero area + zero share = 1
        assert area + zero_height == pytest.approx(1.0)
        assert disp.axes_[i].get_yscale() == "log"


def test_weights_axes_options(l1_clf):
    est = l1_clf
    fig, ax = plt.subplots()
    disp = WeightDistributionDisplay.from_estimator(est, ax=ax)
    assert all(a is ax for a in disp.axes_) and disp.ax_ is ax and disp.figure_ is fig
    assert len(ax.patches) == len(est.coefs_)

    disp = WeightDistributionDisplay.from_estimator(est, layers=[1])
    assert disp.n_weights.tolist() == [est.coefs_[1].size]
    assert disp.layer_names == ["layer 2 (12 x 6)"]

    fig, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="3 layers"):
        WeightDistributionDisplay.from_estimator(est, ax=axes)
    with pytest.raises(ValueError, match="zeros"):
        WeightDistributionDisplay.from_estimator(est, zeros="drop")
    with pytest.raises(ValueError, match="layers"):
        WeightDistributionDisplay.from_estimator(est, layers=[5])
    with pytest.raises(NotFittedError):
        WeightDistributionDisplay.from_estimator(MLPRegressor())


def test_weights_all_zero_layer():
    W = np.zeros((3, 4))
    disp = WeightDistributionDisplay([W, np.ones((4, 1))]).plot()
    assert disp.zero_fraction.tolist() == [1.0, 0.0]
    assert disp.counts_[0].sum() == 0
    assert disp.zero_bars_[0].get_segments()[0][1, 1] == 12
    assert disp.zero_bars_[1] is None


# --------------------------------------------------------------- matplotlib missing
def test_clear_error_without_matplotlib(monkeypatch, l1_clf, es_clf):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skreg\[plot\]"'):
        WeightDistributionDisplay.from_estimator(l1_clf)
    with pytest.raises(ImportError, match="matplotlib"):
        TrainingHistoryDisplay.from_estimator(es_clf)
    # building the display (no drawing) still works
    disp = WeightDistributionDisplay(l1_clf.coefs_)
    assert disp.n_weights.sum() == sum(W.size for W in l1_clf.coefs_)


def test_module_import_does_not_import_matplotlib():
    code = ("import sys; import skreg.plotting; "
            "sys.exit(1 if 'matplotlib' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_group_lasso_path_display_draws_the_path_and_the_choice():
    from skreg import GroupLassoSelectorCV, MLPRegressor
    from skreg.plotting import GroupLassoPathDisplay

    rng = np.random.RandomState(0)
    X = rng.randn(80, 5)
    y = X[:, 0] - X[:, 1] + 0.1 * rng.randn(80)
    sel = GroupLassoSelectorCV(MLPRegressor(hidden_layer_sizes=(4,), penalty="group_lasso",
                                            max_iter=30, random_state=0),
                               n_alphas=4, path_max_iter=5, cv=2).fit(X, y)
    disp = GroupLassoPathDisplay.from_estimator(sel, n_highlight=2)
    path = sel.path_
    assert len(disp.lines_) == 5
    # each input's line runs to the first point where it is out for good
    for j, line in enumerate(disp.lines_):
        xs, ys = line.get_data()
        np.testing.assert_array_equal(ys, path.row_norms[:len(ys), j])
        if not path.support[-1, j] and len(ys) > 1:
            assert ys[-1] == 0 and ys[-2] > 0
    # the dense point is drawn one grid step left of the first alpha
    xs = disp.lines_[0].get_data()[0]
    assert xs[0] == pytest.approx(path.alphas[1] ** 2 / path.alphas[2])
    np.testing.assert_array_equal(disp.score_line_.get_data()[1], path.mean_cv_scores)
    assert disp.chosen_line_ is not None
    coloured = [line for line in disp.lines_ if line.get_label() in ("x0", "x1")]
    assert len(coloured) == 2  # the two inputs that stay longest are labelled
    plt.close(disp.figure_)
    with pytest.raises(ValueError, match="one row per alpha"):
        GroupLassoPathDisplay([0.0, 1.0], np.zeros((3, 2)))

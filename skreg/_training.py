"""The mini-batch training loop of the stochastic solvers.

One epoch is: draw a permutation (or not), gather each mini-batch into a
reused buffer, compute the objective and its gradient, take the optimizer
step, apply the proximal step of the non-smooth part (L1 or group). After each epoch the loop
records the history, checks that everything is finite, and asks a
:class:`Monitor` whether to stop, reduce the rate ('adaptive') or go on.
"""

import math
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

__all__ = ["Monitor", "train_epochs", "NonFiniteError"]


class NonFiniteError(ValueError):
    """The training loss or the weights became NaN or infinite."""


#: scikit-learn's message for the same condition
_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may "
               "contain large values and need to be preprocessed.")


class Monitor:
    """scikit-learn's no-improvement rule, on the validation score (early
    stopping, higher is better) or on the training loss (lower is better).

    ``update`` returns True when the metric has failed to improve by ``tol``
    for more than ``n_iter_no_change`` consecutive epochs.
    """

    def __init__(self, tol, n_iter_no_change, on_score):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.on_score = on_score
        self.best = -np.inf if on_score else np.inf
        self.count = 0

    def update(self, value):
        """Record ``value``; return (stalled, improved_best)."""
        if self.on_score:
            self.count = self.count + 1 if value < self.best + self.tol else 0
            improved = value > self.best
        else:
            self.count = self.count + 1 if value > self.best - self.tol else 0
            improved = value < self.best
        if improved:
            self.best = value
        return self.count > self.n_iter_no_change, improved


def _batches(n, batch_size):
    for start in range(0, n, batch_size):
        yield start, min(start + batch_size, n)


def train_epochs(est, run, X, Y, sw, evaluate, *, n_epochs, incremental):
    """Run up to ``n_epochs`` epochs of mini-batch training.

    Parameters
    ----------
    est : BaseMLP
        Receives the history attributes (``loss_curve_``, ``n_iter_``, ...).
    run : _Run
        The resolved training set-up (network, parameters, optimizer...).
    X, Y, sw : training data, targets (2-D), sample weights or None.
    evaluate : callable or None
        ``evaluate() -> (score, loss)`` on the validation set (early stopping).
    n_epochs : int
        Epochs this call may run (1 for partial_fit).
    incremental : bool
        partial_fit: one epoch, no convergence warning.
    """
    net, theta, grad = run.net, run.theta, run.grad
    P, G = run.params, run.grads
    nw = net.n_weights
    opt, state, schedule, penalty = run.optimizer, run.opt_state, run.schedule, run.penalty
    alpha, lr_init, rng = run.alpha, run.lr_init, run.rng
    n = X.shape[0]
    batch_size = run.batch_size
    steps = math.ceil(n / batch_size)
    ws = net.workspace(batch_size, theta.dtype)
    sparse = sp.issparse(X)
    if run.shuffle and not sparse:
        Xbuf = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
    Ybuf = np.empty((batch_size,) + Y.shape[1:], dtype=Y.dtype)
    uniform_w = np.full(batch_size, 1.0 / batch_size, dtype=theta.dtype)
    decoupled = opt.decoupled_weight_decay
    theta_w, grad_w = theta[:nw], grad[:nw]
    verbose = est.verbose
    monitor = run.monitor
    skip_single = net.batch_norm and net.n_layers > 1 and n > 1
    on_batch = getattr(run, "on_batch", None)

    for _ in range(n_epochs):
        tic = time.perf_counter()
        k = est.n_iter_
        order = rng.permutation(n) if run.shuffle else None
        accumulated, seen = 0.0, 0
        last_print = tic
        for b, (start, stop) in enumerate(_batches(n, batch_size)):
            m = stop - start
            if m == 1 and skip_single:
                continue  # batch norm cannot normalise a lone trailing sample
            if order is not None:
                idx = order[start:stop]
                # ndarray.take with mode="clip" writes straight into the buffer
                # (mode="raise" goes through a temporary); idx is a permutation
                Xb = X[idx] if sparse else X.take(idx, 0, Xbuf[:m], "clip")
                Yb = Y.take(idx, 0, Ybuf[:m], "clip")
                swb = sw[idx] if sw is not None else None
            else:
                Xb, Yb = X[start:stop], Y[start:stop]
                swb = sw[start:stop] if sw is not None else None
            if swb is None:
                w = uniform_w if m == batch_size else np.full(m, 1.0 / m, dtype=theta.dtype)
            else:
                total = swb.sum()
                w = swb / total if total > 0 else np.zeros_like(swb)
            lr = lr_init * run.plateau_factor * schedule.factor(
                k + b / steps, n_epochs=run.max_iter, steps_per_epoch=steps,
                samples_seen=est.t_ - run.t0,
            )
            loss = ws.loss_grad(P, G, Xb, Yb, w, rng=rng, stats=run.stats)
            if alpha:
                loss += alpha * penalty.value(theta_w)
                if decoupled:
                    # AdamW: W <- W (1 - lr alpha l2) before the Adam step
                    theta_w *= 1.0 - lr * alpha * penalty.l2
                else:
                    penalty.add_grad(theta_w, grad_w, alpha)
            if on_batch is not None:
                on_batch(lr, loss)  # the range test's monitor (may stop the run)
            opt.update(theta, grad, state, lr)
            if alpha and penalty.has_prox:
                step = opt.step_size(state, lr)
                penalty.prox(theta_w, step if np.isscalar(step) else step[:nw], alpha)
            accumulated += loss * m
            seen += m
            if verbose >= 2 and time.perf_counter() - last_print > 0.5:
                last_print = time.perf_counter()
                sys.stdout.write(f"\r  epoch {k + 1}: {100 * stop / n:5.1f}% ")
                sys.stdout.flush()

        epoch_loss = accumulated / seen
        if not (np.isfinite(epoch_loss) and np.isfinite(theta).all()):
            detail = (
                f"The training loss became non-finite ({epoch_loss}) in epoch "
                f"{k + 1} (learning rate {lr:.3g}). The optimisation diverged: "
                "lower learning_rate_init, or scale the input features "
                "(e.g. StandardScaler)."
            )
            if evaluate is None:
                # scikit-learn's message first: users match on it
                raise NonFiniteError(_NON_FINITE + " " + detail)
            # early stopping (as scikit-learn, issue 29504): the epoch is
            # recorded with a nan validation score, the caller keeps the best
            # weights, and training stops with a warning
            est.n_iter_ += 1
            est.t_ += n
            est.loss_ = epoch_loss
            est.loss_curve_.append(epoch_loss)
            est.lr_curve_.append(lr)
            est.validation_scores_.append(np.nan)
            est.validation_loss_curve_.append(np.nan)
            run.diverged = True
            kept = ("the weights this fit started from" if monitor.best == -np.inf
                    else f"the weights of the best validation score ({monitor.best:.6g})")
            warnings.warn(
                detail + f" Early stopping kept {kept} and stopped training.",
                ConvergenceWarning,
            )
            break
        est.n_iter_ += 1
        est.t_ += n
        est.loss_ = epoch_loss
        est.loss_curve_.append(epoch_loss)
        est.lr_curve_.append(lr)

        if evaluate is not None:
            score, val_loss = evaluate()
            est.validation_scores_.append(score)
            est.validation_loss_curve_.append(val_loss)
            stalled, improved = monitor.update(score)
            est.best_validation_score_ = monitor.best
            if improved:
                run.save_best()
        else:
            stalled, improved = monitor.update(epoch_loss)
            est.best_loss_ = monitor.best

        if verbose:
            extra = ""
            if evaluate is not None:
                extra = f", validation score = {score:.6f}, validation loss = {val_loss:.6f}"
            print(
                f"\rIteration {est.n_iter_}, loss = {epoch_loss:.8f}{extra}, "
                f"lr = {lr:.3g}, time = {time.perf_counter() - tic:.3f}s"
            )

        if stalled:
            what = "Validation score" if evaluate is not None else "Training loss"
            msg = (f"{what} did not improve more than tol={est.tol:f} for "
                   f"{est.n_iter_no_change} consecutive epochs.")
            if run.reduce_on_plateau:
                if lr_init * run.plateau_factor <= 1e-6:
                    if verbose:
                        print(msg + " Learning rate too small. Stopping.")
                    break
                run.plateau_factor /= 5.0
                monitor.count = 0
                if verbose:
                    print(msg + f" Setting learning rate to "
                          f"{lr_init * run.plateau_factor:f}")
            else:
                if verbose:
                    print(msg + " Stopping.")
                break

        if incremental:
            break
        if est.n_iter_ == n_epochs:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({n_epochs}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
            )

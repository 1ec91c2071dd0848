"""Parameter layout, forward pass and backward pass of a multilayer perceptron.

All trainable numbers live in ONE flat vector ``theta`` laid out as

    [W_1.ravel(), ..., W_L.ravel(), b_1, ..., b_L, gamma_1.., beta_1..]

(weights first, then every unpenalised parameter: biases and the batch-norm
scale and shift of each hidden layer). ``Network.views(theta)`` returns
per-layer views into it, and a gradient vector has the same layout, so an
optimizer step is a few vectorised calls on the whole vector and a penalty
acts on the slice ``theta[:n_weights]``.
"""

from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from .activations import ACTIVATIONS

__all__ = ["Network", "Params", "BN_EPSILON", "BN_MOMENTUM"]

#: batch normalisation: z_hat = (z - mean) / sqrt(var + BN_EPSILON)
BN_EPSILON = 1e-5
#: running = (1 - BN_MOMENTUM) * running + BN_MOMENTUM * batch (torch convention)
BN_MOMENTUM = 0.1

Params = namedtuple("Params", ["coefs", "intercepts", "gammas", "betas"])


class Network:
    """Layout and arithmetic of an MLP with ``layer_units`` (input to output).

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, input and output included.
    activation : str
        Hidden activation name (see :mod:`skreg.activations`).
    loss : object
        A loss from :mod:`skreg.losses`; its ``link`` is the output activation.
    batch_norm : bool
        Normalise every hidden layer's pre-activation.
    dropout : sequence of float
        Dropout probability of each hidden layer.
    """

    def __init__(self, layer_units, activation, loss, batch_norm=False, dropout=None):
        self.layer_units = list(layer_units)
        self.n_layers = len(self.layer_units) - 1  # weight matrices
        self.activation = activation
        self.loss = loss
        self.batch_norm = bool(batch_norm)
        n_hidden = self.n_layers - 1
        self.dropout = list(dropout) if dropout is not None else [0.0] * n_hidden

        shapes = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self._w_slices, start = [], 0
        for fan_in, fan_out in shapes:
            self._w_slices.append((start, start + fan_in * fan_out, (fan_in, fan_out)))
            start += fan_in * fan_out
        self.n_weights = start
        self._b_slices = []
        for _, fan_out in shapes:
            self._b_slices.append((start, start + fan_out))
            start += fan_out
        self._g_slices, self._beta_slices = [], []
        if self.batch_norm:
            for units in self.layer_units[1:-1]:
                self._g_slices.append((start, start + units))
                start += units
            for units in self.layer_units[1:-1]:
                self._beta_slices.append((start, start + units))
                start += units
        self.size = start

    # ------------------------------------------------------------------ layout
    def views(self, theta):
        """Per-layer views of a flat vector (parameters or gradient)."""
        return Params(
            [theta[a:b].reshape(s) for a, b, s in self._w_slices],
            [theta[a:b] for a, b in self._b_slices],
            [theta[a:b] for a, b in self._g_slices],
            [theta[a:b] for a, b in self._beta_slices],
        )

    def pack(self, params, dtype):
        """A new flat vector holding copies of ``params``."""
        theta = np.empty(self.size, dtype=dtype)
        target = self.views(theta)
        for dst_list, src_list in zip(target, params):
            for dst, src in zip(dst_list, src_list):
                dst[...] = src
        return theta

    def new_stats(self, dtype):
        """Fresh running statistics for batch normalisation (mean 0, var 1)."""
        if not self.batch_norm:
            return None
        units = self.layer_units[1:-1]
        return (
            [np.zeros(u, dtype=dtype) for u in units],
            [np.ones(u, dtype=dtype) for u in units],
        )

    # ----------------------------------------------------------- inference
    def predict(self, params, stats, X, link=True):
        """Network output for ``X`` in inference mode (running statistics of
        batch normalisation, no dropout), after the output activation unless
        ``link=False``."""
        act = ACTIVATIONS[self.activation][0]
        H = X
        for i in range(self.n_layers):
            Z = safe_sparse_dot(H, params.coefs[i])
            if sp.issparse(Z):  # pragma: no cover - dense weights give dense output
                Z = Z.toarray()
            if Z is H or not Z.flags.writeable:
                Z = np.array(Z)
            Z += params.intercepts[i]
            if i < self.n_layers - 1:
                if self.batch_norm:
                    mean, var = stats[0][i], stats[1][i]
                    # z_hat = (z - running_mean) / sqrt(running_var + eps)
                    Z -= mean
                    Z *= params.gammas[i] / np.sqrt(var + BN_EPSILON)
                    Z += params.betas[i]
                act(Z)
            H = Z
        return self.loss.link(H) if link else H

    # ---------------------------------------------------------------- training
    def workspace(self, batch_size, dtype):
        """Buffers for mini-batches of at most ``batch_size`` rows."""
        return _Workspace(self, batch_size, dtype)


class _RowBlock:
    """``block[:n]`` is a contiguous (n, width) view of a shared flat buffer."""

    def __init__(self, flat, width):
        self.flat, self.width = flat, width

    def __getitem__(self, rows):
        n = rows.stop
        return self.flat[: n * self.width].reshape(n, self.width)


class _Workspace:
    """Preallocated buffers for forward and backward passes, so a mini-batch
    allocates (almost) nothing. Smaller batches use the leading rows."""

    def __init__(self, net, batch_size, dtype):
        self.net = net
        self.batch_size = batch_size
        hidden = net.layer_units[1:-1]
        B = batch_size
        # A[i]: output of layer i+1 after its activation (last: raw output, then delta)
        self.A = [np.empty((B, u), dtype=dtype) for u in net.layer_units[1:]]
        # D[i]: error back-propagated into hidden layer i+1
        self.D = [np.empty((B, u), dtype=dtype) for u in hidden]
        # one scratch buffer shared by all hidden layers (contiguous views)
        scratch = np.empty(B * max(hidden, default=0), dtype=dtype)
        self.T = [_RowBlock(scratch, u) for u in hidden]
        self.Zhat = [np.empty((B, u), dtype=dtype) for u in hidden] if net.batch_norm else None
        self.inv_std = [None] * len(hidden)
        self.masks = [
            np.empty((B, u), dtype=dtype) if p > 0 else None
            for u, p in zip(hidden, net.dropout)
        ]
        self.Hd = [
            np.empty((B, u), dtype=dtype) if p > 0 else None
            for u, p in zip(hidden, net.dropout)
        ]
        # column sums as ones @ A: a BLAS call, far cheaper than A.sum(axis=0)
        self.ones = np.ones(B, dtype=dtype)

    def loss_grad(self, params, grads, X, Y, w, *, rng=None, stats=None,
                  momentum=BN_MOMENTUM, masks=None):
        """Data term of the objective on a batch and its gradient.

        Parameters
        ----------
        params, grads : Params
            Views of the parameter vector and of the gradient vector (written).
        X : ndarray or sparse matrix of shape (n, n_features)
        Y : ndarray of shape (n, n_outputs)
        w : ndarray of shape (n,)
            Normalised sample weights (sum to 1, or all 0).
        rng : numpy RandomState, optional
            Draws the dropout masks (required when dropout is used, unless
            ``masks`` are given).
        stats : tuple of lists, optional
            Running batch-norm statistics, updated in place when given.
        momentum : float
            Momentum of the running-statistics update.
        masks : list of ndarray, optional
            Fixed (already scaled) dropout masks, for testing.

        Returns
        -------
        loss : float
            sum_i w_i * loss_i.
        """
        n = X.shape[0]
        sparse_input = sp.issparse(X)
        inputs = self._forward(params, X, n, sparse_input, rng, stats, momentum, masks)
        delta = self.A[self.net.n_layers - 1][:n]
        loss = self.net.loss.loss_and_delta(delta, Y, w)
        self._backward(params, grads, inputs, delta, n, sparse_input)
        return loss

    def _forward(self, params, X, n, sparse_input, rng, stats, momentum, masks):
        """Training-mode forward pass into the buffers; returns the input of
        each layer (the last layer's raw output is left in ``A[-1]``)."""
        net = self.net
        L = net.n_layers
        act = ACTIVATIONS[net.activation][0]
        inputs = [X]  # input of each layer
        ones = self.ones[:n]
        for i in range(L):
            Z = self.A[i][:n]
            H = inputs[i]
            if i == 0 and sparse_input:
                Z[...] = H @ params.coefs[i]
            else:
                np.matmul(H, params.coefs[i], out=Z)
            Z += params.intercepts[i]
            if i == L - 1:
                break
            if net.batch_norm:
                self._batch_norm(params, Z, i, n, ones, stats, momentum)
            act(Z)
            p = net.dropout[i]
            if p > 0:
                M = self.masks[i][:n]
                if masks is not None:
                    M[...] = masks[i]
                else:
                    # inverted dropout: keep with prob 1-p, scale kept by 1/(1-p)
                    M[...] = rng.random_sample(M.shape) >= p
                    M *= 1.0 / (1.0 - p)
                Hd = self.Hd[i][:n]
                np.multiply(Z, M, out=Hd)
                inputs.append(Hd)
            else:
                inputs.append(Z)
        return inputs

    def _batch_norm(self, params, Z, i, n, ones, stats, momentum):
        """Normalise layer i's pre-activation Z in place with the batch
        statistics; update the running statistics when given."""
        # Ioffe & Szegedy 2015: z_hat = (z - mean_B) / sqrt(var_B + eps)
        mean = np.matmul(ones, Z) / n
        Z -= mean
        var = np.einsum("ij,ij->j", Z, Z) / n  # biased batch variance
        inv_std = 1.0 / np.sqrt(var + BN_EPSILON)
        Zhat = self.Zhat[i][:n]
        np.multiply(Z, inv_std, out=Zhat)
        self.inv_std[i] = inv_std
        np.multiply(Zhat, params.gammas[i], out=Z)
        Z += params.betas[i]  # y = gamma * z_hat + beta
        if stats is not None:
            # running = (1 - m) running + m batch; variance unbiased
            unbiased = var * (n / max(n - 1, 1))
            stats[0][i] *= 1.0 - momentum
            stats[0][i] += momentum * mean
            stats[1][i] *= 1.0 - momentum
            stats[1][i] += momentum * unbiased

    def _backward(self, params, grads, inputs, delta, n, sparse_input):
        """Back-propagate ``delta`` (dL/d output) into ``grads``."""
        net = self.net
        dact = ACTIVATIONS[net.activation][1]
        ones = self.ones[:n]
        for i in range(net.n_layers - 1, -1, -1):
            H = inputs[i]
            if i == 0 and sparse_input:
                grads.coefs[i][...] = safe_sparse_dot(H.T, delta)
            else:
                np.matmul(H.T, delta, out=grads.coefs[i])
            np.matmul(ones, delta, out=grads.intercepts[i])
            if i == 0:
                break
            j = i - 1  # hidden layer receiving the error
            dH = self.D[j][:n]
            np.matmul(delta, params.coefs[i].T, out=dH)
            if net.dropout[j] > 0:
                dH *= self.masks[j][:n]
            dact(self.A[j][:n], dH, self.T[j][:n])  # dL/dy, y = pre-activation
            if net.batch_norm:
                Zhat = self.Zhat[j][:n]
                T = self.T[j][:n]
                np.multiply(dH, Zhat, out=T)
                np.matmul(ones, T, out=grads.gammas[j])  # dL/dgamma
                np.matmul(ones, dH, out=grads.betas[j])  # dL/dbeta
                # dL/dz = inv_std / n * (n g - sum(g) - z_hat * sum(g z_hat)),
                # with g = dL/dz_hat = gamma * dL/dy
                g_sum = grads.betas[j] * params.gammas[j]
                gz_sum = grads.gammas[j] * params.gammas[j]
                dH *= params.gammas[j]
                dH -= g_sum / n
                np.multiply(Zhat, gz_sum / n, out=T)
                dH -= T
                dH *= self.inv_std[j]
            delta = dH

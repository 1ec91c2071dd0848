"""Batch normalisation folded into the weights it follows.

At inference a batch-normalised hidden layer computes, per unit j,

    z_j = gamma_j * (x @ W[:, j] + b_j - mean_j) / sqrt(var_j + eps) + beta_j

which is again an affine map of x: with s_j = gamma_j / sqrt(var_j + eps),

    W'[:, j] = W[:, j] * s_j,      b'_j = (b_j - mean_j) * s_j + beta_j.

This is the one place that algebra is written; export and pruning use it.
"""

import numpy as np

from ._network import BN_EPSILON

__all__ = ["fold_batch_norm"]


def fold_batch_norm(coefs, intercepts, gammas, betas, means, variances, eps=BN_EPSILON):
    """Weights and biases of the plain network equal to a batch-normalised one.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        Weight matrices (fan_in, fan_out) and biases of every layer.
    gammas, betas, means, variances : list of ndarray
        Scale, shift and running statistics of each *hidden* layer; empty
        lists mean no batch normalisation (the inputs are copied unchanged).
    eps : float
        The epsilon added to the running variance.

    Returns
    -------
    coefs, intercepts : list of ndarray
        New arrays (the inputs are not modified); the output layer is copied
        as it is, since it is never normalised.
    """
    new_coefs = [np.array(W, copy=True) for W in coefs]
    new_intercepts = [np.array(b, copy=True) for b in intercepts]
    if not gammas:
        return new_coefs, new_intercepts
    if not (len(gammas) == len(betas) == len(means) == len(variances) == len(coefs) - 1):
        raise ValueError(
            "fold_batch_norm needs one gamma, beta, mean and variance per hidden "
            f"layer ({len(coefs) - 1}); got {len(gammas)}, {len(betas)}, "
            f"{len(means)}, {len(variances)}."
        )
    for i, (g, beta, mean, var) in enumerate(zip(gammas, betas, means, variances)):
        # s = gamma / sqrt(var + eps): the per-unit scale of the normalisation
        scale = g / np.sqrt(var + eps)
        new_coefs[i] *= scale
        new_intercepts[i] = (new_intercepts[i] - mean) * scale + beta
    return new_coefs, new_intercepts

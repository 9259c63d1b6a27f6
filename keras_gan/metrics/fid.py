"""Fréchet Inception Distance (FID), pure NumPy in float64.

Paper: M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter,
"GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium", NeurIPS 2017 (https://arxiv.org/abs/1706.08500).

Reference implementations matched: pytorch-fidelity's
`fid_features_to_statistics` / `fid_statistics_to_metric`
(https://github.com/toshas/torch-fidelity, `torch_fidelity/metric_fid.py`)
and pytorch-fid (https://github.com/mseitzer/pytorch-fid): mean and
covariance with `ddof=1`, then

    FID = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2)).

Unlike the references, `tr(sqrtm(S1 S2))` is computed without SciPy as the
sum of the square roots of the (clipped at 0) eigenvalues of the symmetric PSD
matrix `sqrtm(S1) S2 sqrtm(S1)`, which is similar to `S1 S2` and so has the
same eigenvalues. This never yields NaN or complex values, also for
rank-deficient covariances (fewer samples than dimensions, duplicated
features). The result is clipped at 0.
"""

import numpy as np

from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_features
from keras_gan.metrics._validation import check_finite
from keras_gan.metrics._validation import check_same_num_features
from keras_gan.metrics._validation import to_float64

KEY_FID = "fid"

# Allowed relative asymmetry max|S - S^T| / max(1, max|S|) of a covariance.
_SYMMETRY_RTOL = 1e-5


def fid_features_to_statistics(features):
    """Computes the mean and covariance (`ddof=1`) of a feature matrix.

    Args:
        features: Array of shape `(num_samples, dim)`, e.g. Inception pool3
            activations; `num_samples` must be at least 2.

    Returns:
        A tuple `(mu, sigma)` of float64 arrays with shapes `(dim,)` and
        `(dim, dim)`; `sigma` is exactly symmetric.

    Raises:
        ValueError: If `features` is not 2-D, has fewer than 2 rows or holds
            NaN/inf.

    Example:

    >>> import numpy as np
    >>> mu, sigma = fid_features_to_statistics(np.eye(3))
    >>> mu.shape, sigma.shape
    ((3,), (3, 3))
    """
    features = check_features(
        features,
        "features",
        min_samples=2,
        reason="to estimate a covariance matrix with ddof=1",
    )
    mu = features.mean(axis=0)
    centred = features - mu
    sigma = centred.T @ centred / (features.shape[0] - 1)
    return mu, _symmetrize(sigma)


def fid_statistics_to_metric(mu1, sigma1, mu2, sigma2):
    """Computes the Fréchet distance between two Gaussians.

    Args:
        mu1: Mean of the first Gaussian, shape `(dim,)`.
        sigma1: Covariance of the first Gaussian, symmetric PSD of shape
            `(dim, dim)`.
        mu2: Mean of the second Gaussian, shape `(dim,)`.
        sigma2: Covariance of the second Gaussian, shape `(dim, dim)`.

    Returns:
        The FID as a Python float, always finite and `>= 0`.

    Raises:
        ValueError: If shapes are inconsistent, a covariance is not square or
            not symmetric (relative tolerance 1e-5), or any value is NaN/inf.

    Example:

    >>> import numpy as np
    >>> fid_statistics_to_metric(
    ...     np.zeros(2), np.eye(2), np.array([3.0, 4.0]), np.eye(2))
    25.0
    """
    mu1 = _check_mean(mu1, "mu1")
    mu2 = _check_mean(mu2, "mu2")
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"`mu1` and `mu2` must have the same shape; received {mu1.shape} and {mu2.shape}."
        )
    sigma1 = _check_covariance(sigma1, "sigma1", mu1.shape[0])
    sigma2 = _check_covariance(sigma2, "sigma2", mu2.shape[0])

    diff = mu1 - mu2
    tr_covmean = trace_sqrt_product(sigma1, sigma2)
    fid = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(max(fid, 0.0))


def fid_from_features(features1, features2):
    """Computes the FID between two feature matrices.

    Args:
        features1: Array of shape `(num_samples1, dim)`, at least 2 rows.
        features2: Array of shape `(num_samples2, dim)`, at least 2 rows.

    Returns:
        The FID as a Python float, always finite and `>= 0`.

    Raises:
        ValueError: If either input is invalid (see
            `fid_features_to_statistics`) or the feature dims differ.

    Example:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 8))
    >>> fid_from_features(x, x) < 1e-9
    True
    """
    features1 = check_features(
        features1,
        "features1",
        min_samples=2,
        reason="to estimate a covariance matrix with ddof=1",
    )
    features2 = check_features(
        features2,
        "features2",
        min_samples=2,
        reason="to estimate a covariance matrix with ddof=1",
    )
    check_same_num_features(features1, features2, "features1", "features2")
    mu1, sigma1 = fid_features_to_statistics(features1)
    mu2, sigma2 = fid_features_to_statistics(features2)
    return fid_statistics_to_metric(mu1, sigma1, mu2, sigma2)


def trace_sqrt_product(sigma1, sigma2):
    """Computes `tr(sqrtm(sigma1 @ sigma2))` for symmetric PSD matrices.

    Uses `tr(sqrtm(S1 S2)) = sum(sqrt(eig(sqrtm(S1) S2 sqrtm(S1))))`, with
    `sqrtm(S1)` from `np.linalg.eigh` and all eigenvalues clipped at 0. No
    input validation: callers pass validated, symmetric float64 matrices.

    Args:
        sigma1: Symmetric PSD matrix of shape `(dim, dim)`.
        sigma2: Symmetric PSD matrix of shape `(dim, dim)`.

    Returns:
        The trace as a Python float, `>= 0`.
    """
    eigvals, eigvecs = np.linalg.eigh(sigma1)
    root1 = (eigvecs * np.sqrt(np.clip(eigvals, 0.0, None))) @ eigvecs.T
    inner = _symmetrize(root1 @ sigma2 @ root1)
    inner_eigvals = np.linalg.eigvalsh(inner)
    return float(np.sqrt(np.clip(inner_eigvals, 0.0, None)).sum())


@register_metric("fid")
def fid_metric(inputs):
    """Registered "fid": `fid_from_features(real_features, fake_features)`."""
    real = check_features(
        inputs.real_features,
        "real_features",
        min_samples=2,
        reason="to estimate a covariance matrix with ddof=1",
    )
    fake = check_features(
        inputs.fake_features,
        "fake_features",
        min_samples=2,
        reason="to estimate a covariance matrix with ddof=1",
    )
    check_same_num_features(real, fake, "real_features", "fake_features")
    return {KEY_FID: fid_from_features(real, fake)}


def _symmetrize(matrix):
    return 0.5 * (matrix + matrix.T)


def _check_mean(mu, name):
    mu = to_float64(mu, name)
    if mu.ndim != 1 or mu.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty 1-D mean vector of shape (dim,); "
            f"received shape {mu.shape}."
        )
    check_finite(mu, name)
    return mu


def _check_covariance(sigma, name, dim):
    sigma = to_float64(sigma, name)
    if sigma.shape != (dim, dim):
        raise ValueError(
            f"`{name}` must be a square covariance matrix of shape "
            f"({dim}, {dim}) matching its mean vector; received shape "
            f"{sigma.shape}."
        )
    check_finite(sigma, name)
    asymmetry = float(np.abs(sigma - sigma.T).max())
    scale = max(1.0, float(np.abs(sigma).max()))
    if asymmetry > _SYMMETRY_RTOL * scale:
        raise ValueError(
            f"`{name}` must be a symmetric covariance matrix; received a "
            f"matrix with max|S - S^T| = {asymmetry:.3g} (allowed "
            f"{_SYMMETRY_RTOL * scale:.3g})."
        )
    return _symmetrize(sigma)

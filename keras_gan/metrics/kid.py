"""Kernel Inception Distance (KID), pure NumPy in float64.

Paper: M. Bińkowski, D. J. Sutherland, M. Arbel, A. Gretton, "Demystifying
MMD GANs", ICLR 2018 (https://arxiv.org/abs/1801.01401).

Reference implementations matched: torch-fidelity `torch_fidelity/metric_kid.py`
(`kid_features_to_metric`, `polynomial_kernel`, `mmd2` with the unbiased
estimator; https://github.com/toshas/torch-fidelity) and the authors' code in
https://github.com/mbinkowski/MMD-GAN (also in google/compare_gan): the
unbiased estimate of MMD^2 with the cubic polynomial kernel

    k(x, y) = (gamma * x . y + coef0) ** degree,  gamma = 1 / dim,

averaged over `subsets` random subsets of `subset_size` samples drawn without
replacement from each set; the result is the mean and the (ddof=0) standard
deviation of the per-subset estimates.

Subset size. torch-fidelity uses `subset_size=1000` and refuses a larger
subset than either set. Here an explicit `subset_size` larger than either
set also raises, but the default (`subset_size=None`) is
`min(1000, min(n1, n2) // 2)` (at least 2): with n = 1000 images a fixed
1000 would make every subset the whole set, so all estimates would be equal
(`kid_std` exactly 0) and the repetitions wasted. Half the set gives subsets
that differ, so `kid_std` measures the subset-to-subset spread. From 2000
images per set on, the default equals torch-fidelity's. Subsets are drawn
with `np.random.default_rng(seed)`.

Speed. When it takes fewer operations (sets not much larger than the
subsets, e.g. 1000 images and subsets of 500), the three kernels are
computed once over the whole sets, in row blocks, and every subset's sums
are read from them with 0/1 indicator matrices, instead of recomputing
three kernels per subset; the estimates are the same up to floating-point
summation order.
"""

import numpy as np

from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_features
from keras_gan.metrics._validation import check_float_range
from keras_gan.metrics._validation import check_int
from keras_gan.metrics._validation import check_same_num_features

KEY_KID_MEAN = "kid_mean"
KEY_KID_STD = "kid_std"

# torch-fidelity's default subset size, the cap of the default here.
DEFAULT_SUBSET_SIZE = 1000
# Kernel values held at once (float64, 32 MiB) when whole-set kernels are
# computed in row blocks.
_BLOCK_VALUES = 1 << 22


def default_subset_size(num_samples1, num_samples2):
    """Returns the default KID subset size for two sets.

    `min(1000, min(num_samples1, num_samples2) // 2)`, at least 2: half the
    smaller set, so that random subsets differ, capped at torch-fidelity's
    1000.

    Args:
        num_samples1: number of samples in the first set, >= 2.
        num_samples2: number of samples in the second set, >= 2.

    Returns:
        The subset size, an int >= 2.

    Example:

    >>> default_subset_size(1000, 1000), default_subset_size(50000, 10000)
    (500, 1000)
    """
    smaller = min(int(num_samples1), int(num_samples2))
    return max(2, min(DEFAULT_SUBSET_SIZE, smaller // 2))


def polynomial_kernel(x, y, *, degree=3, gamma=None, coef0=1.0):
    """Computes the polynomial kernel matrix `(gamma * x @ y.T + coef0) ** degree`.

    Args:
        x: Float64 array of shape `(n, dim)`.
        y: Float64 array of shape `(m, dim)`.
        degree: Kernel degree. Defaults to 3.
        gamma: Scale of the dot product; None means `1 / dim`. Defaults to
            None.
        coef0: Additive constant. Defaults to 1.0.

    Returns:
        Float64 kernel matrix of shape `(n, m)`.

    Example:

    >>> import numpy as np
    >>> polynomial_kernel(np.ones((1, 2)), np.ones((1, 2)))
    array([[8.]])
    """
    if gamma is None:
        gamma = 1.0 / x.shape[1]
    return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(k_xx, k_yy, k_xy):
    """Computes the unbiased estimate of MMD^2 from kernel matrices.

    `MMD^2 = sum_{i != j} k_xx / (n (n - 1)) + sum_{i != j} k_yy / (m (m - 1))
    - 2 sum k_xy / (n m)`, as torch-fidelity's `mmd2(..., mmd_est="unbiased")`.

    Args:
        k_xx: Kernel matrix of the first set with itself, shape `(n, n)`.
        k_yy: Kernel matrix of the second set with itself, shape `(m, m)`.
        k_xy: Cross kernel matrix, shape `(n, m)`.

    Returns:
        The estimate as a Python float (may be slightly negative).

    Raises:
        ValueError: If shapes are inconsistent or `n < 2` or `m < 2`.

    Example:

    >>> import numpy as np
    >>> k = np.ones((3, 3))
    >>> mmd2_unbiased(k, k, k)
    0.0
    """
    k_xx, k_yy, k_xy = (np.asarray(k, dtype=np.float64) for k in (k_xx, k_yy, k_xy))
    n, m = k_xx.shape[0], k_yy.shape[0]
    if k_xx.shape != (n, n) or k_yy.shape != (m, m) or k_xy.shape != (n, m):
        raise ValueError(
            f"Expected kernel matrices of shapes (n, n), (m, m) and (n, m); "
            f"received {k_xx.shape}, {k_yy.shape} and {k_xy.shape}."
        )
    if n < 2 or m < 2:
        raise ValueError(
            f"The unbiased MMD^2 estimate needs at least 2 samples per set; "
            f"received n={n} and m={m}."
        )
    sum_xx = (k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
    sum_yy = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    sum_xy = k_xy.sum() / (n * m)
    return float(sum_xx + sum_yy - 2.0 * sum_xy)


def kid_features_to_metric(
    features1,
    features2,
    *,
    subsets=100,
    subset_size=None,
    degree=3,
    gamma=None,
    coef0=1.0,
    seed=0,
):
    """Computes the KID between two feature matrices.

    Args:
        features1: Array of shape `(num_samples1, dim)`, at least 2 rows.
        features2: Array of shape `(num_samples2, dim)`, at least 2 rows.
        subsets: Number of random subsets to average over. Defaults to 100.
        subset_size: Samples per subset and set, an int in
            `[2, min(num_samples1, num_samples2)]`, or None for
            `default_subset_size(num_samples1, num_samples2)`: half the
            smaller set, at most 1000. A subset as large as a set is that
            whole set every time (its contribution to `kid_std` is then 0).
            Defaults to None.
        degree: Polynomial kernel degree. Defaults to 3.
        gamma: Kernel scale; None means `1 / dim`. Defaults to None.
        coef0: Kernel additive constant. Defaults to 1.0.
        seed: Non-negative integer seed of the `np.random.default_rng` that
            draws the subsets, or None for fresh OS entropy (not
            reproducible). Defaults to 0.

    Returns:
        `{KEY_KID_MEAN: float, KEY_KID_STD: float}`: mean and ddof=0 standard
        deviation of the per-subset unbiased MMD^2 estimates. The mean may be
        slightly negative when the two distributions match.

    Raises:
        ValueError: If an input is not a finite 2-D array with at least 2
            rows, the feature dims differ, `subsets`/`subset_size`/`degree`
            is not a positive integer, `subset_size < 2` or larger than
            either set, or `gamma`/`coef0` is invalid.

    Example:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> result = kid_features_to_metric(
    ...     rng.normal(size=(200, 8)), rng.normal(size=(200, 8)) + 1.0,
    ...     subsets=10, subset_size=100)
    >>> result["kid_mean"] > 0
    True
    """
    reason = "for the unbiased MMD^2 estimate"
    features1 = check_features(features1, "features1", min_samples=2, reason=reason)
    features2 = check_features(features2, "features2", min_samples=2, reason=reason)
    check_same_num_features(features1, features2, "features1", "features2")
    subsets = check_int(subsets, "subsets", minimum=1)
    if subset_size is not None:
        subset_size = check_int(subset_size, "subset_size", minimum=2)
    degree = check_int(degree, "degree", minimum=1)
    if gamma is not None:
        gamma = check_float_range(gamma, "gamma", low=0.0, high=np.inf)
        if gamma == 0.0:
            raise ValueError("`gamma` must be > 0 or None; received 0.0.")
    coef0 = check_float_range(coef0, "coef0", low=-np.inf, high=np.inf)
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)

    n1, n2 = features1.shape[0], features2.shape[0]
    if subset_size is None:
        size = default_subset_size(n1, n2)
    elif subset_size > min(n1, n2):
        raise ValueError(
            f"`subset_size` must be at most the size of the smaller set "
            f"({min(n1, n2)}); received subset_size={subset_size} for sets "
            f"of {n1} and {n2} samples. Pass subset_size=None for the "
            f"default, {default_subset_size(n1, n2)}."
        )
    else:
        size = subset_size
    rng = np.random.default_rng(seed)
    # Drawn in the same order as a per-subset loop (x, then y, per subset),
    # so both evaluation paths below use identical subsets.
    draws = [
        (rng.choice(n1, size, replace=False), rng.choice(n2, size, replace=False))
        for _ in range(subsets)
    ]
    kernel = dict(degree=degree, gamma=gamma, coef0=coef0)
    dim = features1.shape[1]
    # Rough multiply-add counts of the two ways: whole-set kernels plus the
    # indicator products, or three kernels per subset.
    whole_sets = (n1 * n1 + n2 * n2 + n1 * n2) * (dim + subsets)
    per_subset = 3 * subsets * size * size * dim
    if whole_sets <= per_subset:
        mmds = _subset_mmds_from_whole_sets(features1, features2, draws, kernel)
    else:
        mmds = np.array(
            [
                mmd2_unbiased(
                    polynomial_kernel(features1[ix], features1[ix], **kernel),
                    polynomial_kernel(features2[iy], features2[iy], **kernel),
                    polynomial_kernel(features1[ix], features2[iy], **kernel),
                )
                for ix, iy in draws
            ],
            dtype=np.float64,
        )
    return {KEY_KID_MEAN: float(mmds.mean()), KEY_KID_STD: float(mmds.std())}


def _indicator_sums(f, g, a, b, kernel):
    # Row s of the result is 1_A(s)^T k(f, g) 1_B(s): the sum of the kernel
    # over subset pair s, for all subsets at once. k(f, g) is computed in
    # row blocks so that memory stays at about _BLOCK_VALUES values.
    block = max(1, _BLOCK_VALUES // g.shape[0])
    sums = np.zeros(a.shape[0])
    for start in range(0, f.shape[0], block):
        k = polynomial_kernel(f[start : start + block], g, **kernel)
        sums += np.einsum("sj,sj->s", a[:, start : start + block] @ k, b)
    return sums


def _subset_mmds_from_whole_sets(features1, features2, draws, kernel):
    # With 0/1 row indicators A (subsets x n1) and B (subsets x n2), the
    # kernel sum over a subset pair is a row of diag(A K B^T): the kernels
    # are computed once over the whole sets instead of once per subset.
    size = len(draws[0][0])
    a = np.zeros((len(draws), features1.shape[0]))
    b = np.zeros((len(draws), features2.shape[0]))
    for i, (ix, iy) in enumerate(draws):
        a[i, ix] = 1.0
        b[i, iy] = 1.0

    def diagonal(f):
        # k(x_i, x_i), subtracted for the unbiased (i != j) sums.
        gamma = kernel["gamma"] or 1.0 / f.shape[1]
        squared_norms = np.einsum("ij,ij->i", f, f)
        return (gamma * squared_norms + kernel["coef0"]) ** kernel["degree"]

    sum_xx = _indicator_sums(features1, features1, a, a, kernel)
    sum_xx -= a @ diagonal(features1)
    sum_yy = _indicator_sums(features2, features2, b, b, kernel)
    sum_yy -= b @ diagonal(features2)
    sum_xy = _indicator_sums(features1, features2, a, b, kernel)
    pairs = size * (size - 1)
    return sum_xx / pairs + sum_yy / pairs - 2.0 * sum_xy / (size * size)


@register_metric("kid")
def kid_metric(inputs, **options):
    """Registered "kid": `kid_features_to_metric(real, fake, **options)`."""
    reason = "for the unbiased MMD^2 estimate"
    real = check_features(inputs.real_features, "real_features", min_samples=2, reason=reason)
    fake = check_features(inputs.fake_features, "fake_features", min_samples=2, reason=reason)
    check_same_num_features(real, fake, "real_features", "fake_features")
    return kid_features_to_metric(real, fake, **options)

"""Density and coverage, pure NumPy in float64.

Paper: M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo, "Reliable Fidelity and
Diversity Metrics for Generative Models", ICML 2020
(https://arxiv.org/abs/2002.09797).

Reference implementation matched: `prdc/prdc.py` of
https://github.com/clovaai/generative-evaluation-prdc (`compute_prdc`,
`nearest_k=5`). With `r_i` the distance of real sample `i` to its k-th
nearest real neighbour (excluding itself):

    density  = 1 / (k M) * sum_j sum_i [d(real_i, fake_j) < r_i]
    coverage = 1 / N * sum_i [min_j d(real_i, fake_j) < r_i]

for `N` real and `M` generated samples; comparisons are strict (`<`) as in
the reference. Density is not bounded by 1 (about 1 when both sets follow one
distribution); coverage lies in `[0, 1]`. Distances are Euclidean, computed
in row batches via `||a||^2 + ||b||^2 - 2 a.b` clipped at 0, after centring
on the real mean, so memory stays bounded (the reference builds the full
matrices with scikit-learn).
"""

from keras_gan.metrics import _neighbours
from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_features
from keras_gan.metrics._validation import check_int
from keras_gan.metrics._validation import check_same_num_features

KEY_DENSITY = "density"
KEY_COVERAGE = "coverage"


def density_coverage_from_features(
    real_features,
    fake_features,
    *,
    k=5,
    batch_size=_neighbours.DEFAULT_BATCH_SIZE,
):
    """Computes density and coverage of generated samples w.r.t. real ones.

    Args:
        real_features: Array of shape `(num_real, dim)`, `num_real > k`.
        fake_features: Array of shape `(num_fake, dim)`, at least 1 row.
        k: Neighbourhood size for the real radii. Defaults to 5.
        batch_size: Rows per pairwise-distance block; peak memory is about
            `2 * batch_size * max(num_real, num_fake) * 8` bytes. Defaults to
            1000.

    Returns:
        `{KEY_DENSITY: float, KEY_COVERAGE: float}`.

    Raises:
        ValueError: If an input is not a finite 2-D array, `real_features`
            has `k` or fewer rows, the feature dims differ, or
            `k`/`batch_size` is not a positive integer.

    Example:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 4))
    >>> density_coverage_from_features(x, x + 100.0)
    {'density': 0.0, 'coverage': 0.0}
    """
    k = check_int(k, "k", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    real = check_features(
        real_features,
        "real_features",
        min_samples=k + 1,
        reason=f"(more than k={k}) to find each sample's k-th nearest neighbour",
    )
    fake = check_features(fake_features, "fake_features", min_samples=1)
    check_same_num_features(real, fake, "real_features", "fake_features")

    offset = real.mean(axis=0)
    real, fake = real - offset, fake - offset
    real_radii = _neighbours.knn_radii(real, k, batch_size)
    counts = _neighbours.count_inside_balls(
        fake, real, real_radii, strict=True, batch_size=batch_size
    )
    density = counts.sum() / (k * fake.shape[0])
    nearest_fake = _neighbours.nearest_distances(real, fake, batch_size)
    coverage = (nearest_fake < real_radii).mean()
    return {KEY_DENSITY: float(density), KEY_COVERAGE: float(coverage)}


@register_metric("dc")
def density_coverage_metric(inputs, **options):
    """Registered "dc": `density_coverage_from_features(real, fake, **options)`."""
    return density_coverage_from_features(inputs.real_features, inputs.fake_features, **options)

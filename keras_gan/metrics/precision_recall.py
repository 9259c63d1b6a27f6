"""Improved precision and recall, pure NumPy in float64.

Paper: T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila, "Improved
Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019
(https://arxiv.org/abs/1904.06991).

Reference implementation matched: `metrics/precision_recall.py` of
https://github.com/NVlabs/stylegan2-ada-pytorch and
https://github.com/NVlabs/stylegan3 (`compute_pr`, `nhood_size=3`). Each
manifold is the union of balls centred at its samples with radius the
distance to the sample's k-th nearest neighbour (excluding itself; the
reference takes the (k+1)-th smallest distance including the zero self
distance). Precision is the fraction of generated samples inside at least one
real ball, recall the fraction of real samples inside at least one generated
ball; "inside" means `distance <= radius` as in the reference. Distances are
Euclidean, computed in row batches as `||a||^2 + ||b||^2 - 2 a.b` clipped at
0, after centring both sets on the real mean (translation-invariant, reduces
cancellation). The reference runs in float16/float32 on GPU; here everything
is float64.
"""

from keras_gan.metrics import _neighbours
from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_features
from keras_gan.metrics._validation import check_int
from keras_gan.metrics._validation import check_same_num_features

KEY_PRECISION = "precision"
KEY_RECALL = "recall"


def precision_recall_from_features(
    real_features,
    fake_features,
    *,
    k=3,
    batch_size=_neighbours.DEFAULT_BATCH_SIZE,
):
    """Computes improved precision and recall between two feature sets.

    Args:
        real_features: Array of shape `(num_real, dim)`, `num_real > k`.
        fake_features: Array of shape `(num_fake, dim)`, `num_fake > k`.
        k: Neighbourhood size for the manifold radii. Defaults to 3.
        batch_size: Rows per pairwise-distance block; peak memory is about
            `2 * batch_size * max(num_real, num_fake) * 8` bytes. Defaults to
            1000.

    Returns:
        `{KEY_PRECISION: float, KEY_RECALL: float}`, both in `[0, 1]`.

    Raises:
        ValueError: If an input is not a finite 2-D array, has `k` or fewer
            rows, the feature dims differ, or `k`/`batch_size` is not a
            positive integer.

    Example:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 4))
    >>> precision_recall_from_features(x, x)
    {'precision': 1.0, 'recall': 1.0}
    """
    k = check_int(k, "k", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    reason = f"(more than k={k}) to find each sample's k-th nearest neighbour"
    real = check_features(real_features, "real_features", min_samples=k + 1, reason=reason)
    fake = check_features(fake_features, "fake_features", min_samples=k + 1, reason=reason)
    check_same_num_features(real, fake, "real_features", "fake_features")

    offset = real.mean(axis=0)
    real, fake = real - offset, fake - offset
    real_radii = _neighbours.knn_radii(real, k, batch_size)
    fake_radii = _neighbours.knn_radii(fake, k, batch_size)
    precision = (
        _neighbours.count_inside_balls(fake, real, real_radii, strict=False, batch_size=batch_size)
        > 0
    )
    recall = (
        _neighbours.count_inside_balls(real, fake, fake_radii, strict=False, batch_size=batch_size)
        > 0
    )
    return {KEY_PRECISION: float(precision.mean()), KEY_RECALL: float(recall.mean())}


@register_metric("pr")
def precision_recall_metric(inputs, **options):
    """Registered "pr": `precision_recall_from_features(real, fake, **options)`."""
    return precision_recall_from_features(inputs.real_features, inputs.fake_features, **options)

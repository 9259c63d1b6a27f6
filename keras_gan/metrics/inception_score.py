"""Inception Score (IS), pure NumPy in float64.

Paper: T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford,
X. Chen, "Improved Techniques for Training GANs", NeurIPS 2016
(https://arxiv.org/abs/1606.03498).

Reference implementations matched: torch-fidelity `torch_fidelity/metric_isc.py`
(`isc_features_to_metric`; https://github.com/toshas/torch-fidelity) and the
original `inception_score.py` of https://github.com/openai/improved-gan. The
samples are split into `splits` contiguous chunks; for each chunk

    IS = exp(mean_x KL(p(y|x) || p(y))),  p(y) = mean_x p(y|x) over the chunk,

and the result is the mean and the ddof=0 standard deviation over chunks (as
the original's `np.mean(scores), np.std(scores)`). The input here is class
probabilities, not logits; terms with `p(y|x) = 0` contribute 0. Shuffling
before splitting (torch-fidelity's default) is optional and seeded.
"""

import numpy as np

from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_int
from keras_gan.metrics._validation import check_probabilities

KEY_IS_MEAN = "is_mean"
KEY_IS_STD = "is_std"


def inception_score_from_probs(probs, *, splits=10, shuffle=False, seed=0):
    """Computes the Inception Score from class probabilities.

    Args:
        probs: Array of shape `(num_samples, num_classes)` of class
            probabilities `p(y|x)` of generated samples; rows must be
            non-negative and sum to 1 within 1e-3 (they are renormalised).
        splits: Number of contiguous chunks to score separately;
            `num_samples` must be at least `splits`. Defaults to 10.
        shuffle: Whether to permute the rows before splitting. Defaults to
            False.
        seed: Seed of the `np.random.default_rng` used when `shuffle` is
            True. Defaults to 0.

    Returns:
        `{KEY_IS_MEAN: float, KEY_IS_STD: float}`; the score lies in
        `[1, num_classes]`.

    Raises:
        ValueError: If `probs` is not a finite 2-D array of probabilities,
            `splits` is not a positive integer, or there are fewer samples
            than splits.

    Example:

    >>> import numpy as np
    >>> probs = np.tile(np.eye(4), (5, 1))  # 20 confident, balanced rows.
    >>> inception_score_from_probs(probs, splits=5)["is_mean"]
    4.0
    """
    probs = check_probabilities(probs, "probs")
    splits = check_int(splits, "splits", minimum=1)
    num_samples = probs.shape[0]
    if num_samples < splits:
        raise ValueError(
            f"`probs` must have at least `splits`={splits} samples so that "
            f"every split is non-empty; received {num_samples}."
        )
    if shuffle:
        probs = probs[np.random.default_rng(seed).permutation(num_samples)]

    scores = np.empty(splits, dtype=np.float64)
    for i in range(splits):
        part = probs[i * num_samples // splits : (i + 1) * num_samples // splits]
        marginal = part.mean(axis=0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(marginal)), 0.0)
        scores[i] = np.exp(terms.sum(axis=1).mean())
    return {KEY_IS_MEAN: float(scores.mean()), KEY_IS_STD: float(scores.std())}


@register_metric("is")
def inception_score_metric(inputs, **options):
    """Registered "is": `inception_score_from_probs(fake_probs, **options)`."""
    fake_probs = inputs.require(
        "fake_probs",
        "is",
        "class probabilities of the generated samples, shape (num_fake, num_classes)",
    )
    return inception_score_from_probs(fake_probs, **options)

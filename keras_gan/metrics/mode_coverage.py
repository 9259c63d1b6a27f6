"""Mode coverage for class-conditional evaluation, pure NumPy in float64.

Measures mode collapse with a pretrained classifier, as in the "number of
modes" and "KL between generated and real label distributions" evaluations of
stacked MNIST in VEEGAN (A. Srivastava, L. Valkov, C. Russell, M. U. Gutmann,
C. Sutton, NeurIPS 2017, https://arxiv.org/abs/1705.07761) and PacGAN
(Z. Lin, A. Khetan, G. Fanti, S. Oh, NeurIPS 2018,
https://arxiv.org/abs/1712.04086), where a mode counts as captured when at
least one generated sample is classified into it (our default
`min_count=1`). There is no single canonical implementation; the result keys
and thresholds below are this library's.

Staged: labels -> class histograms (`mode_labels_to_histogram`) -> metric
(`mode_histograms_to_metric`). Generated samples are assigned to the argmax
class of their probabilities (or given as predicted labels). Results:

    mode_histogram: normalised generated class histogram q (a list).
    mode_kl:        KL(q || p) = sum_{c: q_c > 0} q_c log((q_c + eps) / (p_c + eps))
                    against the normalised real label histogram p.
    modes_covered:  number of classes c with count_c >= min_count and
                    count_c >= min_fraction * num_generated.
    num_classes:    K.
"""

import numpy as np

from keras_gan.metrics._registry import register_metric
from keras_gan.metrics._validation import check_features
from keras_gan.metrics._validation import check_finite
from keras_gan.metrics._validation import check_float_range
from keras_gan.metrics._validation import check_int
from keras_gan.metrics._validation import check_labels
from keras_gan.metrics._validation import to_float64

KEY_MODE_HISTOGRAM = "mode_histogram"
KEY_MODE_KL = "mode_kl"
KEY_MODES_COVERED = "modes_covered"
KEY_NUM_CLASSES = "num_classes"

DEFAULT_EPSILON = 1e-10


def mode_labels_to_histogram(labels, num_classes, *, name="labels"):
    """Counts integer class labels into a float64 histogram of length `num_classes`.

    Args:
        labels: 1-D array of integer labels in `[0, num_classes)`.
        num_classes: Number of classes K.
        name: Argument name used in error messages. Defaults to "labels".

    Returns:
        Float64 array of shape `(num_classes,)` with the (unnormalised)
        counts.

    Raises:
        ValueError: If `labels` is not a non-empty 1-D integer array or holds
            a label outside `[0, num_classes)`.

    Example:

    >>> mode_labels_to_histogram([0, 2, 2], 4)
    array([1., 0., 2., 0.])
    """
    num_classes = check_int(num_classes, "num_classes", minimum=1)
    labels = check_labels(labels, name)
    if labels.max() >= num_classes:
        raise ValueError(
            f"`{name}` must hold labels in [0, {num_classes}) for "
            f"num_classes={num_classes}; received label {int(labels.max())}."
        )
    return np.bincount(labels, minlength=num_classes).astype(np.float64)


def mode_histograms_to_metric(
    fake_counts,
    real_counts,
    *,
    min_count=1,
    min_fraction=0.0,
    epsilon=DEFAULT_EPSILON,
):
    """Computes the mode-coverage results from two class histograms.

    Args:
        fake_counts: Non-negative counts (or any unnormalised weights) of the
            generated samples per class, shape `(K,)`.
        real_counts: Non-negative counts of the real labels per class, shape
            `(K,)`.
        min_count: A class is covered only if at least this many generated
            samples fall in it (only meaningful when `fake_counts` are
            counts). Defaults to 1.
        min_fraction: A class is covered only if at least this fraction of
            the generated samples fall in it; e.g. 0.1 / K flags classes
            generated ten times less often than uniform. Defaults to 0.0.
        epsilon: Smoothing added to both normalised histograms inside the
            logarithm of the KL divergence. Defaults to 1e-10.

    Returns:
        `{KEY_MODE_HISTOGRAM: list of K floats, KEY_MODE_KL: float,
        KEY_MODES_COVERED: int, KEY_NUM_CLASSES: int}`.

    Raises:
        ValueError: If the histograms are not 1-D, differ in length, hold
            negative or non-finite values or sum to 0, or an option is out
            of range.

    Example:

    >>> result = mode_histograms_to_metric([5, 0, 0], [1, 1, 1])
    >>> result["modes_covered"], round(result["mode_kl"], 6)
    (1, 1.098612)
    """
    fake_counts = _check_histogram(fake_counts, "fake_counts")
    real_counts = _check_histogram(real_counts, "real_counts")
    if fake_counts.shape != real_counts.shape:
        raise ValueError(
            f"`fake_counts` and `real_counts` must have the same number of "
            f"classes; received shapes {fake_counts.shape} and "
            f"{real_counts.shape}."
        )
    min_count = check_int(min_count, "min_count", minimum=1)
    min_fraction = check_float_range(min_fraction, "min_fraction", low=0.0, high=1.0)
    epsilon = check_float_range(epsilon, "epsilon", low=0.0, high=1.0)

    total = fake_counts.sum()
    q = fake_counts / total
    p = real_counts / real_counts.sum()
    present = q > 0
    q_present, p_present = q[present], p[present]
    kl = float(np.sum(q_present * np.log((q_present + epsilon) / (p_present + epsilon))))
    covered = (fake_counts >= min_count) & (fake_counts >= min_fraction * total)
    return {
        KEY_MODE_HISTOGRAM: [float(v) for v in q],
        KEY_MODE_KL: kl,
        KEY_MODES_COVERED: int(covered.sum()),
        KEY_NUM_CLASSES: int(q.shape[0]),
    }


def mode_coverage_from_predictions(
    fake_predictions,
    real_labels,
    *,
    num_classes=None,
    min_count=1,
    min_fraction=0.0,
    epsilon=DEFAULT_EPSILON,
):
    """Computes mode coverage of generated samples against real labels.

    Args:
        fake_predictions: Either class probabilities (or logits) of the
            generated samples, shape `(num_fake, K)`, assigned to their
            argmax class; or predicted integer labels, shape `(num_fake,)`.
        real_labels: Integer labels of the real samples, shape
            `(num_real,)`, in `[0, K)`.
        num_classes: Number of classes K. None means the width of
            `fake_predictions` if 2-D, else `1 + max label` over both
            inputs. Defaults to None.
        min_count: See `mode_histograms_to_metric`. Defaults to 1.
        min_fraction: See `mode_histograms_to_metric`. Defaults to 0.0.
        epsilon: See `mode_histograms_to_metric`. Defaults to 1e-10.

    Returns:
        `{"mode_histogram": list, "mode_kl": float, "modes_covered": int,
        "num_classes": int}`.

    Raises:
        ValueError: If `fake_predictions` is neither a finite 2-D array nor a
            1-D integer label array, labels fall outside `[0, K)`,
            `num_classes` disagrees with the probabilities' width, or an
            option is out of range.

    Example:

    >>> import numpy as np
    >>> result = mode_coverage_from_predictions(np.zeros(100, dtype=int), np.arange(10))
    >>> result["modes_covered"], round(result["mode_kl"], 6)
    (1, 2.302585)
    """
    if num_classes is not None:
        num_classes = check_int(num_classes, "num_classes", minimum=1)
    if fake_predictions is None:
        raise ValueError("`fake_predictions` is required; received None.")
    predictions = np.asarray(fake_predictions)
    if predictions.ndim == 2:
        probs = check_features(predictions, "fake_predictions")
        if num_classes is not None and num_classes != probs.shape[1]:
            raise ValueError(
                f"`num_classes`={num_classes} does not match the width of "
                f"`fake_predictions`; received shape {probs.shape}."
            )
        num_classes = probs.shape[1]
        fake_labels = np.argmax(probs, axis=1)
    elif predictions.ndim == 1:
        fake_labels = check_labels(predictions, "fake_predictions")
    else:
        raise ValueError(
            f"`fake_predictions` must be class probabilities of shape "
            f"(num_samples, num_classes) or labels of shape (num_samples,); "
            f"received shape {predictions.shape}."
        )
    real_labels = check_labels(real_labels, "real_labels")
    if num_classes is None:
        num_classes = int(max(fake_labels.max(), real_labels.max())) + 1
    fake_counts = mode_labels_to_histogram(fake_labels, num_classes, name="fake_predictions")
    real_counts = mode_labels_to_histogram(real_labels, num_classes, name="real_labels")
    return mode_histograms_to_metric(
        fake_counts,
        real_counts,
        min_count=min_count,
        min_fraction=min_fraction,
        epsilon=epsilon,
    )


@register_metric("modes")
def mode_coverage_metric(inputs, **options):
    """Registered "modes": `mode_coverage_from_predictions(fake_probs, real_labels)`.

    Without `real_labels`, the real labels are the argmax of `real_probs`.
    """
    fake_probs = inputs.require(
        "fake_probs",
        "modes",
        "class probabilities of the generated samples, shape (num_fake, num_classes)",
    )
    real_labels = inputs.real_labels
    if real_labels is None:
        if inputs.real_probs is None:
            raise ValueError(
                "Metric 'modes' needs `real_labels` (shape (num_real,)) or "
                "`real_probs` (shape (num_real, num_classes)); received None "
                "for both."
            )
        real_labels = np.argmax(check_features(inputs.real_probs, "real_probs"), axis=1)
    return mode_coverage_from_predictions(fake_probs, real_labels, **options)


def _check_histogram(counts, name):
    counts = to_float64(counts, name)
    if counts.ndim != 1 or counts.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty 1-D histogram of shape "
            f"(num_classes,); received shape {counts.shape}."
        )
    check_finite(counts, name)
    if (counts < 0).any():
        raise ValueError(
            f"`{name}` must hold non-negative counts; received minimum {float(counts.min())!r}."
        )
    if not counts.sum() > 0:
        raise ValueError(f"`{name}` must have a positive total; received all zeros.")
    return counts

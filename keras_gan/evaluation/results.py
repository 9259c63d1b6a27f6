"""The keys of an evaluation's result: metric values, floors and metadata.

Every metric result key is suffixed with the extractor's `name`,
`f"{key}_{name}"`, and floor values are additionally prefixed with
`floor_`; e.g. with the classifier extractor (`name="clf"`): `fid_clf`,
`kid_mean_clf`, `precision_clf`, `floor_fid_clf`, ... Names have no `/`, so
they work as Keras epoch-log keys and TensorBoard scalar tags. Result keys
are exported constants, as in torch-fidelity
(https://github.com/toshas/torch-fidelity).
"""

import numbers

DEFAULT_METRICS = ("fid", "kid", "is", "pr", "dc", "modes")
FLOOR_PREFIX = "floor_"
METRICS_WITH_PROBABILITIES = ("is", "modes")
KEY_CLASS_COUNTS = "class_counts"
KEY_FID_PER_CLASS = "fid_per_class"

# Keys of `evaluate_generator` results that describe the evaluation rather
# than measure the generator.
META_KEYS = (
    "n",
    "n_requested",
    "dataset",
    "extractor",
    "classifier_test_accuracy",
    "notes",
    "seconds",
)


def metric_key(key, extractor_name, floor=False):
    """Returns the result key of a metric: `[floor_]<key>_<extractor_name>`.

    Args:
        key: a metric result key, e.g. `"fid"` or `"kid_mean"`.
        extractor_name: the extractor's `name`, e.g. `"clf"`.
        floor: whether the key is a real-vs-real floor value. Defaults to
            False.

    Returns:
        The key string.

    Example:

    >>> metric_key("fid", "clf"), metric_key("kid_mean", "clf", floor=True)
    ('fid_clf', 'floor_kid_mean_clf')
    """
    return f"{FLOOR_PREFIX if floor else ''}{key}_{extractor_name}"


def scalar_metrics(result):
    """Picks the scalar metric values of an `evaluate_generator` result.

    Args:
        result: a dict returned by `evaluate_generator`.

    Returns:
        A dict of the metric keys (not the `META_KEYS`) whose values are
        real numbers, as Python floats; lists such as the class histograms
        are left out. Suited to Keras epoch logs and TensorBoard scalars.

    Example:

    >>> scalar_metrics({"fid_clf": 3, "class_counts_clf": [1, 2], "n": 10})
    {'fid_clf': 3.0}
    """
    return {
        key: float(value)
        for key, value in result.items()
        if key not in META_KEYS and isinstance(value, numbers.Real) and not isinstance(value, bool)
    }

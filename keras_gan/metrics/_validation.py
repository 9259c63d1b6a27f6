"""Private input checks shared by the metric modules.

Every check converts its input to a float64 (or integer) NumPy array and
raises `ValueError` stating what was expected and what was received.
"""

import numbers

import numpy as np

from keras_gan import _checks


def check_int(value, name, *, minimum=1):
    """Returns `value` as a Python int, or raises if it is not an int >= minimum.

    The metrics' argument order for `keras_gan._checks.check_int`, which
    words the error for every layer.
    """
    return _checks.check_int(name, value, minimum=minimum)


def check_float_range(value, name, *, low, high):
    """Returns `value` as a float, or raises if it is not in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"`{name}` must be a real number in [{low}, {high}]; "
            f"received {value!r} of type {type(value).__name__}."
        )
    value = float(value)
    if not low <= value <= high:  # Also rejects NaN.
        raise ValueError(f"`{name}` must be a real number in [{low}, {high}]; received {value}.")
    return value


def to_float64(x, name):
    """Converts `x` to a float64 array, raising `ValueError` on None or junk."""
    if x is None:
        raise ValueError(f"`{name}` is required; received None.")
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`{name}` must be convertible to a float64 array; received an "
            f"object of type {type(x).__name__} ({error})."
        ) from error


def check_finite(arr, name):
    """Raises `ValueError` if `arr` holds NaN or infinite values."""
    finite = np.isfinite(arr)
    if not finite.all():
        num_nan = int(np.isnan(arr).sum())
        num_inf = int(arr.size - finite.sum() - num_nan)
        raise ValueError(
            f"`{name}` must contain only finite values; received {num_nan} "
            f"NaN and {num_inf} infinite value(s) in an array of shape "
            f"{arr.shape}."
        )


def check_features(features, name, *, min_samples=1, reason=""):
    """Validates a (num_samples, num_features) feature matrix.

    Args:
        features: Array-like of shape `(num_samples, num_features)`.
        name: Argument name used in error messages.
        min_samples: Minimum number of rows required. Defaults to 1.
        reason: Why `min_samples` rows are needed, appended to the error
            message (e.g. "to estimate a covariance"). Defaults to "".

    Returns:
        A float64 array of shape `(num_samples, num_features)`.

    Raises:
        ValueError: If `features` is None, not 2-D, has no columns, has
            fewer than `min_samples` rows or holds non-finite values.
    """
    arr = to_float64(features, name)
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (num_samples, "
            f"num_features); received shape {arr.shape}."
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"`{name}` must have at least 1 feature column; received shape {arr.shape}."
        )
    if arr.shape[0] < min_samples:
        suffix = f" {reason}" if reason else ""
        raise ValueError(
            f"`{name}` must have at least {min_samples} samples{suffix}; "
            f"received {arr.shape[0]} (shape {arr.shape})."
        )
    check_finite(arr, name)
    return arr


def check_same_num_features(a, b, name_a, name_b):
    """Raises `ValueError` if two feature matrices differ in their width."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same number of "
            f"features; received shapes {a.shape} and {b.shape}."
        )


def check_probabilities(probs, name, *, atol=1e-3):
    """Validates a (num_samples, num_classes) matrix of class probabilities.

    Args:
        probs: Array-like of shape `(num_samples, num_classes)`.
        name: Argument name used in error messages.
        atol: Allowed absolute deviation of each row sum from 1.
            Defaults to 1e-3.

    Returns:
        A float64 array whose rows are renormalised to sum to exactly 1.

    Raises:
        ValueError: If `probs` is not 2-D, is empty, holds non-finite or
            negative values, or has a row that does not sum to 1 within
            `atol`.
    """
    arr = check_features(probs, name)
    if (arr < 0).any():
        raise ValueError(
            f"`{name}` must hold non-negative probabilities; received "
            f"minimum value {float(arr.min())!r}. Apply a softmax to logits first."
        )
    sums = arr.sum(axis=1)
    bad = np.abs(sums - 1.0) > atol
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"Each row of `{name}` must sum to 1 (within {atol}); received "
            f"{int(bad.sum())} row(s) that do not, e.g. row {row} sums to "
            f"{float(sums[row])!r}. Apply a softmax to logits first."
        )
    return arr / sums[:, None]


def check_labels(labels, name):
    """Validates a 1-D array of non-negative integer class labels.

    Returns:
        An int64 array of shape `(num_samples,)`.

    Raises:
        ValueError: If `labels` is not 1-D, is empty, or holds values that
            are not non-negative integers.
    """
    if labels is None:
        raise ValueError(f"`{name}` is required; received None.")
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu":
        arr = to_float64(arr, name)
    if arr.ndim != 1:
        raise ValueError(
            f"`{name}` must be a 1-D array of integer class labels; received shape {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"`{name}` must not be empty; received shape (0,).")
    if arr.dtype.kind == "f":
        check_finite(arr, name)
        if (arr != np.round(arr)).any():
            raise ValueError(
                f"`{name}` must hold integer class labels; received "
                f"non-integer values such as {float(arr[arr != np.round(arr)][0])!r}."
            )
    arr = arr.astype(np.int64)
    if (arr < 0).any():
        raise ValueError(
            f"`{name}` must hold non-negative class labels; received "
            f"minimum label {int(arr.min())}."
        )
    return arr

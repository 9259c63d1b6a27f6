"""Pixel scaling to [-1, 1] and validation of image and label arrays.

GAN generators here end in `tanh`, so real images are fed in [-1, 1]. Datasets
stay uint8 in memory (4x smaller than float32) and are scaled per batch inside
the `tf.data` pipeline by `scale_batch`; `scale_images` is the numpy twin for
arrays that are used directly.
"""

import numpy as np

from keras.src.utils.module_utils import tensorflow as tf

# Float images a hair outside [-1, 1] (e.g. after resizing or a round trip
# through float16) are accepted and clipped rather than rejected.
RANGE_TOLERANCE = 1e-3

_EXPECTED = "Expected uint8 images or float images in [-1, 1]."


def _describe_values(images):
    """Returns 'dtype with min=.., max=..' for an error message."""
    if images.size == 0:
        return f"{images.dtype} with no values"
    if images.dtype.kind not in "biuf":
        return f"dtype {images.dtype}"
    if images.dtype.kind == "f":
        bad = int(np.count_nonzero(~np.isfinite(images)))
        if bad:
            return f"{images.dtype} containing {bad} NaN/inf values"
    # str() of a numpy scalar prints the plain value ("255.0", not
    # "np.float64(255.0)").
    return f"{images.dtype} with min={images.min()}, max={images.max()}"


def _hint(images):
    if images.size == 0 or images.dtype.kind not in "fiu":
        return ""
    if images.dtype.kind == "f" and not np.all(np.isfinite(images)):
        return ""
    lo, hi = images.min(), images.max()
    if 1 < hi <= 255 and lo >= 0:
        if images.dtype.kind == "f":
            return " (uint8 pixels stored as float? cast to uint8)"
        return " (pixels in [0, 255]? cast to uint8)"
    return ""


def _value_error(images):
    return ValueError(f"{_EXPECTED} Received {_describe_values(images)}{_hint(images)}.")


def validate_pixels(images):
    """Checks that pixel values are uint8 or float within [-1, 1].

    Args:
        images: a numpy array of any shape.

    Returns:
        The array itself when it is uint8, else a float32 array clipped to
        [-1, 1] (a copy unless it already was float32 within range).

    Raises:
        ValueError: for any other dtype, for NaN/inf, or for floats outside
            [-1, 1] (beyond a 1e-3 tolerance).
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind != "f":
        raise _value_error(images)
    if images.size == 0:
        return images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise _value_error(images)
    lo, hi = images.min(), images.max()
    if lo < -1 - RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
        raise _value_error(images)
    images = images.astype(np.float32, copy=False)
    if lo < -1 or hi > 1:
        images = np.clip(images, -1.0, 1.0)
    return images


def scale_images(images):
    """Scales images to float32 in [-1, 1].

    uint8 pixels map linearly: 0 -> -1.0, 255 -> 1.0 (`x / 127.5 - 1`). Float
    images already in [-1, 1] (within a 1e-3 tolerance) are clipped and
    returned as float32. Everything else is rejected rather than guessed at:
    a float array holding 0..255 values, for instance, is almost certainly a
    uint8 dataset that was cast, and silently clipping it would train on
    white noise.

    Args:
        images: a numpy array (or anything `np.asarray` accepts) of any shape.

    Returns:
        A float32 numpy array of the same shape with values in [-1, 1].

    Raises:
        ValueError: for other integer dtypes, bool, NaN/inf, or floats
            outside [-1, 1]; the message gives the dtype and min/max found.

    Example:

    >>> scale_images(np.array([0, 255], dtype=np.uint8))
    array([-1.,  1.], dtype=float32)
    """
    images = validate_pixels(images)
    if images.dtype != np.uint8:
        return images
    # Divide in place on the single float32 copy: 255 / 127.5 is exactly 2.
    out = images.astype(np.float32)
    out /= np.float32(127.5)
    out -= np.float32(1.0)
    return out


def scale_batch(images):
    """Graph-mode twin of `scale_images`, applied to whole batches.

    Used inside `tf.data` pipelines after `batch()`, so the uint8 -> float32
    conversion is one vectorised op per batch. Inputs are assumed validated
    (uint8, or float already in [-1, 1]); floats are clipped defensively.

    Args:
        images: a uint8 or float tensor of any shape.

    Returns:
        A float32 tensor of the same shape with values in [-1, 1].

    Example:

    >>> scale_batch(tf.constant([[0, 255]], dtype=tf.uint8)).numpy()
    array([[-1.,  1.]], dtype=float32)
    """
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 127.5 - 1.0
    return tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)


# `GAN.fit` skips its first-batch range check on datasets carrying this
# attribute: the library's own pipelines, scaled to [-1, 1] by construction.
SCALED_ATTRIBUTE = "_keras_gan_scaled"


def mark_scaled(dataset):
    """Tags a `tf.data.Dataset` as scaled to [-1, 1]; returns it.

    `GAN.fit` then skips its first-batch range check (peeking would build
    one more iterator, refilling the shuffle buffer). Datasets derived from
    it with `map`, `take`, ... are new objects without the tag, and are
    checked.
    """
    setattr(dataset, SCALED_ATTRIBUTE, True)
    return dataset


def validate_image_shape(images, what="images"):
    """Brings images to NHWC with 1 or 3 channels.

    Args:
        images: a numpy array of shape `(N, H, W)` or `(N, H, W, C)`.
        what: how to name the array in error messages. Defaults to
            `"images"`.

    Returns:
        The array, with a channel axis added to `(N, H, W)` input (a view,
        not a copy).

    Raises:
        ValueError: for any other rank, a channel count other than 1 or 3,
            or an empty dimension.
    """
    shape = images.shape
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"Expected {what} of shape (N, H, W) or (N, H, W, C) with C in "
            f"(1, 3). Received shape {shape}."
        )
    if 0 in images.shape:
        raise ValueError(
            f"Expected {what} with at least one image of non-zero height and "
            f"width. Received shape {shape}."
        )
    return images


def validate_labels(labels, num_images):
    """Checks class labels and converts them to int64 of shape `(N,)`.

    Args:
        labels: integer array-like of shape `(N,)` or `(N, 1)` (the latter is
            what `keras.datasets.cifar10` returns), or None.
        num_images: the number of images N they belong to.

    Returns:
        An int64 numpy array of shape `(N,)`, or None when `labels` is None.

    Raises:
        ValueError: for a non-integer dtype, another shape, or a length that
            differs from `num_images`.
    """
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"Expected labels of shape (N,) or (N, 1). Received shape {labels.shape}.")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"Expected integer class labels. Received dtype {labels.dtype}.")
    if len(labels) != num_images:
        raise ValueError(
            f"Expected one label per image: {num_images} images. Received {len(labels)} labels."
        )
    return labels.astype(np.int64, copy=False)

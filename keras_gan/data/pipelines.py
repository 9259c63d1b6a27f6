"""Source: a ready-made pipeline, a `tf.data.Dataset` or a `keras.utils.PyDataset`.

Elements may be images, `(images, labels)` tuples or TFDS-style
`{"image": ..., "label": ...}` dicts, batched or not, uint8 or float in
0..255, 0..1 or -1..1. `from_pipeline` turns any of them into the library's
pipeline: float32 batches in [-1, 1], resized and with labels on request.

The value range of float pixels cannot be read from the dtype. It is taken
from `value_range=` when given, else guessed from the first batch only (one
batch of the source is computed once, so the check stays cheap):

- max > 1: 0..255 (e.g. `keras.utils.image_dataset_from_directory`);
- min < 0: -1..1;
- otherwise 0..1, with an `AssumedRangeWarning` naming the assumption (a
  dark 0..255 batch or a bright -1..1 one would look the same).
"""

import warnings

import numpy as np

import keras
from keras.src.utils.module_utils import tensorflow as tf

from keras_gan.data import scaling
from keras_gan.data import transforms
from keras_gan.data.errors import AssumedRangeWarning

VALUE_RANGES = ((0, 255), (0, 1), (-1, 1))

# A batch within this much of a range's bounds counts as inside it (float
# pixels after resizing or a float16 round trip overshoot slightly).
_TOLERANCE = 1e-3

# ITU-R 601-2 luma weights, as `transforms.convert_channels` and Pillow use.
# ITU-R 601 luma weights. A Python tuple, not a tf.constant: a tensor made
# at import time starts TensorFlow's runtime, after which a multi-worker
# strategy can no longer be created.
_LUMA = (0.299, 0.587, 0.114)


def is_pipeline(source):
    """Whether `source` is a `tf.data.Dataset` or a `keras.utils.PyDataset`."""
    return isinstance(source, (tf.data.Dataset, keras.utils.PyDataset))


def check_value_range(value_range):
    """Normalises `value_range` to None or one of `VALUE_RANGES`.

    Raises:
        ValueError: for anything else.
    """
    if value_range is None:
        return None
    try:
        pair = tuple(float(v) for v in value_range)
    except (TypeError, ValueError):
        pair = None
    for known in VALUE_RANGES:
        if pair == tuple(float(v) for v in known):
            return known
    raise ValueError(
        f"Expected value_range to be None (detect) or one of {VALUE_RANGES}. "
        f"Received: value_range={value_range!r}."
    )


def _split_element(element, what):
    """Returns `(images, labels_or_None)` of one element (or batch)."""
    if isinstance(element, dict):
        if "image" not in element:
            raise ValueError(
                f"Expected {what} elements holding an 'image' key (TFDS "
                f"style). Received a dict with keys {sorted(element)}."
            )
        return element["image"], element.get("label")
    if isinstance(element, (tuple, list)):
        if len(element) not in (1, 2, 3):
            raise ValueError(
                f"Expected {what} elements as images, (images, labels) or "
                "(images, labels, sample_weights). Received a tuple of "
                f"{len(element)} items."
            )
        # Keras' (x, y, sample_weight) convention: weights are not used.
        return element[0], element[1] if len(element) > 1 else None
    return element, None


def _is_batched(shape):
    """Whether a static image shape is a batch (NHWC or grey NHW)."""
    if shape.rank == 4:
        return True
    if shape.rank == 3:
        # HWC with 1 or 3 channels, else a batch of grey HW images.
        return shape[-1] not in (1, 3)
    if shape.rank == 2:
        return False
    raise ValueError(
        "Expected images of rank 2 (HW), 3 (HWC or NHW) or 4 (NHWC). "
        f"Received elements of shape {shape}."
    )


def _py_dataset_to_tf(source):
    """Wraps a `PyDataset` (a sequence of batches) as a `tf.data.Dataset`."""
    num_batches = len(source)
    if not num_batches:
        raise ValueError("Expected a PyDataset with at least one batch. Received 0.")
    first = source[0]

    def spec(value):
        value = np.asarray(value)
        return tf.TensorSpec((None,) + value.shape[1:], tf.as_dtype(value.dtype))

    signature = tf.nest.map_structure(spec, _as_structure(first))

    def batches():
        for i in range(num_batches):
            yield _as_structure(source[i])
        # Keras calls this between epochs; so does this wrapper.
        source.on_epoch_end()

    return tf.data.Dataset.from_generator(batches, output_signature=signature)


def _as_structure(batch):
    # Lists become tuples so tf.nest sees the same structure every batch.
    if isinstance(batch, list):
        return tuple(batch)
    return batch


def detect_value_range(images, dtype):
    """Decides the value range of one batch of pixels.

    Args:
        images: a numpy array of pixel values: the first batch of the
            source (or just its extremes).
        dtype: the source's pixel dtype (a `tf.DType`).

    Returns:
        One of `VALUE_RANGES`.

    Warns:
        AssumedRangeWarning: when values within [0, 1] are taken as 0..1.

    Raises:
        ValueError: for values that fit no supported range, or NaN/inf.
    """
    if dtype == tf.uint8:
        return (0, 255)
    images = np.asarray(images, np.float64)
    if images.size == 0 or not np.all(np.isfinite(images)):
        raise ValueError(
            "Expected finite pixel values in the first batch to detect their "
            "range. Received an empty batch or NaN/inf. Pass value_range=."
        )
    lo, hi = float(images.min()), float(images.max())
    found = f"min={lo:g}, max={hi:g} ({dtype.name})"
    if hi > 255 + _TOLERANCE or lo < -1 - _TOLERANCE or (lo < 0 and hi > 1 + _TOLERANCE):
        raise ValueError(
            "Expected pixel values in 0..255, 0..1 or -1..1. The first batch "
            f"holds {found}. Scale them into one of these ranges, or pass "
            f"value_range= one of {VALUE_RANGES} if the first batch is not "
            "typical."
        )
    if hi > 1 + _TOLERANCE:
        return (0, 255)
    if lo < -_TOLERANCE:
        return (-1, 1)
    warnings.warn(
        AssumedRangeWarning(
            f"Assumed pixel values in 0..1: the first batch holds {found}. "
            "Pass value_range=(0, 255) or (-1, 1) if that is wrong, or "
            "value_range=(0, 1) to silence this warning."
        ),
        stacklevel=4,
    )
    return (0, 1)


def _scale(images, value_range):
    images = tf.cast(images, tf.float32)
    if value_range == (0, 255):
        images = images / 127.5 - 1.0
    elif value_range == (0, 1):
        images = images * 2.0 - 1.0
    # Clipped like `scale_batch`: resizing overshoots slightly at edges.
    return tf.clip_by_value(images, -1.0, 1.0)


def _convert_channels(images, channels):
    have = images.shape[-1]
    if channels is None or have == channels:
        return images
    if have is None:
        raise ValueError(
            "Expected images with a known channel count to convert them. "
            "Received images of unknown channels."
        )
    if channels == 3:
        return tf.repeat(images, 3, axis=-1)
    luma = tf.constant(_LUMA, images.dtype)
    return tf.tensordot(images, luma, axes=[[-1], [0]])[..., tf.newaxis]


def from_pipeline(
    source,
    batch_size,
    image_size,
    labels,
    shuffle,
    shuffle_buffer,
    seed,
    drop_remainder,
    channels,
    value_range,
):
    """Builds the library's pipeline from a `tf.data.Dataset` or `PyDataset`.

    See `load_dataset` for the arguments. The source is unbatched and
    rebatched to `batch_size`, shuffled with a buffer of `shuffle_buffer`
    elements (capped at the source's size when known; the buffer holds the
    source's own elements, e.g. float32 images, so keep it in proportion to
    memory), resized (antialiased bilinear), converted to `channels` and
    scaled to float32 in [-1, 1].

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: for elements of an unknown structure or rank, labels
            requested from a source without them, images of unknown size
            without `image_size`, or pixels whose range cannot be detected.
    """
    value_range = check_value_range(value_range)
    what = type(source).__name__
    if isinstance(source, keras.utils.PyDataset):
        source = _py_dataset_to_tf(source)
    image_spec = _image_spec(source.element_spec, labels, what)
    batched = _is_batched(image_spec.shape)
    size = transforms.parse_image_size(image_size)
    transforms.check_channels(channels)
    dataset = source.map(_picker(what, batched, labels), num_parallel_calls=tf.data.AUTOTUNE)
    if value_range is None and image_spec.dtype == tf.uint8:
        value_range = (0, 255)
    if batched:
        dataset = dataset.unbatch()
    if value_range is None:
        # Called from here, not a helper: the warning's stacklevel counts
        # the frames up to the user's call.
        value_range = detect_value_range(
            _first_extremes(dataset, batch_size, what), image_spec.dtype
        )
    dataset, size = _resize_varying_sizes(dataset, size, labels, what)
    if shuffle:
        dataset = _shuffle(dataset, shuffle_buffer, seed)
    dataset = dataset.batch(int(batch_size), drop_remainder=drop_remainder)
    dataset = dataset.map(
        _per_image(_finisher(size, channels, value_range), labels),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return scaling.mark_scaled(dataset.prefetch(tf.data.AUTOTUNE))


def _image_spec(element_spec, labels, what):
    """Returns the images' `tf.TensorSpec` of a source's elements.

    Raises:
        ValueError: when labels are asked of a source without them, or for
            images that are not dense tensors.
    """
    image_spec, label_spec = _split_element(element_spec, what)
    if labels and label_spec is None:
        raise ValueError(
            f"Expected {what} elements with labels for labels=True "
            "((images, labels) tuples or {'image', 'label'} dicts). Received "
            "elements without labels. Use labels=False."
        )
    if not isinstance(image_spec, tf.TensorSpec):
        raise ValueError(f"Expected images as dense tensors. Received {image_spec!r}.")
    return image_spec


def _picker(what, batched, labels):
    """Returns the map function from a source's elements to images (and labels)."""

    def pick(*element):
        element = element[0] if len(element) == 1 else element
        images, label = _split_element(element, what)
        # Grey images without a channel axis get one.
        if images.shape.rank == (3 if batched else 2):
            images = images[..., tf.newaxis]
        if labels:
            label = tf.reshape(tf.cast(label, tf.int64), [-1] if batched else [])
            return images, label
        return images

    return pick


def _first_extremes(dataset, batch_size, what):
    """Returns the min and max of each of the first `batch_size` images.

    The first batch of the output, computed once; only the extremes travel
    (sizes may vary).

    Raises:
        ValueError: for an empty source.
    """

    def extremes(*element):
        images = element[0]  # the images, with or without labels
        return tf.stack([tf.reduce_min(images), tf.reduce_max(images)])

    probe = list(dataset.take(int(batch_size)).map(extremes).as_numpy_iterator())
    if not probe:
        raise ValueError(f"Expected a {what} with images. Received an empty one.")
    return np.stack(probe)


def _resize_varying_sizes(dataset, size, labels, what):
    """Resizes each image when the images' sizes vary, before batching.

    Returns:
        `(dataset, size)`: `size` is None once the images are resized here,
        else unchanged (batches are resized after batching).

    Raises:
        ValueError: for images of varying size without `image_size`.
    """
    spec = dataset.element_spec
    image_shape = (spec[0] if labels else spec).shape
    if None not in image_shape[:2]:
        return dataset, size
    if size is None:
        raise ValueError(
            f"Expected images of one size to batch them. Received {what} "
            f"images of shape {image_shape} (sizes vary). Pass image_size=."
        )
    dataset = dataset.map(
        _per_image(lambda x: _resize(x, size), labels),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return dataset, None


def _shuffle(dataset, shuffle_buffer, seed):
    """Shuffles with a buffer capped at the dataset's size when known."""
    buffer = int(shuffle_buffer)
    count = int(dataset.cardinality())
    if count > 0:
        buffer = min(buffer, count)
    return dataset.shuffle(
        buffer,
        seed=None if seed is None else int(seed),
        reshuffle_each_iteration=True,
    )


def _finisher(size, channels, value_range):
    """Returns the map function that resizes, converts and scales batches."""

    def finish(images):
        images = tf.cast(images, tf.float32)
        if size is not None:
            images = _resize(images, size)
        images = _convert_channels(images, channels)
        return _scale(images, value_range)

    return finish


def _per_image(function, labels):
    if labels:
        return lambda x, y: (function(x), y)
    return function


def _resize(images, size):
    images = tf.cast(images, tf.float32)
    static = images.shape[-3:-1]
    if None not in static and tuple(static) == tuple(size):
        return images
    return tf.image.resize(images, size, method="bilinear", antialias=True)

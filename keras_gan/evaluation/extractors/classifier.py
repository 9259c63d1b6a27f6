"""`ClassifierExtractor`: features of a small CNN trained on the dataset itself.

For MNIST-like data an ImageNet Inception network is a poor judge: its
features describe natural photographs and it must upsample 28x28 digits to
299x299. Papers on small datasets instead use a classifier trained on the
real data (e.g. the "modes" evaluations of VEEGAN and PacGAN). This module
trains such a classifier once per dataset, caches it, and uses its
penultimate layer as features and its softmax as class probabilities.
"""

import os
import time
import warnings

import numpy as np

import keras
from keras import layers

from keras_gan import cache as cache_lib
from keras_gan._checks import check_int
from keras_gan.data import load_arrays
from keras_gan.data.scaling import scale_batch
from keras_gan.evaluation import _cache
from keras_gan.evaluation.extractors._base import FeatureExtractor
from keras_gan.evaluation.extractors._base import check_batch_size
from keras_gan.evaluation.extractors._base import prepare_images
from keras_gan.evaluation.extractors._base import run_batched

# Bump when the architecture or training procedure changes, so that cached
# classifiers from an older version are not reused.
CLASSIFIER_VERSION = 1

DEFAULT_EPOCHS = 6
DEFAULT_BATCH_SIZE = 64
DEFAULT_LEARNING_RATE = 1e-3
DEFAULT_FILTERS = (32, 64)
DEFAULT_UNITS = 128
DEFAULT_DROPOUT = 0.3

FEATURES_LAYER = "features"
PROBABILITIES_LAYER = "probabilities"

# Strided convolutions are added until the feature map is at most this wide,
# so that large images do not make a huge Dense layer.
_MAX_FINAL_SIZE = 8


def build_classifier(
    image_shape,
    num_classes,
    *,
    filters=DEFAULT_FILTERS,
    units=DEFAULT_UNITS,
    dropout=DEFAULT_DROPOUT,
    seed=0,
):
    """Builds the (untrained) classifier behind `ClassifierExtractor`.

    Stride-2 3x3 convolutions with ReLU (`filters`, repeating the last count
    until the feature map is at most 8 pixels wide), Dropout, a Dense ReLU
    layer named `"features"` and a Dense softmax named `"probabilities"`.
    All initialisers and the Dropout are seeded, so building is
    deterministic without touching global random state.

    Args:
        image_shape: `(height, width, channels)` of the images in [-1, 1].
        num_classes: number of classes K, at least 2.
        filters: filter counts of the convolutions. Defaults to `(32, 64)`.
        units: width of the feature layer. Defaults to 128.
        dropout: dropout rate before the feature layer. Defaults to 0.3.
        seed: seed of the initialisers and the Dropout. Defaults to 0.

    Returns:
        A `keras.Model` from images to `(N, K)` probabilities.

    Example:

    >>> model = build_classifier((28, 28, 1), 10)
    >>> model.output_shape
    (None, 10)
    """
    height, width, _ = image_shape
    size = max(height, width)
    filters = list(filters)
    size = -(-size // 2 ** len(filters))
    while size > _MAX_FINAL_SIZE:
        filters.append(filters[-1])
        size = -(-size // 2)

    def init(offset):
        return keras.initializers.GlorotUniform(seed=seed + offset)

    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for i, count in enumerate(filters):
        x = layers.Conv2D(
            count,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_initializer=init(i),
            name=f"conv{i + 1}",
        )(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout, seed=seed)(x)
    x = layers.Dense(
        units,
        activation="relu",
        kernel_initializer=init(len(filters)),
        name=FEATURES_LAYER,
    )(x)
    x = layers.Dense(
        num_classes,
        activation="softmax",
        kernel_initializer=init(len(filters) + 1),
        name=PROBABILITIES_LAYER,
    )(x)
    return keras.Model(images, x, name="keras_gan_classifier")


def _check_settings(epochs, batch_size, learning_rate):
    check_int("epochs", epochs)
    check_int("batch_size", batch_size)
    if (
        not isinstance(learning_rate, (int, float))
        or isinstance(learning_rate, bool)
        or learning_rate <= 0
    ):
        raise ValueError(
            "Expected `learning_rate` to be a positive float. Received: "
            f"learning_rate={learning_rate!r}."
        )


def _load_split(source, split, image_size, channels):
    images, labels = load_arrays(source, split=split, image_size=image_size, channels=channels)
    if labels is None:
        raise ValueError(
            "ClassifierExtractor needs a labelled dataset (mnist, "
            "mnist_sample, fashion_mnist, cifar10, a folder with one "
            "sub-folder per class, or an .npz/tuple with labels). Received "
            f"{source!r}, whose {split!r} split has no labels. Use "
            "extractor='inception' for unlabelled data."
        )
    return images, labels


def train_classifier(
    source,
    *,
    image_size=None,
    channels=None,
    epochs=DEFAULT_EPOCHS,
    batch_size=DEFAULT_BATCH_SIZE,
    learning_rate=DEFAULT_LEARNING_RATE,
    seed=0,
    verbose=0,
):
    """Trains the classifier on a source's train split (no caching).

    Args:
        source: any labelled `load_arrays` source.
        image_size: None, an int or `(H, W)`; see `load_arrays`. Defaults to
            None.
        channels: None, 1 or 3; see `load_arrays`. Defaults to None.
        epochs: training epochs. Defaults to 6.
        batch_size: training batch size. Defaults to 64.
        learning_rate: Adam learning rate. Defaults to 1e-3.
        seed: seed of the weights, the Dropout and the shuffling. Defaults
            to 0.
        verbose: `verbose` of `fit`. Defaults to 0.

    Returns:
        `(model, info)`: the trained `keras.Model` and a dict with
        `test_accuracy` (on the source's "test" split), `train_accuracy`,
        `training_seconds`, `image_shape`, `num_classes`, `num_train` and
        `num_test`.

    Raises:
        ValueError: for a source without labels or bad settings.
    """
    _check_settings(epochs, batch_size, learning_rate)
    start = time.perf_counter()
    train_x, train_y = _load_split(source, "train", image_size, channels)
    test_x, test_y = _load_split(source, "test", image_size, channels)
    if tuple(test_x.shape[1:]) != tuple(train_x.shape[1:]):
        raise ValueError(
            "Expected the train and test splits to hold images of one shape. "
            f"Received {train_x.shape[1:]} and {test_x.shape[1:]}; pass "
            "`image_size` and `channels`."
        )
    num_classes = int(max(train_y.max(), test_y.max())) + 1
    if num_classes < 2:
        raise ValueError(
            "Expected at least 2 classes to train a classifier. Received "
            f"labels with a single class in {source!r}."
        )
    image_shape = tuple(int(d) for d in train_x.shape[1:])
    model = build_classifier(image_shape, num_classes, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    history = _fit(model, train_x, train_y, epochs, batch_size, seed, verbose)
    probs = model.predict(prepare_images(test_x), batch_size=256, verbose=0)
    test_accuracy = float(np.mean(np.argmax(probs, axis=1) == test_y))
    info = {
        "test_accuracy": test_accuracy,
        "train_accuracy": float(history.history["accuracy"][-1]),
        "training_seconds": time.perf_counter() - start,
        "image_shape": list(image_shape),
        "num_classes": num_classes,
        "num_train": int(len(train_x)),
        "num_test": int(len(test_x)),
    }
    return model, info


def _fit(model, train_x, train_y, epochs, batch_size, seed, verbose):
    """Fits the classifier epoch by epoch in a seeded order; the last History."""
    import tensorflow as tf

    # The order comes from NumPy: tf.data's seeded shuffle would also depend
    # on TensorFlow's global seed, i.e. on what the caller's program did
    # before, and the cached classifier must not.
    rng = np.random.default_rng(seed)
    images_t = tf.constant(train_x)
    labels_t = tf.constant(train_y)

    def batch_of(indices):
        return (
            scale_batch(tf.gather(images_t, indices)),
            tf.gather(labels_t, indices),
        )

    for epoch in range(epochs):
        order = rng.permutation(len(train_x))
        dataset = (
            tf.data.Dataset.from_tensor_slices(order)
            .batch(batch_size)
            .map(batch_of)
            .prefetch(tf.data.AUTOTUNE)
        )
        history = model.fit(
            dataset,
            epochs=epoch + 1,
            initial_epoch=epoch,
            verbose=verbose,
            shuffle=False,
        )
    return history


class ClassifierExtractor(FeatureExtractor):
    """Features and class probabilities of a classifier trained on the data.

    Features are the 128-d ReLU outputs of the penultimate Dense layer
    (`"features"`), probabilities its K-class softmax. Build one with
    `ClassifierExtractor.for_dataset`, which trains the classifier on the
    dataset's train split the first time and loads it from the cache after
    that. Its `name` (default `"clf"`) is appended to metric keys:
    `fid_clf`, `kid_mean_clf`, ...

    Metrics computed with it are comparable only with metrics from the same
    cached classifier (same dataset, image size and settings).

    Args:
        model: a trained `keras.Model` from images in [-1, 1] to
            probabilities, with a layer named `"features"` (as made by
            `build_classifier`).
        name: label appended to metric keys. Defaults to `"clf"`.
        key: dict identifying the classifier in caches, or None. Defaults to
            None.
        info: the training record (see `train_classifier`). Defaults to None.
        path: where the model is cached, or None. Defaults to None.
        from_cache: whether the model was loaded rather than trained.
            Defaults to False.
        batch_size: images per forward pass. Defaults to 256.

    Raises:
        ValueError: if `model` has no `"features"` layer.

    Example:

    ```python
    extractor = ClassifierExtractor.for_dataset("mnist_sample")
    extractor.test_accuracy  # 0.965 for mnist_sample
    features = extractor.features(images)  # (N, 128) float64
    ```
    """

    predicts_dataset_labels = True

    def __init__(
        self,
        model,
        *,
        name="clf",
        key=None,
        info=None,
        path=None,
        from_cache=False,
        batch_size=256,
    ):
        if not isinstance(model, keras.Model):
            raise ValueError(f"Expected `model` to be a keras.Model. Received: {model!r}.")
        try:
            features = model.get_layer(FEATURES_LAYER).output
        except ValueError as error:
            raise ValueError(
                f"Expected a classifier with a layer named {FEATURES_LAYER!r} "
                f"(see build_classifier). Received a model with layers "
                f"{[layer.name for layer in model.layers]}."
            ) from error
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"Expected `name` to be a non-empty string without '/'. Received: name={name!r}."
            )
        self.model = model
        self.name = name
        self.key = key
        self.info = dict(info or {})
        self.path = None if path is None else os.fspath(path)
        self.from_cache = bool(from_cache)
        self.batch_size = check_batch_size(batch_size, 256)
        self.image_shape = tuple(int(d) for d in model.input_shape[1:])
        self.num_classes = int(model.output_shape[-1])
        self._both = keras.Model(model.inputs, [features, model.output])
        self._forward = None

    @property
    def test_accuracy(self):
        """Accuracy on the dataset's "test" split, or None if unknown."""
        return self.info.get("test_accuracy")

    @property
    def training_seconds(self):
        """Seconds it took to train (when it was first trained), or None."""
        return self.info.get("training_seconds")

    @classmethod
    def for_dataset(
        cls,
        source,
        image_size=None,
        epochs=DEFAULT_EPOCHS,
        seed=0,
        cache_dir=None,
        verbose=0,
        *,
        channels=None,
        batch_size=DEFAULT_BATCH_SIZE,
        learning_rate=DEFAULT_LEARNING_RATE,
        name="clf",
        retrain=False,
    ):
        """Returns the classifier of a dataset, training it on a cache miss.

        The cache file is `<cache>/classifiers/<label>-<hash>.keras` with a
        JSON record beside it (test accuracy, training time, the key's
        inputs). `<cache>` is `cache_dir`, else `$KERAS_GAN_CACHE`, else
        `$XDG_CACHE_HOME/keras-gan`, else `~/.cache/keras-gan`. The hash
        covers everything that affects the result: the source (its name; or
        its absolute path with file sizes and mtimes; or a hash of an
        in-memory array), `image_size`, `channels`, the architecture and
        training settings, the seed and `CLASSIFIER_VERSION`. Files are
        written atomically; a corrupt cache entry is retrained with a
        warning.

        Args:
            source: any labelled `load_arrays` source: "mnist",
                "mnist_sample", "fashion_mnist", "cifar10", a folder with one
                sub-folder per class, an `.npz` with labels, or an
                `(images, labels)` tuple.
            image_size: None, an int or `(H, W)`; must match the generator's
                images. Defaults to None (the source's size).
            epochs: training epochs. Defaults to 6.
            seed: seed of the weights, Dropout and shuffling. Defaults to 0.
            cache_dir: cache folder. Defaults to None (see above).
            verbose: `verbose` of `fit`. Defaults to 0.
            channels: None, 1 or 3; see `load_arrays`. Defaults to None.
            batch_size: training batch size. Defaults to 64.
            learning_rate: Adam learning rate. Defaults to 1e-3.
            name: label appended to metric keys. Defaults to `"clf"`.
            retrain: train (and overwrite the cache) even on a cache hit.
                Defaults to False.

        Returns:
            A `ClassifierExtractor`; `from_cache` says whether it was
            loaded, `test_accuracy` how good it is.

        Raises:
            ValueError: for a source without labels or bad settings.
            DatasetUnavailableError: when a named dataset cannot be loaded.

        Example:

        >>> extractor = ClassifierExtractor.for_dataset("mnist_sample")  # doctest: +SKIP
        """
        _check_settings(epochs, batch_size, learning_rate)
        check_int("seed", seed, minimum=0)
        label, fingerprint = _cache.source_fingerprint(source)
        key = _cache_key(fingerprint, image_size, channels, epochs, batch_size, learning_rate, seed)
        digest = cache_lib.hash_key(key)
        folder = cache_lib.cache_directory(cache_dir) / "classifiers"
        stem = f"{cache_lib.slug(label)}-{digest}"
        model_path = folder / f"{stem}.keras"
        info_path = folder / f"{stem}.json"
        key_with_hash = dict(key, hash=digest)

        if not retrain:
            loaded = _load_cached(model_path, info_path, key)
            if loaded is not None:
                model, record = loaded
                return cls(
                    model,
                    name=name,
                    key=key_with_hash,
                    info=record,
                    path=model_path,
                    from_cache=True,
                )

        model, info = train_classifier(
            source,
            image_size=image_size,
            channels=channels,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            seed=seed,
            verbose=verbose,
        )
        record = dict(info, key=key, hash=digest, keras_version=keras.__version__)
        # Model first, record second: the record marks a complete entry.
        _cache.atomic_save_model(model_path, model)
        _cache.atomic_write_json(info_path, record)
        return cls(
            model,
            name=name,
            key=key_with_hash,
            info=record,
            path=model_path,
            from_cache=False,
        )

    def features_and_probabilities(self, images, batch_size=None):
        """Returns `(features, probabilities)` of the classifier.

        Args:
            images: NHWC images of the classifier's `image_shape`, float in
                [-1, 1] (or uint8, scaled first).
            batch_size: images per forward pass. Defaults to 256.

        Returns:
            `(features, probabilities)`: float64 arrays of shapes `(N, 128)`
            and `(N, K)`.

        Raises:
            ValueError: for images of another shape or range.
        """
        batch_size = check_batch_size(batch_size, self.batch_size)
        images = prepare_images(images, self.image_shape)
        if self._forward is None:
            both = self._both
            self._forward = lambda x: both(x, training=False)
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                # One trace for every batch size: `predict` would retrace
                # for each new size of the last, partial batch. (JAX and
                # PyTorch run the small network eagerly.)
                self._forward = tf.function(
                    self._forward,
                    input_signature=[tf.TensorSpec((None,) + self.image_shape, tf.float32)],
                )
        return run_batched(self._forward, images, batch_size)

    def __repr__(self):
        return (
            f"ClassifierExtractor(name={self.name!r}, image_shape="
            f"{self.image_shape}, num_classes={self.num_classes}, "
            f"test_accuracy={self.test_accuracy})"
        )


def _cache_key(fingerprint, image_size, channels, epochs, batch_size, learning_rate, seed):
    # Everything that affects the trained classifier: its cache key.
    return {
        "kind": "classifier",
        "version": CLASSIFIER_VERSION,
        "source": fingerprint,
        "image_size": _jsonable_size(image_size),
        "channels": channels,
        "architecture": {
            "filters": list(DEFAULT_FILTERS),
            "units": DEFAULT_UNITS,
            "dropout": DEFAULT_DROPOUT,
            "max_final_size": _MAX_FINAL_SIZE,
        },
        "training": {
            "epochs": int(epochs),
            "batch_size": int(batch_size),
            "learning_rate": float(learning_rate),
            "seed": int(seed),
            "optimizer": "adam",
        },
    }


def _jsonable_size(image_size):
    if image_size is None or isinstance(image_size, int):
        return image_size
    return [int(d) for d in image_size]


def _load_cached(model_path, info_path, key):
    if not (model_path.is_file() and info_path.is_file()):
        return None
    record = _cache.read_json(info_path)
    # The hash is in the file name; comparing the inputs too guards against
    # a (practically impossible) collision and hand-edited files.
    if not record or record.get("key") != key:
        return None
    try:
        model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file: retrain.
        warnings.warn(
            f"Could not load the cached classifier {model_path} ({error}); training it again.",
            stacklevel=3,
        )
        return None
    return model, record

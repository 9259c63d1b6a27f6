"""`InceptionExtractor`: Keras' ImageNet InceptionV3 pool features and softmax."""

import os

import keras

from keras_gan.evaluation import _cache
from keras_gan.evaluation.extractors._base import FeatureExtractor
from keras_gan.evaluation.extractors._base import check_batch_size
from keras_gan.evaluation.extractors._base import prepare_images
from keras_gan.evaluation.extractors._base import run_batched

INCEPTION_WEIGHTS_ENV = "KERAS_GAN_INCEPTION_WEIGHTS"
INCEPTION_SIZE = 299
POOL_LAYER = "avg_pool"
FEATURE_DIM = 2048

# Where `keras.applications.InceptionV3(weights="imagenet")` looks for (and
# downloads) its weights.
KERAS_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"


class InceptionWeightsUnavailableError(ValueError):
    """The InceptionV3 weights could not be loaded (offline, or a bad file).

    A `ValueError`, so callers that catch bad arguments catch it too. The
    message says what was tried and what to do instead.
    """


class InceptionExtractor(FeatureExtractor):
    """InceptionV3 pool features (2048-d) and ImageNet class probabilities.

    Images in [-1, 1] are resized to 299x299 (bilinear), grey images are
    made RGB by repeating their channel, and the result is fed as is:
    InceptionV3's own preprocessing maps pixels to [-1, 1], so none is
    needed. Features are the 2048-d global average pool, probabilities the
    1000-class softmax (used for the Inception Score). Its `name`
    (default `"inception"`) is appended to metric keys: `fid_inception`.

    Caution: this is Keras' ImageNet InceptionV3, NOT the TF-slim
    "pool_3" graph (`2015-12-05`, 1008 classes) behind published FID and
    IS numbers (TTUR, torch-fidelity, pytorch-fid). Its weights and
    resizing differ, so its FID and IS are comparable only with each other,
    never with numbers in papers.

    Args:
        weights: `"auto"` (the file named by `$KERAS_GAN_INCEPTION_WEIGHTS`
            if set, else `"imagenet"`), `"imagenet"` (Keras' weights:
            read from `~/.keras/models` or downloaded once), a path to a
            local weights file (`.h5` / `.weights.h5`, e.g. a copy of
            Keras' `inception_v3_weights_tf_dim_ordering_tf_kernels.h5`),
            or None for random weights (only useful for tests). Defaults to
            `"auto"`.
        batch_size: images per forward pass. Defaults to 32.
        name: label appended to metric keys. Defaults to `"inception"`.

    Raises:
        InceptionWeightsUnavailableError: when the weights cannot be loaded
            (no network and no local copy, or a missing / unreadable file);
            the message suggests `extractor="classifier"` or a local file.
        ValueError: for a bad `batch_size` or `name`.

    Example:

    ```python
    extractor = InceptionExtractor()  # needs the ImageNet weights
    features = extractor.features(images)  # (N, 2048) float64
    ```
    """

    image_shape = None
    num_classes = 1000

    def __init__(self, weights="auto", batch_size=32, name="inception"):
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"Expected `name` to be a non-empty string without '/'. Received: name={name!r}."
            )
        self.name = name
        self.batch_size = check_batch_size(batch_size, 32)
        self.weights = resolve_weights(weights)
        self.key = _weights_key(self.weights)
        self.model = _build_model(self.weights)
        self._forward = None

    def preprocess(self, images):
        """Brings images to InceptionV3's input: `(N, 299, 299, 3)` in [-1, 1].

        Args:
            images: NHWC images, float in [-1, 1] (or uint8), 1 or 3
                channels, any size.

        Returns:
            A float32 `tf.Tensor` of shape `(N, 299, 299, 3)`.

        Raises:
            ValueError: for images of the wrong rank, channels or range.
        """
        import tensorflow as tf

        images = prepare_images(images)
        return _resize_to_rgb(tf.constant(images))

    def features_and_probabilities(self, images, batch_size=None):
        """Returns `(features, probabilities)` of InceptionV3.

        Args:
            images: NHWC images, float in [-1, 1] (or uint8), any size.
            batch_size: images per forward pass. Defaults to 32.

        Returns:
            `(features, probabilities)`: float64 arrays of shapes
            `(N, 2048)` and `(N, 1000)`.

        Raises:
            ValueError: for images of the wrong rank, channels or range.
        """
        import tensorflow as tf

        batch_size = check_batch_size(batch_size, self.batch_size)
        images = prepare_images(images)
        if self._forward is None:
            model = self.model

            # Resizing inside the traced function keeps the 299x299 copy
            # of only one batch in memory at a time.
            def forward(batch):
                return model(_resize_to_rgb(batch), training=False)

            if keras.backend.backend() == "tensorflow":
                self._forward = tf.function(forward, reduce_retracing=True)
            else:
                # Resized with TensorFlow, handed over as NumPy: the model
                # runs on the Keras backend, which takes no tf.Tensor.
                def forward_other(batch):
                    resized = _resize_to_rgb(tf.constant(batch)).numpy()
                    return model(resized, training=False)

                self._forward = forward_other
        return run_batched(self._forward, images, batch_size)


def _resize_to_rgb(images):
    import tensorflow as tf

    images = tf.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    return tf.clip_by_value(images, -1.0, 1.0)


def resolve_weights(weights):
    """Resolves the `weights` argument of `InceptionExtractor`.

    Args:
        weights: `"auto"`, `"imagenet"`, a path or None.

    Returns:
        `"imagenet"`, None, or an absolute path string to an existing file.

    Raises:
        InceptionWeightsUnavailableError: for a path that is not a file.
        ValueError: for another kind of value.
    """
    if weights == "auto":
        weights = os.environ.get(INCEPTION_WEIGHTS_ENV) or "imagenet"
    if weights is None or weights == "imagenet":
        return weights
    if not isinstance(weights, (str, os.PathLike)):
        raise ValueError(
            "Expected `weights` to be 'auto', 'imagenet', a path to a "
            f"weights file or None. Received: weights={weights!r}."
        )
    path = os.path.abspath(os.path.expanduser(os.fspath(weights)))
    if not os.path.isfile(path):
        raise InceptionWeightsUnavailableError(
            f"The InceptionV3 weights file {path} does not exist (from "
            f"`weights=` or ${INCEPTION_WEIGHTS_ENV}). {_ADVICE}"
        )
    return path


_ADVICE = (
    "Either copy Keras' ImageNet weights file "
    f"({KERAS_WEIGHTS_FILE}) to this machine and pass its path as "
    f"`weights=` or set ${INCEPTION_WEIGHTS_ENV}, or evaluate with "
    "extractor='classifier' (a small classifier trained offline on your "
    "labelled dataset)."
)


def _weights_key(weights):
    if weights is None:
        return None  # Random weights: never cache anything computed with them.
    if weights == "imagenet":
        return {"kind": "inception", "weights": "keras-imagenet"}
    return {
        "kind": "inception",
        "weights": _cache.source_fingerprint(weights)[1],
    }


def _build_model(weights):
    try:
        base = keras.applications.InceptionV3(
            include_top=True,
            weights=weights,
            input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        )
    except Exception as error:  # noqa: BLE001 - download and file errors vary.
        tried = (
            "Keras' ImageNet weights ('imagenet': ~/.keras/models/"
            f"{KERAS_WEIGHTS_FILE}, else a download)"
            if weights == "imagenet"
            else f"the weights file {weights}"
        )
        raise InceptionWeightsUnavailableError(
            f"Could not load InceptionV3 with {tried}: {type(error).__name__}: {error}. {_ADVICE}"
        ) from error
    return keras.Model(
        base.inputs,
        [base.get_layer(POOL_LAYER).output, base.output],
        name="inception_v3_features",
    )

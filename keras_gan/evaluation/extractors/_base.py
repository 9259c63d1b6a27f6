"""The feature-extractor interface shared by every extractor."""

import numpy as np

from keras_gan._checks import check_int
from keras_gan.data.scaling import scale_images


class FeatureExtractor:
    """Maps images to feature vectors and, optionally, class probabilities.

    The metrics in `keras_gan.metrics` take NumPy features; an extractor is
    what turns images into them. Subclasses implement
    `features_and_probabilities`; `features` and `probabilities` are thin
    wrappers around it.

    Attributes:
        name: short, `/`-free label appended to metric result keys, e.g.
            `"clf"` gives `fid_clf` (see `keras_gan.evaluation`).
        key: a JSON-serialisable dict identifying the extractor's weights for
            on-disk caches, or None when it must not be cached (e.g. random
            weights).
        image_shape: the `(height, width, channels)` the extractor expects,
            or None when it takes any size.
        num_classes: width of `probabilities`, or None without them.
        predicts_dataset_labels: whether the probabilities are over the
            evaluated dataset's own classes (so they can be compared with
            its labels), as for a classifier trained on it.
        batch_size: images per forward pass.
    """

    name = "extractor"
    key = None
    image_shape = None
    num_classes = None
    predicts_dataset_labels = False
    batch_size = 64

    def features(self, images, batch_size=None):
        """Returns the feature vectors of `images`.

        Args:
            images: NHWC float images in [-1, 1] (uint8 is scaled first).
            batch_size: images per forward pass. Defaults to the
                extractor's `batch_size`.

        Returns:
            A float64 array of shape `(N, D)`.

        Raises:
            ValueError: for images of the wrong rank, shape or range.
        """
        return self.features_and_probabilities(images, batch_size)[0]

    def probabilities(self, images, batch_size=None):
        """Returns class probabilities of `images`, or None.

        Args:
            images: NHWC float images in [-1, 1] (uint8 is scaled first).
            batch_size: images per forward pass. Defaults to the
                extractor's `batch_size`.

        Returns:
            A float64 array of shape `(N, K)` whose rows sum to 1, or None
            when the extractor has no classifier head.

        Raises:
            ValueError: for images of the wrong rank, shape or range.
        """
        return self.features_and_probabilities(images, batch_size)[1]

    def features_and_probabilities(self, images, batch_size=None):
        """Returns `(features, probabilities)` from one pass over `images`.

        Args:
            images: NHWC float images in [-1, 1] (uint8 is scaled first).
            batch_size: images per forward pass. Defaults to the
                extractor's `batch_size`.

        Returns:
            `(features, probabilities)` as in `features` and `probabilities`.

        Raises:
            NotImplementedError: in this base class.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement features_and_probabilities."
        )

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


def run_batched(forward, images, batch_size):
    """Runs `forward` over `images` in batches; concatenates both outputs.

    Args:
        forward: a function from a float32 batch (a `tf.Tensor` on the
            TensorFlow backend, a NumPy array on the others) to
            `(features, probabilities)` tensors of the Keras backend.
        images: prepared float32 NHWC images.
        batch_size: images per call.

    Returns:
        `(features, probabilities)` as float64 NumPy arrays.
    """
    import keras

    features, probs = [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            batch = tf.constant(batch)
        f, p = forward(batch)
        # Any backend's tensors (a tf.Tensor, a jax.Array, a torch.Tensor).
        features.append(keras.ops.convert_to_numpy(f))
        probs.append(keras.ops.convert_to_numpy(p))
    return (
        np.concatenate(features).astype(np.float64),
        np.concatenate(probs).astype(np.float64),
    )


def check_batch_size(batch_size, default):
    """Returns a positive int batch size (the default when None)."""
    batch_size = check_int("batch_size", batch_size, minimum=1, allow_none=True)
    return default if batch_size is None else batch_size


def prepare_images(images, image_shape=None, what="images"):
    """Validates NHWC images and scales them to float32 in [-1, 1].

    Args:
        images: array-like of shape `(N, H, W, C)`, C in (1, 3), uint8 or
            float in [-1, 1].
        image_shape: the required `(H, W, C)`, or None for any.
        what: how to name the images in error messages.

    Returns:
        A float32 array in [-1, 1].

    Raises:
        ValueError: for another rank, channel count or shape, no images, or
            pixels outside the accepted ranges.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"Expected {what} of shape (N, height, width, channels) with "
            f"channels in (1, 3). Received shape {images.shape}."
        )
    if images.shape[0] == 0:
        raise ValueError(f"Expected at least one image in {what}. Received shape {images.shape}.")
    if image_shape is not None and tuple(images.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"Expected {what} of shape (N,) + {tuple(image_shape)}, the input "
            f"shape of the extractor. Received shape {images.shape}."
        )
    return scale_images(images)

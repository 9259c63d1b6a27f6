"""Shared fixtures: tiny networks and data so tests run in seconds on CPU."""

import atexit
import fcntl
import os
import pathlib
import shutil
import tempfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    # One persistent XLA compilation cache for the session, set before JAX
    # loads and inherited by every process the tests start (pytest-xdist's
    # workers, the nested JAX suite, the CLI subprocesses): many tests
    # compile the same tiny step, and a cached compile is read instead of
    # redone. Removed when the process that made it exits.
    _jax_cache = tempfile.mkdtemp(prefix="keras_gan_jax_cache_")
    atexit.register(shutil.rmtree, _jax_cache, True)
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _jax_cache
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402

from keras_gan.evaluation.extractors import FeatureExtractor  # noqa: E402

BACKEND = keras.backend.backend()
TINY_SHAPE = (8, 8, 1)
TINY_LATENT = 8


# The longest test: it waits on the `backends` tests run under JAX and
# PyTorch in two processes of their own (tests/backends/test_suite_on_backends.py).
NESTED_SUITE = "test_suite_on_backends.py"


def pytest_collection_modifyitems(config, items):
    # The nested JAX and PyTorch suites first, so that under `-n 2` they run
    # beside the rest of the suite instead of after it.
    items.sort(key=lambda item: item.path.name != NESTED_SUITE)
    # The whole suite runs on TensorFlow; on JAX and PyTorch only the tests
    # marked `backends` (the model, the step, saving, callbacks, the CLI).
    if BACKEND == "tensorflow":
        return
    skip = pytest.mark.skip(
        reason=f"TensorFlow only (on {BACKEND}, `-m backends` runs the tests "
        "that every backend must pass)"
    )
    for item in items:
        if "backends" not in item.keywords:
            item.add_marker(skip)


def skip_on(*backends, reason):
    """Marks a `backends` test to skip on some Keras backends, saying why."""
    return pytest.mark.skipif(BACKEND in backends, reason=f"on {BACKEND}: {reason}")


def tiny_generator(latent_dim=TINY_LATENT, image_shape=TINY_SHAPE):
    """A small generator with BatchNorm, so the training flag matters."""
    h, w, c = image_shape
    z = keras.Input((latent_dim,))
    x = layers.Dense((h // 2) * (w // 2) * 8, use_bias=False)(z)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((h // 2, w // 2, 8))(x)
    x = layers.Conv2DTranspose(c, 3, strides=2, padding="same", activation="tanh")(x)
    return keras.Model(z, x, name="tiny_generator")


def tiny_discriminator(image_shape=TINY_SHAPE):
    """A small discriminator with Dropout, as in the DCGAN."""
    images = keras.Input(image_shape)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(images)
    x = layers.LeakyReLU()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Flatten()(x)
    return keras.Model(images, layers.Dense(1)(x), name="tiny_discriminator")


class PixelExtractor(FeatureExtractor):
    """Deterministic stand-in extractor for metric tests (nothing to train):
    features are the pixels, 2 classes by brightness."""

    name = "px"
    key = {"kind": "pixels"}
    num_classes = 2
    predicts_dataset_labels = True

    def features_and_probabilities(self, images, batch_size=None):
        features = np.asarray(images, np.float64).reshape(len(images), -1)
        bright = (features.mean(axis=1) + 1) / 2
        return features, np.stack([1 - bright, bright], axis=1)


@pytest.fixture
def tiny_gan():
    """A compiled GAN of tiny networks (8x8x1 images, latent size 8)."""
    from keras_gan import GAN

    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    return gan


def square_images():
    """64 images of 8x8x1 in [-1, 1]: bright squares on a dark ground."""
    rng = np.random.default_rng(0)
    images = -np.ones((64, 8, 8, 1), np.float32)
    for img in images:
        r, c = rng.integers(0, 5, size=2)
        img[r : r + 3, c : c + 3] = 1.0
    return images


@pytest.fixture
def tiny_images():
    """64 images of 8x8x1 in [-1, 1]: bright squares on a dark ground."""
    return square_images()


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    """One keras-gan cache for the session: the classifier is trained once.

    `KERAS_GAN_TEST_CACHE` names another session's cache to share (the
    suite's runs on JAX and PyTorch load TensorFlow's classifier from it).
    """
    shared = os.environ.get("KERAS_GAN_TEST_CACHE")
    if shared:
        return pathlib.Path(shared)
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by pytest-xdist's workers
    path = root / "keras_gan_cache"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def cache_env(monkeypatch, session_cache, mnist_classifier):
    """Points KERAS_GAN_CACHE at the session cache, its classifier trained."""
    monkeypatch.setenv("KERAS_GAN_CACHE", str(session_cache))


@pytest.fixture(scope="session")
def mnist_classifier(session_cache):
    """The classifier extractor trained on mnist_sample (cached)."""
    from keras_gan.evaluation.extractors import ClassifierExtractor

    # Under pytest-xdist one worker trains it while the others wait, then load it.
    with open(session_cache.parent / f"{session_cache.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return ClassifierExtractor.for_dataset("mnist_sample", cache_dir=session_cache)


class StopAt(keras.callbacks.Callback):
    """Simulates a crash at the start of an epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def float16_tiny_gan():
    """A compiled tiny GAN under `mixed_float16` (the global policy restored)."""
    from keras_gan import GAN

    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
        gan.compile()
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    return gan

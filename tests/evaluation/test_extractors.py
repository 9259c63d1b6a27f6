"""Tests for keras_gan.evaluation.extractors (and the private cache helpers).

The classifier is trained once per session on `mnist_sample` (offline,
4,000 training digits); measured here: 0.965 test accuracy after ~8 s on 2
CPUs. The tests assert >= 0.93 (no wall-clock bounds: a busy machine is not
a bug). Inception is only built with random weights (`weights=None`):
nothing is downloaded.
"""

import json
import os
import warnings

import numpy as np
import pytest

import keras

from keras_gan.evaluation import _cache
from keras_gan.evaluation.extractors import ClassifierExtractor
from keras_gan.evaluation.extractors import FeatureExtractor
from keras_gan.evaluation.extractors import InceptionExtractor
from keras_gan.evaluation.extractors import InceptionWeightsUnavailableError
from keras_gan.evaluation.extractors import build_classifier
from keras_gan.evaluation.extractors import classifier as classifier_module
from keras_gan.evaluation.extractors import get_extractor
from keras_gan.evaluation.extractors import inception as inception_module

MIN_TEST_ACCURACY = 0.93  # Measured 0.965; the margin absorbs CPU/BLAS noise.


# Shared, session-scoped classifier cache: see tests/conftest.py.
pytestmark = pytest.mark.usefixtures("cache_env")


def _two_class_data(num=72, seed=0):
    """8x8 grey images: a bright 3x3 square on the left (0) or right (1)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((num, 8, 8, 1), np.uint8)
    labels = np.arange(num) % 2
    for image, label in zip(images, labels):
        row = rng.integers(0, 6)
        col = rng.integers(0, 2) + (4 if label else 0)
        image[row : row + 3, col : col + 3] = 255
    return images, labels.astype(np.int64)


# --- ClassifierExtractor ---------------------------------------------------


@pytest.mark.slow
def test_classifier_trains_on_mnist_sample_to_stated_accuracy(mnist_classifier):
    info = mnist_classifier.info
    assert mnist_classifier.test_accuracy >= MIN_TEST_ACCURACY
    assert mnist_classifier.training_seconds > 0  # Recorded, not judged.
    assert info["num_train"] == 4000 and info["num_test"] == 1000
    assert mnist_classifier.image_shape == (28, 28, 1)
    assert mnist_classifier.num_classes == 10
    assert mnist_classifier.name == "clf"


@pytest.mark.slow
def test_classifier_cache_files(mnist_classifier, session_cache):
    path = mnist_classifier.path
    assert os.path.dirname(path) == str(session_cache / "classifiers")
    assert path.endswith(".keras") and os.path.basename(path).startswith("mnist_sample-")
    record = json.loads(open(path[: -len(".keras")] + ".json").read())
    assert record["test_accuracy"] == mnist_classifier.test_accuracy
    assert record["training_seconds"] > 0
    assert record["key"]["source"] == {"name": "mnist_sample"}
    assert record["key"]["training"]["epochs"] == classifier_module.DEFAULT_EPOCHS
    assert record["key"]["version"] == classifier_module.CLASSIFIER_VERSION
    # Atomic writes leave no temporary files behind.
    leftovers = [n for n in os.listdir(os.path.dirname(path)) if n.startswith(".")]
    assert leftovers == []


@pytest.mark.slow
def test_classifier_cache_hit_does_not_retrain(mnist_classifier, session_cache, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the classifier was trained again")

    # A hit neither trains (train_classifier raises) nor rewrites the files
    # (an atomic rewrite would give a new inode and modification time).
    files = [mnist_classifier.path, mnist_classifier.path[: -len(".keras")] + ".json"]
    before = [(os.stat(f).st_ino, os.stat(f).st_mtime_ns) for f in files]
    monkeypatch.setattr(classifier_module, "train_classifier", fail)
    again = ClassifierExtractor.for_dataset("mnist_sample", cache_dir=session_cache)
    assert again.from_cache and again.path == mnist_classifier.path
    assert again.test_accuracy == mnist_classifier.test_accuracy
    # get_extractor with the environment's cache finds the same file.
    via_name = get_extractor("classifier", "mnist_sample")
    assert via_name.from_cache and via_name.path == mnist_classifier.path
    assert [(os.stat(f).st_ino, os.stat(f).st_mtime_ns) for f in files] == before
    images = np.random.default_rng(0).uniform(-1, 1, (5, 28, 28, 1))
    # The same weights: equal up to float32 rounding (features are O(1-10)).
    np.testing.assert_allclose(
        again.features(images),
        mnist_classifier.features(images),
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.slow
def test_classifier_features_and_probabilities(mnist_classifier):
    from keras_gan.data import load_arrays

    images, labels = load_arrays("mnist_sample", split="test")
    images, labels = images[:300], labels[:300]  # uint8 is scaled first.
    features, probs = mnist_classifier.features_and_probabilities(images, batch_size=64)
    assert features.shape == (300, 128) and features.dtype == np.float64
    assert probs.shape == (300, 10) and probs.dtype == np.float64
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert (features >= 0).all()  # ReLU features.
    assert np.mean(probs.argmax(axis=1) == labels) > MIN_TEST_ACCURACY - 0.03
    # Batches of 10 and of 64 give the same values up to float32 rounding:
    # the batch size changes which kernels (and summation orders) the CPU
    # uses (measured 6e-8 apart on an AVX2-only CPU). A mix-up of images
    # between batches would be off by O(1).
    np.testing.assert_allclose(
        mnist_classifier.probabilities(images[:10]), probs[:10], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        mnist_classifier.features(images[:10]), features[:10], rtol=1e-5, atol=1e-5
    )


@pytest.mark.slow
def test_classifier_rejects_images_of_another_shape(mnist_classifier):
    with pytest.raises(ValueError, match=r"\(28, 28, 1\).*Received shape \(2, 8, 8, 1\)"):
        mnist_classifier.features(np.zeros((2, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="Received shape"):
        mnist_classifier.features(np.zeros((28, 28, 1), np.float32))
    with pytest.raises(ValueError, match="Expected uint8 images or float"):
        mnist_classifier.features(np.full((1, 28, 28, 1), 3.0, np.float32))


def test_small_classifier_cache_key_and_atomic_files(tmp_path, monkeypatch):
    calls = []
    real_train = classifier_module.train_classifier

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(classifier_module, "train_classifier", counting)
    data = _two_class_data()
    first = ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path)
    assert not first.from_cache and len(calls) == 1
    assert first.image_shape == (8, 8, 1) and first.num_classes == 2
    second = ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path)
    assert second.from_cache and len(calls) == 1 and second.path == first.path
    # Different settings or different data: a different cache entry.
    third = ClassifierExtractor.for_dataset(data, epochs=2, cache_dir=tmp_path)
    changed = (data[0].copy(), data[1])
    changed[0][0, 0, 0, 0] = 1
    fourth = ClassifierExtractor.for_dataset(changed, epochs=1, cache_dir=tmp_path)
    assert len(calls) == 3
    assert len({first.path, third.path, fourth.path}) == 3
    # retrain=True trains even on a hit.
    ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path, retrain=True)
    assert len(calls) == 4
    names = sorted(os.listdir(tmp_path / "classifiers"))
    assert len(names) == 6 and not any(n.startswith(".") for n in names)


def test_corrupt_cached_classifier_is_retrained(tmp_path):
    data = _two_class_data()
    first = ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path)
    with open(first.path, "wb") as f:
        f.write(b"not a keras file")
    # Recorded, not pytest.warns: that would re-emit TensorFlow's unrelated
    # deprecation warnings from the retraining.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path)
    assert any("training it again" in str(w.message) for w in caught)
    assert not again.from_cache
    assert ClassifierExtractor.for_dataset(data, epochs=1, cache_dir=tmp_path).from_cache


def test_classifier_uses_environment_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "env_cache"))
    extractor = ClassifierExtractor.for_dataset(_two_class_data(), epochs=1)
    assert extractor.path.startswith(str(tmp_path / "env_cache" / "classifiers"))


def test_classifier_needs_labels(tmp_path):
    images, _ = _two_class_data()
    with pytest.raises(ValueError, match="labelled dataset"):
        ClassifierExtractor.for_dataset(images, cache_dir=tmp_path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"seed": -1}, "seed"),
        ({"batch_size": True}, "batch_size"),
        ({"learning_rate": 0.0}, "learning_rate"),
    ],
)
def test_classifier_rejects_bad_settings(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClassifierExtractor.for_dataset(_two_class_data(), cache_dir=tmp_path, **kwargs)


def test_build_classifier_adds_convolutions_for_large_images():
    small = build_classifier((28, 28, 1), 10)
    large = build_classifier((64, 64, 3), 5)
    assert small.output_shape == (None, 10) and large.output_shape == (None, 5)
    assert [layer.name for layer in small.layers if "conv" in layer.name] == ["conv1", "conv2"]
    assert large.get_layer("conv3").output.shape[1:3] == (8, 8)
    assert small.get_layer("features").output.shape == (None, 128)
    # Seeded: building twice gives the same weights.
    again = build_classifier((28, 28, 1), 10)
    for a, b in zip(small.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_classifier_extractor_needs_features_layer():
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="'features'"):
        ClassifierExtractor(model)
    with pytest.raises(ValueError, match="name"):
        ClassifierExtractor(build_classifier((8, 8, 1), 2), name="a/b")


# --- Cache helpers ------------------------------------------------------------


def test_source_fingerprint_tracks_files(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((3, 4, 4, 1), np.uint8))
    label, first = _cache.source_fingerprint(str(path))
    assert label == "data.npz" and first["path"] == str(path)
    np.savez(path, x=np.zeros((5, 4, 4, 1), np.uint8))
    assert _cache.source_fingerprint(path)[1] != first
    folder = tmp_path / "folder"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "1.png").write_bytes(b"x")
    before = _cache.source_fingerprint(folder)[1]
    (folder / "a" / "2.png").write_bytes(b"y")
    assert _cache.source_fingerprint(folder)[1] != before
    assert _cache.source_fingerprint("mnist") == ("mnist", {"name": "mnist"})


# --- InceptionExtractor ---------------------------------------------------------


@pytest.fixture(scope="module")
def random_inception():
    return InceptionExtractor(weights=None, batch_size=2)


def test_inception_docstring_warns_about_published_fids():
    assert "NOT the TF-slim" in InceptionExtractor.__doc__


def test_inception_missing_weights_file_raises(tmp_path):
    missing = tmp_path / "nowhere" / "inception.h5"
    with pytest.raises(InceptionWeightsUnavailableError) as info:
        InceptionExtractor(weights=str(missing))
    message = str(info.value)
    assert str(missing) in message and "extractor='classifier'" in message
    assert isinstance(info.value, ValueError)


def test_inception_weights_from_environment(tmp_path, monkeypatch):
    missing = tmp_path / "env_weights.h5"
    monkeypatch.setenv("KERAS_GAN_INCEPTION_WEIGHTS", str(missing))
    with pytest.raises(InceptionWeightsUnavailableError, match="env_weights.h5"):
        InceptionExtractor()
    assert inception_module.resolve_weights("imagenet") == "imagenet"
    monkeypatch.delenv("KERAS_GAN_INCEPTION_WEIGHTS")
    assert inception_module.resolve_weights("auto") == "imagenet"
    with pytest.raises(ValueError, match="weights"):
        inception_module.resolve_weights(3)


def test_inception_download_failure_is_explained(monkeypatch):
    # Simulates an offline `weights="imagenet"` without touching the network.
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com")

    monkeypatch.setattr(keras.applications, "InceptionV3", offline)
    with pytest.raises(InceptionWeightsUnavailableError) as info:
        InceptionExtractor(weights="imagenet")
    message = str(info.value)
    assert "'imagenet'" in message and "URL fetch failure" in message
    assert "extractor='classifier'" in message and "KERAS_GAN_INCEPTION_WEIGHTS" in message


def test_inception_preprocess_resizes_and_repeats_grey(random_inception):
    grey = np.linspace(-1, 1, 2 * 8 * 8, dtype=np.float32).reshape(2, 8, 8, 1)
    out = random_inception.preprocess(grey).numpy()
    assert out.shape == (2, 299, 299, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    assert out.min() >= -1 and out.max() <= 1
    constant = random_inception.preprocess(np.full((1, 5, 7, 3), 0.5, np.float32))
    np.testing.assert_allclose(constant.numpy(), 0.5, atol=1e-6)
    uint8 = random_inception.preprocess(np.full((1, 4, 4, 1), 255, np.uint8))
    np.testing.assert_allclose(uint8.numpy(), 1.0)
    with pytest.raises(ValueError, match="channels"):
        random_inception.preprocess(np.zeros((1, 4, 4, 2), np.float32))


def test_inception_features_shapes(random_inception):
    images = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 1)).astype(np.float32)
    features, probs = random_inception.features_and_probabilities(images)
    assert features.shape == (3, 2048) and features.dtype == np.float64
    assert probs.shape == (3, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert random_inception.name == "inception"
    assert random_inception.key is None  # Random weights are never cached.
    assert not random_inception.predicts_dataset_labels


# --- get_extractor --------------------------------------------------------------


def test_get_extractor_errors_and_passthrough(random_inception):
    with pytest.raises(ValueError, match="pass `dataset`"):
        get_extractor("classifier")
    with pytest.raises(ValueError, match="'classifier', 'inception'.*'vgg'"):
        get_extractor("vgg", "mnist_sample")
    assert get_extractor(random_inception) is random_inception
    with pytest.raises(ValueError, match="no keyword arguments"):
        get_extractor(random_inception, epochs=3)
    with pytest.raises(InceptionWeightsUnavailableError):
        get_extractor("inception", weights="/no/such/weights.h5")


def test_base_extractor_is_abstract():
    with pytest.raises(NotImplementedError):
        FeatureExtractor().features(np.zeros((1, 4, 4, 1), np.float32))

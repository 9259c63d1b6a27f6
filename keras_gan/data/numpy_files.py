"""Sources stored as numpy files: `.npy` (images only) and `.npz`.

Files are read with `allow_pickle=False`: a pickled object array can run
arbitrary code on load, and image data never needs one.
"""

import zipfile

import numpy as np

IMAGE_KEYS = ("x", "images", "x_train")
LABEL_KEYS = ("y", "labels", "y_train")


def _load(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        # numpy raises ValueError for pickled object arrays and for files
        # that are not .npy/.npz at all.
        raise ValueError(
            f"Expected a numpy .npy/.npz file of numeric arrays (loaded with "
            f"allow_pickle=False). Could not read {path}: {err}"
        ) from err


def _first_key(files, keys):
    for key in keys:
        if key in files:
            return key
    return None


def load_npy(path):
    """Loads images from a `.npy` file.

    Args:
        path: path to the file.

    Returns:
        `(images, None)`: the array as stored.

    Raises:
        ValueError: when the file cannot be read without pickle.
    """
    data = _load(path)
    if not isinstance(data, np.ndarray):
        data.close()
        raise ValueError(
            f"Expected {path} to hold a single array (.npy format). Received "
            "an .npz archive; rename it to .npz."
        )
    return data, None


def load_npz(path, split):
    """Loads images and optional labels from a `.npz` file.

    Images are the first present of the keys `x`, `images`, `x_train`;
    labels the first of `y`, `labels`, `y_train` (optional). For
    `split="test"`, `x_test`/`y_test` are used when the file has `x_test`.

    Args:
        path: path to the file.
        split: "train" or "test".

    Returns:
        `(images, labels, has_test)`: labels may be None; `has_test` says
        whether the file has its own test split (`x_test`); otherwise the
        caller holds out part of the images for "test".

    Raises:
        ValueError: when the file cannot be read or has no image key.
    """
    data = _load(path)
    if isinstance(data, np.ndarray):
        raise ValueError(
            f"Expected {path} to be an .npz archive of named arrays. Received "
            "a single array (.npy format); rename it to .npy."
        )
    with data:
        try:
            return _read_npz(data, path, split)
        except ValueError as err:
            if "allow_pickle" not in str(err):
                raise
            raise ValueError(
                f"Expected numeric arrays in {path}. Received an object array, "
                "which cannot be loaded with allow_pickle=False."
            ) from err
        except (OSError, EOFError, zipfile.BadZipFile) as err:
            raise ValueError(
                f"Expected a readable .npz archive. Could not read {path}: {err}"
            ) from err


def _read_npz(data, path, split):
    files = data.files
    has_test = "x_test" in files
    if split == "test" and has_test:
        labels = data["y_test"] if "y_test" in files else None
        return data["x_test"], labels, True
    image_key = _first_key(files, IMAGE_KEYS)
    if image_key is None:
        raise ValueError(
            f"Expected {path} to hold images under one of the keys "
            f"{IMAGE_KEYS}. Received keys {tuple(files)}."
        )
    label_key = _first_key(files, LABEL_KEYS)
    labels = data[label_key] if label_key is not None else None
    return data[image_key], labels, has_test

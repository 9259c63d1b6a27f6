"""`class_names`: the names of a labelled source's classes, by class number."""

import os
import pathlib

# The named datasets' classes (their publishers' names), by label number.
NAMED_CLASSES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "mnist_sample": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "cifar10": (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ),
}


def class_names(source, num_classes=None):
    """Names of the classes of a dataset source, indexed by label.

    Args:
        source: a `load_arrays` source: a named dataset (its publisher's
            class names), a folder with one sub-folder per class (the
            sorted sub-folder names, as `load_arrays` numbers them), or
            anything else (numbered names).
        num_classes: the number of classes, for sources without names
            (`"0"`, `"1"`, ...). Defaults to `None`.

    Returns:
        A tuple of strings, or `None` when the source names no classes and
        `num_classes` is `None`.

    Example:

    >>> class_names("fashion_mnist")[7]
    'Sneaker'
    """
    if isinstance(source, str) and source in NAMED_CLASSES:
        return NAMED_CLASSES[source]
    if isinstance(source, (str, os.PathLike)) and os.path.isdir(source):
        from keras_gan.data.folder import list_image_files

        names = list_image_files(pathlib.Path(source))[2]
        if names:
            return tuple(names)
    if num_classes is None:
        return None
    return tuple(str(k) for k in range(num_classes))

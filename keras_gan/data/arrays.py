"""Source: images already in memory, as a numpy array or `(images, labels)`."""

import numpy as np


def from_memory(source):
    """Unpacks an in-memory source.

    Args:
        source: a numpy array of images, or a tuple `(images, labels)` whose
            items are array-likes (labels may be None).

    Returns:
        `(images, labels)` with images a numpy array and labels as given.

    Raises:
        ValueError: for a tuple of another length.
    """
    if isinstance(source, np.ndarray):
        return source, None
    if len(source) != 2:
        raise ValueError(
            "Expected an in-memory source as an images array or a tuple "
            f"(images, labels). Received a tuple of {len(source)} items."
        )
    images, labels = source
    return np.asarray(images), labels


def is_memory_source(source):
    """Whether `source` is an array or a tuple (handled by `from_memory`)."""
    return isinstance(source, (np.ndarray, tuple))

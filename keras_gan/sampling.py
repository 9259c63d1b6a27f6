"""Noise and labels into images: the sampling helpers below the models.

Seeded noise is drawn in one way (`latents`), so the same seed gives the
same latent vectors to a GAN, a saved generator and the CLI. A conditional
generator takes one row of class weights per image beside its noise
(`label_weights`, from class numbers or names); any generator runs in
inference mode over a batch of inputs in chunks (`run_generator`). The
models (`GAN.generate`, `ConditionalGAN.generate`), a saved generator
(`keras_gan.saving.GeneratorSampler`), the interpolation strips and the
sample folders all draw through these.
"""

import numbers

import numpy as np

from keras import ops


def latents(n, latent_dim, seed=None):
    """Draws `n` standard-normal latent vectors with NumPy.

    Image `i` of a seeded draw is row `i` of
    `numpy.random.default_rng(seed).standard_normal((n, latent_dim))`.

    Args:
        n: number of vectors.
        latent_dim: size of each vector.
        seed: an int for reproducible noise. Defaults to `None`.

    Returns:
        A float32 array of shape `(n, latent_dim)`.

    Example:

    >>> latents(16, 100, seed=0).shape
    (16, 100)
    """
    rng = np.random.default_rng(seed)
    return rng.standard_normal((int(n), int(latent_dim)), dtype=np.float32)


def one_hot(indices, num_classes):
    """One-hot float32 rows for integer class indices.

    Args:
        indices: ints in `[0, num_classes)`, any 1-D sequence.
        num_classes: the number of classes.

    Returns:
        A float32 array of shape `(len(indices), num_classes)`.

    Raises:
        ValueError: for an index outside `[0, num_classes)`.

    Example:

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    indices = np.asarray(indices).reshape(-1)
    if indices.size and (
        indices.dtype.kind not in "iu" or indices.min() < 0 or indices.max() >= num_classes
    ):
        raise ValueError(
            f"Expected class indices in [0, {num_classes}). Received: {indices.tolist()[:10]}"
        )
    return np.eye(num_classes, dtype=np.float32)[indices]


def label_index(label, class_names):
    """The class number of a label: an int in range or a class name.

    Args:
        label: an int in `[0, len(class_names))`, or one of `class_names`
            (case-insensitive), or a number written as a string.
        class_names: the names of the classes, by number.

    Returns:
        The class number, an int.

    Raises:
        ValueError: for an unknown name or a number out of range, listing
            the classes.

    Example:

    >>> label_index("Sneaker", ["sandal", "sneaker"])
    1
    """
    num_classes = len(class_names)
    if isinstance(label, (numbers.Integral, np.integer)) and not isinstance(label, bool):
        if 0 <= label < num_classes:
            return int(label)
    elif isinstance(label, str):
        names = [name.lower() for name in class_names]
        if label.lower() in names:
            return names.index(label.lower())
        if label.isdigit() and int(label) < num_classes:
            return int(label)
    raise ValueError(
        f"Unknown class {label!r}. Expected a number in [0, {num_classes}) "
        f"or one of {list(class_names)}."
    )


def label_weights(labels, class_names, n=None):
    """One row of class weights per image, for a conditional generator.

    Args:
        labels: `None` (classes 0, 1, ..., K-1, 0, 1, ... in turn, so any
            `n` is balanced), one label (an int or a class name) for every
            image, a sequence of labels, or an array `(n, K)` of class
            weights (one-hot, or a mixture for an in-between class).
        class_names: the names of the K classes, by number.
        n: the number of images. Defaults to 16, or `len(labels)`.

    Returns:
        A float32 array of shape `(n, K)`.

    Raises:
        ValueError: for unknown labels, or a count that disagrees with `n`.

    Example:

    >>> label_weights(7, [str(k) for k in range(10)], n=2).argmax(axis=1)
    array([7, 7])
    """
    num_classes = len(class_names)
    if labels is None:
        n = 16 if n is None else n
        return one_hot(np.arange(n) % num_classes, num_classes)
    if isinstance(labels, (str, numbers.Integral, np.integer)):
        n = 16 if n is None else n
        return one_hot([label_index(labels, class_names)] * n, num_classes)
    array = np.asarray(labels)
    if array.ndim == 2 and array.dtype.kind == "f":
        if array.shape[1] != num_classes:
            raise ValueError(
                f"Expected class weights of shape (n, {num_classes}). Received shape {array.shape}."
            )
        weights = array.astype(np.float32)
    else:
        weights = one_hot(
            [label_index(label, class_names) for label in array.reshape(-1).tolist()],
            num_classes,
        )
    if n is not None and n != len(weights):
        raise ValueError(f"`n={n}` disagrees with `labels`, which hold {len(weights)} labels.")
    return weights


def run_generator(network, inputs, batch_size):
    """Runs a network in inference mode over equally long input arrays.

    Args:
        network: a Keras model (a generator).
        inputs: a list of arrays of one length (e.g. `[z]` or
            `[z, label_weights]`).
        batch_size: rows per call.

    Returns:
        The outputs as one float32 NumPy array.
    """
    chunks = []
    for i in range(0, len(inputs[0]), batch_size):
        batch = [x[i : i + batch_size] for x in inputs]
        out = network(batch if len(batch) > 1 else batch[0], training=False)
        chunks.append(ops.convert_to_numpy(out))
    return np.concatenate(chunks).astype(np.float32)

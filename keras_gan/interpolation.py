"""Walks through a generator's latent space: slerp strips, GIF walks, classes.

Latent vectors drawn from a standard normal lie near a sphere of radius
`sqrt(latent_dim)`; a straight line between two of them passes closer to the
origin, through vectors the generator rarely saw. Spherical interpolation
(slerp, Shoemake 1985; for GANs, White 2016, "Sampling Generative Networks")
follows the great circle instead, so every frame looks like a sample.

A generator is either unconditional (one input, `z`) or conditional (two
inputs, `[z, labels]`, where `labels` is a `(batch, num_classes)` one-hot
array that may hold any mixture of classes). The number of classes is read
from the second input's shape.
"""

import numpy as np

from keras_gan._checks import check_int

# Above this cosine the two directions are parallel to float precision:
# sin(omega) is near 0 and slerp's weights lose their digits; the straight
# line is then the same path (the classic threshold of Shoemake's code).
_PARALLEL_COS = 0.9995


def slerp(a, b, t):
    """Spherical interpolation between latent vectors.

    `slerp(a, b, 0)` is `a`, `slerp(a, b, 1)` is `b`; in between the result
    moves along the great circle between the directions of `a` and `b`
    (at constant norm when `a` and `b` have the same norm). Nearly parallel
    vectors (and zero vectors) fall back to linear interpolation, as do
    opposite ones, for which no single great circle exists.

    Args:
        a: the start, an array `(..., latent_dim)`.
        b: the end, an array of the same shape as `a`.
        t: the interpolation weight, a number or a 1-D array of weights
            (usually in [0, 1]).

    Returns:
        A float32 array: `a.shape` for a number `t`, `(len(t),) + a.shape`
        for an array of weights.

    Raises:
        ValueError: if `a` and `b` differ in shape or are scalars, `t` has
            more than one dimension, or any value is NaN or infinite.

    Example:

    >>> a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    >>> np.round(slerp(a, b, 0.5), 4)
    array([0.7071, 0.7071], dtype=float32)
    >>> slerp(a, b, np.linspace(0, 1, 5)).shape
    (5, 2)
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if a.shape != b.shape or a.ndim < 1:
        raise ValueError(
            "Expected `a` and `b` to be vectors (or batches of vectors) of the "
            f"same shape. Received shapes {a.shape} and {b.shape}."
        )
    if t.ndim > 1:
        raise ValueError(f"Expected `t` to be a number or a 1-D array. Received shape {t.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(t))):
        raise ValueError("Expected finite `a`, `b` and `t`. Received NaN or inf.")
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    dot = np.sum(a * b, axis=-1)
    cos = np.divide(dot, norms, out=np.ones_like(dot), where=norms > 0)
    cos = np.clip(cos, -1.0, 1.0)
    curved = np.abs(cos) < _PARALLEL_COS
    omega = np.arccos(cos)[..., None]
    sin_omega = np.where(curved[..., None], np.sin(omega), 1.0)
    # Weights broadcast over the vectors' dimensions: (len(t), 1, ..., 1).
    w = t.reshape(t.shape + (1,) * a.ndim)
    spherical = (np.sin((1.0 - w) * omega) * a + np.sin(w * omega) * b) / sin_omega
    linear = (1.0 - w) * a + w * b
    return np.where(curved[..., None], spherical, linear).astype(np.float32)


def latent_walk(latent_dim, num_points=4, steps=8, seed=None, walkers=None):
    """A looping walk through latent space: slerp between random keypoints.

    Draws `num_points` standard normal keypoints and `steps` frames from
    each keypoint towards the next, the last keypoint leading back to the
    first, so the frames loop without a jump (each keypoint appears once,
    as the first frame of its segment).

    Args:
        latent_dim: the size of a latent vector.
        num_points: keypoints on the loop, at least 2. Defaults to 4.
        steps: frames per segment (keypoint to next keypoint), at least 1.
            Defaults to 8.
        seed: seed of the keypoints. Defaults to `None` (fresh randomness).
        walkers: optional number of independent walks drawn together.
            Defaults to `None` (one walk).

    Returns:
        A float32 array `(num_points * steps, latent_dim)`, or
        `(num_points * steps, walkers, latent_dim)` with `walkers`.

    Raises:
        ValueError: if an argument is not a positive int in range.

    Example:

    >>> z = latent_walk(100, num_points=4, steps=8, seed=0)
    >>> z.shape
    (32, 100)
    """
    check_int("latent_dim", latent_dim, 1)
    check_int("num_points", num_points, 2)
    check_int("steps", steps, 1)
    if walkers is not None:
        check_int("walkers", walkers, 1)
    # Drawn walker by walker, so walker w's loop depends on the seed and w
    # only (walker 0's is the single walk of the same seed).
    keypoints = np.random.default_rng(seed).standard_normal((walkers or 1, num_points, latent_dim))
    keypoints = keypoints[0] if walkers is None else keypoints.transpose(1, 0, 2)
    # The end point of each segment is the next segment's first frame.
    t = np.arange(steps) / steps
    segments = [slerp(keypoints[i], keypoints[(i + 1) % num_points], t) for i in range(num_points)]
    return np.concatenate(segments, axis=0)


def is_conditional(generator):
    """Whether `generator` takes `[z, labels]` (two inputs) rather than `z`.

    Args:
        generator: a Keras model.

    Returns:
        True for a two-input generator.

    Raises:
        ValueError: if the generator has neither one nor two inputs.

    Example:

    >>> is_conditional(keras_gan.dcgan_generator())
    False
    """
    try:
        inputs = generator.inputs
    except AttributeError:  # a subclassed model that was never called
        inputs = None
    if not inputs or len(inputs) > 2:
        raise ValueError(
            "Expected a generator with one input (z) or two ([z, labels]), "
            "such as a functional or Sequential Keras model. Received "
            f"{len(inputs) if inputs else 'no known'} inputs."
        )
    return len(inputs) == 2


def num_classes(generator):
    """The number of classes of a conditional generator (its labels' width).

    Args:
        generator: a Keras model.

    Returns:
        An int for a two-input generator, `None` for a one-input one.

    Raises:
        ValueError: as `is_conditional`, or if the labels' width is unknown.

    Example:

    >>> num_classes(keras_gan.dcgan_generator())  # unconditional
    """
    if not is_conditional(generator):
        return None
    width = generator.inputs[1].shape[-1]
    if not width:
        raise ValueError(
            "Expected the generator's labels input to have a known width "
            f"(num_classes). Received shape {tuple(generator.inputs[1].shape)}."
        )
    return int(width)


def latent_dim(generator):
    """The size of the generator's noise input `z`.

    Args:
        generator: a Keras model with one input `z` or two `[z, labels]`.

    Returns:
        An int.

    Example:

    >>> latent_dim(keras_gan.dcgan_generator())
    100
    """
    is_conditional(generator)
    return int(generator.inputs[0].shape[-1])


def generate_images(generator, z, labels=None, batch_size=256):
    """Runs a generator in inference mode on latent vectors (and labels).

    Args:
        generator: a Keras model taking `z`, or `[z, labels]` when
            conditional.
        z: float array `(n, latent_dim)`.
        labels: for a conditional generator, float array `(n, num_classes)`
            of class weights (one-hot or mixtures). Required for a
            conditional generator, refused for an unconditional one.
        batch_size: images per call. Defaults to 256.

    Returns:
        A float32 NumPy array `(n, height, width, channels)`.

    Raises:
        ValueError: if `labels` does not match the generator or `z`.

    Example:

    >>> generate_images(generator, np.zeros((4, 100))).shape
    (4, 28, 28, 1)
    """
    # Here, not at the top: importing this module loads no Keras.
    from keras_gan.sampling import run_generator

    z = np.asarray(z, dtype=np.float32)
    conditional = is_conditional(generator)
    if conditional != (labels is not None):
        raise ValueError(
            "Expected labels for a conditional (two-input) generator and none "
            f"for an unconditional one. Received labels={labels is not None} "
            f"for a {'conditional' if conditional else 'one-input'} generator."
        )
    if conditional:
        labels = np.asarray(labels, dtype=np.float32)
        if labels.shape != (len(z), num_classes(generator)):
            raise ValueError(
                f"Expected labels of shape {(len(z), num_classes(generator))}. "
                f"Received {labels.shape}."
            )
    return run_generator(generator, [z, labels] if conditional else [z], batch_size)


def _class_names(generator, class_names):
    """The class names of a conditional generator, numbered when not given."""
    k = num_classes(generator)
    if class_names is None:
        return tuple(str(i) for i in range(k))
    if len(class_names) != k:
        raise ValueError(
            f"Expected {k} class names for this generator. Received "
            f"{len(class_names)}: {list(class_names)}"
        )
    return tuple(class_names)


def row_names(generator, rows, class_names=None):
    """The class each row of a strip shows by default, by name, for its margin.

    Without `labels`, `interpolation_strip`'s row i (and `walk_frames`'
    walker i) shows class `i % num_classes`: these are the names written
    beside those rows.

    Args:
        generator: a Keras model taking `z` or `[z, labels]`.
        rows: the number of rows.
        class_names: optional class names, as in `interpolation_strip`.
            Defaults to `None`: the numbers "0", "1", ...

    Returns:
        A list of `rows` strings, or `None` for an unconditional generator.

    Raises:
        ValueError: if `class_names` do not match the generator's classes.

    Example:

    >>> row_names(conditional_generator, 4, ["cat", "dog", "owl"])
    ['cat', 'dog', 'owl', 'cat']
    """
    check_int("rows", rows, 1)
    k = num_classes(generator)
    if k is None:
        return None
    names = _class_names(generator, class_names)
    return [str(names[i % k]) for i in range(rows)]


def _row_labels(generator, rows, labels, class_names):
    """Class weights per row: `labels` resolved, or row i -> class i % K."""
    # Imported on use: slerp and latent_walk need NumPy only, not Keras.
    from keras_gan.sampling import label_weights

    if num_classes(generator) is None:
        if labels is not None:
            raise ValueError(
                "Expected no `labels` for an unconditional (one-input) "
                f"generator. Received: {labels!r}"
            )
        return None
    return label_weights(labels, _class_names(generator, class_names), rows)


def interpolation_strip(
    generator,
    rows=4,
    steps=8,
    seed=None,
    labels=None,
    class_names=None,
    batch_size=256,
):
    """Images of slerp paths: each row walks from one random `z` to another.

    Args:
        generator: a Keras model taking `z` (unconditional) or `[z, labels]`
            (conditional).
        rows: independent paths. Defaults to 4.
        steps: images per path, endpoints included, at least 2. Defaults
            to 8.
        seed: seed of the endpoints. Defaults to `None`.
        labels: conditional generators only: the class of every row (an int
            or name), of each row (a list of `rows`), or an array
            `(rows, num_classes)` of class weights, as
            `keras_gan.sampling.label_weights` reads them. Defaults to
            `None`: row i shows class `i % num_classes`.
        class_names: optional class names (e.g. a run's
            `class_names.json`), to give `labels` by name. Defaults to
            `None`: the names are the numbers "0", "1", ...
        batch_size: images per generator call. Defaults to 256.

    Returns:
        A float32 array `(rows, steps, height, width, channels)` in the
        generator's range; `strip.reshape(-1, *strip.shape[2:])` feeds
        `save_grid(..., rows=rows, cols=steps)`.

    Raises:
        ValueError: if `rows < 1`, `steps < 2`, or `labels` are given to an
            unconditional generator or name no class.

    Example:

    >>> strip = interpolation_strip(generator, rows=4, steps=8, seed=0)
    >>> save_grid(strip.reshape(-1, *strip.shape[2:]), "strip.png", cols=8)
    """
    check_int("rows", rows, 1)
    check_int("steps", steps, 2)
    weights = _row_labels(generator, rows, labels, class_names)
    # Drawn row by row, so row r depends on the seed and r only: more rows
    # add paths below without changing those above.
    ends = np.random.default_rng(seed).standard_normal((rows, 2, latent_dim(generator)))
    start, end = ends[:, 0], ends[:, 1]
    # slerp gives (steps, rows, dim); the grid is read row by row.
    z = slerp(start, end, np.linspace(0.0, 1.0, steps)).transpose(1, 0, 2)
    z = z.reshape(rows * steps, -1)
    if weights is not None:
        weights = np.repeat(weights, steps, axis=0)
    images = generate_images(generator, z, weights, batch_size=batch_size)
    return images.reshape(rows, steps, *images.shape[1:])


def walk_frames(
    generator,
    num_points=4,
    steps=8,
    walkers=16,
    seed=None,
    labels=None,
    class_names=None,
    batch_size=256,
):
    """Frames of a looping latent walk for an animation, many walkers at once.

    Every walker follows its own `latent_walk` loop; frame `f` holds every
    walker's image at step `f`, ready to be tiled into one grid per frame.

    Args:
        generator: a Keras model taking `z` or `[z, labels]`.
        num_points: keypoints of each loop, at least 2. Defaults to 4.
        steps: frames between consecutive keypoints. Defaults to 8.
        walkers: images per frame. Defaults to 16 (a 4x4 grid).
        seed: seed of the keypoints. Defaults to `None`.
        labels: conditional generators only: as in `interpolation_strip`,
            with one entry per walker. Defaults to `None`: walker i shows
            class `i % num_classes` throughout.
        class_names: optional class names, as in `interpolation_strip`.
        batch_size: images per generator call. Defaults to 256.

    Returns:
        A float32 array `(num_points * steps, walkers, height, width,
        channels)`.

    Raises:
        ValueError: as `latent_walk`, or for `labels` as
            `interpolation_strip`.

    Example:

    >>> frames = walk_frames(generator, num_points=4, steps=8, seed=0)
    >>> save_grid_gif(frames, "walk.gif", duration_ms=100)
    """
    check_int("walkers", walkers, 1)
    weights = _row_labels(generator, walkers, labels, class_names)
    z = latent_walk(latent_dim(generator), num_points, steps, seed, walkers=walkers)
    frames = len(z)
    if weights is not None:
        weights = np.tile(weights, (frames, 1))
    images = generate_images(
        generator, z.reshape(frames * walkers, -1), weights, batch_size=batch_size
    )
    return images.reshape(frames, walkers, *images.shape[1:])


def class_interpolation(
    generator,
    from_class,
    to_class,
    steps=8,
    seed=None,
    rows=1,
    class_names=None,
    batch_size=256,
):
    """Images morphing from one class to another at fixed noise.

    Each row keeps one random `z`; along the row the labels input mixes
    linearly from `one_hot(from_class)` (first column) to
    `one_hot(to_class)` (last column), so the first and last columns are
    exactly the generator's images of the two classes for that noise.

    Args:
        generator: a conditional Keras model taking `[z, labels]`.
        from_class: the first column's class, an int or a class name.
        to_class: the last column's class, an int or a class name.
        steps: images per row, endpoints included, at least 2. Defaults
            to 8.
        seed: seed of the noise: row r's `z` is row r of
            `np.random.default_rng(seed).standard_normal((rows, latent_dim))`.
            Defaults to `None`.
        rows: rows, each with its own noise. Defaults to 1.
        class_names: optional class names, as in `interpolation_strip`.
        batch_size: images per generator call. Defaults to 256.

    Returns:
        A float32 array `(rows, steps, height, width, channels)`.

    Raises:
        ValueError: if the generator is unconditional, a class is out of
            range or names no class, `steps < 2` or `rows < 1`.

    Example:

    >>> images = class_interpolation(generator, 3, 8, steps=8, seed=0)
    >>> images.shape[:2]
    (1, 8)
    """
    check_int("rows", rows, 1)
    check_int("steps", steps, 2)
    k = num_classes(generator)
    if k is None:
        raise ValueError(
            "Expected a conditional generator (two inputs, [z, labels]) to "
            "interpolate between classes. Received a generator with one input."
        )
    from keras_gan.sampling import label_index
    from keras_gan.sampling import one_hot

    names = _class_names(generator, class_names)
    start = one_hot([label_index(from_class, names)], k)
    end = one_hot([label_index(to_class, names)], k)
    w = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    # linspace ends exactly at 0 and 1: the end columns are pure one-hots.
    mix = (1.0 - w) * start + w * end
    z = np.random.default_rng(seed).standard_normal((rows, latent_dim(generator)))
    images = generate_images(
        generator,
        np.repeat(z, steps, axis=0),
        np.tile(mix, (rows, 1)),
        batch_size=batch_size,
    )
    return images.reshape(rows, steps, *images.shape[1:])

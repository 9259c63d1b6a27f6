"""Differentiable augmentation (DiffAugment) for the discriminator's input.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
Training": the same random colour, translation and cutout transforms are
applied to real and generated images before the discriminator sees them,
in the generator's update too, so that gradients flow through them. Written
with `keras.ops` and `keras.random`, so it runs inside the compiled step on
every backend.

Adaptive discriminator augmentation (ADA): Karras et al. 2020, "Training
Generative Adversarial Networks with Limited Data" (NVlabs/stylegan2-ada).
Each transform is applied to each image with a probability `p` that the
GAN raises while the discriminator overfits (`augment="ada"`; the
adjustment lives in `GAN`, as model variables updated inside the step).

Example:

```python
import keras
from keras_gan.augment import diff_augment

images = keras.random.uniform((8, 28, 28, 1), -1.0, 1.0)
augmented = diff_augment(images, "translation,cutout", seed=0)
# ADA's form: each transform applied to each image with probability 0.3.
adaptive = diff_augment(images, "translation,cutout", seed=0, p=0.3)
```
"""

import keras
from keras import ops

# The transforms of the paper's code, by name, in the order they apply.
TRANSFORMS = ("color", "translation", "cutout")
# The paper's ratios: shifts up to 1/8 of the side, a cutout square of 1/2.
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5
# `augment="ada"` (or `"ada:translation,cutout"`): adaptive augmentation.
ADA = "ada"
# ADA's transforms unless named: all of DiffAugment's, the paper's choice
# for small data.
ADA_TRANSFORMS = TRANSFORMS
# The ADA paper's defaults (stylegan2-ada's `--target=0.6`, `ada_kimg=500`,
# `ada_interval=4`): p moves towards r_t = E[sign(D(real))] = 0.6, at a
# speed that takes it from 0 to 1 in 500k images, adjusted every 4 steps.
ADA_TARGET = 0.6
ADA_KIMG = 500.0
ADA_INTERVAL = 4


def parse_policy(policy):
    """Checks a DiffAugment policy and returns its transforms.

    Args:
        policy: a comma-separated string of names from `TRANSFORMS`
            (`"translation,cutout"`), a sequence of them, or `None`/`""`
            for none.

    Returns:
        A tuple of transform names, in `TRANSFORMS` order, without repeats.

    Raises:
        ValueError: for an unknown transform name or a policy that is not a
            string or a sequence of strings.

    Example:

    >>> parse_policy("cutout, translation")
    ('translation', 'cutout')
    """
    if policy is None:
        return ()
    if isinstance(policy, str):
        names = [p.strip() for p in policy.split(",") if p.strip()]
    elif isinstance(policy, (list, tuple)) and all(isinstance(p, str) for p in policy):
        names = [p.strip() for p in policy]
    else:
        raise ValueError(
            "Expected `augment` to be a comma-separated string of "
            f"{list(TRANSFORMS)}, or None. Received: {policy!r}"
        )
    unknown = sorted(set(names) - set(TRANSFORMS))
    if unknown:
        raise ValueError(
            f"Unknown DiffAugment transform(s) {unknown}. Expected names "
            f"from {list(TRANSFORMS)}. Received: {policy!r}"
        )
    return tuple(t for t in TRANSFORMS if t in names)


def parse_augment(augment):
    """Reads a GAN's `augment` setting: DiffAugment's transforms, or ADA.

    Args:
        augment: a DiffAugment policy (see `parse_policy`), `"ada"` (ADA
            over `ADA_TRANSFORMS`), `"ada:"` followed by a policy
            (`"ada:translation,cutout"`), or `None`/`""` for none.

    Returns:
        A tuple `(transforms, adaptive)`: the transform names, in
        `TRANSFORMS` order, and whether ADA gates them with its `p`.

    Raises:
        ValueError: for an unknown transform name, `"ada:"` with no
            transform after it, or a setting that is not a string or a
            sequence of strings.

    Example:

    >>> parse_augment("ada:cutout,translation")
    (('translation', 'cutout'), True)
    """
    if isinstance(augment, str):
        head, colon, rest = augment.partition(":")
        if head.strip() == ADA:
            if not colon:
                return ADA_TRANSFORMS, True
            transforms = parse_policy(rest)
            if not transforms:
                raise ValueError(
                    "Expected transforms after 'ada:', e.g. "
                    f"'ada:translation,cutout'. Received: {augment!r}"
                )
            return transforms, True
    return parse_policy(augment), False


def format_augment(transforms, adaptive):
    """The `augment` setting that `parse_augment` reads back as given.

    Args:
        transforms: transform names (see `parse_policy`).
        adaptive: whether ADA gates them.

    Returns:
        A string (`"translation,cutout"`, `"ada"`, `"ada:cutout"`), or
        `None` for no augmentation.
    """
    policy = ",".join(parse_policy(transforms))
    if not adaptive:
        return policy or None
    if parse_policy(transforms) == ADA_TRANSFORMS:
        return ADA
    return f"{ADA}:{policy}"


def diff_augment(images, policy, seed=None, p=None):
    """Applies DiffAugment's random transforms to a batch of images.

    Each image gets its own random draw. Pixels are expected in [-1, 1];
    translated-in borders and cutout squares are 0 (mid-grey), as in the
    paper's code. With `p` (ADA), each transform is applied to each image
    with probability `p`, drawn independently per transform and image; the
    other images pass through that transform unchanged.

    Args:
        images: a `(batch, height, width, channels)` tensor or array.
        policy: the transforms (see `parse_policy`), e.g.
            `"translation,cutout"` (the paper's choice for small data is
            `"color,translation,cutout"`).
        seed: a `keras.random.SeedGenerator` or int, for `keras.random`.
        p: the probability of each transform, a float or a scalar tensor
            in [0, 1] (ADA's `p`, a model variable inside a step). Defaults
            to `None`: every transform on every image (DiffAugment).

    Returns:
        The augmented batch, same shape and dtype, differentiable with
        respect to `images` (for any `p`: the gate selects, it does not
        cut the gradient).

    Raises:
        ValueError: for an unknown transform name.
    """
    transforms = parse_policy(policy)
    images = ops.convert_to_tensor(images)
    for name in transforms:
        augmented = _APPLY[name](images, seed)
        images = augmented if p is None else _gate(images, augmented, p, seed)
    return images


def _gate(images, augmented, p, seed):
    # ADA: this transform for the images whose draw falls under p, in
    # float32 (a bfloat16 draw would round p). No branch: both are
    # computed, `where` picks per image, and gradients flow through both.
    draw = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=seed)
    chosen = ops.less(draw, ops.cast(p, "float32"))
    return ops.where(chosen, augmented, images)


def _uniform(images, seed):
    # One draw per image, broadcast over height, width and channels.
    shape = (ops.shape(images)[0], 1, 1, 1)
    return ops.cast(keras.random.uniform(shape, seed=seed), images.dtype)


def _color(images, seed):
    # Brightness +-0.5, saturation x[0, 2], contrast x[0.5, 1.5].
    images = images + (_uniform(images, seed) - 0.5)
    mean = ops.mean(images, axis=-1, keepdims=True)
    images = (images - mean) * (_uniform(images, seed) * 2.0) + mean
    mean = ops.mean(images, axis=[1, 2, 3], keepdims=True)
    return (images - mean) * (_uniform(images, seed) + 0.5) + mean


def _shift_indices(size, shift, pad):
    # Source row (or column) of each output position in the padded image:
    # (batch, size) int32 (`keras.random.randint` draws int32 shifts).
    positions = ops.arange(size, dtype="int32")[None, :]
    return positions + pad - shift[:, None]


def _translation(images, seed):
    height, width = images.shape[1], images.shape[2]
    pad_h = int(height * TRANSLATION_RATIO + 0.5)
    pad_w = int(width * TRANSLATION_RATIO + 0.5)
    batch = ops.shape(images)[0]
    shift_y = keras.random.randint((batch,), -pad_h, pad_h + 1, seed=seed)
    shift_x = keras.random.randint((batch,), -pad_w, pad_w + 1, seed=seed)
    padded = ops.pad(images, [[0, 0], [pad_h, pad_h], [pad_w, pad_w], [0, 0]])
    rows = _shift_indices(height, shift_y, pad_h)
    cols = _shift_indices(width, shift_x, pad_w)
    padded = ops.take_along_axis(padded, rows[:, :, None, None], axis=1)
    return ops.take_along_axis(padded, cols[:, None, :, None], axis=2)


def _cutout(images, seed):
    height, width = images.shape[1], images.shape[2]
    size_h = int(height * CUTOUT_RATIO + 0.5)
    size_w = int(width * CUTOUT_RATIO + 0.5)
    batch = ops.shape(images)[0]
    # The square's top-left corner; it may hang over the border, as in the
    # paper's code (its centre is uniform over the image).
    top = keras.random.randint((batch,), -(size_h // 2), height - size_h // 2 + 1, seed=seed)
    left = keras.random.randint((batch,), -(size_w // 2), width - size_w // 2 + 1, seed=seed)
    rows = ops.arange(height, dtype="int32")[None, :] - top[:, None]
    cols = ops.arange(width, dtype="int32")[None, :] - left[:, None]
    inside_rows = ops.logical_and(rows >= 0, rows < size_h)
    inside_cols = ops.logical_and(cols >= 0, cols < size_w)
    inside = ops.logical_and(inside_rows[:, :, None], inside_cols[:, None, :])
    keep = ops.cast(ops.logical_not(inside), images.dtype)[:, :, :, None]
    return images * keep


# By name, applied in `TRANSFORMS` order.
_APPLY = {"color": _color, "translation": _translation, "cutout": _cutout}

"""Residual generator and spectrally normalised residual discriminator.

SNGAN / BigGAN-style networks for square grey or colour images of 32, 64 or
128 px (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks", and its reference implementation
`pfnet-research/sngan_projection`; Brock et al. 2019, BigGAN).

Generator: Dense to 4x4 > up-sampling residual blocks (BN > ReLU >
UpSampling2D(nearest) > Conv3x3 > BN > ReLU > Conv3x3, plus a shortcut
UpSampling2D > Conv1x1) > BN > ReLU > Conv3x3 > tanh.

Discriminator, every convolution and the Dense spectrally normalised
(`keras_gan.models.spectral_norm.SpectralNormalization`, Keras' layer made
a reparametrisation so that it trains on PyTorch too): an optimised first block (Conv3x3 >
ReLU > Conv3x3 > AveragePooling2D, shortcut AveragePooling2D > Conv1x1),
down-sampling residual blocks (ReLU > Conv3x3 > ReLU > Conv3x3 >
AveragePooling2D, shortcut Conv1x1 > AveragePooling2D) down to 4x4, one
more block at 4x4, ReLU, global sum pooling, Dense(1): a logit.

Widths are multiples of `channels`: the generator's 4x4 input has
`8 * channels`, and each block halves it (never below `channels`) so the
last block has `channels`; the discriminator mirrors it, `channels` after
the first block, doubling each block up to `8 * channels`.
"""

import keras
from keras import layers

from keras_gan._checks import check_int
from keras_gan.models.dcgan import _labels_input
from keras_gan.models.dcgan import _synchronized_batch_norm
from keras_gan.models.spectral_norm import SpectralNormalization

SIZES = (32, 64, 128)
_BASE = 4  # the generator starts from, and the discriminator ends at, 4x4
_MAX_MULTIPLIER = 8


def _up_blocks(image_shape):
    # How many x2 stages lie between 4x4 and the image, after checking it.
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in image_shape)
        or image_shape[0] != image_shape[1]
        or image_shape[0] not in SIZES
        or image_shape[2] not in (1, 3)
    ):
        raise ValueError(
            "Expected `image_shape` to be a square (size, size, channels) "
            f"with size in {list(SIZES)} and 1 or 3 channels for the "
            f"residual networks. Received: image_shape={image_shape!r}. "
            "Resize the images (image_size=32, 64 or 128; --image-size on "
            "the command line), or use the DCGAN (--arch dcgan) for other "
            "sizes."
        )
    return {32: 3, 64: 4, 128: 5}[image_shape[0]]


def _multiplier(k):
    return min(2**k, _MAX_MULTIPLIER)


def _up_block(x, filters, sync, name):
    shortcut = layers.UpSampling2D(interpolation="nearest", name=f"{name}_sc_up")(x)
    shortcut = layers.Conv2D(filters, 1, name=f"{name}_sc_conv")(shortcut)
    h = layers.BatchNormalization(synchronized=sync, name=f"{name}_bn1")(x)
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = layers.UpSampling2D(interpolation="nearest", name=f"{name}_up")(h)
    h = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(h)
    h = layers.BatchNormalization(synchronized=sync, name=f"{name}_bn2")(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(h)
    return layers.Add(name=f"{name}_add")([h, shortcut])


def residual_generator(
    image_shape=(32, 32, 3),
    latent_dim=100,
    channels=64,
    num_classes=None,
    name="generator",
):
    """Builds the residual generator: latent vectors to images in [-1, 1].

    Dense to 4x4x(8 * channels) > one up-sampling residual block per
    doubling (3 for 32 px, 4 for 64, 5 for 128) > BN > ReLU > Conv3x3 >
    tanh. Built inside a multi-replica `tf.distribute` strategy scope, its
    BatchNormalization layers are synchronized, as the DCGAN's are.

    Args:
        image_shape: `(size, size, channels)` of the generated images, size
            32, 64 or 128, 1 or 3 channels. Defaults to `(32, 32, 3)`.
        latent_dim: size of the latent vector. Defaults to `100`.
        channels: the width unit: the last block has `channels` filters,
            earlier ones double it up to `8 * channels`. Defaults to `64`.
        num_classes: for a conditional generator, the number of classes:
            the model takes `[z, labels]` (one-hot or class weights), and
            the labels join `z` before the Dense layer, as in
            `dcgan_generator`. Defaults to `None` (unconditional).
        name: the model's name. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` from `(latent_dim,)` (and labels) to
        `image_shape`.

    Raises:
        ValueError: for an image shape other than 32, 64 or 128 px square
            with 1 or 3 channels, or a `latent_dim`, `channels` or
            `num_classes` that is not a valid int.

    Example:

    >>> residual_generator((32, 32, 3), channels=8).output_shape
    (None, 32, 32, 3)
    """
    blocks = _up_blocks(image_shape)
    check_int("latent_dim", latent_dim, minimum=1)
    check_int("channels", channels, minimum=1)
    sync = _synchronized_batch_norm()

    z = keras.Input((latent_dim,), name="z")
    labels = _labels_input(num_classes)
    # Conditional: the label joins the noise; the Dense layer embeds it.
    inputs, x = (z, z) if labels is None else ([z, labels], layers.Concatenate()([z, labels]))
    width = channels * _multiplier(blocks)
    x = layers.Dense(_BASE * _BASE * width, name="dense")(x)
    x = layers.Reshape((_BASE, _BASE, width))(x)
    for k in range(blocks):
        x = _up_block(x, channels * _multiplier(blocks - 1 - k), sync, f"up{k}")
    x = layers.BatchNormalization(synchronized=sync, name="out_bn")(x)
    x = layers.ReLU(name="out_relu")(x)
    images = layers.Conv2D(
        image_shape[2],
        3,
        padding="same",
        activation="tanh",
        # Images leave the generator in float32 under mixed precision too.
        dtype="float32",
        name="images",
    )(x)
    return keras.Model(inputs, images, name=name)


def _sn(layer, **kwargs):
    return SpectralNormalization(layer, name=f"sn_{layer.name}", **kwargs)


def _pool(x, name, down=True):
    return layers.AveragePooling2D(2, name=name)(x) if down else x


def _down_block(x, filters, name, first=False, down=True):
    # The optimised first block has no ReLU before its first convolution
    # and pools its shortcut before the 1x1 convolution (SNGAN's order).
    h = x if first else layers.ReLU(name=f"{name}_relu1")(x)
    h = _sn(layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1"))(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = _sn(layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2"))(h)
    h = _pool(h, f"{name}_pool", down)
    conv = _sn(layers.Conv2D(filters, 1, name=f"{name}_sc_conv"))
    if first:
        shortcut = conv(_pool(x, f"{name}_sc_pool"))
    elif down or x.shape[-1] != filters:
        shortcut = _pool(conv(x), f"{name}_sc_pool", down)
    else:
        shortcut = x
    return layers.Add(name=f"{name}_add")([h, shortcut])


def residual_discriminator(
    image_shape=(32, 32, 3), channels=64, num_classes=None, name="discriminator"
):
    """Builds the spectrally normalised residual discriminator: a logit.

    An optimised first block and down-sampling blocks to 4x4 (3 blocks for
    32 px, 4 for 64, 5 for 128), one block at 4x4, ReLU, a sum over the
    4x4 positions, Dense(1). Every weight layer is spectrally normalised
    (a subclass of `keras.layers.SpectralNormalization`, one power
    iteration per training call). No dropout. The logit is not squashed: losses take
    logits.

    Args:
        image_shape: `(size, size, channels)` of the input images, size 32,
            64 or 128, 1 or 3 channels. Defaults to `(32, 32, 3)`.
        channels: the width unit: the first block has `channels` filters,
            later ones double it up to `8 * channels`. Defaults to `64`.
        num_classes: for a conditional (projection) discriminator, the
            number of classes: the model takes `[images, labels]` and adds
            the inner product of the pooled features with a learned
            embedding of the label (Miyato & Koyama 2018), as
            `dcgan_discriminator` does. Defaults to `None`.
        name: the model's name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` from `image_shape` (and labels) to
        `(1,)` logits.

    Raises:
        ValueError: for an image shape other than 32, 64 or 128 px square
            with 1 or 3 channels, or invalid `channels` or `num_classes`.

    Example:

    >>> residual_discriminator((32, 32, 3), channels=8).output_shape
    (None, 1)
    """
    blocks = _up_blocks(image_shape)
    check_int("channels", channels, minimum=1)
    labels = _labels_input(num_classes)
    images = keras.Input(tuple(image_shape), name="images")
    x = _down_block(images, channels, "down0", first=True)
    for k in range(1, blocks):
        x = _down_block(x, channels * _multiplier(k), f"down{k}")
    x = _down_block(x, x.shape[-1], "last", down=False)
    x = layers.ReLU(name="out_relu")(x)
    # Global sum pooling (SNGAN's), as the mean times the 4x4 positions: a
    # Lambda layer would not load in safe mode.
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Rescaling(_BASE * _BASE, name="sum")(x)
    # The logit stays float32 under mixed precision (keras-team/keras#19479).
    logit = _sn(layers.Dense(1, dtype="float32", name="logit"), dtype="float32")(x)
    if labels is None:
        return keras.Model(images, logit, name=name)
    # Projection: logit + <embed(label), features>, all in float32.
    embedded = _sn(
        layers.Dense(x.shape[-1], use_bias=False, dtype="float32", name="label_projection"),
        dtype="float32",
    )(labels)
    projection = layers.Dot(axes=1, dtype="float32")([embedded, x])
    logit = layers.Add(dtype="float32", name="projected_logit")([logit, projection])
    return keras.Model([images, labels], logit, name=name)

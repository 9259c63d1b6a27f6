"""DCGAN generator and discriminator, lecture-exact at 28x28x1.

At `image_shape=(28, 28, 1)` and `latent_dim=100` these are the lecture's
networks layer for layer (TensorFlow's DCGAN tutorial): 2,330,944 and
212,865 parameters. Other image sizes grow the same design: sides are halved
while they stay even and at least 4 after halving (28 -> 14 -> 7: two
stages; 32 -> 16 -> 8 -> 4: three; 64 -> ... -> 4: four). Each extra stage
adds one stride-2 block to each network, doubling the widths up to 512.
"""

import keras
from keras import layers

_MAX_FILTERS = 512


def _validate_image_shape(image_shape):
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(isinstance(d, int) and d > 0 for d in image_shape)
    ):
        raise ValueError(
            "Expected `image_shape` to be a tuple (height, width, channels) "
            f"of positive ints. Received: image_shape={image_shape!r}"
        )
    height, width, _ = image_shape
    if height % 4 or width % 4:
        raise ValueError(
            "Expected image sides divisible by 4 (two stride-2 stages). "
            f"Received: image_shape={tuple(image_shape)}"
        )
    return tuple(image_shape)


def num_stages(image_shape):
    """Returns how many stride-2 stages the DCGAN uses for an image shape.

    Args:
        image_shape: `(height, width, channels)`; sides divisible by 4.

    Returns:
        An int >= 2: 2 for 28x28, 3 for 32x32, 4 for 64x64.

    Raises:
        ValueError: if the shape is not 3 positive ints with sides
            divisible by 4.
    """
    height, width, _ = _validate_image_shape(image_shape)
    stages = 2
    h, w = height // 4, width // 4
    while h % 2 == 0 and w % 2 == 0 and min(h, w) // 2 >= 4:
        h, w = h // 2, w // 2
        stages += 1
    return stages


def _synchronized_batch_norm():
    # Under a multi-replica tf.distribute strategy, BatchNorm statistics are
    # all-reduced so every replica normalises with the global batch's, as a
    # single device would.
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1


def _width(stage):
    return min(64 * 2**stage, _MAX_FILTERS)


def dcgan_generator(image_shape=(28, 28, 1), latent_dim=100, name="generator", num_classes=None):
    """Builds the DCGAN generator: latent vectors to images in [-1, 1].

    Dense (no bias) > BN > LeakyReLU > Reshape > Conv2DTranspose(stride 1) >
    BN > LeakyReLU > [Conv2DTranspose(stride 2) > BN > LeakyReLU] ... >
    Conv2DTranspose(channels, stride 2, tanh). Kernels 5x5, 'same' padding,
    no biases, LeakyReLU with Keras' default slope (0.3) as in the lecture.

    Built inside a multi-replica `tf.distribute` strategy scope, its
    BatchNormalization layers are `synchronized=True`: statistics over the
    global batch, as on one device.

    Args:
        image_shape: `(height, width, channels)` of the generated images.
            Defaults to `(28, 28, 1)` (MNIST).
        latent_dim: size of the latent vector. Defaults to `100`.
        name: the model's name. Defaults to `"generator"`.
        num_classes: for a conditional generator, the number of classes:
            the model then takes `[z, labels]`, `labels` of shape
            `(num_classes,)` (one-hot, or class weights summing to 1),
            joined to `z` before the first Dense layer (which learns the
            label embedding). Defaults to `None` (unconditional).

    Returns:
        A functional `keras.Model` from `(latent_dim,)` (and labels) to
        `image_shape`.

    Raises:
        ValueError: if `image_shape` is not valid or `latent_dim` or
            `num_classes` is not a positive int.

    Example:

    >>> dcgan_generator().count_params()
    2330944
    """
    stages = num_stages(image_shape)
    if not isinstance(latent_dim, int) or latent_dim <= 0:
        raise ValueError(
            f"Expected `latent_dim` to be a positive int. Received: latent_dim={latent_dim!r}"
        )
    height, width, channels = image_shape
    base_h, base_w = height // 2**stages, width // 2**stages
    sync = _synchronized_batch_norm()
    base_filters = _width(stages)

    z = keras.Input((latent_dim,), name="z")
    labels = _labels_input(num_classes)
    # Conditional: the label joins the noise; the Dense layer embeds it.
    inputs, x = (z, z) if labels is None else ([z, labels], layers.Concatenate()([z, labels]))
    x = layers.Dense(base_h * base_w * base_filters, use_bias=False)(x)
    x = layers.BatchNormalization(synchronized=sync)(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((base_h, base_w, base_filters))(x)
    x = layers.Conv2DTranspose(_width(stages - 1), 5, strides=1, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(synchronized=sync)(x)
    x = layers.LeakyReLU()(x)
    for stage in range(stages - 2, -1, -1):
        x = layers.Conv2DTranspose(_width(stage), 5, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(synchronized=sync)(x)
        x = layers.LeakyReLU()(x)
    images = layers.Conv2DTranspose(
        channels,
        5,
        strides=2,
        padding="same",
        use_bias=False,
        activation="tanh",
        # Images leave the generator in float32 under mixed precision too.
        dtype="float32",
        name="images",
    )(x)
    return keras.Model(inputs, images, name=name)


def _labels_input(num_classes):
    # A conditional network's label input; None for an unconditional one.
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            "Expected `num_classes` to be an int >= 2 (or None). "
            f"Received: num_classes={num_classes!r}"
        )
    return keras.Input((num_classes,), name="labels")


def dcgan_discriminator(
    image_shape=(28, 28, 1), name="discriminator", num_classes=None, dropout=0.3
):
    """Builds the DCGAN discriminator: images to one real/fake logit.

    [Conv2D(stride 2, 'same') > LeakyReLU > Dropout(0.3)] x stages >
    Flatten > Dense(1). The logit is not squashed: losses take logits.

    Args:
        image_shape: `(height, width, channels)` of the input images.
            Defaults to `(28, 28, 1)` (MNIST).
        name: the model's name. Defaults to `"discriminator"`.
        num_classes: for a conditional (projection) discriminator, the
            number of classes: the model then takes `[images, labels]`
            (labels one-hot, `(num_classes,)`) and adds to the logit the
            inner product of the image features with a learned embedding
            of the label (Miyato & Koyama 2018). Defaults to `None`.
        dropout: the Dropout rate after each stage, in [0, 1); 0 leaves the
            layers out. Defaults to 0.3 (the lecture's).

    Returns:
        A functional `keras.Model` from `image_shape` (and labels) to
        `(1,)` logits.

    Raises:
        ValueError: if `image_shape` or `dropout` is not valid.

    Example:

    >>> dcgan_discriminator().count_params()
    212865
    """
    if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"Expected `dropout` in [0, 1). Received: dropout={dropout!r}")
    stages = num_stages(image_shape)
    labels = _labels_input(num_classes)
    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for stage in range(stages):
        x = layers.Conv2D(_width(stage), 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU()(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    # The logit stays float32 under mixed precision (keras-team/keras#19479).
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    if labels is None:
        return keras.Model(images, logit, name=name)
    # Projection: logit + <embed(label), features>, all in float32.
    embedded = layers.Dense(x.shape[-1], use_bias=False, dtype="float32", name="label_projection")(
        labels
    )
    projection = layers.Dot(axes=1, dtype="float32")([embedded, x])
    logit = layers.Add(dtype="float32", name="projected_logit")([logit, projection])
    return keras.Model([images, labels], logit, name=name)

"""`GAN`'s checks of its two networks: types, the latent size, image shapes."""

import numbers

import keras


def check_network(name, network):
    """Raises `ValueError` unless `network` is a `keras.Model`."""
    if not isinstance(network, keras.Model):
        raise ValueError(
            f"Expected `{name}` to be a keras.Model. "
            f"Received: {name}={network!r} of type {type(network).__name__}"
        )


def static_shape(network, attr):
    """`network.<attr>` (`input_shape`, `output_shape`) as a tuple, or `None`."""
    try:
        shape = getattr(network, attr)
    except (AttributeError, ValueError):
        return None
    return tuple(shape) if isinstance(shape, (tuple, list)) else None


def latent_size(latent_dim, latent_shape):
    """The latent size: `latent_dim`, checked, or read from the generator.

    Args:
        latent_dim: the size asked for, or `None`.
        latent_shape: the generator's latent input shape, or `None`.

    Returns:
        The latent size, an int.

    Raises:
        ValueError: when it cannot be read, is not a positive int, or
            disagrees with the generator.
    """
    inferred = latent_shape[-1] if latent_shape and len(latent_shape) == 2 else None
    if latent_dim is None:
        if inferred is None:
            raise ValueError(
                "Could not read the latent size from the generator's "
                f"input shape {latent_shape}. Pass `latent_dim`."
            )
        latent_dim = inferred
    if not isinstance(latent_dim, numbers.Integral) or latent_dim <= 0:
        raise ValueError(
            f"Expected `latent_dim` to be a positive int. Received: latent_dim={latent_dim!r}"
        )
    if inferred is not None and inferred != latent_dim:
        raise ValueError(
            f"`latent_dim={latent_dim}` does not match the generator's input shape {latent_shape}."
        )
    return int(latent_dim)


def check_image_shapes(generator, image_input_shape):
    """Raises `ValueError` when the generator's images are not the critic's input."""
    g_out = static_shape(generator, "output_shape")
    d_in = image_input_shape
    if g_out and d_in and tuple(g_out[1:]) != tuple(d_in[1:]):
        raise ValueError(
            f"The generator makes images of shape {tuple(g_out[1:])} but "
            f"the discriminator expects {tuple(d_in[1:])}."
        )

"""The small GAN protocol every callback in this package relies on."""


def check_gan(model, callback_name):
    """Checks that a model offers `generator`, `latent_dim` and `generate()`.

    Args:
        model: the model the callback is attached to.
        callback_name: the callback's class name, for the message.

    Returns:
        The model.

    Raises:
        ValueError: naming the missing attributes.
    """
    missing = [name for name in ("generator", "latent_dim", "generate") if not hasattr(model, name)]
    if missing:
        raise ValueError(
            f"{callback_name} needs a GAN exposing `generator`, `latent_dim` "
            f"and `generate(n=None, z=None, seed=None)`. Received a "
            f"{type(model).__name__} without {', '.join(missing)}."
        )
    return model


def is_conditional(model):
    """Whether a GAN generates by class.

    A conditional GAN (e.g. `keras_gan.ConditionalGAN`) also offers an int
    `num_classes`, `class_names`, and `generate(..., labels=...)`; the
    sample grid then shows one row per class and the metrics add class
    accuracy.
    """
    return isinstance(getattr(model, "num_classes", None), int)

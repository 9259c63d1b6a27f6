"""`GAN.compile`'s policy: its checks, both optimizers, and its saved config.

The two optimizers are resolved (names, instances or the lecture's
`Adam(1e-4)`), kept apart, wrapped for float16 in a loss scale each, named
apart, and built on their own networks. `compile_config` and
`compile_arguments` write and read what `compile` received, for `.keras`
files.
"""

import numbers

import numpy as np

import keras

from keras_gan import augment as augment_lib
from keras_gan import losses as losses_lib
from keras_gan._checks import check_int
from keras_gan._optimizer_pair import loss_scaled
from keras_gan.saving import portable_optimizer_config

# The `compile` keywords of `keras.Model` that `.keras` files keep.
_KERAS_KWARGS = ("jit_compile", "steps_per_execution", "run_eagerly")


def check_call(args, kwargs):
    """Refuses positional arguments and Keras' `optimizer=`.

    Args:
        args: `compile`'s positional arguments.
        kwargs: its Keras keyword arguments.

    Raises:
        TypeError: for positional arguments, naming which optimizer is
            which.
        ValueError: for `optimizer=`.
    """
    if args:
        raise TypeError(
            "GAN.compile takes its arguments by keyword, so the two "
            "optimizers cannot be swapped: compile(g_optimizer=<the "
            "generator's>, d_optimizer=<the discriminator's>, ...). "
            f"Received {len(args)} positional argument(s): "
            f"{', '.join(repr(a) for a in args)}"
        )
    if "optimizer" in kwargs:
        raise ValueError(
            "GAN.compile takes `g_optimizer` and `d_optimizer`, not "
            f"`optimizer`. Received: optimizer={kwargs['optimizer']!r}"
        )


def check_loss(loss, d_steps, gradient_penalty, r1_penalty):
    """The adversarial loss and its settings, defaults filled in.

    Args:
        loss: a name from `keras_gan.losses.LOSSES` or an `AdversarialLoss`.
        d_steps: critic updates per step, or `None` (the loss's own).
        gradient_penalty: WGAN-GP's weight, or `None` (the loss's own).
        r1_penalty: R1's weight gamma.

    Returns:
        `(adversarial_loss, d_steps, gradient_penalty, r1_penalty)`, the
        numbers as an int and floats.

    Raises:
        ValueError: for an unknown loss, `d_steps` not an int >= 1, or a
            negative penalty.
    """
    adversarial_loss = losses_lib.get(loss)
    d_steps = check_int("d_steps", adversarial_loss.d_steps if d_steps is None else d_steps)
    if gradient_penalty is None:
        gradient_penalty = adversarial_loss.gradient_penalty
    if gradient_penalty < 0:
        raise ValueError(f"Expected `gradient_penalty` >= 0. Received: {gradient_penalty!r}")
    if not isinstance(r1_penalty, (int, float)) or r1_penalty < 0:
        raise ValueError(f"Expected `r1_penalty` >= 0. Received: {r1_penalty!r}")
    return adversarial_loss, d_steps, float(gradient_penalty), float(r1_penalty)


def check_ada(ada_target, ada_kimg, ada_interval):
    """ADA's settings as `(target, kimg, interval)`, a float, a float, an int.

    Raises:
        ValueError: for a target outside (-1, 1), a `kimg` that is not a
            positive number, or an interval that is not an int >= 1.
    """
    number = (numbers.Real, np.floating)
    if (
        isinstance(ada_target, bool)
        or not isinstance(ada_target, number)
        or not -1 < ada_target < 1
    ):
        raise ValueError(
            "Expected `ada_target` in (-1, 1), the mean sign of the "
            f"discriminator's real outputs. Received: ada_target={ada_target!r}"
        )
    if (
        isinstance(ada_kimg, bool)
        or not isinstance(ada_kimg, number)
        or not np.isfinite(ada_kimg)
        or ada_kimg <= 0
    ):
        raise ValueError(f"Expected `ada_kimg` > 0. Received: ada_kimg={ada_kimg!r}")
    if (
        isinstance(ada_interval, bool)
        or not isinstance(ada_interval, numbers.Integral)
        or ada_interval < 1
    ):
        # Not `check_int`: this message names the argument as `name=value`.
        raise ValueError(
            f"Expected `ada_interval` to be an int >= 1. Received: ada_interval={ada_interval!r}"
        )
    return float(ada_target), float(ada_kimg), int(ada_interval)


def resolve_optimizer(optimizer, default_name):
    """An optimizer instance: `optimizer` itself, by name, or `Adam(1e-4)`.

    Args:
        optimizer: an optimizer, its name, its config, or `None`.
        default_name: the name of the default `Adam(1e-4)`.

    Returns:
        A `keras.optimizers.Optimizer`.

    Raises:
        ValueError: when Keras cannot interpret `optimizer`.
    """
    if optimizer is None:
        return keras.optimizers.Adam(learning_rate=1e-4, name=default_name)
    try:
        return keras.optimizers.get(optimizer)
    except ValueError as err:
        raise ValueError(f"Could not interpret optimizer {optimizer!r}: {err}") from err


def uses_float16(model):
    """Whether the model or either network computes in float16."""
    return any(
        net.dtype_policy.compute_dtype == "float16"
        for net in (model, model.generator, model.discriminator)
    )


def optimizers(model, g_optimizer, d_optimizer):
    """Both networks' optimizers, apart, wrapped, named and built.

    Args:
        model: the GAN (its networks and dtype policies).
        g_optimizer: the generator's optimizer (see `resolve_optimizer`).
        d_optimizer: the discriminator's.

    Returns:
        `(g_optimizer, d_optimizer)`.

    Raises:
        ValueError: for one instance given twice.
    """
    g_optimizer = resolve_optimizer(g_optimizer, "g_adam")
    d_optimizer = resolve_optimizer(d_optimizer, "d_adam")
    if g_optimizer is d_optimizer:
        raise ValueError(
            "The generator and the discriminator need their own optimizer "
            "instances (each keeps per-variable state). Received the "
            "same instance twice."
        )
    if uses_float16(model):
        # Each network gets its own dynamic loss scale; the step scales each
        # loss and `apply` unscales and skips non-finite steps
        # (keras-team/keras#19479).
        g_optimizer, d_optimizer = loss_scaled(g_optimizer), loss_scaled(d_optimizer)
    if g_optimizer.name == d_optimizer.name and not (g_optimizer.built or d_optimizer.built):
        # Two `Adam()`s are both "adam": TensorBoard's learning-rate tags
        # and the optimizers' variable paths would collide.
        g_optimizer.name = f"g_{g_optimizer.name}"
        d_optimizer.name = f"d_{d_optimizer.name}"
    # Built now, so `load_weights` and checkpoints restore their state
    # instead of skipping it (keras-team/keras#19389).
    if not g_optimizer.built:
        g_optimizer.build(model.generator.trainable_variables)
    if not d_optimizer.built:
        d_optimizer.build(model.discriminator.trainable_variables)
    return g_optimizer, d_optimizer


def keras_kwargs(kwargs):
    """The `keras.Model.compile` keywords a `.keras` file keeps."""
    return {k: v for k, v in kwargs.items() if k in _KERAS_KWARGS}


def compile_config(model):
    """`GAN.get_compile_config`: what `compile` received, serialised.

    Returns:
        A dict of `compile`'s arguments, or `None` before `compile`.

    Raises:
        ValueError: for a custom loss missing from `keras_gan.losses.LOSSES`.
    """
    if model.g_optimizer is None:
        return None
    if model.adversarial_loss.name not in losses_lib.LOSSES:
        raise ValueError(
            f"Cannot save the custom loss {model.adversarial_loss.name!r}: "
            "register it in keras_gan.losses.LOSSES first."
        )
    # ADA's settings only with ADA: other models' configs stay as they were.
    ada = ("ada_target", "ada_kimg", "ada_interval") if model.adaptive_augment else ()
    return {
        "g_optimizer": keras.saving.serialize_keras_object(model.g_optimizer),
        "d_optimizer": keras.saving.serialize_keras_object(model.d_optimizer),
        "loss": model.adversarial_loss.name,
        "d_steps": model.d_steps,
        "gradient_penalty": model.gradient_penalty,
        "r1_penalty": model.r1_penalty,
        "augment": augment_lib.format_augment(model.augment, model.adaptive_augment),
        **{name: getattr(model, name) for name in ada},
        **model._compile_kwargs,
    }


def compile_arguments(config):
    """`compile`'s keyword arguments from a `compile_config` dict."""
    config = dict(config)
    # A file saved under PyTorch names PyTorch's optimizer classes.
    for key in ("g_optimizer", "d_optimizer"):
        config[key] = keras.saving.deserialize_keras_object(portable_optimizer_config(config[key]))
    return config

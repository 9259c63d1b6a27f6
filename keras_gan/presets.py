"""Named training presets: one definition for Python and the CLI.

A preset is a named set of option overrides (`keras_gan.options.PRESETS`,
defined there with every other option) plus the functions here that turn
resolved options into a model: the networks, the `GAN` constructor
arguments and the `compile()` arguments. `keras-gan train --preset NAME`
and `keras_gan.presets.get(NAME).build(...)` build the same model from the
same definition.

This module does not import Keras at module level, so the CLI's `--help`
can list the presets without loading TensorFlow.

Example:

```python
from keras_gan import load_dataset, presets

preset = presets.get("dcgan")
gan = preset.build(image_shape=(28, 28, 1), seed=0)
gan.fit(load_dataset("mnist", batch_size=256), epochs=5)
```
"""

import dataclasses
import types

from keras_gan import options as options_lib


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named set of option overrides and the model they build.

    Args:
        name: the preset's name (`keras-gan train --preset NAME`).
        overrides: option values applied over `keras_gan.options.DEFAULTS`
            (read-only).
        description: one line for `--help` and the README.
    """

    name: str
    overrides: types.MappingProxyType
    description: str

    def options(self, **overrides):
        """Returns the resolved options of this preset with `overrides`.

        Args:
            **overrides: option values (e.g. `epochs=5`); `None` keeps the
                preset's value.

        Returns:
            A dict of every option, validated, with `"preset"` set to this
            preset's name.

        Raises:
            ValueError: for an unknown option or an invalid value.
        """
        return options_lib.resolve(overrides, preset=self.name)

    def build(self, image_shape=(28, 28, 1), class_names=None, **overrides):
        """Builds and compiles this preset's `GAN` for an image shape.

        Args:
            image_shape: `(height, width, channels)` of the training
                images. Defaults to `(28, 28, 1)` (MNIST).
            class_names: with `conditional=True`, the names of the classes
                (see `keras_gan.data.class_names`). Defaults to `None`.
            **overrides: option values, as for `options()` (e.g. `seed=0`,
                `ema_kimg=10`, `conditional=True`).

        Returns:
            A compiled `keras_gan.GAN` (a `ConditionalGAN` with
            `conditional=True`).

        Raises:
            ValueError: for invalid options, an image shape the DCGAN
                cannot build, or `conditional=True` without class names.
        """
        return build_gan(self.options(**overrides), image_shape, class_names)


def _preset(name, description, **overrides):
    return Preset(name, types.MappingProxyType(overrides), description)


PRESETS = {
    name: _preset(name, description, **overrides)
    for name, (description, overrides) in options_lib.PRESET_TABLE.items()
}

DEFAULT_PRESET = options_lib.DEFAULT_PRESET


def get(name):
    """Returns the preset called `name`.

    Args:
        name: a key of `PRESETS` (`"lecture"`, `"dcgan"`, `"quality"`).

    Returns:
        A `Preset`.

    Raises:
        ValueError: for an unknown name.

    Example:

    >>> get("dcgan").overrides["beta1"]
    0.5
    """
    return PRESETS[options_lib.check_preset(name)]


def networks(options, image_shape, num_classes=None):
    """Builds the generator and discriminator that `options` describe.

    Args:
        options: resolved options (`keras_gan.options.resolve`).
        image_shape: `(height, width, channels)` of the training images.
        num_classes: the classes of a conditional model (the networks then
            take labels too). Defaults to `None`.

    Returns:
        `(generator, discriminator)`, the DCGAN networks for that shape.
    """
    from keras_gan.models import dcgan_discriminator
    from keras_gan.models import dcgan_generator

    image_shape = tuple(image_shape)
    return (
        dcgan_generator(
            image_shape, options["latent_dim"], num_classes=num_classes
        ),
        dcgan_discriminator(
            image_shape,
            num_classes=num_classes,
            dropout=options["d_dropout"],
        ),
    )


def gan_kwargs(options):
    """The `GAN` constructor arguments (besides the networks) of `options`.

    Args:
        options: resolved options.

    Returns:
        A dict with `seed`, `ema_kimg` and `ema_rampup`.
    """
    return {
        "seed": options["seed"],
        "ema_kimg": options["ema_kimg"],
        "ema_rampup": options["ema_rampup"],
    }


def jit_compile(value, backend):
    """The `jit_compile` a backend trains with when the option is unset.

    Args:
        value: the `jit_compile` option: `True`, `False` or `None`.
        backend: the Keras backend, `"tensorflow"`, `"jax"` or `"torch"`.

    Returns:
        `value` when set. Otherwise `False` on TensorFlow (the lecture's
        `tf.function` without XLA) and PyTorch (Keras' own default there),
        and `True` on JAX, where Keras compiles the step with `jax.jit`
        only when asked and runs it op by op otherwise (measured 2.1x the
        CPU time per step).

    Example:

    >>> jit_compile(None, "jax")
    True
    """
    if value is not None:
        return bool(value)
    return backend == "jax"


def compile_kwargs(options):
    """The `GAN.compile()` arguments of `options`, with fresh optimizers.

    Args:
        options: resolved options.

    Returns:
        A dict: `g_optimizer` and `d_optimizer` (two `Adam` instances),
        `loss`, `d_steps`, `gradient_penalty`, `r1_penalty`, `augment`,
        `ada_target`, `ada_kimg`, `jit_compile`,
        `steps_per_execution`.
    """
    import keras

    def adam(name, lr):
        return keras.optimizers.Adam(
            learning_rate=lr,
            beta_1=options["beta1"],
            beta_2=options["beta2"],
            name=name,
        )

    return {
        "g_optimizer": adam("g_adam", options["lr"]),
        "d_optimizer": adam(
            "d_adam",
            options["lr"] if options["d_lr"] is None else options["d_lr"],
        ),
        "loss": options["loss"],
        "d_steps": options["d_steps"],
        "gradient_penalty": options["gradient_penalty"],
        "r1_penalty": options["r1"],
        "augment": options["augment"],
        # Used only with `augment="ada..."`; runs recorded before ADA lack
        # them.
        "ada_target": options.get("ada_target", 0.6),
        "ada_kimg": options.get("ada_kimg", 500.0),
        "jit_compile": jit_compile(
            options["jit_compile"],
            options.get("backend") or keras.backend.backend(),
        ),
        "steps_per_execution": options["steps_per_execution"],
    }


def build_gan(options, image_shape, class_names=None):
    """Builds and compiles the `GAN` described by resolved options.

    Sets the global seed first when `options["seed"]` is set (weights,
    dropout and noise follow it), and builds the networks under
    `options["precision"]`, putting the caller's dtype policy back after.

    Args:
        options: resolved options (`keras_gan.options.resolve`).
        image_shape: `(height, width, channels)` of the training images.
        class_names: the class names of a conditional model
            (`options["conditional"]`); their number is the number of
            classes. Defaults to `None`.

    Returns:
        A compiled `keras_gan.GAN`, or `keras_gan.ConditionalGAN`.

    Raises:
        ValueError: for `options["conditional"]` without at least 2 class
            names.
    """
    import keras

    from keras_gan.conditional import ConditionalGAN
    from keras_gan.gan import GAN

    extra = {}
    if options["conditional"]:
        if class_names is None or len(class_names) < 2:
            raise ValueError(
                "A conditional GAN needs a dataset with at least 2 classes. "
                f"Received class_names={class_names!r} for dataset "
                f"{options['dataset']!r}."
            )
        extra = {"class_names": tuple(class_names)}

    if options["seed"] is not None:
        keras.utils.set_random_seed(options["seed"])
    # The dtype policy is global: set it while the networks are built (they
    # keep it), then put the caller's back.
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(options["precision"])
    try:
        generator, discriminator = networks(
            options, image_shape, len(extra["class_names"]) if extra else None
        )
        model = ConditionalGAN if extra else GAN
        gan = model(generator, discriminator, **gan_kwargs(options), **extra)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    gan.compile(**compile_kwargs(options))
    return gan

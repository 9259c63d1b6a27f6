"""Options -> networks -> a compiled GAN: how resolved options become a model.

`keras-gan train` and `keras_gan.presets.get(NAME).build(...)` both build
their model here, from options resolved by `keras_gan.options.resolve`:
the networks (`networks`), the `GAN` constructor arguments (`gan_kwargs`)
and the `compile()` arguments (`compile_kwargs`), put together by
`build_gan`.

This module does not import Keras at module level, so the CLI's `--help`
(which imports `keras_gan.presets`) stays cheap.

Example:

```python
from keras_gan import build, options

gan = build.build_gan(options.resolve({"seed": 0}, preset="dcgan"), (28, 28, 1))
```
"""

import os

# The residual networks' width unit when `options["width"]` is unset
# (SNGAN's), and the folder preset's on a CPU, by image size. A step's cost
# grows with the width's square and the pixels: 16 at 32 px takes 0.15-0.19 s
# at batch 32 on a 2-core CPU and draws Fashion-MNIST garments within 500
# steps; 64 and 128 px (passed with --image-size) get 16 and 8 to stay
# affordable (docs/networks.md).
RESNET_WIDTH = 64
CPU_WIDTHS = {32: 16, 64: 16, 128: 8}
# The largest image size the folder preset picks without a GPU: a step at
# 64 px costs 3-4 times one at 32 px (0.6 s against 0.15-0.19 s), and in
# 15 CPU minutes a 64 px run drew colour patches where a 32 px one drew the
# folder's objects (docs/quality.md, "A folder of your own on a CPU").
CPU_IMAGE_SIZE = 32


def folder_width(image_size, gpus):
    """Picks the `folder` preset's network width for an image size.

    With a GPU, the residual networks' default width (64, SNGAN's); on a
    CPU, a narrower one that keeps a step affordable: 16 at 32 and 64 px,
    8 at 128 px (a step costs about the width's square).

    Args:
        image_size: the square image size, 32, 64 or 128.
        gpus: the number of GPUs (`keras_gan.hardware.gpu_count()`); `None`
            (unknown) counts as none.

    Returns:
        `(width, reason)`: the width and a few words saying why.

    Raises:
        ValueError: for an image size other than 32, 64 or 128.

    Example:

    >>> folder_width(64, gpus=0)
    (16, 'no GPU found: 1/16 of the cost of a step at width 64')
    """
    if image_size not in CPU_WIDTHS:
        raise ValueError(
            f"Expected `image_size` to be one of {sorted(CPU_WIDTHS)}. "
            f"Received: image_size={image_size!r}"
        )
    if gpus:
        return RESNET_WIDTH, f"{gpus} GPU(s): SNGAN's width"
    width = CPU_WIDTHS[image_size]
    share = (RESNET_WIDTH // width) ** 2
    return width, f"no GPU found: 1/{share} of the cost of a step at width {RESNET_WIDTH}"


def folder_options(options, gpus, image_size=None, batch_size=None):
    """The `folder` preset's picks for a folder: image size, batch and width.

    `keras-gan train --preset folder` calls it with what the user passed;
    values given are kept. The image size and batch come from the folder
    (`keras_gan.data.folder.folder_settings`), at most `CPU_IMAGE_SIZE`
    without a GPU; the residual networks' width, unless `options["width"]`
    is set, from the machine (`folder_width`).

    Args:
        options: resolved options (`keras_gan.options.resolve`) whose
            `dataset` is a folder of images.
        gpus: the number of GPUs, as for `folder_width`.
        image_size: an image size given, or None to pick one.
        batch_size: a batch size given, or None to pick one.

    Returns:
        `(options, messages)`: the options with the picks, and the lines
        saying what was chosen and why.

    Raises:
        ValueError: for a folder without image files.

    Example:

    >>> options, said = folder_options(resolved, gpus=0)  # doctest: +SKIP
    """
    from keras_gan.data.folder import folder_settings

    folder = os.path.expanduser(options["dataset"])
    largest = None if gpus else (CPU_IMAGE_SIZE, "without a GPU")
    size, batch, message = folder_settings(folder, image_size, batch_size, largest)
    options = {**options, "image_size": size, "batch_size": batch}
    messages = [message]
    if options["arch"] == "resnet" and options["width"] is None and size in CPU_WIDTHS:
        picked, reason = folder_width(size, gpus)
        options["width"] = picked
        messages.append(
            f"Folder preset chose --width {picked} ({reason}); pass it to choose yourself."
        )
    return options, messages


def networks(options, image_shape, num_classes=None):
    """Builds the generator and discriminator that `options` describe.

    Args:
        options: resolved options (`keras_gan.options.resolve`).
        image_shape: `(height, width, channels)` of the training images.
        num_classes: the classes of a conditional model (the networks then
            take labels too). Defaults to `None`.

    Returns:
        `(generator, discriminator)` for that shape: the DCGAN networks, or
        the residual ones with `options["arch"] == "resnet"`.
    """
    from keras_gan.models import dcgan_discriminator
    from keras_gan.models import dcgan_generator

    image_shape = tuple(image_shape)
    # Runs recorded before `arch` existed used the DCGAN.
    if options.get("arch", "dcgan") == "resnet":
        from keras_gan.models import residual_discriminator
        from keras_gan.models import residual_generator

        width = options.get("width") or RESNET_WIDTH
        return (
            residual_generator(
                image_shape, options["latent_dim"], channels=width, num_classes=num_classes
            ),
            residual_discriminator(image_shape, channels=width, num_classes=num_classes),
        )
    return (
        dcgan_generator(image_shape, options["latent_dim"], num_classes=num_classes),
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

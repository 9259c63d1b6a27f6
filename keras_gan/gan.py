"""`GAN`: a `keras.Model` that trains a generator and a discriminator with `fit`."""

import numpy as np

import keras
from keras import ops

from keras_gan import _step
from keras_gan import augment as augment_lib
from keras_gan import ema as ema_lib
from keras_gan import losses as losses_lib
from keras_gan._optimizer_pair import OptimizerPair
from keras_gan._optimizer_pair import loss_scaled
from keras_gan.sampling import latents
from keras_gan.sampling import run_generator
from keras_gan.saving import portable_optimizer_config

# The non-finite flag's loss codes (0: every loss finite so far).
_NON_FINITE_LOSSES = {1: "g_loss", 2: "d_loss"}


def _check_network(name, network):
    if not isinstance(network, keras.Model):
        raise ValueError(
            f"Expected `{name}` to be a keras.Model. "
            f"Received: {name}={network!r} of type {type(network).__name__}"
        )


def _static_shape(network, attr):
    try:
        shape = getattr(network, attr)
    except (AttributeError, ValueError):
        return None
    return tuple(shape) if isinstance(shape, (tuple, list)) else None


def _replica_count():
    return _step.backend().replica_count()


def _multi_worker():
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    return isinstance(
        strategy, tf.distribute.MultiWorkerMirroredStrategy
    ) and strategy.extended._in_multi_worker_mode()


def _is_tf_dataset(data):
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(data, tf.data.Dataset)


def _to_int(variable):
    # Works for plain and tf.distribute (mirrored) variables alike.
    return int(np.asarray(ops.convert_to_numpy(variable)))


def _check_first_batch(data, batch_size):
    # GAN.fit's one look at the data: the first batch of a tf.data.Dataset,
    # a PyDataset or an array. Python generators are never touched (peeking
    # would consume them), nor pipelines from `load_dataset`/`make_dataset`
    # (tagged; scaled by construction, and peeking would fill their shuffle
    # buffer once more).
    # Range tolerance of `keras_gan.data.scaling` (resizing overshoots).
    tolerance = 1e-3
    if getattr(data, "_keras_gan_scaled", False):
        return
    if _is_tf_dataset(data):
        batch = next(iter(data.take(1)), None)
        what = "a tf.data.Dataset"
    elif isinstance(data, keras.utils.PyDataset):
        batch = data[0] if len(data) else None
        what = "a PyDataset"
    elif (isinstance(data, np.ndarray) or ops.is_tensor(data)) and len(
        data.shape
    ) >= 1:
        batch = data[: batch_size or 32]
        what = "an array"
    else:
        return
    if isinstance(batch, dict):
        batch = batch.get("image")
    elif isinstance(batch, (tuple, list)):
        batch = batch[0] if batch else None
    if batch is None or isinstance(batch, (dict, tuple, list)):
        return
    batch = np.asarray(batch)
    if batch.size == 0 or batch.dtype.kind not in "biuf":
        return
    lo, hi = batch.min(), batch.max()
    # NaN fails both tests: the non-finite-loss check reports it instead.
    if not (lo < -1 - tolerance or hi > 1 + tolerance):
        return
    if lo >= 0 and hi <= 255:
        fix = (
            "pass it through `keras_gan.load_dataset(data)` (it detects "
            "0..255, 0..1 or -1..1 and scales), or, for 0..255 pixels, add "
            "`keras.layers.Rescaling(1/127.5, offset=-1)` to your pipeline"
        )
    else:
        fix = (
            "scale the pixels to [-1, 1], or pass the data through "
            "`keras_gan.load_dataset(data, value_range=...)`"
        )
    raise ValueError(
        "Expected real images in [-1, 1] (the generator ends in tanh). "
        f"Received {what} whose first batch holds {batch.dtype} pixels "
        f"with min={lo:g}, max={hi:g}. Fix: {fix}."
    )


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; that update was not applied.

    The check is part of the computed step (it holds under `tf.function`,
    XLA, JAX and PyTorch alike): the failing update and everything after it
    in the same step are skipped, and `fit` stops after that step. With
    `d_steps > 1`, the discriminator updates of the same step before the
    failing one were applied (each checks its own loss); a non-finite
    `g_loss` comes after all `d_steps` discriminator updates, which were
    applied. BatchNorm moving statistics are those the failing step's
    forward pass left, as when `LossScaleOptimizer` skips a step.

    Attributes:
        loss: `"g_loss"` or `"d_loss"`.
        epoch: the 1-based epoch in which it happened.
        step: the 1-based step within that epoch.
        global_step: the 1-based step counted from the start of training.
    """

    def __init__(self, loss, epoch, step, global_step):
        self.loss, self.epoch, self.step = loss, epoch, step
        self.global_step = global_step
        super().__init__(
            f"Non-finite {loss} at epoch {epoch}, step {step} (global step "
            f"{global_step}); training stopped before applying that update."
        )


class _EpochTracker(keras.callbacks.Callback):
    # Epoch-level hooks only: batch hooks would turn off async dispatch.
    def __init__(self):
        super().__init__()
        self.epoch, self.start_step = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.start_step = _to_int(self.model.g_optimizer.iterations)


class _NonFinite(keras.metrics.Metric):
    # Sticky within an epoch: which loss went non-finite first (a code of
    # `_NON_FINITE_LOSSES`, 0 while all are finite) and at which step (the
    # generator's update count). Once set, later steps apply nothing, so
    # with `steps_per_execution > 1` the weights stay those before the
    # failing step. A metric, so that the JAX trainer threads it through
    # its stateless step and Keras resets it each epoch; never saved.
    def __init__(self, name="non_finite"):
        super().__init__(name=name)
        self.loss = self.add_variable(
            (), "zeros", dtype="int32", aggregation="only_first_replica",
            name="loss",
        )
        self.step = self.add_variable(
            (), "zeros", dtype="int32", aggregation="only_first_replica",
            name="step",
        )

    def update_state(self, code, step):
        loss, at = self.loss.value, self.step.value
        first = ops.logical_and(ops.equal(loss, 0), code > 0)
        self.loss.assign(ops.where(first, code, loss))
        self.step.assign(ops.where(first, ops.cast(step, "int32"), at))

    def result(self):
        return self.loss

    def reset_state(self):
        self.loss.assign(0)
        self.step.assign(0)


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(keras.Model):
    """A generative adversarial network trained with `fit`.

    Holds a generator (latent vectors to images in [-1, 1]) and a
    discriminator (images to logits), both optimizers, and an adversarial
    loss. With the defaults it trains exactly as the lecture's DCGAN: one
    forward pass per step updates both networks, non-saturating loss,
    `Adam(1e-4)` for each network.

    Any object offering `generator`, `latent_dim` and `generate()` works
    with the callbacks in the `callbacks` package; this class is one.

    Args:
        generator: a `keras.Model` from `(latent_dim,)` vectors to images.
        discriminator: a `keras.Model` from images to one logit per image.
        latent_dim: size of the latent vector. Defaults to the generator's
            input size.
        seed: seed of the model's noise `keras.random.SeedGenerator`, for
            reproducible training. Defaults to `None` (random).
        ema_kimg: keep an exponential moving average (EMA) of the
            generator's weights with this half-life, in thousands of
            images (StyleGAN uses 10). `generate()` and the callbacks then
            sample from the average (`sampling_generator`), while
            `generator` stays the trained one. Defaults to `None` (no EMA:
            the lecture's model, with no extra variables).
        ema_rampup: the EMA's warm-up: the half-life is at most this
            fraction of the images seen so far, so early averages forget
            the random initial weights fast (StyleGAN's `ema_rampup`).
            0 or `None` for a fixed half-life. Defaults to 0.05.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Raises:
        ValueError: if a network is not a `keras.Model`, `latent_dim`
            disagrees with the generator's input, or the generator's output
            shape is not the discriminator's input shape, or `ema_kimg` or
            `ema_rampup` is not a positive number.

    Example:

    ```python
    from keras_gan import GAN, load_dataset
    from keras_gan.models import dcgan_generator, dcgan_discriminator

    gan = GAN(dcgan_generator(), dcgan_discriminator(), seed=0)
    gan.compile()  # Adam(1e-4) for each network, non-saturating loss
    gan.fit(load_dataset("mnist_sample"), epochs=30)
    images = gan.generate(16)  # (16, 28, 28, 1) in [-1, 1]

    # With an EMA of the generator (sampled by generate() and callbacks):
    gan = GAN(dcgan_generator(), dcgan_discriminator(), ema_kimg=10)
    # Adaptive discriminator augmentation, for small datasets:
    gan.compile(augment="ada")  # logs ada_p and ada_rt each epoch
    ```
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        seed=None,
        ema_kimg=None,
        ema_rampup=0.05,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_network("generator", generator)
        _check_network("discriminator", discriminator)
        g_in = self._latent_input_shape(generator)
        inferred = g_in[-1] if g_in and len(g_in) == 2 else None
        if latent_dim is None:
            if inferred is None:
                raise ValueError(
                    "Could not read the latent size from the generator's "
                    f"input shape {g_in}. Pass `latent_dim`."
                )
            latent_dim = inferred
        if not isinstance(latent_dim, (int, np.integer)) or latent_dim <= 0:
            raise ValueError(
                "Expected `latent_dim` to be a positive int. "
                f"Received: latent_dim={latent_dim!r}"
            )
        if inferred is not None and inferred != latent_dim:
            raise ValueError(
                f"`latent_dim={latent_dim}` does not match the generator's "
                f"input shape {g_in}."
            )
        g_out = _static_shape(generator, "output_shape")
        d_in = self._image_input_shape(discriminator)
        if g_out and d_in and tuple(g_out[1:]) != tuple(d_in[1:]):
            raise ValueError(
                f"The generator makes images of shape {tuple(g_out[1:])} but "
                f"the discriminator expects {tuple(d_in[1:])}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise")
        # `evaluate()` draws its own noise: it never shifts the training
        # noise stream (a seeded run trains the same with or without it).
        self.eval_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1, name="eval_noise"
        )
        self._non_finite = _NonFinite()
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.g_optimizer = None
        self.d_optimizer = None
        self.adversarial_loss = None
        self.augment = ()
        self.adaptive_augment = False
        self.r1_penalty = 0.0
        # Adaptive augmentation's state, created by `compile(augment="ada")`
        # only: a model without it keeps exactly its variables.
        self.ada_p = None
        self.ada_rt_tracker = None
        self._init_ema(ema_kimg, ema_rampup)
        # Both networks are built: the wrapper needs no symbolic build.
        self.built = True

    def _latent_input_shape(self, generator):
        # The shape of the generator's latent input (a subclass with more
        # inputs, e.g. labels, picks its latent one).
        return _static_shape(generator, "input_shape")

    def _image_input_shape(self, discriminator):
        return _static_shape(discriminator, "input_shape")

    def _step_state(self, name):
        # A float32 scalar the step updates (the EMA's and ADA's counters):
        # not trained, kept exact (no autocast), replica 0's value under
        # tf.distribute, and saved with the model's own variables.
        return self.add_weight(
            shape=(),
            dtype="float32",
            initializer="zeros",
            trainable=False,
            autocast=False,
            aggregation="only_first_replica",
            name=name,
        )

    def _init_ema(self, ema_kimg, ema_rampup):
        for name, value in (("ema_kimg", ema_kimg), ("ema_rampup", ema_rampup)):
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float, np.number))
                or not np.isfinite(value)
                or value < 0
                or (name == "ema_kimg" and value == 0)
            ):
                raise ValueError(
                    f"Expected `{name}` to be a positive number or None. "
                    f"Received: {name}={value!r}"
                )
        self.ema_kimg = None if ema_kimg is None else float(ema_kimg)
        self.ema_rampup = float(ema_rampup or 0.0)
        self.ema_generator = None
        if self.ema_kimg is None:
            # No EMA: no extra variables, the lecture's model exactly.
            return
        # A clone with the generator's weights; never trained (its
        # variables are non-trainable), moved towards the generator after
        # each generator update. Tracked as an attribute, so `save_weights`,
        # checkpoints and `.keras` files hold it.
        self.ema_generator = keras.models.clone_model(self.generator)
        self.ema_generator.set_weights(self.generator.get_weights())
        self.ema_generator.trainable = False
        # Images trained on, for the half-life's ramp-up. float32 is exact
        # to 16.7M images; beyond that the ramp-up is long over.
        self.ema_images_seen = self._step_state("ema_images_seen")

    @property
    def sampling_generator(self):
        """The generator to sample from: the EMA one if enabled, else `generator`.

        `generate()`, the sample grid, the metrics and the exported
        `generator.keras` use it. `generator` is always the trained one.
        """
        if self.ema_generator is not None:
            return self.ema_generator
        return self.generator

    @property
    def image_shape(self):
        """The shape of one generated image, `(height, width, channels)`."""
        return tuple(self.generator.output_shape[1:])

    @property
    def metrics(self):
        # Listed here so Keras resets them at the start of each epoch.
        # The last one is the non-finite flag, never logged.
        ada = [self.ada_rt_tracker] if self.ada_rt_tracker is not None else []
        return [
            self.g_loss_tracker,
            self.d_loss_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            *ada,
            self._non_finite,
        ]

    def compile(
        self,
        *args,
        g_optimizer=None,
        d_optimizer=None,
        loss="non_saturating",
        d_steps=None,
        gradient_penalty=None,
        r1_penalty=0.0,
        augment=None,
        ada_target=augment_lib.ADA_TARGET,
        ada_kimg=augment_lib.ADA_KIMG,
        ada_interval=augment_lib.ADA_INTERVAL,
        **kwargs,
    ):
        """Configures both optimizers and the adversarial loss.

        Every argument is a keyword: keras.io's GAN examples take
        `compile(d_optimizer, g_optimizer, loss_fn)`, so a positional call
        could silently swap the two learning rates.

        Args:
            *args: refused; see Raises.
            g_optimizer: the generator's optimizer (instance or name).
                Defaults to `keras.optimizers.Adam(1e-4)`, as in the lecture.
            d_optimizer: the discriminator's optimizer. Defaults to
                `keras.optimizers.Adam(1e-4)`.
            loss: a name from `keras_gan.losses.LOSSES`
                (`"non_saturating"`, `"minimax"`, `"least_squares"`,
                `"hinge"`, `"wasserstein"`) or an `AdversarialLoss`.
                Defaults to `"non_saturating"`.
            d_steps: discriminator updates per generator update. With 1,
                both networks are updated from one forward pass (the
                lecture's step). Defaults to the loss's own (5 for
                `"wasserstein"`, else 1). With more, the logged `d_loss`
                is the last discriminator update's loss of each step
                (averaged over the epoch's steps, as every metric).
            gradient_penalty: weight of the WGAN-GP gradient penalty.
                Defaults to the loss's own (10 for `"wasserstein"`, else 0).
            r1_penalty: weight gamma of the R1 penalty, gamma / 2 times the
                discriminator's squared gradient norm on real images
                (Mescheder et al. 2018). Defaults to 0 (off).
            augment: DiffAugment transforms applied to real and generated
                images before the discriminator, in both networks' updates
                (`keras_gan.augment`), e.g. `"translation,cutout"`; or
                adaptive discriminator augmentation (ADA, Karras et al.
                2020): `"ada"` (all of `color,translation,cutout`) or
                `"ada:translation,cutout"`, each transform applied to each
                image with a probability `p` that starts at 0 and follows
                the discriminator's overfitting (see `ada_target`). `p` and
                `r_t` are logged as `ada_p` and `ada_rt`, and `p` is saved
                with the weights. Defaults to `None` (off).
            ada_target: ADA's target for `r_t = E[sign(D(real))]` (the
                sign taken about the loss's `boundary`; 0.6: 80% of the
                augmented real images are called real): every
                `ada_interval` steps `p` rises if `r_t` was above it and
                falls if below. Not meaningful for `"wasserstein"`, whose
                critic has no boundary. Defaults to 0.6 (the paper's).
            ada_kimg: ADA's speed: `p` can go from 0 to 1 in this many
                thousand images. Defaults to 500 (the paper's).
            ada_interval: steps between adjustments of `p` (`r_t` is the
                mean over them). Defaults to 4 (the paper's).
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `steps_per_execution`, `run_eagerly`, ...).

        Raises:
            TypeError: for positional arguments, naming which optimizer is
                which.
            ValueError: for an unknown loss, the same optimizer instance for
                both networks, a non-positive `d_steps`, a negative
                penalty, an unknown augmentation, an `ada_target` outside
                (-1, 1), a non-positive `ada_kimg` or `ada_interval`, an
                `optimizer=` or
                `loss=`-style Keras argument, or a backend without a GAN
                train step.
        """
        if args:
            raise TypeError(
                "GAN.compile takes its arguments by keyword, so the two "
                "optimizers cannot be swapped: compile(g_optimizer=<the "
                "generator's>, d_optimizer=<the discriminator's>, ...). "
                f"Received {len(args)} positional argument(s): "
                f"{', '.join(repr(a) for a in args)}"
            )
        _step.backend()  # refuses a backend without a GAN step
        if "optimizer" in kwargs:
            raise ValueError(
                "GAN.compile takes `g_optimizer` and `d_optimizer`, not "
                f"`optimizer`. Received: optimizer={kwargs['optimizer']!r}"
            )
        self.adversarial_loss = losses_lib.get(loss)
        d_steps = self.adversarial_loss.d_steps if d_steps is None else d_steps
        if not isinstance(d_steps, (int, np.integer)) or d_steps < 1:
            raise ValueError(
                f"Expected `d_steps` to be an int >= 1. Received: {d_steps!r}"
            )
        if gradient_penalty is None:
            gradient_penalty = self.adversarial_loss.gradient_penalty
        if gradient_penalty < 0:
            raise ValueError(
                "Expected `gradient_penalty` >= 0. "
                f"Received: {gradient_penalty!r}"
            )
        if not isinstance(r1_penalty, (int, float)) or r1_penalty < 0:
            raise ValueError(
                f"Expected `r1_penalty` >= 0. Received: {r1_penalty!r}"
            )
        self._init_ada(augment, ada_target, ada_kimg, ada_interval)
        self.d_steps = int(d_steps)
        self.gradient_penalty = float(gradient_penalty)
        self.r1_penalty = float(r1_penalty)
        self.g_optimizer = self._resolve_optimizer(g_optimizer, "g_adam")
        self.d_optimizer = self._resolve_optimizer(d_optimizer, "d_adam")
        if self.g_optimizer is self.d_optimizer:
            raise ValueError(
                "The generator and the discriminator need their own optimizer "
                "instances (each keeps per-variable state). Received the "
                "same instance twice."
            )
        if self._uses_float16():
            # Each network gets its own dynamic loss scale; `train_step`
            # scales each loss and `apply` unscales and skips non-finite
            # steps (keras-team/keras#19479).
            self.g_optimizer = loss_scaled(self.g_optimizer)
            self.d_optimizer = loss_scaled(self.d_optimizer)
        if self.g_optimizer.name == self.d_optimizer.name and not (
            self.g_optimizer.built or self.d_optimizer.built
        ):
            # Two `Adam()`s are both "adam": TensorBoard's learning-rate
            # tags and the optimizers' variable paths would collide.
            self.g_optimizer.name = f"g_{self.g_optimizer.name}"
            self.d_optimizer.name = f"d_{self.d_optimizer.name}"
        # Built now, so `load_weights` and checkpoints restore their state
        # instead of skipping it (keras-team/keras#19389).
        if not self.g_optimizer.built:
            self.g_optimizer.build(self.generator.trainable_variables)
        if not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator.trainable_variables)
        self._compile_kwargs = {
            k: v
            for k, v in kwargs.items()
            if k in ("jit_compile", "steps_per_execution", "run_eagerly")
        }
        kwargs["auto_scale_loss"] = False  # done per optimizer above
        super().compile(
            optimizer=OptimizerPair(self.g_optimizer, self.d_optimizer),
            **kwargs,
        )

    def _init_ada(self, augment, ada_target, ada_kimg, ada_interval):
        # The augmentation settings; with ADA, its variables (once: a
        # second `compile` keeps their values).
        self.augment, self.adaptive_augment = augment_lib.parse_augment(augment)
        number = (int, float, np.integer, np.floating)
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
            raise ValueError(
                f"Expected `ada_kimg` > 0. Received: ada_kimg={ada_kimg!r}"
            )
        if (
            isinstance(ada_interval, bool)
            or not isinstance(ada_interval, (int, np.integer))
            or ada_interval < 1
        ):
            raise ValueError(
                "Expected `ada_interval` to be an int >= 1. "
                f"Received: ada_interval={ada_interval!r}"
            )
        self.ada_target = float(ada_target)
        self.ada_kimg = float(ada_kimg)
        self.ada_interval = int(ada_interval)
        if not self.adaptive_augment or self.ada_p is not None:
            return
        # p, and since its last adjustment: the sum of sign(D(real)), the
        # images it counts and the steps (float32 counts are exact to 16.7M
        # images: far beyond one interval's).
        self.ada_p = self._step_state("ada_p")
        self.ada_sign_sum = self._step_state("ada_sign_sum")
        self.ada_sign_count = self._step_state("ada_sign_count")
        self.ada_steps = self._step_state("ada_steps")
        self.ada_rt_tracker = keras.metrics.Mean(name="ada_rt")

    def _ada_variables(self):
        if self.ada_p is None:
            return []
        return [self.ada_p, self.ada_sign_sum, self.ada_sign_count, self.ada_steps]

    def _uses_float16(self):
        return any(
            net.dtype_policy.compute_dtype == "float16"
            for net in (self, self.generator, self.discriminator)
        )

    @staticmethod
    def _resolve_optimizer(optimizer, default_name):
        if optimizer is None:
            return keras.optimizers.Adam(learning_rate=1e-4, name=default_name)
        try:
            return keras.optimizers.get(optimizer)
        except ValueError as err:
            raise ValueError(
                f"Could not interpret optimizer {optimizer!r}: {err}"
            ) from err

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        if self.adversarial_loss.name not in losses_lib.LOSSES:
            raise ValueError(
                f"Cannot save the custom loss {self.adversarial_loss.name!r}: "
                "register it in keras_gan.losses.LOSSES first."
            )
        return {
            "g_optimizer": keras.saving.serialize_keras_object(
                self.g_optimizer
            ),
            "d_optimizer": keras.saving.serialize_keras_object(
                self.d_optimizer
            ),
            "loss": self.adversarial_loss.name,
            "d_steps": self.d_steps,
            "gradient_penalty": self.gradient_penalty,
            "r1_penalty": self.r1_penalty,
            "augment": augment_lib.format_augment(
                self.augment, self.adaptive_augment
            ),
            # Only with ADA: other models' configs stay as they were.
            **(
                {
                    "ada_target": self.ada_target,
                    "ada_kimg": self.ada_kimg,
                    "ada_interval": self.ada_interval,
                }
                if self.adaptive_augment
                else {}
            ),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        # A file saved under PyTorch names PyTorch's optimizer classes.
        for key in ("g_optimizer", "d_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(
                portable_optimizer_config(config[key])
            )
        self.compile(**config)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(
                self.discriminator
            ),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "ema_kimg": self.ema_kimg,
            "ema_rampup": self.ema_rampup,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

    def _seed_generators_in_tree(self):
        # The model's noise generator first, then every layer's (Dropout's)
        # in layer order: a stable order for saving and loading.
        found = [self.seed_generator]
        for network in (self.generator, self.discriminator):
            for layer in network._flatten_layers(include_self=True):
                for generator in getattr(layer, "_seed_generators", []):
                    if generator not in found:
                        found.append(generator)
        return found

    def save_own_variables(self, store):
        # Keras saves a layer's own variables but not its SeedGenerators'.
        # The noise and dropout streams are part of the training state: a
        # resumed run continues them instead of replaying step 0's.
        super().save_own_variables(store)
        for i, generator in enumerate(self._seed_generators_in_tree()):
            store[f"seed_state_{i}"] = ops.convert_to_numpy(generator.state)

    def load_own_variables(self, store):
        own = self._trainable_variables + self._non_trainable_variables
        ada = {id(v) for v in self._ada_variables()}
        for i, variable in enumerate(own):
            if f"{i}" not in store and id(variable) in ada:
                # Saved without ADA (it was switched on later): p starts
                # at 0.
                variable.assign(0.0)
                continue
            variable.assign(store[f"{i}"])
        for i, generator in enumerate(self._seed_generators_in_tree()):
            if f"seed_state_{i}" in store:
                generator.state.assign(store[f"seed_state_{i}"])

    def call(self, z, training=False, ema=None):
        """Runs the sampling generator: latent vectors to images in [-1, 1].

        `gan(z)` and `gan.predict(z)` use the generator that samples, the
        EMA one when the model keeps one (`sampling_generator`), so they
        agree with `generate()`, the sample grids, the metrics and the
        exported `generator.keras`. The trained generator is one argument
        away: `gan(z, ema=False)`, `gan.generate(z=z, ema=False)` or
        `gan.generator.predict(z)`.

        Args:
            z: latent vectors of shape `(batch, latent_dim)`.
            training: the Keras training flag, passed to the generator.
            ema: `False` for the trained generator, `True` for the EMA one
                (which must exist). Defaults to `None`: the sampling one.

        Returns:
            Images of shape `(batch,) + image_shape`, in [-1, 1].

        Raises:
            ValueError: for `ema=True` on a model without an EMA.
        """
        return self._network(ema)(z, training=training)

    def sample_noise(self, n, seed=None):
        """Draws `n` standard-normal latent vectors with NumPy.

        Args:
            n: number of vectors, a positive int.
            seed: an int for reproducible noise. Defaults to `None`.

        Returns:
            A float32 array of shape `(n, latent_dim)`.

        Raises:
            ValueError: if `n` is not a positive int.
        """
        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"Expected `n` to be a positive int. Received: {n!r}")
        return latents(n, self.latent_dim, seed)

    def generate(self, n=None, z=None, seed=None, batch_size=256, ema=None):
        """Generates images in [-1, 1] in inference mode.

        With an EMA (`ema_kimg`), images come from the averaged generator
        unless `ema=False`.

        Args:
            n: number of images. Defaults to 16, or to `len(z)`.
            z: latent vectors of shape `(n, latent_dim)`. Defaults to fresh
                noise from `sample_noise(n, seed)`.
            seed: seed of the noise when `z` is not given.
            batch_size: images generated per generator call. Defaults to 256.
            ema: `False` for the trained generator, `True` for the EMA one
                (which must exist). Defaults to `None`: the EMA one when the
                model keeps an EMA (`sampling_generator`).

        Returns:
            A float32 NumPy array of shape `(n,) + image_shape`.

        Raises:
            ValueError: if `z` has the wrong shape or disagrees with `n`, or
                `ema=True` for a model without an EMA.

        Example:

        >>> images = gan.generate(16, seed=0)
        """
        z = self._latents(n, z, seed)
        return run_generator(self._network(ema), [z], batch_size)

    def _latents(self, n, z, seed):
        # `generate`'s latent vectors: `z` checked, or fresh noise.
        if z is None:
            return self.sample_noise(16 if n is None else n, seed)
        z = np.asarray(ops.convert_to_numpy(z), dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Expected `z` of shape (n, {self.latent_dim}). "
                f"Received: z.shape={z.shape}"
            )
        if n is not None and n != len(z):
            raise ValueError(
                f"`n={n}` disagrees with `z`, which holds {len(z)} vectors."
            )
        return z

    def _network(self, ema):
        # `generate`'s network: the trained one for `ema=False`, else the
        # sampling one (the EMA's when kept).
        if ema and self.ema_generator is None:
            raise ValueError(
                "`ema=True` needs a GAN built with `ema_kimg`. This one keeps "
                "no EMA of its generator."
            )
        return self.generator if ema is False else self.sampling_generator

    def fit(self, *args, **kwargs):
        """Trains with `keras.Model.fit`; see Keras for the arguments.

        Raises:
            ValueError: when the first batch of a `tf.data.Dataset`,
                `PyDataset` or array holds pixels outside [-1, 1] (checked
                once, before training; Python generators and pipelines
                from `keras_gan.load_dataset` are not checked), naming the
                range found and the fix; also (from `train_step`) when the
                images' shape is not the model's.
            NonFiniteLossError: when a loss becomes NaN or infinite, naming
                the loss, the epoch and the step, on every backend and
                with `jit_compile=True`. The failing update was not
                applied; with `d_steps > 1` the discriminator updates
                before it in the same step were (see `NonFiniteLossError`).
        """
        data = args[0] if args else kwargs.get("x")
        # Refuse pixels outside [-1, 1] before training on them: once, on
        # the first batch (see `_check_first_batch`), not every step.
        # `batch_size` is fit()'s 3rd positional parameter.
        _check_first_batch(
            data, args[2] if len(args) > 2 else kwargs.get("batch_size")
        )
        # `shuffle` is fit()'s 9th positional parameter.
        if "shuffle" not in kwargs and len(args) <= 8 and _is_tf_dataset(data):
            # A tf.data pipeline shuffles itself; Keras would only warn that
            # its own shuffle=True is ignored.
            kwargs["shuffle"] = False
        tracker = _EpochTracker()
        callbacks = kwargs.get("callbacks")
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks.append(tracker)
        else:
            kwargs["callbacks"] = list(callbacks or []) + [tracker]
        self._epoch_tracker = tracker
        try:
            return super().fit(*args, **kwargs)
        finally:
            self._epoch_tracker = None

    def make_train_function(self, force=False):
        # Keras' train function, wrapped to read the step's non-finite flag
        # after each call and stop `fit` there (see `_stop_if_non_finite`).
        super().make_train_function(force)
        function = self.train_function  # not every backend returns it
        if getattr(function, "_keras_gan_checked", False):
            return function

        def train_function(*args):
            out = function(*args)
            self._stop_if_non_finite(out)
            return out

        train_function._keras_gan_checked = True
        self.train_function = train_function
        return train_function

    def _stop_if_non_finite(self, out):
        # The step reports its flag in the logs under private keys, removed
        # here so no callback, progress bar or history sees them. Reading
        # them waits for the step to finish (one scalar per step).
        logs = out[0] if isinstance(out, tuple) else out
        code = logs.pop("_non_finite_loss", None)
        step = logs.pop("_non_finite_step", None)
        if code is None:
            return
        code = int(np.asarray(ops.convert_to_numpy(code)).reshape(-1)[0])
        if code == 0:
            return
        step = int(np.asarray(ops.convert_to_numpy(step)).reshape(-1)[0])
        _step.backend().restore_state(self, out)
        # Cleared, so a later `train_on_batch` (which resets no metric)
        # trains instead of finding the flag still set.
        self._non_finite.reset_state()
        tracker = getattr(self, "_epoch_tracker", None)
        epoch = tracker.epoch if tracker else 0
        start = tracker.start_step if tracker else step
        raise NonFiniteLossError(
            _NON_FINITE_LOSSES[code],
            epoch=epoch + 1,
            step=step - start + 1,
            global_step=step + 1,
        )

    def _unpack(self, data):
        # The real images and the condition of both networks: `None` here
        # (labels in the data are ignored); a conditional subclass returns
        # its labels.
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._check_images(images), None

    def _check_images(self, images):
        shape = tuple(images.shape[1:])
        if None not in shape and shape != self.image_shape:
            raise ValueError(
                f"The model makes images of shape {self.image_shape} but the "
                f"data holds images of shape {shape}."
            )
        # A tensor of the backend: an un-jitted JAX step receives NumPy
        # batches, which a network cannot take beside tensor labels.
        return ops.convert_to_tensor(images)

    def _fake(self, noise, condition, training=True):
        # Generator hook: a conditional subclass also feeds the condition.
        return self.generator(noise, training=training)

    def _critic(self, images, condition, training=True):
        # Discriminator hook: a conditional subclass also feeds the condition.
        return self.discriminator(images, training=training)

    def _noise(self, real):
        # Training noise; the batch follows the real batch (the last batch
        # of an epoch is short).
        return self._draw_noise(real, self.seed_generator)

    def _draw_noise(self, real, seed_generator):
        return _step.backend().noise(
            seed_generator, (ops.shape(real)[0], self.latent_dim)
        )

    def _track(
        self, g_loss, d_loss, real_logits, fake_logits, code=None, extra=None
    ):
        self.g_loss_tracker.update_state(g_loss)
        self.d_loss_tracker.update_state(d_loss)
        # What the discriminator says of real and generated images, in the
        # loss's own terms (a probability only for the cross-entropy losses).
        score = self.adversarial_loss.score
        self.d_real_tracker.update_state(ops.mean(score(real_logits)))
        self.d_fake_tracker.update_state(ops.mean(score(fake_logits)))
        logs = {m.name: m.result() for m in self.metrics[:4]}
        logs.update(extra or {})
        if code is not None:
            # Read (and removed) by `_stop_if_non_finite` after the step.
            self._non_finite.update_state(code, self.g_optimizer.iterations.value)
            logs["_non_finite_loss"] = ops.convert_to_tensor(self._non_finite.loss)
            logs["_non_finite_step"] = ops.convert_to_tensor(self._non_finite.step)
        if _multi_worker():
            # Keras reduces multi-worker step outputs with
            # strategy.reduce("MEAN", v, axis=0), which fails on scalars;
            # a leading axis of one reduces back to the same scalar.
            logs = {k: ops.reshape(v, (1,)) for k, v in logs.items()}
        return logs

    def _gradient_penalty(self, real, fake, condition):
        # WGAN-GP: penalise the critic's gradient norm away from 1 on random
        # interpolates between real and fake images (Gulrajani et al. 2017).
        real = ops.cast(real, "float32")
        fake = ops.cast(fake, "float32")
        alpha = keras.random.uniform(
            (ops.shape(real)[0], 1, 1, 1), seed=self.seed_generator
        )
        mixed = real + alpha * (fake - real)
        grads = self._critic_input_gradient(mixed, condition)
        norms = ops.sqrt(ops.sum(ops.square(grads), axis=[1, 2, 3]) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def _critic_input_gradient(self, images, condition):
        # d(critic score)/d(images), in float32, for the gradient penalties.
        return _step.backend().input_gradient(
            lambda x: ops.cast(self._critic(x, condition), "float32"),
            ops.cast(images, "float32"),
        )

    def _r1(self, real, condition):
        # R1: the critic's squared gradient norm on real images.
        grads = self._critic_input_gradient(real, condition)
        return ops.mean(ops.sum(ops.square(grads), axis=[1, 2, 3]))

    def _augmented(self, images):
        # DiffAugment: the critic sees real and fake images alike
        # transformed; with ADA, each transform with probability p.
        if not self.augment:
            return images
        p = self.ada_p.value if self.adaptive_augment else None
        return augment_lib.diff_augment(
            images, self.augment, self.seed_generator, p=p
        )

    def _update_ada(self, real_logits, replicas, finite):
        # ADA's controller (Karras et al. 2020, stylegan2-ada's
        # `adjust = sign(r_t - target) * batch * interval / (kimg * 1000)`),
        # inside the step as variable updates and `where`s, so JAX's
        # stateless step carries it. Returns the logs `ada_p`, `ada_rt`.
        if not self.adaptive_augment:
            return {}
        logits = ops.stop_gradient(ops.cast(real_logits, "float32"))
        sign = ops.mean(ops.sign(logits - self.adversarial_loss.boundary))
        # Each replica's mean stands for the global batch (the variables
        # follow the first replica). A skipped step counts nothing.
        keep = ops.cast(finite, "float32")
        images = ops.cast(ops.shape(real_logits)[0], "float32") * replicas * keep
        signs = self.ada_sign_sum + sign * images
        count = self.ada_sign_count + images
        steps = self.ada_steps + keep
        due = ops.greater_equal(steps, self.ada_interval)
        r_t = signs / ops.maximum(count, 1.0)
        adjust = ops.sign(r_t - self.ada_target) * count / (self.ada_kimg * 1000.0)
        self.ada_p.assign(
            ops.clip(self.ada_p + ops.where(due, adjust, 0.0), 0.0, 1.0)
        )
        self.ada_sign_sum.assign(ops.where(due, 0.0, signs))
        self.ada_sign_count.assign(ops.where(due, 0.0, count))
        self.ada_steps.assign(ops.where(due, 0.0, steps))
        self.ada_rt_tracker.update_state(sign, sample_weight=keep)
        return {
            "ada_p": ops.convert_to_tensor(self.ada_p.value),
            "ada_rt": self.ada_rt_tracker.result(),
        }

    def _discriminator_objective(self, real, fake, condition):
        real = self._augmented(real)
        fake = self._augmented(fake)
        real_logits = self._critic(real, condition)
        fake_logits = self._critic(fake, condition)
        d_loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        if self.gradient_penalty > 0:
            d_loss = d_loss + self.gradient_penalty * self._gradient_penalty(
                real, fake, condition
            )
        if self.r1_penalty > 0:
            d_loss = d_loss + 0.5 * self.r1_penalty * self._r1(real, condition)
        return d_loss, real_logits, fake_logits

    @staticmethod
    def _scaled(optimizer, loss, replicas):
        # The loss whose gradient is applied: divided by the replica count
        # (see `_replica_count`) and, under mixed_float16, multiplied by the
        # optimizer's loss scale (`apply` unscales).
        loss = loss / replicas
        if hasattr(optimizer, "scale_loss"):
            loss = optimizer.scale_loss(loss)
        return loss

    @staticmethod
    def _finite(loss):
        return ops.all(ops.isfinite(loss))

    def train_step(self, *args):
        # Keras calls `train_step(data)`, or on JAX `train_step(state,
        # data)`: the backend module runs `_train_step` either way.
        return _step.backend().run_train_step(self, self._train_step, args)

    def _train_step(self, data):
        if self.adversarial_loss is None:
            raise ValueError("Call `compile()` before `fit()`.")
        backend = _step.backend()
        real, condition = self._unpack(data)
        replicas = backend.replica_count()
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        # False once an earlier step of this epoch was non-finite: with
        # several steps per execution, nothing after it is applied.
        ok = ops.equal(self._non_finite.loss.value, 0)

        if self.d_steps == 1:
            # The lecture's step: one forward pass updates both networks.
            def losses():
                fake = self._fake(self._noise(real), condition)
                d_loss, real_logits, fake_logits = (
                    self._discriminator_objective(real, fake, condition)
                )
                g_loss = self.adversarial_loss.generator(fake_logits)
                scaled = (
                    self._scaled(self.g_optimizer, g_loss, replicas),
                    self._scaled(self.d_optimizer, d_loss, replicas),
                )
                return scaled, (g_loss, d_loss, real_logits, fake_logits)

            _, (g_loss, d_loss, real_logits, fake_logits), (g_grads, d_grads) = (
                backend.losses_and_gradients(losses, [g_vars, d_vars])
            )
            d_finite = backend.agree(self._finite(d_loss))
            g_finite = backend.agree(self._finite(g_loss))
            # A non-finite loss leaves both networks untouched.
            finite = ops.logical_and(ok, ops.logical_and(d_finite, g_finite))
            backend.apply_if(
                finite,
                [
                    (self.g_optimizer, g_grads, g_vars),
                    (self.d_optimizer, d_grads, d_vars),
                ],
            )
        else:
            # Several critic updates per generator update (WGAN-GP's
            # n_critic), each checked on its own: those before a failing
            # one stay applied, none after it is.
            finite, d_finite = ok, ops.convert_to_tensor(True)
            for _ in range(self.d_steps):

                def d_losses():
                    fake = self._fake(self._noise(real), condition)
                    d_loss, real_logits, fake_logits = (
                        self._discriminator_objective(real, fake, condition)
                    )
                    scaled = (self._scaled(self.d_optimizer, d_loss, replicas),)
                    return scaled, (d_loss, real_logits, fake_logits)

                _, (d_loss, real_logits, fake_logits), (d_grads,) = (
                    backend.losses_and_gradients(d_losses, [d_vars])
                )
                this_finite = backend.agree(self._finite(d_loss))
                d_finite = ops.logical_and(d_finite, this_finite)
                finite = ops.logical_and(finite, this_finite)
                backend.apply_if(finite, [(self.d_optimizer, d_grads, d_vars)])

            def g_losses():
                fake = self._fake(self._noise(real), condition)
                g_loss = self.adversarial_loss.generator(
                    self._critic(self._augmented(fake), condition)
                )
                return (self._scaled(self.g_optimizer, g_loss, replicas),), g_loss

            _, g_loss, (g_grads,) = backend.losses_and_gradients(
                g_losses, [g_vars]
            )
            g_finite = backend.agree(self._finite(g_loss))
            finite = ops.logical_and(finite, g_finite)
            backend.apply_if(finite, [(self.g_optimizer, g_grads, g_vars)])

        self._update_ema(real, replicas, finite)
        ada_logs = self._update_ada(real_logits, replicas, finite)
        # Which loss failed first in this step (0: none, or an earlier
        # step already failed and keeps its own code).
        code = ops.where(
            ops.logical_not(d_finite), 2, ops.where(ops.logical_not(g_finite), 1, 0)
        )
        code = ops.where(ok, code, 0)
        return self._track(
            g_loss,
            d_loss,
            real_logits,
            fake_logits,
            ops.cast(code, "int32"),
            extra=ada_logs,
        )

    def _update_ema(self, real, replicas, finite=True):
        # After the generator's update (the step's stateful ops run in the
        # order written). Every replica holds the same weights after the
        # update, so each computes the same average; the batch counts all
        # replicas. A skipped (non-finite) step moves nothing.
        if self.ema_generator is None:
            return
        batch = ops.cast(ops.shape(real)[0], "float32") * replicas
        beta = ema_lib.ema_beta(
            batch, self.ema_images_seen, self.ema_kimg, self.ema_rampup
        )
        ema_lib.update_ema(self.ema_generator, self.generator, beta, active=finite)
        self.ema_images_seen.assign(
            self.ema_images_seen + ops.where(finite, batch, 0.0)
        )

    def test_step(self, *args):
        return _step.backend().run_test_step(self, self._test_step, args)

    def _test_step(self, data):
        if self.adversarial_loss is None:
            raise ValueError("Call `compile()` before `evaluate()`.")
        real, condition = self._unpack(data)
        noise = self._draw_noise(real, self.eval_seed_generator)
        fake = self._fake(noise, condition, training=False)
        real_logits = self._critic(real, condition, training=False)
        fake_logits = self._critic(fake, condition, training=False)
        d_loss = self.adversarial_loss.discriminator(real_logits, fake_logits)
        g_loss = self.adversarial_loss.generator(fake_logits)
        return self._track(g_loss, d_loss, real_logits, fake_logits)

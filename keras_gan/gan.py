"""`GAN`: a `keras.Model` that trains a generator and a discriminator with `fit`.

The class holds the networks, `compile`, the step and `generate`; its parts
live beside it: the fit guard (`_fit_guard`), the compile policy
(`_compile_policy`), the step's phases (`_phases`) and the critic's
regularisers (`_regularisers`), ADA's controller (`_ada`), the networks'
checks (`_networks`) and what is saved beyond Keras' defaults
(`_serialization`).
"""

import numpy as np

import keras
from keras import ops

from keras_gan import _ada
from keras_gan import _compile_policy
from keras_gan import _fit_guard
from keras_gan import _networks
from keras_gan import _phases
from keras_gan import _serialization
from keras_gan import _step
from keras_gan import augment as augment_lib
from keras_gan import ema as ema_lib
from keras_gan._fit_guard import NonFiniteLossError
from keras_gan._optimizer_pair import OptimizerPair
from keras_gan._regularisers import critic_regularisers
from keras_gan.sampling import latents
from keras_gan.sampling import run_generator

# `NonFiniteLossError` is importable from here, as before it moved; so is the
# first-batch check under its old name.
_check_first_batch = _fit_guard.check_first_batch
__all__ = ["GAN", "NonFiniteLossError"]


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
        _networks.check_network("generator", generator)
        _networks.check_network("discriminator", discriminator)
        latent_dim = _networks.latent_size(latent_dim, self._latent_input_shape(generator))
        _networks.check_image_shapes(generator, self._image_input_shape(discriminator))
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
        self._non_finite = _fit_guard.NonFinite()
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
        self.critic_regularisers = ()
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
        return _networks.static_shape(generator, "input_shape")

    def _image_input_shape(self, discriminator):
        return _networks.static_shape(discriminator, "input_shape")

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
        self.ema_kimg, self.ema_rampup = ema_lib.check_ema_settings(ema_kimg, ema_rampup)
        self.ema_generator = None
        if self.ema_kimg is None:
            # No EMA: no extra variables, the lecture's model exactly.
            return
        # Never trained, moved towards the generator after each update.
        # Tracked as an attribute, so `save_weights`, checkpoints and
        # `.keras` files hold it.
        self.ema_generator = ema_lib.ema_copy(self.generator)
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
        _compile_policy.check_call(args, kwargs)
        _step.backend()  # refuses a backend without a GAN step
        self.adversarial_loss, d_steps, gradient_penalty, r1_penalty = _compile_policy.check_loss(
            loss, d_steps, gradient_penalty, r1_penalty
        )
        ada = _compile_policy.check_ada(ada_target, ada_kimg, ada_interval)
        _ada.init_ada(self, augment, ada)
        self.d_steps = d_steps
        self.gradient_penalty = gradient_penalty
        self.r1_penalty = r1_penalty
        self.critic_regularisers = critic_regularisers(gradient_penalty, r1_penalty)
        self.g_optimizer, self.d_optimizer = _compile_policy.optimizers(
            self, g_optimizer, d_optimizer
        )
        self._compile_kwargs = _compile_policy.keras_kwargs(kwargs)
        kwargs["auto_scale_loss"] = False  # done per optimizer
        super().compile(
            optimizer=OptimizerPair(self.g_optimizer, self.d_optimizer),
            **kwargs,
        )

    def get_compile_config(self):
        return _compile_policy.compile_config(self)

    def compile_from_config(self, config):
        self.compile(**_compile_policy.compile_arguments(config))

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "ema_kimg": self.ema_kimg,
            "ema_rampup": self.ema_rampup,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**_serialization.networks_from_config(config, custom_objects))

    def save_own_variables(self, store):
        # Keras saves a layer's own variables but not its SeedGenerators'.
        super().save_own_variables(store)
        _serialization.save_seed_states(self, store)

    def load_own_variables(self, store):
        _serialization.load_own_variables(self, store)

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
                f"Expected `z` of shape (n, {self.latent_dim}). Received: z.shape={z.shape}"
            )
        if n is not None and n != len(z):
            raise ValueError(f"`n={n}` disagrees with `z`, which holds {len(z)} vectors.")
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
        self._epoch_tracker = _fit_guard.prepare_fit(args, kwargs)
        try:
            return super().fit(*args, **kwargs)
        finally:
            self._epoch_tracker = None

    def make_train_function(self, force=False):
        # Keras' train function, wrapped to stop `fit` on a non-finite loss.
        super().make_train_function(force)
        # Not every backend returns it: read it back.
        self.train_function = _fit_guard.guard_train_function(self, self.train_function)
        return self.train_function

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
        return _step.backend().noise(seed_generator, (ops.shape(real)[0], self.latent_dim))

    def _discriminator_objective(self, real, fake, condition):
        # The critic's loss and logits (a hook: tests wrap it).
        return _phases.critic_objective(self, real, fake, condition)

    def train_step(self, *args):
        # Keras calls `train_step(data)`, or on JAX `train_step(state,
        # data)`: the backend module runs the phases either way.
        return _step.backend().run_train_step(
            self, lambda data: _phases.train_step(self, data), args
        )

    def test_step(self, *args):
        return _step.backend().run_test_step(self, lambda data: _phases.test_step(self, data), args)

"""`ConditionalGAN`: a `GAN` whose networks also see the class label."""

import numbers

import numpy as np

import keras
from keras import ops

from keras_gan.gan import GAN

# The label helpers are `keras_gan.sampling`'s; importable from here too.
from keras_gan.sampling import label_index
from keras_gan.sampling import label_weights
from keras_gan.sampling import one_hot
from keras_gan.sampling import run_generator

__all__ = ["ConditionalGAN", "label_index", "label_weights", "one_hot"]


def _inputs_of(network, what, count):
    inputs = getattr(network, "inputs", None) or []
    if len(inputs) != count:
        raise ValueError(
            f"A ConditionalGAN's {what} takes {count} inputs "
            f"{'[z, labels]' if what == 'generator' else '[images, labels]'}"
            f" (e.g. `dcgan_{what}(num_classes=10)`). Received a model "
            f"with {len(inputs)} input(s)."
        )
    return inputs


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(GAN):
    """A GAN that generates the class it is asked for.

    The generator takes `[z, labels]` and the discriminator
    `[images, labels]`, labels one-hot of shape `(num_classes,)` (see
    `dcgan_generator(num_classes=...)`: the label joins the noise, and
    `dcgan_discriminator(num_classes=...)`: a projection discriminator).
    It trains with `fit` on `(images, labels)` pairs, labels as class
    indices (e.g. `load_dataset(..., labels=True)` or
    `keras.utils.image_dataset_from_directory` through `load_dataset`);
    each step's fakes are drawn for the real batch's labels, so the classes
    are learnt in the data's proportions. Everything else (losses,
    `d_steps`, the gradient penalty, EMA, saving, checkpoints, callbacks,
    `tf.distribute`) is `GAN`'s.

    Args:
        generator: a `keras.Model` from `[z, labels]` to images.
        discriminator: a `keras.Model` from `[images, labels]` to logits.
        num_classes: the number of classes. Defaults to the size of the
            generator's label input.
        class_names: one name per class (e.g. the folder names), usable in
            place of numbers in `generate(labels=...)`. Defaults to
            `("0", "1", ...)`.
        **kwargs: `GAN`'s arguments (`latent_dim`, `seed`, `ema_kimg`, ...).

    Raises:
        ValueError: if a network does not take two inputs, the label
            inputs disagree with `num_classes`, or `class_names` has the
            wrong length or repeats a name.

    Example:

    ```python
    from keras_gan import ConditionalGAN, load_dataset
    from keras_gan.models import dcgan_generator, dcgan_discriminator

    gan = ConditionalGAN(
        dcgan_generator(num_classes=10), dcgan_discriminator(num_classes=10)
    )
    gan.compile()
    gan.fit(load_dataset("mnist_sample", labels=True), epochs=5)
    sevens = gan.generate(8, labels=7)
    ```
    """

    def __init__(
        self,
        generator,
        discriminator,
        num_classes=None,
        class_names=None,
        **kwargs,
    ):
        g_labels = _inputs_of(generator, "generator", 2)[1].shape[-1]
        d_labels = _inputs_of(discriminator, "discriminator", 2)[1].shape[-1]
        if num_classes is None:
            num_classes = g_labels
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, numbers.Integral)
            or num_classes < 2
        ):
            raise ValueError(
                f"Expected `num_classes` to be an int >= 2. Received: num_classes={num_classes!r}"
            )
        if g_labels != num_classes or d_labels != num_classes:
            raise ValueError(
                f"`num_classes={num_classes}` disagrees with the label "
                f"inputs: the generator takes {g_labels} and the "
                f"discriminator {d_labels}."
            )
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = int(num_classes)
        if class_names is None:
            class_names = [str(i) for i in range(self.num_classes)]
        class_names = tuple(str(name) for name in class_names)
        folded = {name.lower() for name in class_names}
        if len(class_names) != self.num_classes or len(folded) != len(class_names):
            raise ValueError(
                f"Expected {self.num_classes} distinct class names. "
                f"Received: class_names={list(class_names)}"
            )
        self.class_names = class_names

    def _latent_input_shape(self, generator):
        return tuple(generator.inputs[0].shape)

    def _image_input_shape(self, discriminator):
        return tuple(discriminator.inputs[0].shape)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
        }

    def label_index(self, label):
        """The class number of a label: an int in range or a class name.

        Args:
            label: an int in `[0, num_classes)` or one of `class_names`
                (case-insensitive).

        Returns:
            The class number, an int.

        Raises:
            ValueError: for an unknown name or a number out of range,
                listing the classes.
        """
        return label_index(label, self.class_names)

    def label_weights(self, labels, n=None):
        """One row of class weights per image; see `label_weights`."""
        return label_weights(labels, self.class_names, n)

    def generate(self, n=None, z=None, seed=None, batch_size=256, ema=None, labels=None):
        """Generates images of the requested classes, in [-1, 1].

        Args:
            n: number of images. Defaults to 16, `len(z)` or `len(labels)`.
            z: latent vectors `(n, latent_dim)`. Defaults to fresh noise
                from `sample_noise(n, seed)`.
            seed: seed of the noise when `z` is not given.
            batch_size: images per generator call. Defaults to 256.
            ema: as for `GAN.generate`: `False` for the trained generator.
            labels: the classes, see `label_weights`: `None` (all classes
                in turn), an int or class name, a sequence of them, or
                class weights `(n, num_classes)`.

        Returns:
            A float32 NumPy array of shape `(n,) + image_shape`.

        Raises:
            ValueError: for unknown labels, shapes or counts that disagree,
                or `ema=True` without an EMA.

        Example:

        >>> sevens = gan.generate(8, labels=7, seed=0)
        >>> shoes = gan.generate(labels=["sneaker", "sandal"])
        """
        if n is None and z is not None:
            n = len(z)
        if (
            n is None
            and labels is not None
            and not isinstance(labels, (str, numbers.Integral, np.integer))
        ):
            n = len(labels)
        weights = self.label_weights(labels, n)
        z = self._latents(len(weights), z, seed)
        return run_generator(self._network(ema), [z, weights], batch_size)

    def call(self, inputs, training=False, ema=None):
        """Runs the sampling generator on `[z, labels]` (labels one-hot).

        As `GAN.call`: the EMA generator when the model keeps one, the
        trained one with `ema=False`.
        """
        return self._network(ema)(inputs, training=training)

    def _unpack(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is None:
            raise ValueError(
                "A ConditionalGAN trains on (images, labels) pairs. Received "
                "images without labels: use `load_dataset(..., labels=True)`."
            )
        if len(labels.shape) == 2 and labels.shape[-1] == self.num_classes:
            return self._check_images(images), ops.cast(labels, "float32")
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return self._check_images(images), ops.one_hot(labels, self.num_classes, dtype="float32")

    def _fake(self, noise, condition, training=True):
        return self.generator([noise, condition], training=training)

    def _critic(self, images, condition, training=True):
        return self.discriminator([images, condition], training=training)

"""Networks and a GAN with data-derived noise, for the tf.distribute tests.

No side effects on import: the scripts that use it configure devices first.
"""

import numpy as np

import keras
from keras import layers

from keras_gan import GAN
from keras_gan.models import dcgan_generator

# 8x8 images: the properties tested (gradient scaling across replicas,
# synchronised BatchNorm, per-replica noise) do not depend on image size, and
# the DCGAN still has its three BatchNorm layers at this size.
SHAPE = (8, 8, 1)


class FixedNoiseGAN(GAN):
    """Noise is a fixed function of each real image, so every sample gets the
    same noise whether its batch is split across replicas or not."""

    def _noise(self, real):
        flat = keras.ops.reshape(real, (keras.ops.shape(real)[0], -1))
        return flat[:, : self.latent_dim] * 3.0


def discriminator():
    """A small discriminator without dropout (masks would differ per set-up)."""
    images = keras.Input(SHAPE)
    x = layers.Conv2D(8, 5, strides=2, padding="same")(images)
    x = layers.LeakyReLU()(x)
    x = layers.Flatten()(x)
    return keras.Model(images, layers.Dense(1)(x))


def build(weights=None):
    """A FixedNoiseGAN with SGD (Adam's first step would hide a gradient scale)."""
    gan = FixedNoiseGAN(dcgan_generator(SHAPE, latent_dim=16), discriminator())
    gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05))
    if weights is not None:
        for v, w in zip(gan.generator.weights + gan.discriminator.weights, weights):
            v.assign(w)
    return gan


def snapshot(gan):
    """All weights of both networks as NumPy arrays."""
    return [
        np.array(keras.ops.convert_to_numpy(v))
        for v in gan.generator.weights + gan.discriminator.weights
    ]


def images(n=32):
    """Fixed random images in [-1, 1]."""
    return np.random.default_rng(0).uniform(-1, 1, (n, *SHAPE)).astype("float32")

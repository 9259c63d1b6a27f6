"""Network architectures."""

from keras_gan.models.dcgan import dcgan_discriminator
from keras_gan.models.dcgan import dcgan_generator

__all__ = ["dcgan_discriminator", "dcgan_generator"]

"""Network architectures."""

from keras_gan.models.dcgan import dcgan_discriminator
from keras_gan.models.dcgan import dcgan_generator
from keras_gan.models.resnet import residual_discriminator
from keras_gan.models.resnet import residual_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "residual_discriminator",
    "residual_generator",
]

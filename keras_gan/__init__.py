"""keras-gan: train, monitor, evaluate and reuse GANs with plain Keras 3.

The public names are loaded on first use, so `keras-gan --help` and
`import keras_gan.options` do not load TensorFlow.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "GAN": "keras_gan.gan",
    "ConditionalGAN": "keras_gan.conditional",
    "NonFiniteLossError": "keras_gan.gan",
    "evaluate_generator": "keras_gan.evaluation",
    "dcgan_generator": "keras_gan.models",
    "dcgan_discriminator": "keras_gan.models",
    "load_dataset": "keras_gan.data",
    "load_arrays": "keras_gan.data",
    "image_grid": "keras_gan.images",
    "save_grid": "keras_gan.images",
    "AdversarialLoss": "keras_gan.losses",
    "SpeedWarning": "keras_gan.hardware",
    "speed_warnings": "keras_gan.hardware",
}

__all__ = sorted(_EXPORTS) + ["losses", "models", "data", "options"]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in ("losses", "models", "data", "options", "metrics"):
        return importlib.import_module(f"keras_gan.{name}")
    raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")

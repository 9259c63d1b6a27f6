"""keras-gan: train, monitor, evaluate and reuse GANs with plain Keras 3.

The public names and submodules are loaded on first use, so `keras-gan
--help` and `import keras_gan.options` do not load TensorFlow. The classes
that `.keras` files name (`GAN`, `ConditionalGAN`) are registered with Keras
as soon as Keras is loaded, so after `import keras_gan`,
`keras.saving.load_model("gan.keras")` works as for any Keras model.
"""

import importlib
import pkgutil

from keras_gan import _moved
from keras_gan import _registration

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
    "export_generator": "keras_gan.export",
    "write_samples": "keras_gan.sample_folder",
}

# Every public submodule (`keras_gan.presets`, `keras_gan.saving`, ...) is an
# attribute of the package, imported on first access.
_SUBMODULES = frozenset(
    module.name for module in pkgutil.iter_modules(__path__) if not module.name.startswith("_")
)

__all__ = sorted(_EXPORTS) + ["data", "losses", "models", "options"]

_registration.register_when_keras_loads()
# The old paths of moved modules (keras_gan.metrics.extractors, ...).
_moved.install()


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_gan.{name}")
    raise AttributeError(f"module 'keras_gan' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)

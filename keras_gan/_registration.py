"""Registers keras-gan's saveable classes with Keras as soon as Keras loads.

`keras.saving.load_model("gan.keras")` finds a `GAN` only once its class is
registered, which happens when `keras_gan.gan` is imported. `import
keras_gan` must stay cheap (the CLI's `--help` would otherwise wait seconds
for TensorFlow), so it imports no model module itself. Instead:

- if Keras is already loaded (`import keras, keras_gan`), the model modules
  are imported at once;
- otherwise a one-shot import hook imports them right after `keras` itself
  finishes loading, whenever the user's code first imports it.

Either way, any code that can call `keras.saving.load_model` has the
classes registered.
"""

import importlib.abc
import importlib.util
import sys
import warnings


def register_serializables():
    """Imports every module whose classes Keras must find when loading.

    Each registers its classes with
    `@keras.saving.register_keras_serializable(package="keras_gan")`. The
    imports are inside this function so that `import keras_gan` loads no
    Keras; they are ordinary imports, so the import layers in
    `pyproject.toml` see them (this module sits above the models).

    Returns:
        The imported modules.
    """
    from keras_gan import _optimizer_pair
    from keras_gan import conditional
    from keras_gan import gan
    from keras_gan.models import spectral_norm

    return [_optimizer_pair, gan, conditional, spectral_norm]


def _register_quietly():
    # Run from inside `import keras`: a failure here must not break the
    # user's import of Keras, so it warns instead (loading a GAN then fails
    # with Keras' own "Could not locate class" message).
    try:
        register_serializables()
    except Exception as error:  # noqa: BLE001 - reported, not swallowed
        warnings.warn(
            "keras-gan could not register its classes with Keras "
            f"({type(error).__name__}: {error}); `keras.saving.load_model` "
            "will need `import keras_gan.gan` first.",
            stacklevel=2,
        )


class _LoaderThenRegister(importlib.abc.Loader):
    """Keras' own loader, followed by the registration."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _register_quietly()

    def __getattr__(self, name):
        # Everything else (resource readers, `is_package`, ...) is Keras'.
        return getattr(self._loader, name)


class _AfterKerasFinder(importlib.abc.MetaPathFinder):
    """Finds `keras` with the other finders and wraps its loader, once."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        uninstall()
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _LoaderThenRegister(spec.loader)
        return spec


_FINDER = _AfterKerasFinder()


def uninstall():
    """Removes the import hook if it is still waiting for Keras."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def register_when_keras_loads():
    """Registers the classes now if Keras is loaded, else once it loads."""
    if "keras" in sys.modules:
        register_serializables()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)

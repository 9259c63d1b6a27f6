"""Registers keras-gan's saveable classes with Keras as soon as Keras loads.

`keras.saving.load_model("gan.keras")` finds a `GAN` only once its class is
registered, which happens when `keras_gan.gan` is imported. `import
keras_gan` must stay cheap (the CLI's `--help` would otherwise wait seconds
for TensorFlow), so it imports no model module itself. Instead:

- if Keras is already loaded (`import keras, keras_gan`), the model modules
  are imported at once;
- otherwise a one-shot import hook imports them right after `keras` itself
  finishes loading, whenever the user's code first imports it.

When `keras` is first imported by one of keras-gan's own modules (`from
keras_gan import GAN` before `import keras`), that module is still half
done when Keras finishes loading, so the registration waits until every
keras-gan module being imported has finished: the hook also wraps the
loaders of keras-gan's modules imported while it waits. Either way, any
code that can call `keras.saving.load_model` has the classes registered.
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


def _half_imported(finished):
    # keras-gan modules whose own import is still running, besides
    # `finished` (whose code has just run) and the package itself (whose
    # `__init__` imports no Keras): Python marks their spec `_initializing`.
    return [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("keras_gan.")
        and name != finished
        and getattr(getattr(module, "__spec__", None), "_initializing", False)
    ]


def _after_import(finished):
    # After `keras` or a keras-gan module has been executed: register once
    # Keras is loaded and no keras-gan module is half done.
    if "keras" not in sys.modules or _half_imported(finished):
        return
    uninstall()
    try:
        register_serializables()
    except Exception as error:  # noqa: BLE001 - reported, not swallowed
        # Run from inside an import: a failure must not break the user's
        # import, so it warns (loading a GAN then fails with Keras' own
        # "Could not locate class" message).
        warnings.warn(
            "keras-gan could not register its classes with Keras "
            f"({type(error).__name__}: {error}); `keras.saving.load_model` "
            "will need `import keras_gan.gan` first.",
            stacklevel=2,
        )


class _LoaderThen(importlib.abc.Loader):
    """A module's own loader, then `_after_import(its name)`."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _after_import(module.__name__)

    def __getattr__(self, name):
        # Everything else (resource readers, `is_package`, ...) is the
        # module's own loader's.
        return getattr(self._loader, name)


class _RegistrationHook(importlib.abc.MetaPathFinder):
    """Finds `keras` and keras-gan's modules with the other finders, and wraps their loaders."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras_gan."):
            return None
        for finder in list(sys.meta_path):
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _LoaderThen(spec.loader)
                return spec
        return None


_FINDER = _RegistrationHook()


def uninstall():
    """Removes the import hook if it is still waiting."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def register_when_keras_loads():
    """Registers the classes now if Keras is loaded, else once it loads."""
    if "keras" in sys.modules:
        register_serializables()
    elif _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)

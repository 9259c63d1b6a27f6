"""Module paths that moved, kept working with a DeprecationWarning.

`keras_gan.metrics` is pure NumPy maths at the bottom of the layers; the
feature extractors and the reference statistics moved up to
`keras_gan.evaluation`. Their old paths are answered here, in the top
layer, by an import hook that `import keras_gan` installs, so no module of
`metrics` imports upwards:

- `keras_gan.metrics.extractors` and `keras_gan.metrics.reference` are
  modules that find every name of their new home, each with a warning;
- a submodule under an old path (`keras_gan.metrics.extractors.classifier`)
  is the new module itself, with a warning: one module under both names,
  so patching the old one reaches the code in use.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

# Old path -> new path. Submodules of an old path follow it.
MOVED = {
    "keras_gan.metrics.extractors": "keras_gan.evaluation.extractors",
    "keras_gan.metrics.reference": "keras_gan.evaluation.reference",
}


def _forwarder(old, new):
    # A module `__getattr__` that finds `old`'s names in module `new`.
    def __getattr__(name):
        value = getattr(new, name)  # AttributeError names `new`'s module.
        warnings.warn(
            f"`{old}.{name}` is deprecated: use `{new.__name__}.{name}`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    return __getattr__


class _AliasLoader(importlib.abc.Loader):
    """Makes an old path a forwarding module, or its submodule the new one."""

    def __init__(self, new, forward):
        self._new = new
        self._forward = forward

    def create_module(self, spec):
        new = importlib.import_module(self._new)
        if not self._forward:
            warnings.warn(
                f"`{spec.name}` is deprecated: use `{self._new}`.",
                DeprecationWarning,
                stacklevel=2,
            )
            return new
        module = types.ModuleType(spec.name, f"Deprecated: moved to `{self._new}`.")
        module.__getattr__ = _forwarder(spec.name, new)
        return module

    def exec_module(self, module):
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Answers the old paths of `MOVED` and their submodules."""

    def find_spec(self, fullname, path=None, target=None):
        for old, new in MOVED.items():
            if fullname == old:
                # A package, so that its old submodules can be imported.
                return importlib.machinery.ModuleSpec(
                    fullname, _AliasLoader(new, forward=True), is_package=True
                )
            if fullname.startswith(old + "."):
                return importlib.machinery.ModuleSpec(
                    fullname, _AliasLoader(new + fullname[len(old) :], forward=False)
                )
        return None


_FINDER = _AliasFinder()


def install():
    """Installs the hook that answers the old paths (once)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)

"""The old paths of what moved to `keras_gan.evaluation`, with a warning.

`keras_gan.metrics.extractors` and `keras_gan.metrics.reference` are kept
as deprecated aliases of `keras_gan.evaluation.extractors` and
`keras_gan.evaluation.reference`. This module holds no import of its own:
the alias modules import their new home (the only imports from `metrics` up
to `evaluation`, listed in pyproject.toml's `ignore_imports`) and hand it
here.
"""

import sys
import warnings


def forwarder(old, new):
    """A module `__getattr__` that finds `old`'s names in module `new`.

    Args:
        old: the deprecated module's name, e.g. `"keras_gan.metrics.reference"`.
        new: the module that now holds its names.

    Returns:
        A function for the deprecated module's `__getattr__`: it returns
        `new`'s attribute with a DeprecationWarning.
    """

    def __getattr__(name):
        value = getattr(new, name)  # AttributeError names `new`'s module.
        warnings.warn(
            f"`{old}.{name}` is deprecated: use `{new.__name__}.{name}`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    return __getattr__


def replace_module(old, new):
    """Makes the module `old` the module `new` (one module, not a copy).

    Used by an alias submodule, so that patching or reading its attributes
    reaches the module that is actually used.

    Args:
        old: the deprecated module's name.
        new: the module that replaces it.
    """
    warnings.warn(
        f"`{old}` is deprecated: use `{new.__name__}`.",
        DeprecationWarning,
        stacklevel=3,
    )
    sys.modules[old] = new

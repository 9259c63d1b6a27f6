"""Old submodule paths of `callbacks`, kept working with a DeprecationWarning.

The callbacks moved into `keras_gan.callbacks` and the checkpoint format into
`keras_gan.checkpoints`; `from callbacks import SampleGrid` is unchanged.
"""

import importlib
import warnings


def forwarder(old, new, renames=None):
    """A module `__getattr__` that finds `old`'s names in their new modules.

    Args:
        old: the deprecated module's name, e.g. `"callbacks.sample_grid"`.
        new: the modules that now hold its names, searched in order.
        renames: `{old_name: (module, new_name)}` for names that changed.

    Returns:
        A function for the deprecated module's `__getattr__`.
    """
    renames = renames or {}

    def __getattr__(name):
        module, target = renames.get(name, (None, name))
        candidates = [module] if module else new
        for candidate in candidates:
            value = getattr(importlib.import_module(candidate), target, None)
            if value is not None:
                warnings.warn(
                    f"`{old}.{name}` is deprecated: use `{candidate}.{target}` "
                    "(or `from callbacks import ...` for the callbacks).",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return value
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    return __getattr__

"""Named training presets: one definition for Python and the CLI.

A preset is a named set of option overrides (`keras_gan.options.PRESETS`,
defined there with every other option, so that resolving options needs no
model code). This module holds the presets as `Preset` objects; turning
resolved options into a model is `keras_gan.build`'s job, which
`Preset.build` calls. `keras-gan train --preset NAME` and
`keras_gan.presets.get(NAME).build(...)` build the same model from the
same definition. `networks`, `gan_kwargs`, `jit_compile`, `compile_kwargs`
and `build_gan` stay importable from here (they moved to `keras_gan.build`).

This module does not import Keras at module level, so the CLI's `--help`
can list the presets without loading TensorFlow.

Example:

```python
from keras_gan import load_dataset, presets

preset = presets.get("dcgan")
gan = preset.build(image_shape=(28, 28, 1), seed=0)
gan.fit(load_dataset("mnist", batch_size=256), epochs=5)
```
"""

import dataclasses
import types

from keras_gan import build as build_lib
from keras_gan import options as options_lib

# Moved to `keras_gan.build`; kept here for code that imports them from
# `presets` (docs/cli.md names `presets.jit_compile`).
from keras_gan.build import build_gan  # noqa: F401
from keras_gan.build import compile_kwargs  # noqa: F401
from keras_gan.build import gan_kwargs  # noqa: F401
from keras_gan.build import jit_compile  # noqa: F401
from keras_gan.build import networks  # noqa: F401


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named set of option overrides and the model they build.

    Args:
        name: the preset's name (`keras-gan train --preset NAME`).
        overrides: option values applied over `keras_gan.options.DEFAULTS`
            (read-only).
        description: one line for `--help` and the README.
    """

    name: str
    overrides: types.MappingProxyType
    description: str

    def options(self, **overrides):
        """Returns the resolved options of this preset with `overrides`.

        Args:
            **overrides: option values (e.g. `epochs=5`); `None` keeps the
                preset's value.

        Returns:
            A dict of every option, validated, with `"preset"` set to this
            preset's name.

        Raises:
            ValueError: for an unknown option or an invalid value.
        """
        return options_lib.resolve(overrides, preset=self.name)

    def build(self, image_shape=(28, 28, 1), class_names=None, **overrides):
        """Builds and compiles this preset's `GAN` for an image shape.

        Args:
            image_shape: `(height, width, channels)` of the training
                images. Defaults to `(28, 28, 1)` (MNIST).
            class_names: with `conditional=True`, the names of the classes
                (see `keras_gan.data.class_names`). Defaults to `None`.
            **overrides: option values, as for `options()` (e.g. `seed=0`,
                `ema_kimg=10`, `conditional=True`).

        Returns:
            A compiled `keras_gan.GAN` (a `ConditionalGAN` with
            `conditional=True`).

        Raises:
            ValueError: for invalid options, an image shape the DCGAN
                cannot build, or `conditional=True` without class names.
        """
        return build_lib.build_gan(self.options(**overrides), image_shape, class_names)


def _preset(name, description, **overrides):
    return Preset(name, types.MappingProxyType(overrides), description)


PRESETS = {
    name: _preset(name, description, **overrides)
    for name, (description, overrides) in options_lib.PRESET_TABLE.items()
}

DEFAULT_PRESET = options_lib.DEFAULT_PRESET


def get(name):
    """Returns the preset called `name`.

    Args:
        name: a key of `PRESETS` (`"lecture"`, `"dcgan"`, `"quality"`).

    Returns:
        A `Preset`.

    Raises:
        ValueError: for an unknown name.

    Example:

    >>> get("dcgan").overrides["beta1"]
    0.5
    """
    return PRESETS[options_lib.check_preset(name)]

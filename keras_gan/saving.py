"""Safe loading of `.keras` files: no code from a file ever runs.

Every model keras-gan loads goes through `load_model` here, with Keras'
`safe_mode=True`: a file holding a `Lambda` layer (pickled Python bytecode)
or a class nobody registered is refused with a clear message. Checkpoints are
HDF5 weights and JSON (see `keras_gan.checkpoints`); NumPy files are read with
`allow_pickle=False`. Nothing in keras-gan unpickles.
"""

import os

import numpy as np

import keras

from keras_gan.sampling import label_weights
from keras_gan.sampling import latents
from keras_gan.sampling import run_generator


def load_model(path, expect=None, compile=True):
    """Loads a `.keras` file with `safe_mode=True`.

    Args:
        path: a `.keras` file.
        expect: an optional class the loaded object must be an instance of
            (e.g. `keras_gan.GAN`). Defaults to `None`.
        compile: restore the compile state (optimizers). Defaults to True.

    Returns:
        The loaded model.

    Raises:
        ValueError: if the file is missing or not a `.keras` file, holds a
            `Lambda` layer or another object that could run code, names a
            class that is not registered, or is not an `expect` instance.

    Example:

    >>> generator = load_model("logs/run/generator.keras")
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(
            f"Expected a '.keras' file. Received: {path!r} (HDF5 and "
            "SavedModel files are not loaded)."
        )
    if not os.path.isfile(path):
        raise ValueError(f"No model file at {path!r}.")
    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=compile)
    except (ValueError, TypeError) as err:
        text = str(err)
        if "safe_mode" in text or "Lambda" in text or "lambda" in text:
            raise ValueError(
                f"Refusing to load {path!r}: it holds a Lambda layer or other "
                "serialized Python code, which could run arbitrary code. "
                "keras-gan loads models with safe_mode=True only; rebuild the "
                "model without Lambda layers."
            ) from err
        if "Could not locate" in text or "Unknown" in text or "not found" in text:
            raise ValueError(
                f"Refusing to load {path!r}: it names a custom class that is "
                f"not registered ({text.splitlines()[0][:200]}). Import the "
                "module that registers it with "
                "@keras.saving.register_keras_serializable first."
            ) from err
        raise ValueError(f"Could not load {path!r}: {text[:500]}") from err
    if expect is not None and not isinstance(model, expect):
        raise ValueError(
            f"Expected {path!r} to hold a {expect.__name__}. Received a {type(model).__name__}."
        )
    return model


def portable_optimizer_config(config):
    """Makes a serialised optimizer load as the current backend's own.

    Keras' PyTorch backend swaps `keras.optimizers.Adam` (and SGD, RMSprop,
    ...) for subclasses in `keras.src.backend.torch.optimizers`, and a
    `.keras` file saved there names that module. Loaded under TensorFlow or
    JAX, the PyTorch class would be imported and fail in the first step
    (or the file would not load without PyTorch installed). Such an entry
    is rewritten to the public `keras.optimizers` class of the same name,
    which each backend builds as its own, also inside a wrapper's config
    (`LossScaleOptimizer`'s inner optimizer).

    Args:
        config: an optimizer's serialised config, as
            `keras.saving.serialize_keras_object` returns it.

    Returns:
        The config, with backend-specific optimizer classes replaced by
        their public ones; other entries unchanged.

    Example:

    >>> config = keras.saving.serialize_keras_object(keras.optimizers.Adam())
    >>> optimizer = keras.saving.deserialize_keras_object(
    ...     portable_optimizer_config(config))
    """
    if isinstance(config, list):
        return [portable_optimizer_config(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: portable_optimizer_config(value) for key, value in config.items()}
    module = config.get("module")
    name = config.get("class_name")
    if (
        isinstance(module, str)
        and module.startswith("keras.src.backend.")
        and isinstance(getattr(keras.optimizers, str(name), None), type)
    ):
        config["module"] = "keras.optimizers"
        config["registered_name"] = None
    return config


def load_generator(path):
    """Loads a generator saved as `.keras`, checking it maps vectors to images.

    Args:
        path: a `.keras` file, e.g. a run's `generator.keras`.

    Returns:
        A `keras.Model` from `(latent_dim,)` vectors to images; for a
        conditional run, from `[z, labels]` (labels one-hot).

    Raises:
        ValueError: as `load_model`, or if the model's input is not a batch
            of vectors (and labels) or its output not a batch of images.
    """
    model = load_model(path, expect=keras.Model, compile=False)
    return check_generator(model, repr(path))


def check_generator(model, name="the model"):
    """Checks that a model maps vectors (and labels) to images.

    Args:
        model: a `keras.Model`.
        name: how error messages name it. Defaults to `"the model"`.

    Returns:
        The model.

    Raises:
        ValueError: if the model's input is not a batch of vectors (and
            labels) or its output not a batch of images.

    Example:

    >>> generator = check_generator(keras_gan.dcgan_generator())
    """
    inputs = [tuple(x.shape) for x in getattr(model, "inputs", None) or []]
    try:
        out_shape = model.output_shape
    except (AttributeError, ValueError, RuntimeError):
        out_shape = None
    if not (
        len(inputs) in (1, 2)
        and all(len(shape) == 2 for shape in inputs)
        and isinstance(out_shape, tuple)
        and len(out_shape) == 4
    ):
        raise ValueError(
            f"Expected {name} to hold a generator from (batch, latent_dim) "
            "(and (batch, num_classes) labels) to (batch, height, width, "
            f"channels). Received inputs {inputs}, output {out_shape}."
        )
    return model


class GeneratorSampler:
    """The GAN protocol over a saved generator, without its GAN.

    Offers `generator`, `latent_dim` and `generate()` (and, for a
    conditional generator, `num_classes`, `class_names` and
    `generate(labels=...)`), so a generator loaded from a run's
    `generator.keras` works with `evaluate_generator`, the sample grid's
    layout and the interpolation helpers.

    Args:
        generator: a generator from `load_generator`.
        class_names: a conditional generator's class names (a run's
            `class_names.json`). Defaults to numbered names.

    Raises:
        ValueError: for class names of the wrong count.

    Example:

    >>> sampler = GeneratorSampler(load_generator("logs/run/generator.keras"))
    >>> images = sampler.generate(16, seed=0)
    """

    def __init__(self, generator, class_names=None):
        self.generator = generator
        inputs = generator.inputs
        self.latent_dim = int(inputs[0].shape[-1])
        self.num_classes = int(inputs[1].shape[-1]) if len(inputs) == 2 else None
        if self.num_classes is None:
            self.class_names = None
            return
        if class_names is None:
            class_names = [str(k) for k in range(self.num_classes)]
        if len(class_names) != self.num_classes:
            raise ValueError(
                f"Expected {self.num_classes} class names for this "
                f"generator. Received {len(class_names)}: {list(class_names)}"
            )
        self.class_names = tuple(class_names)

    def generate(self, n=None, z=None, seed=None, labels=None, batch_size=500):
        """Generates images in [-1, 1] in inference mode.

        Args:
            n: number of images. Defaults to 16, `len(z)` or `len(labels)`.
            z: latent vectors `(n, latent_dim)`. Defaults to standard
                normal noise drawn with NumPy from `seed`.
            seed: seed of the noise. Defaults to `None`.
            labels: a conditional generator's classes (see
                `keras_gan.sampling.label_weights`). Defaults to every
                class in turn.
            batch_size: images per generator call. Defaults to 500.

        Returns:
            A float32 array `(n, height, width, channels)`.

        Raises:
            ValueError: for `labels` with an unconditional generator, or
                shapes and counts that disagree.
        """
        if self.num_classes is None and labels is not None:
            raise ValueError(
                "This generator is not conditional: it takes no labels. "
                f"Received: labels={labels!r}"
            )
        if n is None and z is not None:
            n = len(z)
        if z is None:
            if n is None and labels is not None and not np.isscalar(labels):
                n = len(labels)
            n = 16 if n is None else n
            z = latents(n, self.latent_dim, seed)
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim or len(z) != n:
            raise ValueError(
                f"Expected {n} latent vectors of size {self.latent_dim}. "
                f"Received z of shape {z.shape}."
            )
        inputs = [z]
        if self.num_classes is not None:
            inputs.append(label_weights(labels, self.class_names, len(z)))
        return run_generator(self.generator, inputs, batch_size)

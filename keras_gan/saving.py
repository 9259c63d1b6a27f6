"""Safe loading of `.keras` files: no code from a file ever runs.

Every model keras-gan loads goes through `load_model` here, with Keras'
`safe_mode=True`: a file holding a `Lambda` layer (pickled Python bytecode)
or a class nobody registered is refused with a clear message. Checkpoints are
HDF5 weights and JSON (see `callbacks.checkpoint`); NumPy files are read with
`allow_pickle=False`. Nothing in keras-gan unpickles.
"""

import os

import keras


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
            f"Expected {path!r} to hold a {expect.__name__}. Received a "
            f"{type(model).__name__}."
        )
    return model


def load_generator(path):
    """Loads a generator saved as `.keras`, checking it maps vectors to images.

    Args:
        path: a `.keras` file, e.g. a run's `generator.keras`.

    Returns:
        A `keras.Model` from `(latent_dim,)` vectors to images.

    Raises:
        ValueError: as `load_model`, or if the model's input is not a batch
            of vectors or its output not a batch of images.
    """
    model = load_model(path, expect=keras.Model, compile=False)
    in_shape, out_shape = model.input_shape, model.output_shape
    if not (
        isinstance(in_shape, tuple)
        and len(in_shape) == 2
        and isinstance(out_shape, tuple)
        and len(out_shape) == 4
    ):
        raise ValueError(
            f"Expected {path!r} to hold a generator from (batch, latent_dim) to "
            f"(batch, height, width, channels). Received input {in_shape}, "
            f"output {out_shape}."
        )
    return model

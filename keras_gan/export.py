"""Export a generator to SavedModel, ONNX or TFLite, to run without Keras.

The exported artefact holds the generator that samples (a run's
`generator.keras`, which is the EMA generator when the run keeps one), in
inference mode, with named inputs and output:

- `noise`: float32 `(batch, latent_dim)`, standard normal noise;
- `class_weights` (conditional generators only): float32
  `(batch, num_classes)`, one-hot rows (or a mixture of classes);
- `images`: `(batch, height, width, channels)`, float32 in [-1, 1]
  (`pixels="signed"`) or uint8 in [0, 255] (`pixels="uint8"`, rounded as
  `keras_gan.images.to_uint8` rounds).

The batch size is free. Keras' own exporter writes each format
(`keras.Model.export`: `tf_saved_model`, `onnx` through tf2onnx, `litert`
through the TensorFlow Lite converter); nothing here converts by hand.
Exporting runs on the TensorFlow backend: a `.keras` generator trained
on JAX or PyTorch loads there (`keras-gan export` selects TensorFlow
itself). ONNX needs the `export` extra (`pip install "keras-gan[export]"`,
which also installs onnxruntime and the LiteRT interpreter to run the
files); SavedModel and TFLite files are written by TensorFlow alone.
"""

import importlib
import os
import warnings

from keras_gan.files import atomic_directory
from keras_gan.files import atomic_path
from keras_gan.run import EXPORT_DIR  # noqa: F401 (read from here before)
from keras_gan.run import GENERATOR_FILES
from keras_gan.run import RunDirectory

FORMATS = ("savedmodel", "onnx", "tflite")
PIXELS = ("signed", "uint8")
NOISE_INPUT = "noise"
CLASS_INPUT = "class_weights"
IMAGES_OUTPUT = "images"
# Keras' names for the formats (`keras.Model.export(format=...)`).
_KERAS_FORMATS = {"savedmodel": "tf_saved_model", "onnx": "onnx", "tflite": "litert"}
_SUFFIXES = {"savedmodel": "", "onnx": ".onnx", "tflite": ".tflite"}
# The packages each format's exporter imports beyond TensorFlow.
_PACKAGES = {"savedmodel": (), "onnx": ("tf2onnx", "onnx"), "tflite": ()}
_INSTALL = 'pip install "keras-gan[export]" (or, from a checkout, pip install -e ".[export]")'


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"Expected `{name}` in {list(choices)}. Received: {value!r}")


def check_export_packages(format):
    """Checks that the packages a format's exporter needs are installed.

    Args:
        format: `"savedmodel"`, `"onnx"` or `"tflite"`.

    Raises:
        ValueError: for an unknown format.
        ImportError: naming the missing packages and the `export` extra.

    Example:

    >>> check_export_packages("savedmodel")
    """
    _check_choice("format", format, FORMATS)
    missing = []
    for package in _PACKAGES[format]:
        try:
            importlib.import_module(package)
        except ImportError:
            missing.append(package)
    if missing:
        raise ImportError(
            f"Exporting to {format} needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: {_INSTALL}."
        )


def default_export_path(run_dir, format, generator="last", pixels="signed"):
    """Where `keras-gan export` writes a run's export by default.

    `RUN_DIR/export/generator.onnx`, `generator.tflite` or the folder
    `generator_savedmodel`; `generator_best...` for the best generator,
    and `..._uint8` for uint8 pixels.

    Args:
        run_dir: the run directory.
        format: `"savedmodel"`, `"onnx"` or `"tflite"`.
        generator: `"last"` or `"best"`. Defaults to `"last"`.
        pixels: `"signed"` or `"uint8"`. Defaults to `"signed"`.

    Returns:
        The path.

    Raises:
        ValueError: for an unknown format, generator or pixels.

    Example:

    >>> default_export_path("logs/run", "onnx")
    'logs/run/export/generator.onnx'
    """
    _check_choice("format", format, FORMATS)
    _check_choice("generator", generator, tuple(GENERATOR_FILES))
    _check_choice("pixels", pixels, PIXELS)
    stem = "generator" if generator == "last" else "generator_best"
    if pixels == "uint8":
        stem += "_uint8"
    name = stem + (_SUFFIXES[format] or "_savedmodel")
    return os.path.join(RunDirectory(run_dir).export_dir, name)


def _generator_file(run_dir, generator):
    _check_choice("generator", generator, tuple(GENERATOR_FILES))
    return RunDirectory(run_dir).generator_path(generator, purpose="export")


def resolve_generator(source, generator="last"):
    """The generator a source samples from, as a `keras.Model`.

    Args:
        source: a run directory, a `.keras` generator file, a GAN (its
            EMA generator when it keeps one), any object with a
            `generator` attribute (e.g. `GeneratorSampler`), or a
            generator `keras.Model`.
        generator: for a run directory, `"last"` (`generator.keras`) or
            `"best"` (`generator_best.keras`). Defaults to `"last"`.

    Returns:
        A `keras.Model` from `z` (and one-hot labels) to images.

    Raises:
        ValueError: for a run without that generator, a file that is not
            a generator, or a model that does not map vectors to images.

    Example:

    >>> model = resolve_generator("logs/run")
    """
    import keras

    from keras_gan.saving import check_generator
    from keras_gan.saving import load_generator

    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if os.path.isdir(path):
            path = _generator_file(path, generator)
        return load_generator(path)
    model = getattr(source, "sampling_generator", None)
    if model is None:
        model = getattr(source, "generator", None)
    if model is None and isinstance(source, keras.Model):
        model = source
    if not isinstance(model, keras.Model):
        raise ValueError(
            "Expected a run directory, a .keras generator file, a GAN or a "
            f"generator keras.Model. Received: {type(source).__name__}"
        )
    return check_generator(model, getattr(model, "name", "the model"))


def serving_model(generator, pixels="signed"):
    """Wraps a generator with named inputs and output for export.

    Args:
        generator: a generator `keras.Model` from `z` (and one-hot labels)
            to images in [-1, 1].
        pixels: `"signed"` for float32 images in [-1, 1], `"uint8"` for
            uint8 pixels in [0, 255] (`(x + 1) * 127.5`, rounded half to
            even and clipped, as `keras_gan.images.to_uint8`). Defaults to
            `"signed"`.

    Returns:
        A functional `keras.Model` from a dict `{"noise": ...}` (and
        `"class_weights"` for a conditional generator) to a dict
        `{"images": ...}`, calling the generator in inference mode.

    Raises:
        ValueError: for an unknown `pixels`, or a model that does not map
            vectors to images.

    Example:

    >>> model = serving_model(keras_gan.dcgan_generator(), pixels="uint8")
    >>> model.export("generator_savedmodel")
    """
    import keras
    from keras import ops

    from keras_gan.saving import check_generator

    _check_choice("pixels", pixels, PIXELS)
    check_generator(generator, getattr(generator, "name", "the model"))
    inputs = {NOISE_INPUT: keras.Input((int(generator.inputs[0].shape[-1]),), name=NOISE_INPUT)}
    if len(generator.inputs) == 2:
        inputs[CLASS_INPUT] = keras.Input((int(generator.inputs[1].shape[-1]),), name=CLASS_INPUT)
        images = generator([inputs[NOISE_INPUT], inputs[CLASS_INPUT]], training=False)
    else:
        images = generator(inputs[NOISE_INPUT], training=False)
    if pixels == "uint8":
        images = ops.cast(ops.clip(ops.round((images + 1.0) * 127.5), 0, 255), "uint8")
    images = keras.layers.Identity(name=IMAGES_OUTPUT)(images)
    return keras.Model(inputs, {IMAGES_OUTPUT: images}, name=f"{generator.name}_serving")


def export_generator(source, path=None, format="savedmodel", pixels="signed", generator="last"):
    """Exports a generator to a SavedModel folder, an ONNX or a TFLite file.

    Inputs `noise` (and `class_weights` for a conditional generator),
    output `images`, any batch size (see the module's docstring). The file
    is written under a temporary name and renamed when complete: a failed
    export leaves nothing behind (an existing export at `path` is
    replaced only by a complete new one).

    Args:
        source: a run directory, a `.keras` generator file, a GAN (its
            EMA generator when it keeps one) or a generator `keras.Model`
            (see `resolve_generator`).
        path: where to write: a folder for `"savedmodel"`, a `.onnx` or
            `.tflite` file. Defaults to `default_export_path` for a run
            directory; required otherwise.
        format: `"savedmodel"`, `"onnx"` or `"tflite"`. Defaults to
            `"savedmodel"`.
        pixels: `"signed"` (float32 in [-1, 1]) or `"uint8"` ([0, 255]).
            Defaults to `"signed"`.
        generator: for a run directory, `"last"` or `"best"`. Defaults to
            `"last"`.

    Returns:
        The path written.

    Raises:
        ValueError: for an unknown format, pixels or generator, a path
            with the wrong suffix, a source without a generator, or a
            Keras backend other than TensorFlow.
        ImportError: if the format's exporter is not installed (the
            message names the `export` extra).

    Example:

    >>> export_generator("logs/run", format="onnx")
    'logs/run/export/generator.onnx'
    """
    _check_choice("format", format, FORMATS)
    _check_choice("pixels", pixels, PIXELS)
    _check_choice("generator", generator, tuple(GENERATOR_FILES))
    is_run = isinstance(source, (str, os.PathLike)) and os.path.isdir(source)
    if path is None:
        if not is_run:
            raise ValueError(
                "Expected a `path` to export to (only a run directory has a "
                f"default). Received: source={source!r}, path=None"
            )
        path = default_export_path(source, format, generator, pixels)
    path = os.fspath(path)
    suffix = _SUFFIXES[format]
    if suffix and not path.endswith(suffix):
        raise ValueError(
            f"Expected a path ending in {suffix!r} for format {format!r}. Received: {path!r}"
        )
    if not suffix and path.endswith((".onnx", ".tflite", ".keras")):
        raise ValueError(
            "Expected a folder path for format 'savedmodel' (a SavedModel "
            f"is a folder). Received: {path!r}"
        )
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            "Exporting runs on the TensorFlow backend. Received: Keras "
            f"backend {keras.backend.backend()!r}. Save the generator as "
            ".keras and export it in a process started with "
            "KERAS_BACKEND=tensorflow (`keras-gan export` does so itself)."
        )
    check_export_packages(format)
    model = serving_model(resolve_generator(source, generator), pixels)
    parent = os.path.dirname(os.path.abspath(path))
    made_parent = not os.path.isdir(parent)
    try:
        if format == "savedmodel":
            with atomic_directory(path) as tmp:
                _keras_export(model, tmp, format)
        else:
            with atomic_path(path) as tmp:
                _keras_export(model, tmp, format)
    except BaseException:
        if made_parent and os.path.isdir(parent) and not os.listdir(parent):
            os.rmdir(parent)
        raise
    return path


def _keras_export(model, path, format):
    import numpy as np

    # Keras' ONNX exporter refuses a model that has never been called.
    model({x.name: np.zeros((1, *x.shape[1:]), np.float32) for x in model.inputs})
    with warnings.catch_warnings():
        # Keras' tf2onnx patch for NumPy 2 probes `np.object`; TensorFlow
        # warns about its own deprecations while converting.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model.export(path, format=_KERAS_FORMATS[format], verbose=False)

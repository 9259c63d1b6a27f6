"""Training options: defined once, shared by the library and the CLI.

`DEFAULTS` reproduces the lecture (MNIST, batch 256, noise 100, Adam(1e-4)
for each network, 30 epochs, a 4x4 sample grid, no EMA). `PRESETS` are named
overrides of them (`keras_gan.presets` turns them into models). `resolve()`
merges defaults, a preset and explicit values, and validates them; the CLI
writes its result, with the preset's name, to `training_options.json`.
"""

import dataclasses
import json
import os
import sys

from keras_gan import run as run_lib
from keras_gan._backends import BACKENDS

# The run directory's file names, defined in `keras_gan.run` (which owns
# them); kept here, where they were first defined, for code that reads
# them from `options`.
from keras_gan.run import BEST_GENERATOR_FILE  # noqa: F401
from keras_gan.run import CLASS_NAMES_FILE  # noqa: F401
from keras_gan.run import GENERATOR_FILE  # noqa: F401
from keras_gan.run import GRID_FILE  # noqa: F401
from keras_gan.run import OPTIONS_FILE  # noqa: F401
from keras_gan.run import RUN_NAME_PATTERN  # noqa: F401
from keras_gan.run import check_run_name

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
# The names of `keras_gan.losses.LOSSES`, listed here so that the CLI's
# `--help` does not load Keras (a test keeps the two in step).
LOSS_NAMES = ("non_saturating", "minimax", "least_squares", "hinge", "wasserstein")
# The package each backend (`keras_gan._backends.BACKENDS`) imports.
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
# Runs recorded before the `backend` option trained on TensorFlow, the only
# backend `GAN.compile()` accepted then.
LEGACY_BACKEND = "tensorflow"

# The named presets: option overrides applied over `DEFAULTS`, each with one
# line for `--help` and the README. Defined here, below the models, so that
# resolving options needs no model code; `keras_gan.presets` builds them.
PRESET_TABLE = {
    # The lecture's settings: the defaults themselves (EMA off).
    "lecture": ("the lecture's DCGAN: Adam(1e-4) for each network", {}),
    # Radford et al. 2016 (DCGAN): Adam(2e-4, beta_1=0.5). Learns visibly
    # faster than the lecture's Adam(1e-4) on MNIST-like data.
    "dcgan": (
        "Radford et al. 2016: Adam(2e-4, beta1=0.5)",
        {"lr": 2e-4, "beta1": 0.5},
    ),
    # The best samples per minute measured (README, "Presets compared"):
    # dcgan's Adam, a generator EMA, the discriminator at twice the
    # generator's rate (TTUR) without dropout, and batch 64 (four times the
    # updates per epoch). Each part was screened on Fashion-MNIST over
    # seeds; the same networks as the lecture.
    "quality": (
        "dcgan + EMA(10 kimg) + D lr 4e-4 (TTUR), no D dropout, batch 64",
        {
            "lr": 2e-4,
            "beta1": 0.5,
            "d_lr": 4e-4,
            "d_dropout": 0.0,
            "ema_kimg": 10.0,
            "batch_size": 64,
        },
    ),
    # A folder of your own images (issue 25): the residual networks with a
    # spectrally normalised critic, ADA for small folders (p can reach 1
    # in 100k images, as such runs see few), a generator EMA, R1 and TTUR
    # with StyleGAN2-ADA's Adam betas. Non-saturating loss, not hinge: ADA's
    # target 0.6 and R1 were tuned with it (StyleGAN2-ADA). R1's gamma is
    # StyleGAN2-ADA's 0.0002 * res^2 / batch at 64 px, batch 32 (~0.03),
    # rounded up. `keras-gan train --preset folder` picks --image-size and
    # --batch-size from the folder unless given (data.folder.folder_settings),
    # at most 32 px without a GPU (build.folder_options). Not searched for;
    # at 32 px on 400 colour images it matched or beat the same networks with
    # quality's Adam on two seeds (docs/quality.md).
    "folder": (
        "your own images: resnet networks, ADA, EMA(10 kimg), R1 0.05, "
        "TTUR 1e-4/4e-4; image size and batch picked from the folder",
        {
            "arch": "resnet",
            "lr": 1e-4,
            "d_lr": 4e-4,
            "beta1": 0.0,
            "beta2": 0.99,
            "augment": "ada",
            "ada_kimg": 100.0,
            "r1": 0.05,
            "ema_kimg": 10.0,
            "d_dropout": 0.0,
        },
    ),
}
DEFAULT_PRESET = "lecture"
# The presets' option overrides, by name.
PRESETS = {name: dict(overrides) for name, (_, overrides) in PRESET_TABLE.items()}


def check_preset(name):
    """Returns a preset's name, refusing unknown ones.

    Raises:
        ValueError: for a name that is not a key of `PRESETS`.
    """
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}. Expected one of {sorted(PRESETS)}.")
    return name


def backend_in_force():
    """The Keras backend this process uses, or will use once Keras loads.

    Keras' own order, read without importing Keras (so that `--help` and
    the CLI's choice of backend stay cheap): the loaded Keras' backend,
    else `$KERAS_BACKEND`, else the `backend` of `$KERAS_HOME/keras.json`
    (`~/.keras/keras.json`), else `"tensorflow"`.

    Returns:
        The backend's name, e.g. `"jax"` (not checked against `BACKENDS`).
    """
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        return keras.backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = os.path.join(
        os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras"),
        "keras.json",
    )
    try:
        with open(config) as f:
            backend = json.load(f).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    return backend if isinstance(backend, str) and backend else "tensorflow"


@dataclasses.dataclass(frozen=True)
class Option:
    """One training option: its default, type, check and help text."""

    name: str
    default: object
    type: type
    help: str
    choices: tuple = None
    minimum: float = None
    nullable: bool = False


def _opt(name, default, type_, help_, **kw):
    return Option(name, default, type_, help_, **kw)


OPTIONS = (
    # None resolves to the backend in force, so a resolved run always
    # records the one it trained on.
    _opt(
        "backend",
        None,
        str,
        "Keras backend to train on: tensorflow, jax or torch (jax and "
        "torch need the [jax] or [torch] extra) (default: the backend in "
        "force: $KERAS_BACKEND, else keras.json's, else tensorflow)",
        choices=BACKENDS,
        nullable=True,
    ),
    _opt(
        "dataset",
        "mnist",
        str,
        "named dataset (mnist, fashion_mnist, mnist_sample, cifar10), an "
        "image folder, or a .npy/.npz file",
    ),
    _opt(
        "image_size",
        None,
        int,
        "resize images to this square size (default: keep the data's size)",
        minimum=4,
        nullable=True,
    ),
    _opt(
        "channels",
        None,
        int,
        "convert every image to 1 (grey) or 3 (colour) channels (default: "
        "keep the data's; a folder mixing grey and colour files needs it)",
        choices=(1, 3),
        nullable=True,
    ),
    _opt("epochs", 30, int, "epochs to train", minimum=1),
    _opt("batch_size", 256, int, "images per training step", minimum=1),
    _opt(
        "steps_per_epoch",
        None,
        int,
        "stop each epoch after this many steps (default: the whole data)",
        minimum=1,
        nullable=True,
    ),
    _opt(
        "shuffle_buffer",
        60000,
        int,
        "shuffle buffer size in images: at least the data's size (the "
        "default, up to 60000 images) is a full shuffle each epoch, a "
        "smaller buffer a partial one",
        minimum=1,
    ),
    _opt("latent_dim", 100, int, "size of the generator's noise vector", minimum=1),
    _opt(
        "arch",
        "dcgan",
        str,
        "networks: dcgan (the lecture's, any size whose sides divide by "
        "4) or resnet (residual generator, spectrally normalised residual "
        "discriminator; square 32, 64 or 128 px; --d-dropout does not "
        "apply)",
        choices=("dcgan", "resnet"),
    ),
    _opt(
        "width",
        None,
        int,
        "width unit of --arch resnet: filters of the generator's last "
        "block and the discriminator's first, doubled towards 4x4 up to 8x; "
        "a step costs about its square (default: 64, SNGAN's; the folder "
        "preset picks a narrower one on a CPU)",
        minimum=1,
        nullable=True,
    ),
    _opt(
        "conditional",
        False,
        bool,
        "condition both networks on the class label (a ConditionalGAN; "
        "needs a dataset with labels): sample grids show one row per "
        "class",
    ),
    _opt("loss", "non_saturating", str, "adversarial loss", choices=LOSS_NAMES),
    _opt(
        "d_steps",
        None,
        int,
        "discriminator updates per generator update (default: the loss's)",
        minimum=1,
        nullable=True,
    ),
    _opt(
        "gradient_penalty",
        None,
        float,
        "WGAN-GP penalty weight (default: the loss's)",
        minimum=0,
        nullable=True,
    ),
    _opt(
        "lr",
        1e-4,
        float,
        "Adam learning rate of the generator, and of the discriminator unless --d-lr is given",
        minimum=0,
    ),
    _opt(
        "d_lr",
        None,
        float,
        "Adam learning rate of the discriminator (two time-scale updates, TTUR) (default: --lr)",
        minimum=0,
        nullable=True,
    ),
    _opt("beta1", 0.9, float, "Adam beta_1 (the DCGAN paper uses 0.5)", minimum=0),
    _opt("beta2", 0.999, float, "Adam beta_2", minimum=0),
    _opt(
        "r1",
        0.0,
        float,
        "R1 penalty weight gamma on the discriminator's gradient at real images (0: off)",
        minimum=0,
    ),
    _opt(
        "augment",
        None,
        str,
        "DiffAugment transforms for the discriminator's input, real and "
        "generated alike: a comma-separated subset of color, translation, "
        "cutout; or adaptive augmentation (ADA): ada (all three) or "
        "ada:SUBSET (e.g. ada:translation,cutout), each transform applied "
        "with a probability p that follows the discriminator's "
        "overfitting (logged as ada_p, ada_rt) (default: none)",
        nullable=True,
    ),
    _opt(
        "ada_target",
        0.6,
        float,
        "with --augment ada: the target of r_t = E[sign(D(real))]; p rises "
        "while r_t is above it, falls while below (the ADA paper's 0.6)",
        minimum=-1,
    ),
    _opt(
        "ada_kimg",
        500.0,
        float,
        "with --augment ada: p can go from 0 to 1 in this many thousand "
        "images (the ADA paper's 500)",
        minimum=0,
    ),
    _opt(
        "d_dropout",
        0.3,
        float,
        "Dropout rate in the discriminator (the lecture's 0.3; 0: none)",
        minimum=0,
    ),
    _opt(
        "ema_kimg",
        None,
        float,
        "keep an exponential moving average of the generator's weights "
        "with this half-life in thousands of images (StyleGAN uses 10); "
        "samples, metrics and generator.keras use it (default: off)",
        minimum=0,
        nullable=True,
    ),
    _opt(
        "ema_rampup",
        0.05,
        float,
        "EMA warm-up: the half-life is at most this fraction of the images "
        "seen so far (StyleGAN's ramp-up; 0 for none)",
        minimum=0,
    ),
    _opt(
        "seed",
        None,
        int,
        "seed for weights, noise and shuffling (default: drawn at "
        "random, printed and recorded in training_options.json)",
        nullable=True,
    ),
    _opt(
        "precision",
        "float32",
        str,
        "dtype policy; mixed_bfloat16 is faster only on a GPU or a CPU "
        "with avx512_bf16 or amx_bf16 (measured 11x slower without), "
        "mixed_float16 is for GPUs",
        choices=PRECISIONS,
    ),
    # None: each backend's own way of compiling a step (see
    # build.jit_compile): the lecture's tf.function on TensorFlow.
    _opt(
        "jit_compile",
        None,
        bool,
        "compile the train step with XLA (for GPUs: measured 0.59x with "
        "TensorFlow on a CPU) (default: off on TensorFlow and PyTorch, on "
        "with JAX, whose steps are otherwise not compiled at all)",
        nullable=True,
    ),
    _opt(
        "steps_per_execution",
        1,
        int,
        "train steps per compiled call (for GPUs: measured 0.91x with 8 on a CPU)",
        minimum=1,
    ),
    _opt(
        "deterministic",
        False,
        bool,
        "deterministic TensorFlow ops (needs --seed): identical weights on re-runs and resumes",
    ),
    _opt(
        "on_nan",
        "stop",
        str,
        "on a non-finite loss: stop, or roll back to the last checkpoint "
        "with halved learning rates (at most 3 times)",
        choices=("stop", "rollback"),
    ),
    _opt(
        "distribute",
        "none",
        str,
        "several devices: none, mirrored (TensorFlow: MirroredStrategy "
        "over local GPUs; JAX: keras.distribution.DataParallel over local "
        "devices; not on PyTorch) or multiworker (TensorFlow only, "
        "TF_CONFIG)",
        choices=("none", "mirrored", "multiworker"),
    ),
    _opt("logdir", "logs", str, "parent folder of run directories"),
    _opt("run_name", None, str, "run directory name (default: DATASET-TIMESTAMP)", nullable=True),
    _opt("num_samples", 16, int, "images in each sample grid (4x4)", minimum=1),
    _opt("sample_every", 1, int, "epochs between sample grids (0: off)", minimum=0),
    _opt("checkpoint_every", 1, int, "epochs between checkpoints (0: off)", minimum=0),
    _opt("keep_checkpoints", 3, int, "checkpoints kept", minimum=1),
    _opt(
        "metrics_every",
        0,
        int,
        "epochs between sample-quality metrics (FID, KID, ... with a "
        "classifier trained on the dataset; 0: off)",
        minimum=0,
    ),
    _opt("metrics_n", 1000, int, "generated images per metrics evaluation", minimum=2),
    _opt("tensorboard", True, bool, "write TensorBoard logs"),
    _opt(
        "tensorboard_update_freq",
        0,
        int,
        "also log losses every N batches to TensorBoard (0: per epoch only)",
        minimum=0,
    ),
    _opt("loss_plot", True, bool, "write losses.png each epoch"),
    # Set by `resolve(preset=...)`, recorded in training_options.json; the
    # CLI gives it its own --preset flag. None: a run written before the
    # preset was recorded.
    _opt(
        "preset",
        DEFAULT_PRESET,
        str,
        "named settings applied before explicit options (default: "
        "lecture; None in runs recorded before presets were)",
        choices=tuple(PRESETS),
        nullable=True,
    ),
)

OPTIONS_BY_NAME = {o.name: o for o in OPTIONS}
DEFAULTS = {o.name: o.default for o in OPTIONS}


def _check(option, value):
    if value is None:
        if option.nullable:
            return None
        raise ValueError(f"Option `{option.name}` needs a value. Received: None")
    if option.type is bool:
        if not isinstance(value, bool):
            raise ValueError(
                f"Expected option `{option.name}` to be true or false. Received: {value!r}"
            )
        return value
    if option.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, option.type) or isinstance(value, bool):
        raise ValueError(
            f"Expected option `{option.name}` to be of type "
            f"{option.type.__name__}. Received: {value!r}"
        )
    if option.choices and value not in option.choices:
        raise ValueError(
            f"Expected option `{option.name}` to be one of "
            f"{list(option.choices)}. Received: {value!r}"
        )
    if option.minimum is not None and value < option.minimum:
        raise ValueError(
            f"Expected option `{option.name}` >= {option.minimum}. Received: {value!r}"
        )
    return value


def resolve(overrides=None, preset=None):
    """Merges defaults, a preset and explicit values into checked options.

    Args:
        overrides: a dict of option values; `None` values are ignored so
            that unset CLI flags keep their defaults.
        preset: a name from `PRESETS`, applied before `overrides`; an
            `overrides["preset"]` (as in a saved options file) is used the
            same way. Defaults to `None` (`"lecture"`: the lecture's
            defaults).

    Returns:
        A dict with every option of `OPTIONS`, validated; `"preset"` holds
        the preset's name.

    Raises:
        ValueError: for an unknown option or preset, two different presets,
            a value of the wrong type or range, or a backend in force that
            a GAN cannot train on (e.g. `KERAS_BACKEND=numpy`).

    Example:

    >>> resolve({"epochs": 5}, preset="dcgan")["beta1"]
    0.5
    """
    named = (overrides or {}).get("preset")
    if preset is not None and named is not None and named != preset:
        raise ValueError(f"Two presets given: preset={preset!r} and a `preset` option {named!r}.")
    preset = preset if preset is not None else named
    if preset is not None:
        check_preset(preset)
    values = dict(DEFAULTS)
    values.update(PRESETS.get(preset) or {})
    values["preset"] = preset or DEFAULT_PRESET
    for key, value in (overrides or {}).items():
        if key not in OPTIONS_BY_NAME:
            raise ValueError(f"Unknown option {key!r}. Expected one of {sorted(DEFAULTS)}.")
        if value is not None and key != "preset":
            values[key] = value
    if values["backend"] is None:
        values["backend"] = backend_in_force()
    if values["ema_kimg"] is not None and values["ema_kimg"] <= 0:
        raise ValueError(
            f"Expected option `ema_kimg` > 0 (or None: no EMA). Received: {values['ema_kimg']!r}"
        )
    if values["ada_kimg"] is not None and values["ada_kimg"] <= 0:
        raise ValueError(f"Expected option `ada_kimg` > 0. Received: {values['ada_kimg']!r}")
    if values["ada_target"] is not None and not -1 < values["ada_target"] < 1:
        raise ValueError(
            f"Expected option `ada_target` in (-1, 1). Received: {values['ada_target']!r}"
        )
    if values["beta1"] >= 1 or values["beta2"] >= 1:
        raise ValueError(
            "Expected Adam's beta1 and beta2 in [0, 1). Received: "
            f"beta1={values['beta1']}, beta2={values['beta2']}"
        )
    if values["run_name"] is not None:
        check_run_name(values["run_name"])
    if values["deterministic"] and values["seed"] is None:
        raise ValueError("Option `deterministic` needs a `seed`. Received: seed=None")
    return {o.name: _check(o, values[o.name]) for o in OPTIONS}


def write_options(options, run_dir):
    """Writes options to `run_dir/training_options.json` atomically.

    Args:
        options: the resolved options.
        run_dir: the run directory (created if missing).

    Returns:
        The path of the JSON file (`keras_gan.run.RunDirectory.write_options`).
    """
    return run_lib.RunDirectory(run_dir).write_options(options)


def read_options(run_dir):
    """Reads and re-validates the options a run directory was trained with.

    Args:
        run_dir: a run directory written by `keras-gan train`.

    Returns:
        The resolved options dict. Options the file lacks (it was written
        by an older version) take their defaults, except `preset`, which
        is `None` there: the file's values are complete, but which preset
        produced them was not recorded; and `backend`, which is
        `"tensorflow"` there (the only backend before it was recorded).

    Raises:
        ValueError: if the folder holds no `training_options.json`, or it
            is not valid JSON or not valid options.
    """
    saved = run_lib.RunDirectory(run_dir).read_saved_options()
    known = {k: v for k, v in saved.items() if k in DEFAULTS}
    known.setdefault("backend", LEGACY_BACKEND)
    resolved = resolve(known)
    if saved.get("preset") is None:
        resolved["preset"] = None
    return resolved


def write_class_names(names, run_dir):
    """Writes a conditional run's class names to `class_names.json`."""
    return run_lib.RunDirectory(run_dir).write_class_names(names)


def read_class_names(run_dir):
    """A run's class names, or `None` for an unconditional run.

    Raises:
        ValueError: if the file is not a JSON list of strings.
    """
    return run_lib.RunDirectory(run_dir).read_class_names()

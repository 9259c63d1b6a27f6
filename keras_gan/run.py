"""`RunDirectory`: the one owner of a run directory's file names and files.

A run directory (`logs/RUN_NAME/`) is everything a training run leaves, and
alone is enough to resume, sample from, evaluate or export that run:

```
training_options.json   the resolved options (`keras_gan.options`)
class_names.json        a conditional run's class names, by class number
generator.keras         the generator that samples, at the end of training
generator_best.keras    with --metrics-every: the lowest FID so far (+ .json)
samples.png             the final sample grid
samples/                the grid of each epoch, reals.png, progress.gif
losses.png              the loss plot (+ losses.json)
checkpoints/            the checkpoints (`keras_gan.checkpoints`)
tensorboard/            TensorBoard logs: train/ (grids), metrics/
export/                 `keras-gan export`'s default outputs
```

The callbacks stay generic: they take plain paths, which the application
(`keras_gan.training`, `keras_gan.cli`) asks a `RunDirectory` for. Files are
written atomically (`keras_gan.files`). What the options mean (defaults,
checks, runs recorded by older versions) is `keras_gan.options`' business:
`options.read_options(run_dir)` reads this file through `RunDirectory`.

This module imports no Keras, so the CLI's `--help` stays cheap.
"""

import json
import os
import re
import time

from keras_gan.cache import slug
from keras_gan.files import atomic_path

OPTIONS_FILE = "training_options.json"
# Conditional runs: the class names, a JSON list indexed by class number.
CLASS_NAMES_FILE = "class_names.json"
GENERATOR_FILE = "generator.keras"
# With --metrics-every: the generator of the lowest FID so far.
BEST_GENERATOR_FILE = "generator_best.keras"
GRID_FILE = "samples.png"
SAMPLES_DIR = "samples"
# `keras-gan sample`'s grid when no --out is given (inside SAMPLES_DIR).
SAMPLE_FILE = "sample.png"
LOSS_PLOT_FILE = "losses.png"
CHECKPOINTS_DIR = "checkpoints"
TENSORBOARD_DIR = "tensorboard"
# Inside TENSORBOARD_DIR: the sample grids' images and the metrics' scalars.
TENSORBOARD_IMAGES_DIR = "train"
TENSORBOARD_METRICS_DIR = "metrics"
EXPORT_DIR = "export"
# `--generator last|best`: which generator file a command reads.
GENERATOR_FILES = {"last": GENERATOR_FILE, "best": BEST_GENERATOR_FILE}
RUN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_run_name(name):
    """Checks that a run name is a plain folder name inside `logdir`.

    Args:
        name: the proposed run name.

    Returns:
        The name.

    Raises:
        ValueError: if it holds a path separator, starts with a dot, or has
            characters outside letters, digits, `.`, `_` and `-`.

    Example:

    >>> check_run_name("mnist-20250101-120000")
    'mnist-20250101-120000'
    """
    if not isinstance(name, str) or not RUN_NAME_PATTERN.match(name):
        raise ValueError(
            "Expected a run name of letters, digits, '.', '_' and '-' (no "
            f"path separators, not starting with '.'). Received: {name!r}"
        )
    return name


def default_run_name(logdir, dataset):
    """A fresh `DATASET-YYYYmmdd-HHMMSS` name, numbered if it is taken.

    Args:
        logdir: the parent folder of run directories.
        dataset: the `dataset` option (a name, folder or file): its last
            path part, made file-name safe, starts the name.

    Returns:
        A run name that no folder in `logdir` has yet.
    """
    base = os.path.basename(os.path.normpath(str(dataset))) or "data"
    stem = f"{slug(base, keep='first')}-{time.strftime('%Y%m%d-%H%M%S')}"
    name, i = stem, 1
    while os.path.exists(os.path.join(logdir, name)):
        i += 1
        name = f"{stem}-{i}"
    return name


class RunDirectory(os.PathLike):
    """A run directory: the paths of its files, and their reading and writing.

    It is a path-like (`os.fspath(run)` is its folder), so it can be given
    wherever a run directory's path is expected.

    Args:
        path: the folder (created only when something is written).

    Example:

    >>> run = RunDirectory("logs/mnist-run")
    >>> run.generator_file
    'logs/mnist-run/generator.keras'
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def __fspath__(self):
        return self.path

    def __str__(self):
        return self.path

    def __repr__(self):
        return f"RunDirectory({self.path!r})"

    def __eq__(self, other):
        return isinstance(other, RunDirectory) and other.path == self.path

    def __hash__(self):
        return hash(self.path)

    def join(self, *parts):
        """The path of `parts` inside the run directory."""
        return os.path.join(self.path, *parts)

    # The files of a run, one property each.
    @property
    def options_file(self):
        return self.join(OPTIONS_FILE)

    @property
    def class_names_file(self):
        return self.join(CLASS_NAMES_FILE)

    @property
    def generator_file(self):
        return self.join(GENERATOR_FILE)

    @property
    def best_generator_file(self):
        return self.join(BEST_GENERATOR_FILE)

    @property
    def grid_file(self):
        return self.join(GRID_FILE)

    @property
    def samples_dir(self):
        return self.join(SAMPLES_DIR)

    @property
    def sample_file(self):
        return self.join(SAMPLES_DIR, SAMPLE_FILE)

    @property
    def loss_plot_file(self):
        return self.join(LOSS_PLOT_FILE)

    @property
    def checkpoints_dir(self):
        return self.join(CHECKPOINTS_DIR)

    @property
    def tensorboard_dir(self):
        return self.join(TENSORBOARD_DIR)

    @property
    def tensorboard_images_dir(self):
        return self.join(TENSORBOARD_DIR, TENSORBOARD_IMAGES_DIR)

    @property
    def tensorboard_metrics_dir(self):
        return self.join(TENSORBOARD_DIR, TENSORBOARD_METRICS_DIR)

    @property
    def export_dir(self):
        return self.join(EXPORT_DIR)

    def is_run(self):
        """Whether the folder holds a run (its `training_options.json`)."""
        return os.path.isfile(self.options_file)

    def generator_path(self, which="last", purpose=None):
        """The path of the generator file `which` names.

        Args:
            which: `"last"` (`generator.keras`) or `"best"`
                (`generator_best.keras`). Defaults to `"last"`.
            purpose: with it, the file must exist, and the error says what
                it was wanted for (e.g. `"export"`). Defaults to `None` (no
                check).

        Returns:
            The path.

        Raises:
            ValueError: for another `which`, or with `purpose` when the
                file is missing.
        """
        if which not in GENERATOR_FILES:
            raise ValueError(
                f"Expected `generator` to be one of {list(GENERATOR_FILES)}. Received: {which!r}"
            )
        name = GENERATOR_FILES[which]
        path = self.join(name)
        if purpose is not None and not os.path.isfile(path):
            hint = " It is written by runs trained with --metrics-every." if which == "best" else ""
            raise ValueError(f"{self.path!r} holds no {name} to {purpose}.{hint}")
        return path

    def write_options(self, options):
        """Writes options to `training_options.json` atomically.

        Args:
            options: a JSON-serialisable dict (the resolved options).

        Returns:
            The path of the JSON file.
        """
        with atomic_path(self.options_file) as tmp, open(tmp, "w") as f:
            json.dump(options, f, indent=2, sort_keys=True)
            f.write("\n")
        return self.options_file

    def read_saved_options(self):
        """The dict `training_options.json` holds, as written (not checked).

        `keras_gan.options.read_options` checks it and fills in what older
        runs lack.

        Returns:
            A dict.

        Raises:
            ValueError: if the folder holds no `training_options.json`, or
                it is not valid JSON or not a JSON object.
        """
        path = self.options_file
        if not os.path.isfile(path):
            raise ValueError(f"{self.path!r} is not a run directory: it has no {OPTIONS_FILE}.")
        try:
            with open(path) as f:
                saved = json.load(f)
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"Could not read {path}: {err}") from err
        if not isinstance(saved, dict):
            raise ValueError(f"{path} does not hold a JSON object of options.")
        return saved

    def write_class_names(self, names):
        """Writes a conditional run's class names to `class_names.json`."""
        with atomic_path(self.class_names_file) as tmp, open(tmp, "w") as f:
            json.dump(list(names), f, indent=1)
        return self.class_names_file

    def read_class_names(self):
        """The run's class names, or `None` for an unconditional run.

        Raises:
            ValueError: if the file is not a JSON list of strings.
        """
        path = self.class_names_file
        if not os.path.exists(path):
            return None
        with open(path) as f:
            names = json.load(f)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"Expected a JSON list of class names in {path}.")
        return tuple(names)

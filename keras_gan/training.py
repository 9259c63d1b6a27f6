"""Train from resolved options into a run directory: what the CLI calls.

A thin layer over the public API: it loads the dataset, builds the DCGAN,
compiles it from the options, assembles the callbacks and calls `fit`. Users
who prefer Python call those same pieces themselves (see README).
"""

import os
import re
import tempfile
import time

import keras

from keras_gan import options as options_lib
from keras_gan.data import load_dataset
from keras_gan.gan import GAN
from keras_gan.images import save_grid
from keras_gan.models import dcgan_discriminator
from keras_gan.models import dcgan_generator

GENERATOR_FILE = "generator.keras"
GRID_FILE = "samples.png"


def build_gan(options, image_shape):
    """Builds and compiles the DCGAN described by resolved options.

    Args:
        options: a dict from `keras_gan.options.resolve`.
        image_shape: `(height, width, channels)` of the training images.

    Returns:
        A compiled `GAN`.
    """
    if options["seed"] is not None:
        # Weight initialisation, dropout and noise all follow the seed.
        keras.utils.set_random_seed(options["seed"])
    if options["precision"] != "float32":
        keras.mixed_precision.set_dtype_policy(options["precision"])
    latent_dim = options["latent_dim"]
    gan = GAN(
        dcgan_generator(tuple(image_shape), latent_dim),
        dcgan_discriminator(tuple(image_shape)),
        seed=options["seed"],
    )

    def adam(name):
        return keras.optimizers.Adam(
            learning_rate=options["lr"],
            beta_1=options["beta1"],
            beta_2=options["beta2"],
            name=name,
        )

    gan.compile(
        g_optimizer=adam("g_adam"),
        d_optimizer=adam("d_adam"),
        loss=options["loss"],
        d_steps=options["d_steps"],
        gradient_penalty=options["gradient_penalty"],
        jit_compile=options["jit_compile"],
        steps_per_execution=options["steps_per_execution"],
    )
    return gan


def _slug(text):
    base = os.path.basename(os.path.normpath(str(text))) or "data"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")[:40] or "data"


def new_run_dir(options):
    """Creates a fresh run directory under `options["logdir"]`.

    Args:
        options: resolved options; `run_name` defaults to
            `DATASET-YYYYmmdd-HHMMSS`.

    Returns:
        The run directory path, created and empty but for nothing.

    Raises:
        ValueError: if the named run already exists (use resume instead).
    """
    logdir = options["logdir"]
    name = options["run_name"]
    if name is None:
        stem = f"{_slug(options['dataset'])}-{time.strftime('%Y%m%d-%H%M%S')}"
        name, i = stem, 1
        while os.path.exists(os.path.join(logdir, name)):
            i += 1
            name = f"{stem}-{i}"
    run_dir = os.path.join(logdir, options_lib.check_run_name(name))
    if os.path.exists(os.path.join(run_dir, options_lib.OPTIONS_FILE)):
        raise ValueError(
            f"Run directory {run_dir!r} already exists. Resume it with "
            f"`keras-gan train --resume {run_dir}` or pick another --run-name."
        )
    os.makedirs(run_dir, exist_ok=True)
    return run_dir


def default_callbacks(options, run_dir, reals=None):
    """The CLI's callback set, each switched by its option.

    Args:
        options: resolved options.
        run_dir: the run directory.
        reals: a few real images in [-1, 1] for `samples/reals.png`.

    Returns:
        A list of Keras callbacks: checkpoints first (so a crash right
        after an epoch loses as little as possible), then samples, the loss
        plot and TensorBoard.
    """
    from callbacks import GANCheckpoint
    from callbacks import LossPlot
    from callbacks import SampleGrid

    tensorboard_dir = os.path.join(run_dir, "tensorboard")
    result = []
    if options["checkpoint_every"]:
        result.append(
            GANCheckpoint(
                os.path.join(run_dir, "checkpoints"),
                every=options["checkpoint_every"],
                keep=options["keep_checkpoints"],
                generator_path=os.path.join(run_dir, GENERATOR_FILE),
            )
        )
    if options["sample_every"]:
        result.append(
            SampleGrid(
                os.path.join(run_dir, "samples"),
                num_images=options["num_samples"],
                every=options["sample_every"],
                seed=0 if options["seed"] is None else options["seed"],
                reals=reals,
                tensorboard_dir=(
                    os.path.join(tensorboard_dir, "train")
                    if options["tensorboard"]
                    else None
                ),
            )
        )
    if options["loss_plot"]:
        result.append(LossPlot(os.path.join(run_dir, "losses.png")))
    if options["tensorboard"]:
        result.append(
            keras.callbacks.TensorBoard(
                log_dir=tensorboard_dir, write_graph=False
            )
        )
    return result


def save_generator(gan, run_dir):
    """Writes `run_dir/generator.keras` atomically and returns its path."""
    path = os.path.join(run_dir, GENERATOR_FILE)
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".tmp-", suffix=".keras")
    os.close(fd)
    try:
        gan.generator.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def train(options, run_dir, resume=False, verbose="auto", callbacks=()):
    """Trains the DCGAN of `options`, writing everything into `run_dir`.

    Writes `training_options.json` first, then trains with the default
    callbacks, then writes `generator.keras` and a 4x4 `samples.png`.

    Args:
        options: resolved options (`keras_gan.options.resolve`).
        run_dir: the run directory (created if missing).
        resume: continue from the run's latest checkpoint. Defaults to
            False.
        verbose: passed to `fit` (Keras' progress bar). Defaults to "auto".
        callbacks: extra callbacks appended to the default set.

    Returns:
        `(gan, history)`: the trained GAN and the `fit` history (`None` when
        a resumed run had no epochs left).

    Raises:
        ValueError: for data the model cannot train on, or a checkpoint of
            another architecture.
    """
    from callbacks import latest_checkpoint
    from callbacks import restore_checkpoint

    options_lib.write_options(options, run_dir)
    dataset = load_dataset(
        options["dataset"],
        batch_size=options["batch_size"],
        image_size=options["image_size"],
        shuffle_buffer=options["shuffle_buffer"],
        seed=options["seed"],
    )
    image_shape = tuple(dataset.element_spec.shape[1:])
    gan = build_gan(options, image_shape)
    initial_epoch = 0
    if resume:
        checkpoint = latest_checkpoint(os.path.join(run_dir, "checkpoints"))
        if checkpoint is not None:
            initial_epoch = restore_checkpoint(gan, checkpoint)
    reals = None
    if options["sample_every"]:
        reals = next(iter(dataset.take(1)))[: options["num_samples"]]
        reals = keras.ops.convert_to_numpy(reals)
    if options["steps_per_epoch"]:
        # A fixed number of steps per epoch reads on across epochs.
        dataset = dataset.repeat()
    history = None
    if initial_epoch < options["epochs"]:
        history = gan.fit(
            dataset,
            epochs=options["epochs"],
            initial_epoch=initial_epoch,
            steps_per_epoch=options["steps_per_epoch"],
            callbacks=default_callbacks(options, run_dir, reals) + list(callbacks),
            verbose=verbose,
            # The pipeline shuffles already; Keras would only warn.
            shuffle=False,
        )
    save_generator(gan, run_dir)
    save_grid(
        gan.generate(options["num_samples"], seed=options["seed"] or 0),
        os.path.join(run_dir, GRID_FILE),
    )
    return gan, history

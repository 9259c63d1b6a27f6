"""Train from resolved options into a run directory: what the CLI calls.

A thin layer over the public API: it loads the dataset, builds the DCGAN,
compiles it from the options, assembles the callbacks and calls `fit`. Users
who prefer Python call those same pieces themselves (see README).
"""

import os

import numpy as np

import keras

from keras_gan import build as build_lib
from keras_gan.data import class_names
from keras_gan.data import make_dataset
from keras_gan.data import open_arrays
from keras_gan.data import scale_images
from keras_gan.data import steps_per_epoch as count_steps
from keras_gan.data.folder import pick_batch_size
from keras_gan.gan import NonFiniteLossError
from keras_gan.images import save_grid

# The file names are `keras_gan.run`'s; BEST_GENERATOR_FILE, GENERATOR_FILE
# and GRID_FILE stay importable from `training`, where code read them.
from keras_gan.run import BEST_GENERATOR_FILE  # noqa: F401
from keras_gan.run import GENERATOR_FILE  # noqa: F401
from keras_gan.run import GRID_FILE  # noqa: F401
from keras_gan.run import OPTIONS_FILE
from keras_gan.run import RunDirectory
from keras_gan.run import check_run_name
from keras_gan.run import default_run_name

MAX_ROLLBACKS = 3
ROLLBACK_LR_FACTOR = 0.5


def build_gan(options, image_shape, class_names=None):
    """Builds and compiles the DCGAN described by resolved options.

    The same definition as `keras_gan.presets.get(name).build(...)`
    (`keras_gan.build.build_gan`).

    Args:
        options: a dict from `keras_gan.options.resolve`.
        image_shape: `(height, width, channels)` of the training images.
        class_names: the classes of a conditional run. Defaults to `None`.

    Returns:
        A compiled `GAN` (with an EMA generator when `ema_kimg` is set), a
        `ConditionalGAN` when `options["conditional"]`.
    """
    return build_lib.build_gan(options, image_shape, class_names)


def _class_names(options, labels):
    # A conditional run's class names: the data's own (folder names,
    # Fashion-MNIST's), numbered otherwise.
    if not options["conditional"]:
        return None
    if labels is None:
        raise ValueError(
            "Expected a dataset with class labels for --conditional. "
            f"Received {options['dataset']!r}, which has none (a folder "
            "needs one sub-folder per class; an .npz needs y or labels)."
        )
    return class_names(options["dataset"], int(labels.max()) + 1)


def new_run_dir(options):
    """Creates a fresh run directory under `options["logdir"]`.

    Args:
        options: resolved options; `run_name` defaults to
            `DATASET-YYYYmmdd-HHMMSS`.

    Returns:
        The run directory path. It is created by `train`, once the data
        has loaded and the model is built, so a bad dataset or image size
        leaves no empty run behind.

    Raises:
        ValueError: if the named run already exists (use resume instead).
    """
    logdir = options["logdir"]
    name = options["run_name"] or default_run_name(logdir, options["dataset"])
    run_dir = os.path.join(logdir, check_run_name(name))
    if RunDirectory(run_dir).is_run():
        raise ValueError(
            f"Run directory {run_dir!r} already exists. Resume it with "
            f"`keras-gan train --resume {run_dir}` or pick another --run-name."
        )
    return run_dir


def default_callbacks(options, run_dir, reals=None):
    """The CLI's callback set, each switched by its option.

    Args:
        options: resolved options.
        run_dir: the run directory.
        reals: a few real images in [-1, 1] for `samples/reals.png`.

    Returns:
        A list of Keras callbacks: samples, loss plot and TensorBoard, then
        the checkpoint last. Everything an epoch writes is keyed by epoch,
        so if a crash lands after those files but before the checkpoint,
        the resumed run redoes that epoch and overwrites them; the other
        order would lose them.
    """
    from keras_gan.callbacks import GANCheckpoint
    from keras_gan.callbacks import GANTensorBoard
    from keras_gan.callbacks import LossPlot
    from keras_gan.callbacks import SampleGrid

    run = RunDirectory(run_dir)
    tensorboard = options["tensorboard"]
    result = []
    if options["metrics_every"]:
        # First: its values join the epoch logs the others record.
        result.append(_metrics_callback(options, run))
    if options["sample_every"]:
        result.append(
            SampleGrid(
                run.samples_dir,
                num_images=options["num_samples"],
                every=options["sample_every"],
                seed=0 if options["seed"] is None else options["seed"],
                reals=reals,
                tensorboard_dir=(run.tensorboard_images_dir if tensorboard else None),
            )
        )
    if options["loss_plot"]:
        result.append(LossPlot(run.loss_plot_file))
    if tensorboard:
        result.append(
            GANTensorBoard(
                run.tensorboard_dir,
                update_freq=options["tensorboard_update_freq"] or "epoch",
            )
        )
    if options["checkpoint_every"]:
        result.append(
            GANCheckpoint(
                run.checkpoints_dir,
                every=options["checkpoint_every"],
                keep=options["keep_checkpoints"],
                generator_path=run.generator_file,
            )
        )
    return result


def _metrics_callback(options, run):
    """`GANMetrics` every `metrics_every` epochs, keeping the best generator."""
    from keras_gan.callbacks import GANMetrics

    return GANMetrics(
        options["dataset"],
        n=options["metrics_n"],
        every=options["metrics_every"],
        image_size=options["image_size"],
        best_generator_path=run.best_generator_file,
        tensorboard_dir=(run.tensorboard_metrics_dir if options["tensorboard"] else None),
    )


def save_generator(gan, run_dir):
    """Writes `run_dir/generator.keras` atomically and returns its path.

    With an EMA (`ema_kimg`), the EMA generator is written: the one that
    `generate()` samples from (`gan.sampling_generator`).
    """
    from keras_gan.checkpoints import write_generator

    return write_generator(gan, RunDirectory(run_dir).generator_file)


def _resolve_seed(options, resume):
    """Returns `(options, data_seed, drawn)`: a new unseeded run draws a seed.

    The drawn seed becomes the run's `seed` (weights, noise, data order and
    sample grids), recorded in `training_options.json` like a given one:
    each unseeded run differs, and `--resume` replays it exactly. Runs
    recorded with `seed: null` (written before seeds were drawn) shuffled
    with seed 0 and resume with it. Multi-worker runs need a given seed:
    each worker would draw its own and shuffle differently.
    """
    if options["seed"] is not None:
        return options, options["seed"], False
    if resume:
        return options, 0, False
    if options["distribute"] == "multiworker":
        raise ValueError(
            "Expected a seed for --distribute multiworker: every worker must "
            "shuffle the data alike. Received: seed=None. Pass --seed."
        )
    seed = int(np.random.SeedSequence().entropy % 2**31)
    return {**options, "seed": seed}, seed, True


def train(options, run_dir, resume=False, verbose="auto", callbacks=()):
    """Trains the DCGAN of `options`, writing everything into `run_dir`.

    Loads and checks the data, builds the model, restores the checkpoint
    and builds the callbacks first (nothing is written for options or data
    that cannot be trained on), then writes `training_options.json`, trains
    with the default callbacks, and writes `generator.keras` and a 4x4
    `samples.png`. Epoch `e` sees data shuffled by `(seed, e)`, so a
    resumed run trains on the batches an uninterrupted one would. Without
    a seed, one is drawn and recorded as the run's `seed` (and printed).

    Args:
        options: resolved options (`keras_gan.options.resolve`).
        run_dir: the run directory (created if missing).
        resume: continue from the run's latest checkpoint. Defaults to
            False.
        verbose: passed to `fit` (Keras' progress bar). Defaults to "auto".
        callbacks: extra callbacks appended to the default set.

    Returns:
        `(gan, history)`: the trained GAN and the last `fit` history
        (`None` when a resumed run had no epochs left).

    Raises:
        ValueError: for data the model cannot train on (an image size the
            DCGAN cannot build, a batch larger than the data), or a
            checkpoint of another architecture.
        NonFiniteLossError: when a loss becomes NaN or infinite and
            `on_nan` is "stop", or with "rollback" when there is no
            checkpoint yet or the `MAX_ROLLBACKS` rollbacks are used up.
            Each rollback halves both learning rates in force.
    """
    from keras_gan.distribute import make_strategy
    from keras_gan.distribute import training_scope

    # First: a multi-worker strategy must start before other TensorFlow work.
    strategy = make_strategy(options["distribute"])
    # A Keras distribution (JAX) must be in force while `fit` runs too.
    with training_scope(strategy):
        return _train(strategy, options, run_dir, resume, verbose, callbacks)


def _train(strategy, options, run_dir, resume, verbose, callbacks):
    from keras_gan.checkpoints import latest_checkpoint
    from keras_gan.checkpoints import restore_checkpoint
    from keras_gan.distribute import is_chief

    run = RunDirectory(run_dir)
    chief = is_chief(strategy)
    options, data_seed, drawn = _resolve_seed(options, resume)
    images, labels, names = _training_images(options, strategy)
    # Everything that can refuse the options (image size vs architecture,
    # compile settings, a checkpoint of another architecture, callback
    # settings) runs before the run directory is created, so a refused run
    # leaves nothing behind.
    with strategy.scope():
        gan = build_gan(options, images.shape[1:], names)
    initial_epoch = 0
    if resume:
        # Every worker restores the same checkpoint (a shared file system).
        checkpoint = latest_checkpoint(run.checkpoints_dir)
        if checkpoint is not None:
            initial_epoch = restore_checkpoint(gan, checkpoint)
    reals = _grid_reals(images, options)

    def all_callbacks():
        defaults = default_callbacks(options, run_dir, reals) if chief else []
        return defaults + list(callbacks)

    first_callbacks = all_callbacks()
    if chief:
        _start_run_directory(options, run_dir, names, verbose, drawn)
    history = _fit(
        gan,
        options,
        (images, labels if names is not None else None),
        data_seed,
        initial_epoch,
        first_callbacks,
        all_callbacks,
        run,
        verbose,
    )
    if chief:
        _save_results(gan, options, run_dir, names)
    return gan, history


def _fit(gan, options, data, data_seed, initial_epoch, callbacks, make_callbacks, run, verbose):
    """`fit` from `initial_epoch`; with `on_nan="rollback"`, again after each
    rollback (fresh callbacks from `make_callbacks`). Returns the history."""
    from keras_gan.checkpoints import latest_checkpoint

    images, labels = data
    steps = options["steps_per_epoch"] or count_steps(len(images), options["batch_size"])
    history, rollbacks = None, 0
    while initial_epoch < options["epochs"]:
        dataset = make_dataset(
            images,
            labels=labels,
            batch_size=options["batch_size"],
            shuffle_buffer=options["shuffle_buffer"],
            seed=data_seed,
            epochs_from=initial_epoch,
            steps_per_epoch=options["steps_per_epoch"],
        )
        try:
            history = gan.fit(
                dataset,
                epochs=options["epochs"],
                initial_epoch=initial_epoch,
                steps_per_epoch=steps,
                callbacks=callbacks,
                verbose=verbose,
            )
            break
        except NonFiniteLossError as err:
            checkpoint = latest_checkpoint(run.checkpoints_dir)
            if options["on_nan"] != "rollback" or rollbacks >= MAX_ROLLBACKS or checkpoint is None:
                raise
            rollbacks += 1
            initial_epoch = _roll_back(gan, checkpoint, err, rollbacks)
            callbacks = make_callbacks()
    return history


def _training_images(options, strategy):
    """The run's images, labels and class names, checked against the batch."""
    from keras_gan.distribute import check_batches

    # Folders stream from an on-disk cache of the decoded images (built
    # once, in parallel); other sources load into memory.
    images, labels = open_arrays(
        options["dataset"],
        image_size=options["image_size"],
        # Runs recorded before `channels` existed kept the files' own.
        channels=options.get("channels"),
    )
    names = _class_names(options, labels)
    if options["batch_size"] > len(images):
        raise ValueError(
            f"Expected batch_size <= the number of training images. "
            f"Received batch_size={options['batch_size']} for {len(images)} "
            f"training images in {options['dataset']!r} (a folder's training "
            f"split is five images in six). A batch that works: "
            f"--batch-size {pick_batch_size(len(images))}."
        )
    check_batches(strategy, options["batch_size"], len(images), options["steps_per_epoch"])
    if options["deterministic"]:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return images, labels, names


def _grid_reals(images, options):
    """The real images shown beside the sample grids, or None without grids."""
    if not options["sample_every"]:
        return None
    n = min(options["num_samples"], len(images))
    pick = np.random.default_rng(options["seed"]).choice(len(images), n, replace=False)
    return scale_images(images[np.sort(pick)])


def _start_run_directory(options, run_dir, names, verbose, drawn):
    """Creates the run directory with its options (the chief only writes)."""
    run = RunDirectory(run_dir)
    os.makedirs(run.path, exist_ok=True)
    run.write_options(options)
    if names is not None:
        run.write_class_names(names)
    if verbose:
        print(f"Run directory: {run_dir}", flush=True)
        if drawn:
            print(
                f"Seed: {options['seed']} (drawn, as no --seed was "
                f"given; recorded in {OPTIONS_FILE}, so "
                f"--resume continues it exactly and --seed "
                f"{options['seed']} repeats it)",
                flush=True,
            )


def _roll_back(gan, checkpoint, err, rollbacks):
    """Restores `checkpoint` with halved learning rates; returns its epoch."""
    from keras_gan.checkpoints import restore_checkpoint

    optimizers = (gan.g_optimizer, gan.d_optimizer)
    # The rates in force now, before the checkpoint puts back its own
    # (which may be the base rate, or one already halved): each rollback
    # halves the rate in force once, so after k rollbacks it is
    # base * 0.5**k whichever checkpoint was restored.
    in_force = [float(keras.ops.convert_to_numpy(o.learning_rate)) for o in optimizers]
    epoch = restore_checkpoint(gan, checkpoint)
    for optimizer, rate in zip(optimizers, in_force):
        optimizer.learning_rate = rate * ROLLBACK_LR_FACTOR
    print(
        f"{err} Rolled back to {checkpoint} (epoch {epoch}) "
        f"with learning rates x{ROLLBACK_LR_FACTOR:g}: "
        f"g {in_force[0] * ROLLBACK_LR_FACTOR:g}, "
        f"d {in_force[1] * ROLLBACK_LR_FACTOR:g} "
        f"(rollback {rollbacks}/{MAX_ROLLBACKS}).",
        flush=True,
    )
    return epoch


def _save_results(gan, options, run_dir, names):
    """Exports generator.keras and the final sample grid."""
    from keras_gan.callbacks.sample_grid import grid_images

    save_generator(gan, run_dir)
    noise = gan.sample_noise(options["num_samples"], seed=options["seed"] or 0)
    images, layout = grid_images(gan, noise[:8] if names else noise)
    save_grid(images, RunDirectory(run_dir).grid_file, **layout)

"""`GANCheckpoint`: atomic full-state checkpoints, the last K and the best."""

import os

import numpy as np

import keras

from keras_gan import checkpoints
from keras_gan._checks import check_int
from keras_gan.callbacks._protocol import check_gan


class GANCheckpoint(keras.callbacks.Callback):
    """Saves the full training state every N epochs, atomically.

    Each checkpoint is a folder `directory/ckpt-0005` (the number is epochs
    completed) holding `state.weights.h5` (both networks, both optimizers,
    the noise seed generator) and `meta.json` (epoch, architecture, logs);
    `keras_gan.checkpoints` defines the format and reads it back. It is
    written under a temporary name and renamed when complete, so a crash
    during a save never leaves a broken latest checkpoint. The last
    `keep` are kept; with `monitor` the best is also kept in
    `directory/best`. With `generator_path` the generator alone is also
    exported as a `.keras` file for inference: the EMA generator when the
    model keeps one (`model.sampling_generator`), else `model.generator`.

    Args:
        directory: the checkpoint folder (created).
        every: epochs between checkpoints. Defaults to 1.
        keep: how many recent checkpoints to keep. Defaults to 3.
        monitor: an epoch-log key to keep the best checkpoint by (e.g.
            `"fid"`). Defaults to `None` (no best checkpoint).
        mode: `"min"` or `"max"`; required with `monitor`, because GAN
            metrics have no direction Keras could guess.
        generator_path: a `.keras` path to export the generator to at every
            checkpoint. Defaults to `None`.

    Raises:
        ValueError: for a non-positive `every` or `keep`, a `monitor`
            without `mode`, or a `generator_path` not ending in `.keras`.

    Example:

    ```python
    gan.fit(ds, epochs=30, callbacks=[GANCheckpoint("logs/run/checkpoints")])
    ```
    """

    def __init__(
        self,
        directory,
        every=1,
        keep=3,
        monitor=None,
        mode=None,
        generator_path=None,
    ):
        super().__init__()
        for name, value in (("every", every), ("keep", keep)):
            check_int(name, value)
        if monitor is not None and mode not in ("min", "max"):
            raise ValueError(
                f"`monitor={monitor!r}` needs an explicit mode='min' or "
                f"mode='max'. Received: mode={mode!r}"
            )
        if generator_path is not None and not str(generator_path).endswith(".keras"):
            raise ValueError(
                f"Expected `generator_path` to end in '.keras'. Received: {generator_path!r}"
            )
        self.directory = os.fspath(directory)
        self.every = every
        self.keep = keep
        self.monitor = monitor
        self.mode = mode
        self.generator_path = None if generator_path is None else os.fspath(generator_path)
        self.best = None

    def on_train_begin(self, logs=None):
        check_gan(self.model, type(self).__name__)
        best = os.path.join(self.directory, checkpoints.BEST_NAME)
        if self.monitor and checkpoints.is_complete(best):
            self.best = checkpoints.read_checkpoint_meta(best).get("monitor_value")

    def on_train_batch_begin(self, batch, logs=None):
        # PyTorch only: the random state a restore left, after fit's data
        # loader drew its seed.
        checkpoints.restore_pending_rng(self.model)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1, logs)

    def _improved(self, value):
        if value is None or not np.isfinite(value):
            return False
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def save(self, epoch, logs=None):
        """Writes one checkpoint for `epoch` completed epochs.

        Args:
            epoch: the number of completed epochs.
            logs: the epoch logs to record in `meta.json`.

        Returns:
            The checkpoint folder path.
        """
        logs = {k: float(v) for k, v in (logs or {}).items()}
        final = checkpoints.write_checkpoint(
            self.model, self.directory, epoch, logs, monitor=self.monitor
        )
        if self.monitor and self._improved(logs.get(self.monitor)):
            self.best = logs[self.monitor]
            checkpoints.copy_checkpoint(final, os.path.join(self.directory, checkpoints.BEST_NAME))
        checkpoints.prune_checkpoints(self.directory, self.keep)
        if self.generator_path:
            self._export_generator()
        return final

    def _export_generator(self):
        checkpoints.write_generator(self.model, self.generator_path)

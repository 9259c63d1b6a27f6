"""`GANCheckpoint`: atomic full-state checkpoints, the last K and the best."""

import json
import os
import re
import shutil

import numpy as np

import keras

from callbacks._protocol import check_gan
from keras_gan.files import atomic_directory
from keras_gan.files import atomic_path

STATE_FILE = "state.weights.h5"
META_FILE = "meta.json"
# PyTorch backend only: torch's global random state. Keras' unseeded
# Dropout draws its masks from it on PyTorch (on TensorFlow and JAX from a
# seed generator kept in STATE_FILE), so exact resume needs it.
TORCH_RNG_FILE = "torch_rng_state.npy"
# Where restore_checkpoint leaves that state for GANCheckpoint to put back
# at the first batch: `fit` on PyTorch draws from the global state once
# when it starts reading the data (its DataLoader's base seed), after
# on_epoch_begin, which an uninterrupted run did at its first epoch only.
_PENDING_TORCH_RNG = "_keras_gan_pending_torch_rng_state"
_CKPT = re.compile(r"^ckpt-(\d+)$")


def _architecture(model):
    # What must match for a checkpoint's weights to belong to a model.
    def shapes(net):
        return [list(w.shape) for w in net.weights]

    arch = {"class": type(model).__name__, "latent_dim": int(model.latent_dim)}
    arch["generator"] = shapes(model.generator)
    if hasattr(model, "discriminator"):
        arch["discriminator"] = shapes(model.discriminator)
    # Whether the state holds an EMA generator (older checkpoints: absent).
    arch["ema"] = getattr(model, "ema_generator", None) is not None
    return arch


def sampling_generator(model):
    """The generator a model samples from: its EMA one if it has one.

    Args:
        model: a GAN; `model.sampling_generator` is used when it exists,
            else `model.generator` (any object with the GAN protocol).

    Returns:
        A `keras.Model` from latent vectors to images.
    """
    return getattr(model, "sampling_generator", None) or model.generator


def export_generator(model, path):
    """Saves a model's sampling generator as a `.keras` file, atomically.

    The EMA generator when the model keeps one (see `sampling_generator`),
    else `model.generator`.

    Args:
        model: a GAN.
        path: the `.keras` file to write.

    Returns:
        The path.
    """
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        sampling_generator(model).save(tmp)
    return path


def _is_complete(path):
    return os.path.isfile(os.path.join(path, STATE_FILE)) and os.path.isfile(
        os.path.join(path, META_FILE)
    )


def list_checkpoints(directory):
    """Lists the complete checkpoints in a folder, oldest first.

    Args:
        directory: the checkpoint folder.

    Returns:
        A list of `(epoch, path)` pairs; half-written checkpoints (a crash
        during a save) are never listed.
    """
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        match = _CKPT.match(name)
        path = os.path.join(directory, name)
        if match and _is_complete(path):
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(directory):
    """Returns the path of the newest complete checkpoint, or `None`.

    Args:
        directory: the checkpoint folder.

    Returns:
        A checkpoint folder path, or `None` when there is none.
    """
    found = list_checkpoints(directory)
    return found[-1][1] if found else None


def read_checkpoint_meta(path):
    """Reads a checkpoint's `meta.json` (epoch, architecture, logs).

    Args:
        path: a checkpoint folder.

    Returns:
        The metadata dict.

    Raises:
        ValueError: if the folder is not a complete checkpoint.
    """
    if not _is_complete(path):
        raise ValueError(
            f"{path!r} is not a complete checkpoint: expected {STATE_FILE} "
            f"and {META_FILE} inside it."
        )
    with open(os.path.join(path, META_FILE)) as f:
        return json.load(f)


def restore_checkpoint(model, path):
    """Restores a GAN's full training state from a checkpoint folder.

    Restores both networks, both optimizers, the noise seed generator and
    the EMA generator, if the model keeps one; on PyTorch also torch's
    global random state (Keras' unseeded Dropout draws from it there),
    set again at the first batch when `fit` runs with a `GANCheckpoint`.
    Call it after `compile()`, so the optimizers exist to receive their
    state.

    Args:
        model: a compiled GAN of the same architecture.
        path: a checkpoint folder (from `latest_checkpoint`).

    Returns:
        The number of epochs completed at the checkpoint: pass it to
        `fit(..., initial_epoch=...)`.

    Raises:
        ValueError: if the checkpoint is incomplete or was written by a
            model of another architecture.

    Example:

    ```python
    epoch = restore_checkpoint(gan, latest_checkpoint("logs/run/checkpoints"))
    gan.fit(ds, epochs=30, initial_epoch=epoch)
    ```
    """
    meta = read_checkpoint_meta(path)
    saved, current = meta.get("architecture", {}), _architecture(model)
    for key in ("latent_dim", "generator", "discriminator", "ema"):
        if key in saved and key in current and saved[key] != current[key]:
            raise ValueError(
                f"Checkpoint {path!r} was written by another architecture: "
                f"its {key} is {_short(saved[key])}, this model's is "
                f"{_short(current[key])}."
            )
    model.load_weights(os.path.join(path, STATE_FILE))
    rng_path = os.path.join(path, TORCH_RNG_FILE)
    if keras.backend.backend() == "torch" and os.path.isfile(rng_path):
        import torch

        state = np.load(rng_path)
        torch.set_rng_state(torch.from_numpy(state))
        # In __dict__: not an attribute for Keras to track or save.
        model.__dict__[_PENDING_TORCH_RNG] = state
    return int(meta["epoch"])


def _short(value):
    text = json.dumps(value)
    return text if len(text) < 120 else text[:117] + "..."


class GANCheckpoint(keras.callbacks.Callback):
    """Saves the full training state every N epochs, atomically.

    Each checkpoint is a folder `directory/ckpt-0005` (the number is epochs
    completed) holding `state.weights.h5` (both networks, both optimizers,
    the noise seed generator) and `meta.json` (epoch, architecture, logs).
    It is written under a temporary name and renamed when complete, so a
    crash during a save never leaves a broken latest checkpoint. The last
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
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"Expected `{name}` to be a positive int. Received: {value!r}"
                )
        if monitor is not None and mode not in ("min", "max"):
            raise ValueError(
                f"`monitor={monitor!r}` needs an explicit mode='min' or "
                f"mode='max'. Received: mode={mode!r}"
            )
        if generator_path is not None and not str(generator_path).endswith(
            ".keras"
        ):
            raise ValueError(
                "Expected `generator_path` to end in '.keras'. "
                f"Received: {generator_path!r}"
            )
        self.directory = os.fspath(directory)
        self.every = every
        self.keep = keep
        self.monitor = monitor
        self.mode = mode
        self.generator_path = (
            None if generator_path is None else os.fspath(generator_path)
        )
        self.best = None

    def on_train_begin(self, logs=None):
        check_gan(self.model, type(self).__name__)
        best = os.path.join(self.directory, "best")
        if self.monitor and _is_complete(best):
            self.best = read_checkpoint_meta(best).get("monitor_value")

    def on_train_batch_begin(self, batch, logs=None):
        # PyTorch only: the restored random state, after fit's data loader
        # drew its seed (see _PENDING_TORCH_RNG).
        state = self.model.__dict__.pop(_PENDING_TORCH_RNG, None)
        if state is not None:
            import torch

            torch.set_rng_state(torch.from_numpy(state))

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
        final = os.path.join(self.directory, f"ckpt-{epoch:04d}")
        with atomic_directory(final) as tmp:
            self.model.save_weights(os.path.join(tmp, STATE_FILE))
            if keras.backend.backend() == "torch":
                import torch

                np.save(
                    os.path.join(tmp, TORCH_RNG_FILE),
                    torch.get_rng_state().numpy(),
                )
            meta = {
                "epoch": int(epoch),
                "architecture": _architecture(self.model),
                "logs": logs,
            }
            if self.monitor:
                meta["monitor"] = self.monitor
                meta["monitor_value"] = logs.get(self.monitor)
            with open(os.path.join(tmp, META_FILE), "w") as f:
                json.dump(meta, f)
        if self.monitor and self._improved(logs.get(self.monitor)):
            self.best = logs[self.monitor]
            with atomic_directory(os.path.join(self.directory, "best")) as tmp:
                for name in (STATE_FILE, META_FILE, TORCH_RNG_FILE):
                    if os.path.isfile(os.path.join(final, name)):
                        shutil.copy2(os.path.join(final, name), tmp)
        for _, old in list_checkpoints(self.directory)[: -self.keep]:
            shutil.rmtree(old, ignore_errors=True)
        if self.generator_path:
            self._export_generator()
        return final

    def _export_generator(self):
        export_generator(self.model, self.generator_path)

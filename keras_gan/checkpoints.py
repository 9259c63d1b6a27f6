"""The checkpoint format: write, list, find the latest, restore; export the generator.

A checkpoint is a folder `<directory>/ckpt-0005` (the number is epochs
completed) holding

- `state.weights.h5`: both networks, both optimizers, the noise seed
  generator and the EMA generator, if the model keeps one
  (`model.save_weights`);
- `meta.json`: `epoch`, `architecture` (what must match to restore), the
  epoch's `logs`, and `monitor` / `monitor_value` when a best checkpoint is
  kept;
- on PyTorch only, `torch_rng_state.npy`: torch's global random state.

It is written under a temporary name and renamed when complete
(`keras_gan.files.atomic_directory`), so a folder holding both
`state.weights.h5` and `meta.json` is complete; anything else is never
listed. `GANCheckpoint` (`keras_gan.callbacks`) writes checkpoints during
`fit`; training, resuming and rolling back read them with the functions
here.
"""

import json
import os
import re
import shutil

import numpy as np

import keras

from keras_gan.files import atomic_directory
from keras_gan.files import atomic_path

STATE_FILE = "state.weights.h5"
META_FILE = "meta.json"
# PyTorch backend only: torch's global random state. Keras' unseeded
# Dropout draws its masks from it on PyTorch (on TensorFlow and JAX from a
# seed generator kept in STATE_FILE), so exact resume needs it.
TORCH_RNG_FILE = "torch_rng_state.npy"
# The folder beside the numbered ones that keeps the best checkpoint.
BEST_NAME = "best"
# Where restore_checkpoint leaves that state for `restore_pending_rng` to
# put back at the first batch: `fit` on PyTorch draws from the global state
# once when it starts reading the data (its DataLoader's base seed), after
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


def write_generator(model, path):
    """Saves a model's sampling generator as a `.keras` file, atomically.

    The EMA generator when the model keeps one (see `sampling_generator`),
    else `model.generator`. (`keras_gan.export_generator` turns such a
    file into SavedModel, ONNX or TFLite.)

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


def checkpoint_path(directory, epoch):
    """The folder of the checkpoint after `epoch` completed epochs.

    Example:

    >>> checkpoint_path("logs/run/checkpoints", 5)
    'logs/run/checkpoints/ckpt-0005'
    """
    return os.path.join(os.fspath(directory), f"ckpt-{int(epoch):04d}")


def is_complete(path):
    """Whether a folder holds a complete checkpoint (state and metadata)."""
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
        if match and is_complete(path):
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
    if not is_complete(path):
        raise ValueError(
            f"{path!r} is not a complete checkpoint: expected {STATE_FILE} "
            f"and {META_FILE} inside it."
        )
    with open(os.path.join(path, META_FILE)) as f:
        return json.load(f)


def write_checkpoint(model, directory, epoch, logs=None, monitor=None):
    """Writes a model's full training state as one checkpoint, atomically.

    Args:
        model: a GAN (the GAN protocol plus `save_weights`).
        directory: the checkpoint folder (created).
        epoch: the number of completed epochs.
        logs: the epoch logs to record in `meta.json`. Defaults to `None`.
        monitor: a key of `logs` to record as `monitor` / `monitor_value`,
            for keeping the best checkpoint. Defaults to `None`.

    Returns:
        The checkpoint folder path (`checkpoint_path(directory, epoch)`).
    """
    logs = {k: float(v) for k, v in (logs or {}).items()}
    final = checkpoint_path(directory, epoch)
    with atomic_directory(final) as tmp:
        model.save_weights(os.path.join(tmp, STATE_FILE))
        if keras.backend.backend() == "torch":
            import torch

            np.save(
                os.path.join(tmp, TORCH_RNG_FILE),
                torch.get_rng_state().numpy(),
            )
        meta = {
            "epoch": int(epoch),
            "architecture": _architecture(model),
            "logs": logs,
        }
        if monitor:
            meta["monitor"] = monitor
            meta["monitor_value"] = logs.get(monitor)
        with open(os.path.join(tmp, META_FILE), "w") as f:
            json.dump(meta, f)
    return final


def copy_checkpoint(path, destination):
    """Copies a complete checkpoint to another folder, atomically.

    Args:
        path: a checkpoint folder.
        destination: the folder to (re)write, e.g. `directory/best`.

    Returns:
        The destination path.
    """
    destination = os.fspath(destination)
    with atomic_directory(destination) as tmp:
        for name in (STATE_FILE, META_FILE, TORCH_RNG_FILE):
            if os.path.isfile(os.path.join(path, name)):
                shutil.copy2(os.path.join(path, name), tmp)
    return destination


def prune_checkpoints(directory, keep):
    """Deletes all but the newest `keep` numbered checkpoints of a folder.

    Args:
        directory: the checkpoint folder.
        keep: how many of the newest to keep (at least 1).
    """
    for _, old in list_checkpoints(directory)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def restore_checkpoint(model, path):
    """Restores a GAN's full training state from a checkpoint folder.

    Restores both networks, both optimizers, the noise seed generator and
    the EMA generator, if the model keeps one; on PyTorch also torch's
    global random state (Keras' unseeded Dropout draws from it there),
    set again at the first batch when `fit` runs with a `GANCheckpoint`
    (see `restore_pending_rng`). Call it after `compile()`, so the
    optimizers exist to receive their state.

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


def restore_pending_rng(model):
    """Puts back the torch random state a restore left for the first batch.

    PyTorch only, and only once after `restore_checkpoint`: `fit` draws
    its data loader's seed from torch's global state after the epoch
    begins, so the restored state is set again at the first batch
    (`GANCheckpoint` calls this then). Elsewhere it does nothing.

    Args:
        model: the model `restore_checkpoint` restored.
    """
    state = model.__dict__.pop(_PENDING_TORCH_RNG, None)
    if state is not None:
        import torch

        torch.set_rng_state(torch.from_numpy(state))


def _short(value):
    text = json.dumps(value)
    return text if len(text) < 120 else text[:117] + "..."

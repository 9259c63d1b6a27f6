"""`GAN.fit`'s guard: the first batch's range, and a stop on non-finite losses.

Before training, `check_first_batch` refuses pixels outside [-1, 1]. During
training, the step reports which loss went non-finite first (`NonFinite`, a
metric, so JAX's stateless step carries it); `guard_train_function` wraps
Keras' train function to read that flag after each call and raise
`NonFiniteLossError`, naming the epoch and step that `EpochTracker` knows.
"""

import numpy as np

import keras
from keras import ops

from keras_gan import _step

# The non-finite flag's loss codes (0: every loss finite so far).
NON_FINITE_LOSSES = {1: "g_loss", 2: "d_loss"}


def multi_worker():
    """Whether the step runs under a multi-worker `tf.distribute` strategy."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode()
    )


def is_tf_dataset(data):
    """Whether `data` is a `tf.data.Dataset` (TensorFlow backend only)."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(data, tf.data.Dataset)


def to_int(variable):
    """A scalar variable's value as an int."""
    # Works for plain and tf.distribute (mirrored) variables alike.
    return int(np.asarray(ops.convert_to_numpy(variable)))


def _first_batch(data, batch_size):
    # The first batch's images and what `data` is, or `(None, None)` for
    # data not to be touched.
    if is_tf_dataset(data):
        batch, what = next(iter(data.take(1)), None), "a tf.data.Dataset"
    elif isinstance(data, keras.utils.PyDataset):
        batch, what = (data[0] if len(data) else None), "a PyDataset"
    elif (isinstance(data, np.ndarray) or ops.is_tensor(data)) and len(data.shape) >= 1:
        batch, what = data[: batch_size or 32], "an array"
    else:
        return None, None
    if isinstance(batch, dict):
        batch = batch.get("image")
    elif isinstance(batch, (tuple, list)):
        batch = batch[0] if batch else None
    if batch is None or isinstance(batch, (dict, tuple, list)):
        return None, None
    return np.asarray(batch), what


def check_first_batch(data, batch_size):
    """Refuses data whose first batch holds pixels outside [-1, 1].

    `GAN.fit`'s one look at the data: the first batch of a
    `tf.data.Dataset`, a `PyDataset` or an array. Python generators are
    never touched (peeking would consume them), nor pipelines from
    `load_dataset`/`make_dataset` (tagged; scaled by construction, and
    peeking would fill their shuffle buffer once more).

    Args:
        data: what `fit` received as `x`.
        batch_size: `fit`'s `batch_size`, or `None` (32).

    Raises:
        ValueError: naming the range found and the fix.
    """
    # Range tolerance of `keras_gan.data.scaling` (resizing overshoots).
    tolerance = 1e-3
    if getattr(data, "_keras_gan_scaled", False):
        return
    batch, what = _first_batch(data, batch_size)
    if batch is None or batch.size == 0 or batch.dtype.kind not in "biuf":
        return
    lo, hi = batch.min(), batch.max()
    # NaN fails both tests: the non-finite-loss check reports it instead.
    if not (lo < -1 - tolerance or hi > 1 + tolerance):
        return
    if lo >= 0 and hi <= 255:
        fix = (
            "pass it through `keras_gan.load_dataset(data)` (it detects "
            "0..255, 0..1 or -1..1 and scales), or, for 0..255 pixels, add "
            "`keras.layers.Rescaling(1/127.5, offset=-1)` to your pipeline"
        )
    else:
        fix = (
            "scale the pixels to [-1, 1], or pass the data through "
            "`keras_gan.load_dataset(data, value_range=...)`"
        )
    raise ValueError(
        "Expected real images in [-1, 1] (the generator ends in tanh). "
        f"Received {what} whose first batch holds {batch.dtype} pixels "
        f"with min={lo:g}, max={hi:g}. Fix: {fix}."
    )


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; that update was not applied.

    The check is part of the computed step (it holds under `tf.function`,
    XLA, JAX and PyTorch alike): the failing update and everything after it
    in the same step are skipped, and `fit` stops after that step. With
    `d_steps > 1`, the discriminator updates of the same step before the
    failing one were applied (each checks its own loss); a non-finite
    `g_loss` comes after all `d_steps` discriminator updates, which were
    applied. BatchNorm moving statistics are those the failing step's
    forward pass left, as when `LossScaleOptimizer` skips a step.

    Attributes:
        loss: `"g_loss"` or `"d_loss"`.
        epoch: the 1-based epoch in which it happened.
        step: the 1-based step within that epoch.
        global_step: the 1-based step counted from the start of training.
    """

    def __init__(self, loss, epoch, step, global_step):
        self.loss, self.epoch, self.step = loss, epoch, step
        self.global_step = global_step
        super().__init__(
            f"Non-finite {loss} at epoch {epoch}, step {step} (global step "
            f"{global_step}); training stopped before applying that update."
        )


class EpochTracker(keras.callbacks.Callback):
    """The epoch and its first step, for `NonFiniteLossError`'s message."""

    # Epoch-level hooks only: batch hooks would turn off async dispatch.
    def __init__(self):
        super().__init__()
        self.epoch, self.start_step = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.start_step = to_int(self.model.g_optimizer.iterations)


class NonFinite(keras.metrics.Metric):
    """Which loss went non-finite first in this epoch, and at which step.

    Sticky within an epoch: a code of `NON_FINITE_LOSSES` (0 while all are
    finite) and the generator's update count. Once set, later steps apply
    nothing, so with `steps_per_execution > 1` the weights stay those
    before the failing step. A metric, so that the JAX trainer threads it
    through its stateless step and Keras resets it each epoch; never saved.
    """

    def __init__(self, name="non_finite"):
        super().__init__(name=name)
        self.loss = self.add_variable(
            (),
            "zeros",
            dtype="int32",
            aggregation="only_first_replica",
            name="loss",
        )
        self.step = self.add_variable(
            (),
            "zeros",
            dtype="int32",
            aggregation="only_first_replica",
            name="step",
        )

    def update_state(self, code, step):
        loss, at = self.loss.value, self.step.value
        first = ops.logical_and(ops.equal(loss, 0), code > 0)
        self.loss.assign(ops.where(first, code, loss))
        self.step.assign(ops.where(first, ops.cast(step, "int32"), at))

    def result(self):
        return self.loss

    def reset_state(self):
        self.loss.assign(0)
        self.step.assign(0)


def prepare_fit(args, kwargs):
    """Checks `fit`'s data and adds an `EpochTracker` to its callbacks.

    Args:
        args: `fit`'s positional arguments.
        kwargs: `fit`'s keyword arguments, updated in place.

    Returns:
        The `EpochTracker` added.

    Raises:
        ValueError: from `check_first_batch`.
    """
    data = args[0] if args else kwargs.get("x")
    # Refuse pixels outside [-1, 1] before training on them: once, on the
    # first batch, not every step. `batch_size` is fit()'s 3rd positional
    # parameter.
    check_first_batch(data, args[2] if len(args) > 2 else kwargs.get("batch_size"))
    # `shuffle` is fit()'s 9th positional parameter.
    if "shuffle" not in kwargs and len(args) <= 8 and is_tf_dataset(data):
        # A tf.data pipeline shuffles itself; Keras would only warn that its
        # own shuffle=True is ignored.
        kwargs["shuffle"] = False
    tracker = EpochTracker()
    callbacks = kwargs.get("callbacks")
    if isinstance(callbacks, keras.callbacks.CallbackList):
        callbacks.append(tracker)
    else:
        kwargs["callbacks"] = list(callbacks or []) + [tracker]
    return tracker


def guard_train_function(model, function):
    """Wraps Keras' train function to stop `fit` on a non-finite loss.

    Args:
        model: the GAN.
        function: its `train_function`.

    Returns:
        The wrapped function (`function` itself if already wrapped).
    """
    if getattr(function, "_keras_gan_checked", False):
        return function

    def train_function(*args):
        out = function(*args)
        stop_if_non_finite(model, out)
        return out

    train_function._keras_gan_checked = True
    return train_function


def stop_if_non_finite(model, out):
    """Raises `NonFiniteLossError` when the step's logs report a failed loss.

    The step reports its flag in the logs under private keys, removed here
    so no callback, progress bar or history sees them. Reading them waits
    for the step to finish (one scalar per step).

    Args:
        model: the GAN.
        out: what its train function returned.

    Raises:
        NonFiniteLossError: with the model's variables holding the state
            before the failing update.
    """
    logs = out[0] if isinstance(out, tuple) else out
    code = logs.pop("_non_finite_loss", None)
    step = logs.pop("_non_finite_step", None)
    if code is None:
        return
    code = int(np.asarray(ops.convert_to_numpy(code)).reshape(-1)[0])
    if code == 0:
        return
    step = int(np.asarray(ops.convert_to_numpy(step)).reshape(-1)[0])
    _step.backend().restore_state(model, out)
    # Cleared, so a later `train_on_batch` (which resets no metric) trains
    # instead of finding the flag still set.
    model._non_finite.reset_state()
    tracker = getattr(model, "_epoch_tracker", None)
    epoch = tracker.epoch if tracker else 0
    start = tracker.start_step if tracker else step
    raise NonFiniteLossError(
        NON_FINITE_LOSSES[code],
        epoch=epoch + 1,
        step=step - start + 1,
        global_step=step + 1,
    )

"""Training on several devices: `tf.distribute` on TensorFlow, Keras' `DataParallel` on JAX.

The `distribute` option names what to use; each backend gets its own
mechanism:

- TensorFlow: `tf.distribute` strategies. `GAN.train_step` scales each
  replica's loss by the replica count, folds the replica id into its noise
  seed, and `dcgan_generator` synchronises BatchNorm under a multi-replica
  strategy, so a step on N replicas computes the same update as one device
  on the same global batch.
- JAX: `"mirrored"` is `keras.distribution.DataParallel` over the local
  devices (the Keras 3 distribution API). The step is one computation
  over the global batch, split over the devices by XLA: the noise is the
  global batch's noise as on one device (the same seed state, the same
  values whatever the split), BatchNorm normalises over the global batch,
  and both optimizers apply the global gradient to replicated weights, so
  the update is the single-device one. The batch size must be a multiple
  of the device count.
- PyTorch: Keras has no distribution API there; only `"none"`.
"""

import contextlib
import json
import os

STRATEGIES = ("none", "mirrored", "multiworker")


def make_strategy(name="none"):
    """Creates what the `distribute` option names, for the current backend.

    Create it before any other TensorFlow work: `MultiWorkerMirroredStrategy`
    must start its collective runtime first. On JAX, also train inside
    `training_scope(strategy)`: Keras reads its distribution when `fit`
    runs, not only when the model is built.

    Args:
        name: `"none"` (TensorFlow's default strategy: one device, on every
            backend), `"mirrored"` (TensorFlow: `MirroredStrategy` over
            every local GPU, or the CPU; JAX:
            `keras.distribution.DataParallel` over every local device) or
            `"multiworker"` (TensorFlow only: `MultiWorkerMirroredStrategy`,
            configured by the `TF_CONFIG` environment variable). Defaults
            to `"none"`.

    Returns:
        A `tf.distribute.Strategy`, or on JAX for `"mirrored"` a
        `keras.distribution.DataParallel`. Both have `scope()`, under
        which the model is built.

    Raises:
        ValueError: for an unknown name, `"multiworker"` without a
            `TF_CONFIG` naming a cluster, or a name other than `"none"`
            that the backend has no mechanism for (`"mirrored"` on
            PyTorch, `"multiworker"` on JAX or PyTorch).

    Example:

    ```python
    strategy = make_strategy("mirrored")
    with training_scope(strategy):
        with strategy.scope():
            gan = GAN(dcgan_generator(), dcgan_discriminator())
            gan.compile()
        # DataParallel splits every batch evenly: no short last batch.
        gan.fit(load_dataset("mnist_sample", batch_size=64, drop_remainder=True))
    ```
    """
    import keras

    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown distribute strategy {name!r}. Expected one of {list(STRATEGIES)}."
        )
    backend = keras.backend.backend()
    if name != "none" and backend != "tensorflow":
        return _keras_distribution(name, backend)
    import tensorflow as tf

    if name == "none":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    config = os.environ.get("TF_CONFIG")
    try:
        cluster = json.loads(config)["cluster"] if config else None
    except (ValueError, KeyError, TypeError):
        cluster = None
    if not cluster:
        raise ValueError(
            "distribute='multiworker' needs the TF_CONFIG environment variable "
            'with a cluster, e.g. {"cluster": {"worker": ["host1:12345", '
            '"host2:12345"]}, "task": {"type": "worker", "index": 0}}. '
            f"Received: TF_CONFIG={config!r}"
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def _keras_distribution(name, backend):
    # The Keras 3 distribution API: JAX only (keras.distribution has no
    # PyTorch or TensorFlow backend for DataParallel training).
    import keras

    if backend != "jax":
        raise ValueError(
            f"distribute={name!r} is not available with the {backend!r} "
            "backend: Keras has no distribution API for it (keras.distribution "
            "supports JAX), and keras_gan trains on one device there. Use "
            "distribute='none', or the tensorflow backend (tf.distribute) or "
            "the jax backend (DataParallel) for several devices. "
            f"Received: distribute={name!r}, KERAS_BACKEND={backend!r}"
        )
    if name == "multiworker":
        raise ValueError(
            "distribute='multiworker' is TensorFlow's MultiWorkerMirroredStrategy "
            "and needs the tensorflow backend. On JAX, distribute='mirrored' "
            "trains with keras.distribution.DataParallel over this process's "
            "devices. Received: distribute='multiworker', KERAS_BACKEND='jax'"
        )
    return keras.distribution.DataParallel()


def _is_keras_distribution(strategy):
    # Keras exports its distributions, not their base class.
    import keras

    return isinstance(
        strategy,
        (keras.distribution.DataParallel, keras.distribution.ModelParallel),
    )


def training_scope(strategy):
    """The context a whole training run (build, `fit`, save) runs in.

    A Keras distribution (JAX's `DataParallel`) must be in force when `fit`
    places each batch on the devices, so it is entered here; a
    `tf.distribute` strategy needs nothing here (its `scope()` is for
    building the model, and the model keeps it).

    Args:
        strategy: what `make_strategy` returned.

    Returns:
        A context manager.
    """
    if _is_keras_distribution(strategy):
        return strategy.scope()
    return contextlib.nullcontext()


def replica_count(strategy):
    """The number of devices a step runs on: replicas, or the mesh's devices.

    Args:
        strategy: what `make_strategy` returned.

    Returns:
        An int.
    """
    if _is_keras_distribution(strategy):
        return int(strategy.device_mesh.devices.size)
    return int(strategy.num_replicas_in_sync)


def check_batches(strategy, batch_size, num_images, steps_per_epoch=None):
    """Refuses batches that a Keras distribution cannot split evenly.

    JAX's `DataParallel` gives each device an equal share of every batch,
    so the batch size, and the short last batch of an epoch when there is
    one, must be multiples of the device count. `tf.distribute` splits
    any batch: nothing to check there.

    Args:
        strategy: what `make_strategy` returned.
        batch_size: images per batch.
        num_images: images per epoch.
        steps_per_epoch: batches taken from each epoch, when not all.
            Defaults to `None` (whole epochs).

    Raises:
        ValueError: naming the batch sizes and the device count.
    """
    if not _is_keras_distribution(strategy):
        return
    devices = replica_count(strategy)
    # The first `steps_per_epoch` batches of an epoch are all full when
    # they fit in it.
    full = steps_per_epoch and steps_per_epoch * batch_size <= num_images
    last = 0 if full else num_images % batch_size
    if batch_size % devices or last % devices:
        raise ValueError(
            f"Expected batches that split evenly over the {devices} devices "
            "of DataParallel: batch_size and the epoch's short last batch "
            f"must be multiples of {devices}. Received batch_size="
            f"{batch_size} for {num_images} images (last batch: "
            f"{last or batch_size}). Pick another --batch-size, or pass "
            "--steps-per-epoch to train on full batches only."
        )


def is_chief(strategy=None):
    """Returns whether this process writes files (logs, checkpoints, samples).

    The chief is the task of type "chief", or worker 0 when the cluster has
    no chief; a process without a cluster (also one training with JAX's
    `DataParallel` over its own devices) is always the chief.

    Args:
        strategy: the strategy in use. Defaults to the current one.

    Returns:
        A bool.
    """
    import tensorflow as tf

    strategy = strategy or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief

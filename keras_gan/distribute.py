"""`tf.distribute` strategies for training: none, mirrored, multi-worker.

`GAN.train_step` scales each replica's loss by the replica count, folds the
replica id into its noise seed, and `dcgan_generator` synchronises BatchNorm
under a multi-replica strategy, so a step on N replicas computes the same
update as one device on the same global batch.
"""

import json
import os

STRATEGIES = ("none", "mirrored", "multiworker")


def make_strategy(name="none"):
    """Creates the `tf.distribute` strategy named by the `distribute` option.

    Create it before any other TensorFlow work: `MultiWorkerMirroredStrategy`
    must start its collective runtime first.

    Args:
        name: `"none"` (TensorFlow's default strategy, one device),
            `"mirrored"` (`MirroredStrategy` over every local GPU, or the CPU)
            or `"multiworker"` (`MultiWorkerMirroredStrategy`, configured by
            the `TF_CONFIG` environment variable). Defaults to `"none"`.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: for an unknown name, or `"multiworker"` without a
            `TF_CONFIG` naming a cluster.
    """
    import tensorflow as tf

    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown distribute strategy {name!r}. Expected one of "
            f"{list(STRATEGIES)}."
        )
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


def is_chief(strategy=None):
    """Returns whether this process writes files (logs, checkpoints, samples).

    The chief is the task of type "chief", or worker 0 when the cluster has
    no chief; a process without a cluster is always the chief.

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

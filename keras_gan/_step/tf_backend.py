"""The TensorFlow part of the GAN step: tapes, tf.cond and tf.distribute."""

import contextlib

import tensorflow as tf

from keras import ops


def run_train_step(model, step, args):
    return step(*args)


def run_test_step(model, step, args):
    return step(*args)


def losses_and_gradients(fn, variable_lists):
    # One tape per loss, all recording the same forward pass.
    with contextlib.ExitStack() as stack:
        tapes = [stack.enter_context(tf.GradientTape()) for _ in variable_lists]
        losses, aux = fn()
    grads = [
        tape.gradient(loss, variables)
        for tape, loss, variables in zip(tapes, losses, variable_lists)
    ]
    return losses, aux, grads


def input_gradient(fn, x):
    # Nested in the caller's tape, which records this gradient too.
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = fn(x)
    return tape.gradient(scores, x)


def agree(finite):
    # Every replica must take the same branch, or their weights diverge: a
    # step is finite only where it is finite on all replicas.
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return finite
    failed = context.all_reduce("SUM", 1.0 - tf.cast(finite, "float32"))
    return tf.equal(failed, 0.0)


def apply_if(finite, updates):
    def apply(grads):
        for (optimizer, _, variables), g in zip(updates, grads):
            optimizer.apply(g, variables)

    grads = [g for _, g, _ in updates]
    if tf.__internal__.distribute.strategy_supports_no_merge_call():
        ops.cond(finite, lambda: apply(grads), lambda: None)
        return

    # `optimizer.apply` calls `merge_call`, which tf.distribute refuses
    # inside a `tf.cond` in replica context: branch in the cross-replica
    # context and apply on each replica from there (as Keras'
    # LossScaleOptimizer does).
    def cross_replica(distribution, finite, grads):
        finite = distribution.experimental_local_results(finite)[0]
        ops.cond(
            finite,
            lambda: distribution.extended.call_for_each_replica(apply, args=(grads,)),
            lambda: None,
        )

    tf.distribute.get_replica_context().merge_call(cross_replica, args=(finite, grads))


def noise(seed_generator, shape):
    # Under tf.distribute every replica holds the same seed state, so the
    # replica id is folded into the seed: each replica draws its own noise
    # for its share of the batch. Replica 0 (and a single device) draws
    # exactly what `keras.random.normal(seed=seed_generator)` would.
    seed = seed_generator.next()
    context = tf.distribute.get_replica_context()
    if context is not None and context.num_replicas_in_sync > 1:
        replica = tf.cast(context.replica_id_in_sync_group, seed.dtype)
        seed = seed + tf.stack([tf.zeros_like(replica), replica * 7919])
    return tf.random.stateless_normal(shape, seed=tf.cast(seed, "int32"))


def replica_count():
    # Gradients are summed across replicas under tf.distribute: each
    # replica's mean loss is divided by the replica count so the summed
    # gradient equals the single-device gradient on the global batch.
    return tf.distribute.get_strategy().num_replicas_in_sync


def restore_state(model, out):
    # TensorFlow updates the variables in place.
    return None

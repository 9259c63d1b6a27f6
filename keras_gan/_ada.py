"""Adaptive discriminator augmentation's controller, inside the GAN step.

ADA (Karras et al. 2020) applies each DiffAugment transform to each image
with a probability `p` that follows the discriminator's overfitting: every
`ada_interval` steps, `p` moves by `sign(r_t - target) * images / (kimg *
1000)`, `r_t = E[sign(D(real) - boundary)]` (stylegan2-ada's `adjust`).
Its state is four float32 variables of the GAN, updated with `ops.where`
(no Python branch on a traced value), so JAX's stateless step carries them.
"""

import keras
from keras import ops

from keras_gan import augment as augment_lib

# The state's variables, in the order they are created and saved.
STATE = ("ada_p", "ada_sign_sum", "ada_sign_count", "ada_steps")


def init_ada(model, augment, settings):
    """Sets the model's augmentation; with ADA, creates its state once.

    A second `compile` keeps the state's values.

    Args:
        model: the GAN.
        augment: `compile`'s `augment` (see `keras_gan.augment.parse_augment`).
        settings: `(ada_target, ada_kimg, ada_interval)`, checked.

    Raises:
        ValueError: for an unknown augmentation.
    """
    model.augment, model.adaptive_augment = augment_lib.parse_augment(augment)
    model.ada_target, model.ada_kimg, model.ada_interval = settings
    if not model.adaptive_augment or model.ada_p is not None:
        return
    # p, and since its last adjustment: the sum of sign(D(real)), the images
    # it counts and the steps (float32 counts are exact to 16.7M images: far
    # beyond one interval's).
    for name in STATE:
        setattr(model, name, model._step_state(name))
    model.ada_rt_tracker = keras.metrics.Mean(name="ada_rt")


def ada_variables(model):
    """ADA's state variables, or `[]` for a model without ADA."""
    if model.ada_p is None:
        return []
    return [getattr(model, name) for name in STATE]


def update_ada(model, real_logits, replicas, finite):
    """Adjusts `p` from this step's real logits; returns the logs to add.

    Args:
        model: the GAN.
        real_logits: the discriminator's outputs on (augmented) real images.
        replicas: the replica count: each replica's mean stands for the
            global batch (the variables follow the first replica).
        finite: whether the step was applied; a skipped step counts nothing.

    Returns:
        `{"ada_p": ..., "ada_rt": ...}`, or `{}` for a model without ADA.
    """
    if not model.adaptive_augment:
        return {}
    logits = ops.stop_gradient(ops.cast(real_logits, "float32"))
    sign = ops.mean(ops.sign(logits - model.adversarial_loss.boundary))
    keep = ops.cast(finite, "float32")
    images = ops.cast(ops.shape(real_logits)[0], "float32") * replicas * keep
    signs = model.ada_sign_sum + sign * images
    count = model.ada_sign_count + images
    steps = model.ada_steps + keep
    due = ops.greater_equal(steps, model.ada_interval)
    r_t = signs / ops.maximum(count, 1.0)
    adjust = ops.sign(r_t - model.ada_target) * count / (model.ada_kimg * 1000.0)
    model.ada_p.assign(ops.clip(model.ada_p + ops.where(due, adjust, 0.0), 0.0, 1.0))
    model.ada_sign_sum.assign(ops.where(due, 0.0, signs))
    model.ada_sign_count.assign(ops.where(due, 0.0, count))
    model.ada_steps.assign(ops.where(due, 0.0, steps))
    model.ada_rt_tracker.update_state(sign, sample_weight=keep)
    return {
        "ada_p": ops.convert_to_tensor(model.ada_p.value),
        "ada_rt": model.ada_rt_tracker.result(),
    }

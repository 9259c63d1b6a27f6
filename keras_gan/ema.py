"""Exponential moving average (EMA) of a generator's weights.

Averaging the generator's weights over the last few thousand images gives
smoother, usually better samples than the last step's weights (Karras et al.
2018, "Progressive Growing of GANs"; Yazici et al. 2019, "The Unusual
Effectiveness of Averaging in GAN Training"). Two details decide whether it
helps early in training, and both follow StyleGAN2-ADA
(`training/training_loop.py`, `ema_kimg` and `ema_rampup`):

- The decay is set by a half-life in images, not a fixed 0.999, and the
  half-life is ramped up: at most `rampup` times the images seen so far. A
  fixed 0.999 from step 0 keeps most of the random initial weights for
  thousands of steps; measured on the lecture's DCGAN it made samples much
  worse than no EMA after 5 epochs.
- BatchNorm's moving statistics (the generator's non-trainable variables)
  are copied from the trained generator, not averaged: averaged statistics
  belong to none of the averaged weights.
"""

import numbers

import numpy as np

import keras
from keras import ops


def check_ema_settings(ema_kimg, ema_rampup):
    """`GAN`'s EMA settings as `(ema_kimg, ema_rampup)`: a float or None, a float.

    Args:
        ema_kimg: the half-life in thousands of images, or `None` (no EMA).
        ema_rampup: the warm-up fraction, or 0 or `None` (a fixed half-life).

    Returns:
        `(None or float(ema_kimg), float(ema_rampup or 0))`.

    Raises:
        ValueError: if `ema_kimg` is not a positive number or `ema_rampup`
            is negative, naming the value received.
    """
    for name, value in (("ema_kimg", ema_kimg), ("ema_rampup", ema_rampup)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, (numbers.Real, np.number))
            or not np.isfinite(value)
            or value < 0
            or (name == "ema_kimg" and value == 0)
        ):
            raise ValueError(
                f"Expected `{name}` to be a positive number or None. Received: {name}={value!r}"
            )
    return (None if ema_kimg is None else float(ema_kimg)), float(ema_rampup or 0.0)


def ema_copy(network):
    """A non-trainable clone of `network` holding its weights: the EMA's start."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    copy.trainable = False
    return copy


def ema_beta(batch_size, images_seen, half_life_kimg, rampup=0.05):
    """The EMA decay for one step: the weight kept from the old average.

    `beta = 0.5 ** (batch_size / half_life_images)`, with
    `half_life_images = min(half_life_kimg * 1000, images_seen * rampup)`
    when `rampup` is positive: after `half_life_images` images the old
    average's share has halved. At the first step (`images_seen=0`) with a
    ramp-up, beta is 0: the average starts as the trained weights.

    Args:
        batch_size: images in this step (all replicas together); a number
            or a scalar tensor.
        images_seen: images trained on before this step; a number or a
            scalar tensor.
        half_life_kimg: the half-life in thousands of images, > 0.
        rampup: the ramp-up fraction; 0 or `None` for a fixed half-life.
            Defaults to 0.05.

    Returns:
        A float32 scalar tensor in [0, 1).

    Example:

    >>> float(ema_beta(256, 1_000_000, 10.0))  # 0.5 ** (256 / 10000)
    0.98241...
    """
    half_life = ops.convert_to_tensor(float(half_life_kimg) * 1000.0, "float32")
    if rampup:
        seen = ops.cast(images_seen, "float32")
        half_life = ops.minimum(half_life, seen * float(rampup))
    batch = ops.cast(batch_size, "float32")
    return ops.power(
        ops.convert_to_tensor(0.5, "float32"),
        batch / ops.maximum(half_life, 1e-8),
    )


def update_ema(ema_network, network, beta, active=None):
    """Moves `ema_network` towards `network` by `1 - beta`, in place.

    Variables that are trainable in `network` become
    `beta * ema + (1 - beta) * live`; non-trainable ones (BatchNorm's moving
    mean and variance) are copied from `network`. Works inside compiled
    steps on every backend.

    Args:
        ema_network: the averaged copy (a clone of `network`).
        network: the network being trained.
        beta: the decay, from `ema_beta`.
        active: a boolean scalar tensor; where false, nothing moves (a
            skipped training step). Defaults to `None` (always update).

    Raises:
        ValueError: if the two networks' variables do not pair up.
    """
    averaged_vars, live_vars = ema_network.weights, network.weights
    if len(averaged_vars) != len(live_vars):
        raise ValueError(
            "The EMA network must be a clone of the trained network. "
            f"Received {len(averaged_vars)} and {len(live_vars)} variables."
        )
    # Paired by position (a clone lists its weights in the same order); the
    # live variable says which kind it is, since the EMA copy is frozen.
    for averaged, live in zip(averaged_vars, live_vars):
        live_value, averaged_value = live.value, averaged.value
        if live.trainable:
            # live + beta * (ema - live) == beta * ema + (1 - beta) * live
            new = live_value + ops.cast(beta, live.dtype) * (averaged_value - live_value)
        else:
            new = live_value
        if active is not None:
            # Selected, not branched: no stateful op under a condition.
            new = ops.where(active, new, averaged_value)
        averaged.assign(new)

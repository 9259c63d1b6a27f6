"""Tests for keras_gan.ema: the decay's warm-up and the update rule."""

import numpy as np
import pytest

import keras

from keras_gan.ema import ema_beta
from keras_gan.ema import update_ema
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends


def _beta(*args, **kwargs):
    return float(keras.ops.convert_to_numpy(ema_beta(*args, **kwargs)))


@pytest.mark.parametrize(
    "batch, seen, kimg, rampup",
    [
        (256, 0, 10.0, 0.05),
        (256, 256, 10.0, 0.05),
        (256, 100_000, 10.0, 0.05),
        (256, 300_000, 10.0, 0.05),
        (32, 5_000, 0.1, 0.05),
        (64, 0, 10.0, 0.0),
        (64, 10**6, 2.5, None),
    ],
)
def test_beta_is_stylegans_half_life_with_ramp_up(batch, seen, kimg, rampup):
    half_life = kimg * 1000
    if rampup:
        half_life = min(half_life, seen * rampup)
    expected = 0.5 ** (batch / max(half_life, 1e-8))
    # float32 arithmetic: agreement to 1e-6 relative is what float32 gives.
    assert _beta(batch, seen, kimg, rampup) == pytest.approx(expected, rel=1e-6, abs=1e-30)


def test_ramp_up_starts_from_the_trained_weights_and_reaches_the_half_life():
    # First step: half-life 0, nothing of the (random) initial average kept.
    assert _beta(256, 0, 10.0) == 0.0
    # Early: the half-life is 5% of the images seen (12.8 images at 256).
    assert _beta(256, 256, 10.0) == pytest.approx(0.5**20, rel=1e-5)
    # Once 5% of the images seen exceeds 10k images, the half-life is 10k.
    assert _beta(256, 10**6, 10.0) == pytest.approx(0.5**0.0256, rel=1e-6)
    assert _beta(256, 10**6, 10.0) == _beta(256, 2 * 10**6, 10.0)


def test_update_averages_trained_weights_and_copies_batchnorm_statistics():
    keras.utils.set_random_seed(0)
    live = tiny_generator()
    ema = keras.models.clone_model(live)
    ema.set_weights([w * 0 + 1 for w in live.get_weights()])
    ema.trainable = False
    # Move the live BatchNorm statistics off their initial values.
    live(np.random.default_rng(0).normal(size=(16, 8)).astype("float32"), training=True)
    before = [keras.ops.convert_to_numpy(v).copy() for v in ema.weights]
    update_ema(ema, live, 0.75)
    names = [v.path for v in live.weights]
    for name, old, new, var in zip(names, before, ema.weights, live.weights):
        new, source = keras.ops.convert_to_numpy(new), keras.ops.convert_to_numpy(var)
        if var.trainable:
            # float32 lerp: 1e-6 is float32 rounding, far below the 0.25 step.
            np.testing.assert_allclose(new, 0.75 * old + 0.25 * source, rtol=1e-6, atol=1e-6)
        else:
            # moving_mean / moving_variance: copied, not averaged.
            assert "moving" in name
            np.testing.assert_array_equal(new, source)
    moving = [v for v in live.weights if not v.trainable]
    assert len(moving) == 2 and not np.allclose(keras.ops.convert_to_numpy(moving[0]), 0)


def test_update_refuses_networks_that_do_not_pair_up():
    with pytest.raises(ValueError, match="must be a clone"):
        update_ema(tiny_generator(latent_dim=4), tiny_generator(latent_dim=4).layers[1], 0.5)

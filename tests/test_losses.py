import math

import numpy as np
import pytest

from keras import ops

from keras_gan import losses

pytestmark = pytest.mark.backends


def _f(x):
    return float(ops.convert_to_numpy(x))


REAL = np.array([[2.0], [0.0]], np.float32)
FAKE = np.array([[-1.0], [0.5]], np.float32)


def softplus(x):
    return math.log1p(math.exp(x))


def test_bce_matches_keras_binary_crossentropy():
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    expected = _f(bce(np.ones_like(REAL), REAL)) + _f(bce(np.zeros_like(FAKE), FAKE))
    assert _f(losses.bce_discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-5)
    assert _f(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(
        _f(bce(np.ones_like(FAKE), FAKE)), rel=1e-5
    )


def test_closed_forms():
    assert _f(losses.minimax_generator_loss(FAKE)) == pytest.approx(
        -(softplus(-1.0) + softplus(0.5)) / 2, rel=1e-5
    )
    assert _f(losses.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(
        0.5 * (1 + 1) / 2 + 0.5 * (1 + 0.25) / 2
    )
    assert _f(losses.least_squares_generator_loss(FAKE)) == pytest.approx(0.5 * (4 + 0.25) / 2)
    assert _f(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(0.5 + 0.75)
    assert _f(losses.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(-0.25 - 1.0)
    assert _f(losses.negative_critic_generator_loss(FAKE)) == pytest.approx(0.25)


def test_registry():
    assert sorted(losses.LOSSES) == [
        "hinge",
        "least_squares",
        "minimax",
        "non_saturating",
        "wasserstein",
    ]
    wgan = losses.get("wasserstein")
    assert (wgan.d_steps, wgan.gradient_penalty) == (5, 10.0)
    assert losses.get(wgan) is wgan
    with pytest.raises(ValueError, match=r"Unknown GAN loss 'nope'. Expected one of \['hinge'"):
        losses.get("nope")


@pytest.mark.parametrize(
    "name,expected",
    [
        ("non_saturating", [1 / (1 + math.exp(-2.0)), 0.5]),
        ("minimax", [1 / (1 + math.exp(-2.0)), 0.5]),
        ("least_squares", [2.0, 0.0]),
        ("hinge", [2.0, 0.0]),
        ("wasserstein", [2.0, 0.0]),
    ],
)
def test_each_loss_scores_outputs_in_its_own_terms(name, expected):
    # A probability only where the discriminator is a classifier; the raw
    # output (a regression value, a margin, a critic value) otherwise.
    score = ops.convert_to_numpy(losses.get(name).score(REAL)).ravel()
    np.testing.assert_allclose(score, expected, rtol=1e-6)

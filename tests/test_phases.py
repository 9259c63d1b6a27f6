"""Tests for keras_gan._phases and keras_gan._regularisers: the step as phases."""

import numpy as np
import pytest

import keras
from keras import layers

from keras_gan import GAN
from keras_gan import _phases
from keras_gan import _step
from keras_gan._regularisers import Regulariser
from keras_gan._regularisers import critic_regularisers
from keras_gan._regularisers import gradient_penalty
from keras_gan._regularisers import r1
from tests.conftest import square_images
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_updates_one_joint_pass_or_d_steps_critic_passes_then_the_generator():
    (joint,) = _phases.updates(1)
    assert joint.forward is _phases.critic_pass
    assert joint.objectives == (_phases.GENERATOR, _phases.CRITIC)
    several = _phases.updates(3)
    assert [u.forward for u in several] == [_phases.critic_pass] * 3 + [_phases.generator_pass]
    assert [u.objectives for u in several] == [(_phases.CRITIC,)] * 3 + [(_phases.GENERATOR,)]


def test_compile_makes_the_regularisers_that_are_weighted():
    assert critic_regularisers(0.0, 0.0) == ()
    gp, r1_entry = critic_regularisers(10.0, 0.4)
    assert (gp.name, gp.weight, gp.penalty) == ("gradient_penalty", 10.0, gradient_penalty)
    assert (r1_entry.name, r1_entry.weight, r1_entry.penalty) == ("r1_penalty", 0.2, r1)
    gan = GAN(tiny_generator(), tiny_discriminator())
    gan.compile(loss="wasserstein")
    assert [e.name for e in gan.critic_regularisers] == ["gradient_penalty"]


@pytest.mark.parametrize("d_steps, lists", [(1, [2]), (3, [1, 1, 1, 1])])
def test_d_steps_1_takes_both_gradients_from_one_forward_pass(monkeypatch, d_steps, lists):
    backend = _step.backend()
    real = backend.losses_and_gradients
    seen = []

    def counted(fn, variable_lists):
        seen.append(len(variable_lists))
        return real(fn, variable_lists)

    monkeypatch.setattr(backend, "losses_and_gradients", counted)
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(d_steps=d_steps, run_eagerly=True)
    gan.train_on_batch(square_images()[:16])
    assert seen == lists
    assert int(gan.d_optimizer.iterations) == d_steps and int(gan.g_optimizer.iterations) == 1


def _linear_gan():
    # D(x) = w . x + b: every gradient penalty is known in closed form.
    images = keras.Input((8, 8, 1))
    d = keras.Model(images, layers.Dense(1)(layers.Flatten()(images)))
    gan = GAN(tiny_generator(), d, seed=0)
    gan.compile()
    return gan, float(np.sum(_numpy(d.layers[-1].kernel) ** 2))


def test_a_new_regulariser_is_one_more_entry_and_a_lazy_one_applies_every_k():
    gan, w2 = _linear_gan()
    real = keras.ops.convert_to_tensor(square_images()[:4])
    fake = keras.ops.convert_to_tensor(-square_images()[4:8])
    base, _, _ = _phases.critic_objective(gan, real, fake, None)
    gan.critic_regularisers += (Regulariser("r1_again", 3.0, r1),)
    plus, _, _ = _phases.critic_objective(gan, real, fake, None)
    np.testing.assert_allclose(_numpy(plus) - _numpy(base), 3.0 * w2, rtol=1e-4)
    # Lazy: every 4 critic updates, with 4 times the weight; 0 between.
    gan.critic_regularisers = (Regulariser("lazy_r1", 3.0, r1, every=4),)
    lazy, _, _ = _phases.critic_objective(gan, real, fake, None)
    np.testing.assert_allclose(_numpy(lazy) - _numpy(base), 12.0 * w2, rtol=1e-4)
    gan.d_optimizer.iterations.assign(1)
    skipped, _, _ = _phases.critic_objective(gan, real, fake, None)
    np.testing.assert_allclose(_numpy(skipped), _numpy(base), rtol=1e-6)


def test_after_update_phases_follow_the_model():
    gan = GAN(tiny_generator(), tiny_discriminator())
    gan.compile()
    assert _phases.after_update_phases(gan) == []
    gan = GAN(tiny_generator(), tiny_discriminator(), ema_kimg=1.0)
    gan.compile(augment="ada")
    assert _phases.after_update_phases(gan) == [_phases.ema_phase, _phases.ada_phase]

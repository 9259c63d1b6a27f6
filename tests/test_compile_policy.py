"""Tests for keras_gan._compile_policy: compile's checks, optimizers and config."""

import pytest

import keras

from keras_gan import GAN
from keras_gan import _compile_policy
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator


def test_check_loss_fills_the_losss_defaults_and_refuses_bad_numbers():
    loss, d_steps, gp, r1 = _compile_policy.check_loss("wasserstein", None, None, 0)
    assert (loss.name, d_steps, gp, r1) == ("wasserstein", 5, 10.0, 0.0)
    assert _compile_policy.check_loss("hinge", 2, 0.5, 1)[1:] == (2, 0.5, 1.0)
    with pytest.raises(ValueError, match=r"Expected `d_steps` to be an int >= 1. Received: 0"):
        _compile_policy.check_loss("hinge", 0, None, 0)
    with pytest.raises(ValueError, match="gradient_penalty"):
        _compile_policy.check_loss("hinge", 1, -1.0, 0)


def test_check_ada_names_the_argument_and_the_value():
    assert _compile_policy.check_ada(0.6, 500, 4) == (0.6, 500.0, 4)
    with pytest.raises(ValueError, match="Received: ada_interval=True"):
        _compile_policy.check_ada(0.6, 500, True)


def test_optimizers_default_apart_named_and_built():
    gan = GAN(tiny_generator(), tiny_discriminator())
    g, d = _compile_policy.optimizers(gan, None, None)
    assert (g.name, d.name) == ("g_adam", "d_adam") and g.built and d.built
    # Two optimizers of one name get a prefix each (TensorBoard's tags).
    g, d = _compile_policy.optimizers(
        gan, keras.optimizers.Adam(name="opt"), keras.optimizers.Adam(name="opt")
    )
    assert (g.name, d.name) == ("g_opt", "d_opt")
    same = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same instance twice"):
        _compile_policy.optimizers(gan, same, same)
    with pytest.raises(ValueError, match="Could not interpret optimizer 'nope'"):
        _compile_policy.resolve_optimizer("nope", "g_adam")


def test_compile_config_round_trips_through_compile_arguments():
    gan = GAN(tiny_generator(), tiny_discriminator())
    assert _compile_policy.compile_config(gan) is None
    gan.compile(loss="hinge", d_steps=2, r1_penalty=0.5, augment="ada", jit_compile=False)
    config = _compile_policy.compile_config(gan)
    assert config["loss"] == "hinge" and config["d_steps"] == 2 and config["augment"] == "ada"
    assert config["ada_interval"] == 4 and config["jit_compile"] is False
    arguments = _compile_policy.compile_arguments(config)
    assert isinstance(arguments["g_optimizer"], keras.optimizers.Optimizer)
    other = GAN(tiny_generator(), tiny_discriminator())
    other.compile(**arguments)
    assert _compile_policy.compile_config(other) == config

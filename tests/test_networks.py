"""Tests for keras_gan._networks: the GAN's checks of its two networks."""

import pytest

import keras

from keras_gan import _networks
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator


def test_latent_size_is_read_checked_or_refused():
    assert _networks.latent_size(None, (None, 8)) == 8
    assert _networks.latent_size(8, (None, 8)) == 8
    assert _networks.latent_size(4, None) == 4
    with pytest.raises(ValueError, match="Pass `latent_dim`"):
        _networks.latent_size(None, (None, 2, 2))
    with pytest.raises(ValueError, match="does not match"):
        _networks.latent_size(6, (None, 8))
    with pytest.raises(ValueError, match="Received: latent_dim=0"):
        _networks.latent_size(0, None)


def test_networks_are_models_whose_shapes_agree():
    with pytest.raises(ValueError, match="Expected `generator` to be a keras.Model"):
        _networks.check_network("generator", object())
    _networks.check_image_shapes(tiny_generator(), (None, 8, 8, 1))
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\)"):
        _networks.check_image_shapes(tiny_generator(), (None, 16, 16, 1))
    assert _networks.static_shape(tiny_discriminator(), "input_shape") == (None, 8, 8, 1)
    assert _networks.static_shape(keras.layers.Dense(1), "input_shape") is None

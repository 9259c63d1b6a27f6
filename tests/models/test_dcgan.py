import pytest

import keras

from keras_gan.models import dcgan_discriminator
from keras_gan.models import dcgan_generator
from keras_gan.models.dcgan import num_stages

pytestmark = pytest.mark.backends


def test_lecture_networks_layer_for_layer():
    g, d = dcgan_generator(), dcgan_discriminator()
    assert g.count_params() == 2_330_944
    assert d.count_params() == 212_865
    assert [type(layer).__name__ for layer in g.layers[1:]] == [
        "Dense",
        "BatchNormalization",
        "LeakyReLU",
        "Reshape",
        "Conv2DTranspose",
        "BatchNormalization",
        "LeakyReLU",
        "Conv2DTranspose",
        "BatchNormalization",
        "LeakyReLU",
        "Conv2DTranspose",
    ]
    assert [type(layer).__name__ for layer in d.layers[1:]] == [
        "Conv2D",
        "LeakyReLU",
        "Dropout",
        "Conv2D",
        "LeakyReLU",
        "Dropout",
        "Flatten",
        "Dense",
    ]
    assert g.input_shape == (None, 100) and g.output_shape == (None, 28, 28, 1)
    assert g.layers[-1].activation.__name__ == "tanh"
    assert d.output_shape == (None, 1)


@pytest.mark.parametrize("shape, stages", [((32, 32, 3), 3), ((64, 64, 3), 4), ((28, 56, 1), 2)])
def test_other_shapes_grow_the_design(shape, stages):
    assert num_stages(shape) == stages
    g, d = dcgan_generator(shape, latent_dim=64), dcgan_discriminator(shape)
    assert g.output_shape == (None,) + shape
    assert d.input_shape == (None,) + shape
    assert sum(type(layer).__name__ == "Conv2DTranspose" for layer in g.layers) == stages + 1
    assert sum(type(layer).__name__ == "Conv2D" for layer in d.layers) == stages


@pytest.mark.parametrize("shape", [(30, 30, 1), (28, 28), "28x28", (28, 28, 0)])
def test_bad_shapes(shape):
    with pytest.raises(ValueError, match="image_shape|divisible by 4"):
        dcgan_generator(shape)


def test_discriminator_dropout_rate_is_an_option():
    without = dcgan_discriminator(dropout=0)
    assert without.count_params() == 212865
    assert not [layer for layer in without.layers if isinstance(layer, keras.layers.Dropout)]
    rates = [
        layer.rate
        for layer in dcgan_discriminator(dropout=0.5).layers
        if isinstance(layer, keras.layers.Dropout)
    ]
    assert rates == [0.5, 0.5]
    with pytest.raises(ValueError, match=r"Expected `dropout` in \[0, 1\). Received: dropout=1"):
        dcgan_discriminator(dropout=1)

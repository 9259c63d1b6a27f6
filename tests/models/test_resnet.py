import numpy as np
import pytest

import keras

from keras_gan import GAN
from keras_gan.models import residual_discriminator
from keras_gan.models import residual_generator

TINY = 4  # the width unit: tiny networks, seconds on a CPU


def _count(model, kind):
    return sum(type(layer).__name__ == kind for layer in model.layers)


@pytest.mark.parametrize("size, blocks", [(32, 3), (64, 4), (128, 5)])
def test_one_residual_block_per_doubling(size, blocks):
    shape = (size, size, 3)
    g = residual_generator(shape, latent_dim=16, channels=TINY)
    d = residual_discriminator(shape, channels=TINY)
    assert g.output_shape == (None,) + shape and d.output_shape == (None, 1)
    # Two 3x3 convolutions and a 1x1 shortcut per up block, one to images.
    assert _count(g, "Conv2D") == 3 * blocks + 1
    assert _count(g, "UpSampling2D") == 2 * blocks
    assert g.layers[-1].activation.__name__ == "tanh"
    assert g.get_layer("dense").units == 4 * 4 * TINY * min(2**blocks, 8)
    # Pooled twice (main path and shortcut) per down block; one more block
    # at 4x4 without pooling.
    assert _count(d, "AveragePooling2D") == 2 * blocks
    assert d.get_layer("last_add").output.shape[1:3] == (4, 4)
    wrapped = [layer for layer in d.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 3 * blocks + 2 + 1  # the last block has no 1x1 (same width)
    assert not [layer for layer in d.layers if isinstance(layer, keras.layers.Dropout)]


def test_widths_and_default_parameter_counts():
    g, d = residual_generator(), residual_discriminator()
    # The figures docs/networks.md quotes.
    assert (g.count_params(), d.count_params()) == (3_330_563, 2_369_282)
    assert residual_generator((32, 32, 1), channels=8).output_shape == (None, 32, 32, 1)


@pytest.mark.parametrize(
    "shape", [(28, 28, 1), (32, 64, 3), (48, 48, 3), (32, 32, 2), (32, 32), "32"]
)
def test_other_shapes_are_refused_naming_what_is_accepted(shape):
    match = r"size in \[32, 64, 128\] and 1 or 3 channels.*Received: image_shape="
    with pytest.raises(ValueError, match=match):
        residual_generator(shape, channels=TINY)
    with pytest.raises(ValueError, match=match):
        residual_discriminator(shape, channels=TINY)


@pytest.mark.parametrize("kwargs", [{"channels": 0}, {"latent_dim": 0}, {"num_classes": 1}])
def test_bad_widths_are_refused(kwargs):
    with pytest.raises(ValueError, match="Expected `(channels|latent_dim|num_classes)`"):
        residual_generator((32, 32, 3), **{"channels": TINY, **kwargs})


@pytest.mark.backends  # on JAX and PyTorch too (tests/backends)
def test_conditional_networks_take_labels():
    shape = (32, 32, 1)
    g = residual_generator(shape, latent_dim=8, channels=TINY, num_classes=3)
    d = residual_discriminator(shape, channels=TINY, num_classes=3)
    labels = np.eye(3, dtype="float32")[[0, 2]]
    images = g.predict([np.zeros((2, 8), "float32"), labels], verbose=0)
    logits = keras.ops.convert_to_numpy(d([images, labels]))
    assert images.shape == (2,) + shape and logits.shape == (2, 1)
    other = keras.ops.convert_to_numpy(d([images, labels[::-1]]))
    assert not np.allclose(logits, other)  # the label changes the logit


@pytest.mark.backends  # on JAX and PyTorch too (tests/backends)
def test_saved_networks_load_and_compute_the_same(tmp_path):
    shape = (32, 32, 3)
    g = residual_generator(shape, latent_dim=8, channels=TINY)
    d = residual_discriminator(shape, channels=TINY)
    z = np.random.default_rng(0).standard_normal((2, 8)).astype("float32")
    images = g.predict(z, verbose=0)
    d(images, training=True)  # moves the power iteration's vector
    for model, x in ((g, z), (d, images)):
        path = str(tmp_path / f"{model.name}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
        )


@pytest.mark.backends  # on JAX and PyTorch too (tests/backends)
def test_gan_fits_the_residual_networks_and_round_trips(tmp_path):
    shape = (32, 32, 3)
    keras.utils.set_random_seed(0)
    gan = GAN(
        residual_generator(shape, latent_dim=8, channels=TINY),
        residual_discriminator(shape, channels=TINY),
        seed=0,
    )
    gan.compile(
        g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.99),
        d_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.0, beta_2=0.99),
        loss="hinge",
    )
    u = gan.discriminator.get_layer("sn_logit").vector_u
    before = keras.ops.convert_to_numpy(u).copy()
    images = np.random.default_rng(0).uniform(-1, 1, (8,) + shape).astype("float32")
    history = gan.fit(images, batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    # Spectral normalisation ran in training mode: its power iteration moved.
    assert not np.allclose(keras.ops.convert_to_numpy(u), before)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    z = np.random.default_rng(1).standard_normal((2, 8)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(z)), keras.ops.convert_to_numpy(gan(z)), atol=1e-5
    )

"""Tests for keras_gan.augment (DiffAugment) and its use in GAN.compile."""

import numpy as np
import pytest

import keras
from keras import layers

from keras_gan import GAN
from keras_gan.augment import diff_augment
from keras_gan.augment import parse_policy
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends


def test_parse_policy_orders_and_checks_names():
    assert parse_policy("cutout, translation") == ("translation", "cutout")
    assert parse_policy(["color"]) == ("color",)
    assert parse_policy(None) == () and parse_policy("") == ()
    with pytest.raises(ValueError, match=r"Unknown DiffAugment transform\(s\) \['flip'\]"):
        parse_policy("translation,flip")
    with pytest.raises(ValueError, match="comma-separated string"):
        parse_policy(3)


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def test_translation_shifts_each_image_by_at_most_an_eighth():
    # One bright pixel in the middle of a grey (0) image: after translation
    # it sits at most round(28 / 8) = 4 rows and columns away.
    images = np.zeros((32, 28, 28, 1), np.float32)
    images[:, 14, 14, 0] = 1.0
    out = _numpy(diff_augment(images, "translation", seed=keras.random.SeedGenerator(0)))
    assert out.shape == images.shape and out.dtype == np.float32
    rows, cols = [], []
    for img in out[..., 0]:
        (r,), (c,) = np.nonzero(img)  # exactly one pixel survives
        rows.append(r - 14)
        cols.append(c - 14)
    assert max(map(abs, rows + cols)) <= 4
    assert len(set(zip(rows, cols))) > 5  # each image draws its own shift


def test_cutout_zeroes_a_square_of_half_the_side():
    images = np.ones((64, 28, 28, 1), np.float32)
    out = _numpy(diff_augment(images, "cutout", seed=keras.random.SeedGenerator(1)))
    zero = (out == 0).mean(axis=(1, 2, 3))
    # A 14x14 square: a quarter of the image, less where it hangs over.
    assert zero.max() == pytest.approx(0.25)
    assert 0.1 < zero.mean() <= 0.25
    assert set(np.unique(out)) <= {0.0, 1.0}


def test_color_and_seeds_repeat():
    images = np.linspace(-1, 1, 4 * 8 * 8 * 3, dtype=np.float32).reshape(4, 8, 8, 3)
    a = _numpy(diff_augment(images, "color,translation,cutout", seed=keras.random.SeedGenerator(5)))
    b = _numpy(diff_augment(images, "color,translation,cutout", seed=keras.random.SeedGenerator(5)))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(_numpy(diff_augment(images, "color", seed=3)), images)


def _linear_discriminator(shape=(8, 8, 1)):
    images = keras.Input(shape)
    return keras.Model(images, layers.Dense(1)(layers.Flatten()(images)))


def test_r1_is_the_squared_input_gradient_norm():
    # D(x) = w . x + b has gradient w at every x: R1 = |w|^2 exactly.
    d = _linear_discriminator()
    gan = GAN(tiny_generator(), d, seed=0)
    gan.compile(r1_penalty=2.0)
    w = _numpy(d.layers[-1].kernel)
    real = keras.ops.convert_to_tensor(np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32"))
    np.testing.assert_allclose(_numpy(gan._r1(real, None)), np.sum(w**2), rtol=1e-5)


def test_compile_checks_and_saves_augment_and_r1(tmp_path, tiny_images):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    with pytest.raises(ValueError, match="r1_penalty"):
        gan.compile(r1_penalty=-1.0)
    with pytest.raises(ValueError, match="Unknown DiffAugment"):
        gan.compile(augment="mixup")
    gan.compile(r1_penalty=0.5, augment="translation,cutout")
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert int(gan.g_optimizer.iterations) == int(gan.d_optimizer.iterations) == 4
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.augment == ("translation", "cutout") and loaded.r1_penalty == 0.5

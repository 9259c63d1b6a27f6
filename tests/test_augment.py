"""Tests for keras_gan.augment (DiffAugment) and its use in GAN.compile."""

import numpy as np
import pytest

import keras
from keras import layers

from keras_gan import GAN
from keras_gan._ada import ada_variables
from keras_gan._ada import update_ada
from keras_gan._regularisers import r1
from keras_gan.augment import diff_augment
from keras_gan.augment import parse_policy
from tests.conftest import square_images
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
    real = keras.ops.convert_to_tensor(
        np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    )
    np.testing.assert_allclose(_numpy(r1(gan, real, None, None)), np.sum(w**2), rtol=1e-5)


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


# Adaptive discriminator augmentation (ADA, `augment="ada"`).


def test_parse_augment_reads_ada_and_format_round_trips():
    from keras_gan.augment import format_augment
    from keras_gan.augment import parse_augment

    assert parse_augment("ada") == (("color", "translation", "cutout"), True)
    assert parse_augment("ada:cutout, translation") == (("translation", "cutout"), True)
    assert parse_augment("translation") == (("translation",), False)
    assert parse_augment(None) == ((), False)
    for setting in ("ada", "ada:translation,cutout", "color,cutout", None):
        assert format_augment(*parse_augment(setting)) == setting
    with pytest.raises(ValueError, match="Expected transforms after 'ada:'"):
        parse_augment("ada:")
    with pytest.raises(ValueError, match=r"Unknown DiffAugment transform\(s\) \['flip'\]"):
        parse_augment("ada:flip")
    with pytest.raises(ValueError, match=r"Unknown DiffAugment transform\(s\) \['ada'\]"):
        parse_augment("translation,ada")


def test_ada_gate_applies_each_transform_per_image_and_is_differentiable():
    from keras_gan import _step

    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    x = keras.ops.convert_to_tensor(images)

    def gradient(p):
        # d sum(augment(x)) / dx: 1 where a pixel passes, 0 where cutout
        # removed it.
        seed = keras.random.SeedGenerator(2)
        fn = lambda inputs: diff_augment(inputs, "cutout", seed=seed, p=p)  # noqa: E731
        return _numpy(_step.backend().input_gradient(fn, x))

    np.testing.assert_array_equal(
        _numpy(diff_augment(x, "color,translation,cutout", 0, p=0.0)), images
    )
    np.testing.assert_array_equal(gradient(0.0), np.ones_like(images))
    cut = (gradient(1.0) == 0).any(axis=(1, 2, 3))
    assert cut.all()  # p = 1: every image loses its square, gradient 0 there
    half = (gradient(keras.ops.convert_to_tensor(0.5)) == 0).any(axis=(1, 2, 3))
    assert 16 < half.sum() < 48  # p = 0.5: each image draws its own


def _ada_gan(discriminator=None, d_lr=1e-2, **compile_kwargs):
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), discriminator or tiny_discriminator(), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(d_lr), augment="ada", **compile_kwargs)
    return gan


def _ada_state(gan):
    return [float(keras.ops.convert_to_numpy(v)) for v in ada_variables(gan)]


@pytest.mark.parametrize("loss, boundary", [("non_saturating", 0.0), ("least_squares", 0.5)])
def test_ada_adjusts_p_by_the_sign_of_rt_minus_target_every_interval(loss, boundary):
    gan = _ada_gan(loss=loss, ada_target=0.6, ada_kimg=0.064, ada_interval=2)
    ok, failed = keras.ops.convert_to_tensor(True), keras.ops.convert_to_tensor(False)

    def step(real_logits, finite=ok):
        logits = keras.ops.convert_to_tensor(np.asarray(real_logits, "float32")[:, None] + boundary)
        logs = update_ada(gan, logits, 1, finite)
        return float(_numpy(logs["ada_p"]))

    real, fake = [1.0] * 16, [-1.0] * 16
    # State: p, sum of signs, images and steps since the last adjustment.
    assert step(real) == 0.0 and _ada_state(gan) == [0.0, 16.0, 16.0, 1.0]
    # Interval over: r_t = 1 > 0.6, p += 32 images / 64 images.
    assert step(real) == 0.5 and _ada_state(gan) == [0.5, 0.0, 0.0, 0.0]
    assert step(real, failed) == 0.5 and _ada_state(gan) == [
        0.5,
        0.0,
        0.0,
        0.0,
    ]  # a skipped step counts nothing
    step(real)
    assert step(real) == 1.0 and step(real) == 1.0 and step(real) == 1.0  # clipped at 1
    # r_t = (12 - 4) / 16 = 0.5 < 0.6: p falls, whatever the batch.
    step([1.0] * 6 + [-1.0] * 2)
    assert step([1.0] * 6 + [-1.0] * 2) == 0.75
    for _ in range(6):
        step(fake)
    assert _ada_state(gan)[0] == 0.0  # clipped at 0
    # ada_rt: the mean sign per finite step, (6 + 2 * 0.5 - 6) / 14.
    assert abs(float(_numpy(gan.ada_rt_tracker.result())) - 1 / 14) < 1e-6


def test_ada_p_rises_when_the_discriminator_overfits_and_resumes_exactly(tmp_path):
    # 16 fixed images, a discriminator with a high learning rate: it soon
    # tells them from the fakes, r_t > 0.6 and p rises. A checkpoint taken
    # between two adjustments (every 3 steps), restored into a fresh model,
    # goes on exactly as the uninterrupted run.
    from callbacks import GANCheckpoint
    from callbacks import latest_checkpoint
    from callbacks import restore_checkpoint

    images = square_images()[:16]
    settings = dict(ada_kimg=0.24, ada_interval=3)  # p +-0.1 per 3 steps of 8
    full = _ada_gan(**settings)
    history = full.fit(images, batch_size=8, epochs=6, verbose=0, shuffle=False).history
    assert set(history) == {"g_loss", "d_loss", "d_real", "d_fake", "ada_p", "ada_rt"}
    assert history["ada_p"][-1] > 0.05 and max(history["ada_rt"]) > 0.6
    assert _ada_state(full)[0] == pytest.approx(history["ada_p"][-1])

    first = _ada_gan(**settings)
    ckpt = GANCheckpoint(tmp_path / "ckpt")
    first.fit(images, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[ckpt])
    state = _ada_state(first)
    assert state[3] == 1.0 and state[2] == 8.0  # one step into an interval
    path = str(tmp_path / "gan.keras")
    first.save(path)
    loaded = keras.saving.load_model(path)
    assert _ada_state(loaded) == state
    assert loaded.get_compile_config()["augment"] == "ada"
    assert (loaded.ada_target, loaded.ada_kimg, loaded.ada_interval) == (0.6, 0.24, 3)

    resumed = _ada_gan(**settings)
    assert restore_checkpoint(resumed, latest_checkpoint(tmp_path / "ckpt")) == 2
    assert _ada_state(resumed) == state
    resumed.fit(images, batch_size=8, epochs=6, initial_epoch=2, verbose=0, shuffle=False)
    assert _ada_state(resumed) == _ada_state(full)


def test_ada_p_stays_0_when_the_discriminator_cannot_tell():
    # A discriminator that answers 0 for every image and never learns: r_t
    # = 0 < 0.6, so p never leaves 0. The settings of the test above: on
    # JAX, its compiled step comes from the compilation cache.
    discriminator = tiny_discriminator()
    last = discriminator.layers[-1]
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    gan = _ada_gan(discriminator, d_lr=0.0, ada_kimg=0.24, ada_interval=3)
    history = gan.fit(square_images()[:16], batch_size=8, epochs=4, verbose=0).history
    assert history["ada_p"] == [0.0] * 4 and history["ada_rt"] == [0.0] * 4


def test_models_without_ada_keep_their_variables_and_logs(tmp_path):
    plain = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    plain.compile(augment="translation,cutout")
    # The two networks' weights and nothing else, as before ADA existed.
    assert len(plain.weights) == len(plain.generator.weights) + len(plain.discriminator.weights)
    assert not [v.path for v in plain.variables if "ada" in v.path]
    assert [m.name for m in plain.metrics] == ["g_loss", "d_loss", "d_real", "d_fake", "non_finite"]
    config = plain.get_compile_config()
    assert config["augment"] == "translation,cutout" and not any("ada" in k for k in config)
    # Weights saved without ADA load into a model with it: p starts at 0.
    path = str(tmp_path / "plain.weights.h5")
    plain.save_weights(path)
    ada = _ada_gan()
    ada.ada_p.assign(0.5)
    ada.load_weights(path)
    assert _ada_state(ada) == [0.0] * 4
    assert [m.name for m in ada.metrics][-2:] == ["ada_rt", "non_finite"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"ada_target": 1.0}, "ada_target"),
        ({"ada_target": "0.6"}, "ada_target"),
        ({"ada_kimg": 0}, "ada_kimg"),
        ({"ada_interval": 0}, "ada_interval"),
        ({"ada_interval": 2.0}, "ada_interval"),
    ],
)
def test_ada_options_are_checked(kwargs, match):
    gan = GAN(tiny_generator(), tiny_discriminator())
    with pytest.raises(ValueError, match=f"Expected `{match}`.*Received: {match}="):
        gan.compile(augment="ada", **kwargs)


def test_cli_options_reach_compile():
    from keras_gan import options
    from keras_gan import presets

    resolved = options.resolve({"augment": "ada:translation", "ada_target": 0.7, "ada_kimg": 100})
    kwargs = presets.compile_kwargs(resolved)
    assert (kwargs["augment"], kwargs["ada_target"], kwargs["ada_kimg"]) == (
        "ada:translation",
        0.7,
        100.0,
    )
    with pytest.raises(ValueError, match="ada_target"):
        options.resolve({"ada_target": 1.5})
    with pytest.raises(ValueError, match="ada_kimg"):
        options.resolve({"ada_kimg": 0.0})

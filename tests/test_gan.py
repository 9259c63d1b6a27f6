import numpy as np
import pytest
import tensorflow as tf

import keras

from keras_gan import GAN
from keras_gan.data import load_arrays
from tests.conftest import TINY_LATENT
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator


def _weights(model):
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def _changed(before, model):
    return [
        not np.array_equal(b, keras.ops.convert_to_numpy(w))
        for b, w in zip(before, model.weights)
    ]


def test_latent_dim_read_from_generator():
    gan = GAN(tiny_generator(), tiny_discriminator())
    assert gan.latent_dim == TINY_LATENT
    assert gan.image_shape == (8, 8, 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"generator": "nope"}, "Expected `generator` to be a keras.Model"),
        ({"latent_dim": 3}, r"latent_dim=3.*does not match"),
        ({"latent_dim": -1}, "positive int"),
        (
            {"discriminator": tiny_discriminator((16, 16, 1))},
            r"makes images of shape \(8, 8, 1\).*expects \(16, 16, 1\)",
        ),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs, match):
    args = {"generator": tiny_generator(), "discriminator": tiny_discriminator()}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        GAN(**args)


def test_compile_defaults_are_the_lectures(tiny_gan):
    for opt in (tiny_gan.g_optimizer, tiny_gan.d_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(1e-4)
    assert tiny_gan.adversarial_loss.name == "non_saturating"
    assert tiny_gan.d_steps == 1
    # No unused default optimizer: model.optimizer holds exactly the two.
    assert tiny_gan.optimizer.optimizers == [
        tiny_gan.g_optimizer,
        tiny_gan.d_optimizer,
    ]


def test_compile_rejects_bad_arguments():
    gan = GAN(tiny_generator(), tiny_discriminator())
    with pytest.raises(ValueError, match="Unknown GAN loss 'nope'.*hinge"):
        gan.compile(loss="nope")
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="own optimizer instances"):
        gan.compile(g_optimizer=opt, d_optimizer=opt)
    with pytest.raises(ValueError, match="g_optimizer.*not `optimizer`"):
        gan.compile(optimizer="adam")
    with pytest.raises(ValueError, match="d_steps"):
        gan.compile(d_steps=0)


def test_same_named_optimizers_are_told_apart():
    gan = GAN(tiny_generator(), tiny_discriminator())
    gan.compile(g_optimizer=keras.optimizers.Adam(), d_optimizer=keras.optimizers.Adam())
    assert gan.g_optimizer.name != gan.d_optimizer.name


def test_train_step_updates_both_networks(tiny_gan, tiny_images):
    g_before, d_before = _weights(tiny_gan.generator), _weights(tiny_gan.discriminator)
    logs = tiny_gan.fit(tiny_images, batch_size=32, epochs=1, steps_per_epoch=1, verbose=0)
    assert set(logs.history) == {"g_loss", "d_loss", "d_real", "d_fake"}
    # Every weight of both networks moved: trainable ones by their optimizer,
    # BatchNorm statistics because the step runs with training=True.
    assert all(_changed(g_before, tiny_gan.generator))
    assert all(_changed(d_before, tiny_gan.discriminator))
    assert int(tiny_gan.g_optimizer.iterations) == 1
    assert int(tiny_gan.d_optimizer.iterations) == 1


def test_each_optimizer_updates_only_its_network(tiny_images):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    # A zero learning rate for D: only the generator's weights may change.
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0))
    d_before = _weights(gan.discriminator)
    g_before = _weights(gan.generator)
    gan.fit(tiny_images, batch_size=32, epochs=1, steps_per_epoch=2, verbose=0)
    assert not any(_changed(d_before, gan.discriminator))
    assert all(_changed(g_before, gan.generator))


def test_short_last_batch_and_labels_are_accepted(tiny_gan, tiny_images):
    labels = np.arange(len(tiny_images)) % 3
    dataset = tf.data.Dataset.from_tensor_slices((tiny_images[:40], labels[:40])).batch(32)
    history = tiny_gan.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    assert int(tiny_gan.g_optimizer.iterations) == 2  # 32 + 8


def test_noise_differs_between_steps(tiny_gan):
    real = tf.zeros((4, 8, 8, 1))
    a = keras.ops.convert_to_numpy(tiny_gan._noise(real))
    b = keras.ops.convert_to_numpy(tiny_gan._noise(real))
    assert a.shape == (4, TINY_LATENT) and not np.allclose(a, b)


def test_wrong_image_shape_is_refused_before_training(tiny_gan):
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\).*\(9, 9, 1\)"):
        tiny_gan.fit(np.zeros((8, 9, 9, 1), np.float32), batch_size=4, verbose=0)


@pytest.mark.parametrize("loss", ["minimax", "least_squares", "hinge", "wasserstein"])
def test_every_loss_trains(loss, tiny_images):
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(loss=loss)
    history = gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    expected_d_steps = 5 if loss == "wasserstein" else 1
    assert int(gan.d_optimizer.iterations) == 2 * expected_d_steps
    assert int(gan.g_optimizer.iterations) == 2


def test_generate_and_predict(tiny_gan):
    images = tiny_gan.generate(5, seed=3)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, tiny_gan.generate(5, seed=3))
    assert tiny_gan.generate().shape[0] == 16
    z = tiny_gan.sample_noise(3, seed=1)
    np.testing.assert_allclose(tiny_gan.predict(z, verbose=0), tiny_gan.generate(z=z), atol=1e-6)
    with pytest.raises(ValueError, match=r"Expected `z` of shape \(n, 8\)"):
        tiny_gan.generate(z=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="positive int"):
        tiny_gan.generate(0)


def test_evaluate_reports_the_four_metrics(tiny_gan, tiny_images):
    results = tiny_gan.evaluate(tiny_images, batch_size=32, verbose=0, return_dict=True)
    assert set(results) == {"g_loss", "d_loss", "d_real", "d_fake"}


def test_save_load_round_trip_generates_identically_and_trains_on(tmp_path, tiny_gan, tiny_images):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    tiny_gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, GAN)
    z = tiny_gan.sample_noise(4, seed=0)
    np.testing.assert_array_equal(loaded.generate(z=z), tiny_gan.generate(z=z))
    for a, b in zip(tiny_gan.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    assert int(loaded.d_optimizer.iterations) == 2
    loaded.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 4


@pytest.mark.slow
def test_training_moves_samples_toward_the_data():
    # Real data: mnist_sample digits downsized to 8x8. After 300 steps the
    # generated pixel statistics must be much closer to the data's.
    images, _ = load_arrays("mnist_sample", image_size=8)
    images = images[:2048].astype("float32")
    if images.dtype != np.float32 or images.max() > 1:
        images = images / 127.5 - 1.0
    keras.utils.set_random_seed(1)
    gan = GAN(tiny_generator(latent_dim=16), tiny_discriminator(), seed=1)
    gan.compile(
        g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
        d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
    )

    def distance():
        fake = gan.generate(512, seed=0)
        mean_gap = np.abs(fake.mean(0) - images.mean(0)).mean()
        std_gap = np.abs(fake.std(0) - images.std(0)).mean()
        return mean_gap + std_gap

    before = distance()
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(2048, seed=0).batch(64).repeat()
    gan.fit(dataset, steps_per_epoch=300, epochs=1, verbose=0)
    after = distance()
    assert after < 0.5 * before, (before, after)


def test_non_finite_loss_names_loss_epoch_and_step_and_keeps_weights(tiny_images):
    from keras_gan.gan import NonFiniteLossError

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    before = [keras.ops.convert_to_numpy(w).copy() for w in trainable]
    bad = tiny_images.copy()
    bad[5] = np.nan  # in the first batch of epoch 2 (no shuffling)
    with pytest.raises(NonFiniteLossError, match=r"Non-finite d_loss at epoch 2, step 1 \(global step 3\)"):
        gan.fit(bad, batch_size=32, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    # Neither optimizer applied the failing step (BatchNorm statistics do
    # move in the forward pass; they stay finite: the generator sees noise).
    for b, w in zip(before, trainable):
        np.testing.assert_array_equal(b, keras.ops.convert_to_numpy(w))
    assert int(gan.g_optimizer.iterations) == 2


def test_mixed_float16_wraps_each_optimizer():
    keras.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
        gan.compile()
    finally:
        keras.mixed_precision.set_dtype_policy("float32")
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(gan.optimizer, keras.optimizers.LossScaleOptimizer)
    history = gan.fit(np.zeros((8, 8, 8, 1), np.float32), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])

import contextlib

import numpy as np
import pytest
import tensorflow as tf

import keras
from keras import layers

from keras_gan import GAN
from keras_gan.data import make_dataset
from keras_gan.data import steps_per_epoch
from tests.conftest import TINY_LATENT
from tests.conftest import float16_tiny_gan
from tests.conftest import skip_on
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends

# Tests of this file that cannot run on some backend, and why.
_NO_TORCH_COMPILE = skip_on(
    "torch",
    reason="jit_compile=True means torch.compile there, not XLA, and takes about "
    "2 minutes to compile this step on a CPU",
)
_NO_TORCH_STEPS_PER_EXECUTION = skip_on(
    "torch", reason="Keras' PyTorch trainer runs one step per execution"
)
_RECORDS_IN_TF_VARIABLES = skip_on(
    "jax",
    "torch",
    reason="the test records each step's data and noise in tf.Variables; "
    "tests/backends checks the noise stream on every backend",
)


def _weights(model):
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def _changed(before, model):
    return [
        not np.array_equal(b, keras.ops.convert_to_numpy(w)) for b, w in zip(before, model.weights)
    ]


def _all_finite(model):
    return all(np.isfinite(keras.ops.convert_to_numpy(w)).all() for w in model.weights)


def _linear_critic(weight, image_shape=(8, 8, 1)):
    """D(x) = w . x with every w_i = `weight`: its gradient is w everywhere."""
    images = keras.Input(image_shape)
    flat = layers.Flatten()(images)
    dense = layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(weight))
    return keras.Model(images, dense(flat), name="linear_critic")


def _fixed_batch_losses(gan, images, z):
    """(d_loss, g_loss) on fixed real images and fixed noise, D without dropout.

    The generator runs with training=True (batch statistics) as in a training
    step: its BatchNorm moving averages lag far behind in a short test.
    """
    fake = gan.generator(z, training=True)
    real_logits = gan.discriminator(images, training=False)
    fake_logits = gan.discriminator(fake, training=False)
    return (
        float(gan.adversarial_loss.discriminator(real_logits, fake_logits)),
        float(gan.adversarial_loss.generator(fake_logits)),
    )


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
    # keras.io's GAN examples take `compile(d_optimizer, g_optimizer, ...)`:
    # positional optimizers are refused, naming which keyword is which.
    with pytest.raises(
        TypeError,
        match=r"by keyword.*g_optimizer=<the generator's>, "
        r"d_optimizer=<the discriminator's>.*2 positional",
    ):
        gan.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(1e-4))
    assert not gan.compiled
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
    # Same weights, other batching: equal up to float32 rounding (tanh outputs
    # in [-1, 1]; kernels differ by batch size on some CPUs).
    np.testing.assert_allclose(tiny_gan.predict(z, verbose=0), tiny_gan.generate(z=z), atol=1e-5)
    with pytest.raises(ValueError, match=r"Expected `z` of shape \(n, 8\)"):
        tiny_gan.generate(z=np.zeros((2, 5)))
    with pytest.raises(ValueError, match="positive int"):
        tiny_gan.generate(0)


def test_evaluate_reports_the_four_metrics_and_changes_nothing(tiny_gan, tiny_images):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    g_before, d_before = _weights(tiny_gan.generator), _weights(tiny_gan.discriminator)
    results = tiny_gan.evaluate(tiny_images, batch_size=64, verbose=0, return_dict=True)
    assert set(results) == {"g_loss", "d_loss", "d_real", "d_fake"}
    # Inference only: no weight (BatchNorm statistics included) moves and
    # neither optimizer counts a step.
    assert not any(_changed(g_before, tiny_gan.generator))
    assert not any(_changed(d_before, tiny_gan.discriminator))
    assert int(tiny_gan.g_optimizer.iterations) == 2
    assert int(tiny_gan.d_optimizer.iterations) == 2
    # d_real is D's mean probability on the (one) real batch, in inference
    # mode (no dropout): recomputed here, equal up to float32 rounding.
    logits = keras.ops.convert_to_numpy(tiny_gan.discriminator(tiny_images, training=False))
    expected = np.mean(1 / (1 + np.exp(-logits.astype(np.float64))))
    assert results["d_real"] == pytest.approx(expected, abs=1e-6)
    assert all(np.isfinite(v) for v in results.values())


def test_hinge_logs_the_critics_raw_output_not_a_probability(tiny_images):
    # The hinge critic's output is a margin, not a logit: d_real is its mean.
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(loss="hinge")
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    results = gan.evaluate(tiny_images, batch_size=64, verbose=0, return_dict=True)
    outputs = keras.ops.convert_to_numpy(gan.discriminator(tiny_images, training=False))
    assert results["d_real"] == pytest.approx(float(np.mean(outputs)), abs=1e-6)


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


def _learning_run(which, tiny_images):
    # One network learns (Adam 3e-2), the other is frozen (SGD(0)): each
    # side faces a fixed task, so its loss must fall, with no tug of war.
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    fast, frozen = keras.optimizers.Adam(3e-2), keras.optimizers.SGD(0.0)
    if which == "discriminator":
        gan.compile(g_optimizer=frozen, d_optimizer=fast)
    else:
        gan.compile(g_optimizer=fast, d_optimizer=frozen)
    z = gan.sample_noise(64, seed=1)
    before = _fixed_batch_losses(gan, tiny_images, z)
    data = np.tile(tiny_images, (20, 1, 1, 1))  # 40 steps of 32 in one epoch.
    gan.fit(data, batch_size=32, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 40
    return before, _fixed_batch_losses(gan, tiny_images, z)


def test_discriminator_learns_to_reject_a_frozen_generator(tiny_images):
    # Bright squares on a -1 ground against the outputs of a fixed generator:
    # a separable task. Measured (seeds 0-2): d_loss 1.16-1.47 -> below
    # 2.3e-4 after 40 steps; asserted: below a tenth.
    (d_before, _), (d_after, _) = _learning_run("discriminator", tiny_images)
    assert d_after < 0.1 * d_before, (d_before, d_after)


def test_generator_learns_to_fool_a_frozen_discriminator(tiny_images):
    # A fixed discriminator's logit can be pushed up by moving the images.
    # Measured (seeds 0-2): g_loss 0.68-0.73 -> 0.09-0.13 after 40 steps;
    # asserted: below 0.4 of the start.
    (_, g_before), (_, g_after) = _learning_run("generator", tiny_images)
    assert g_after < 0.4 * g_before, (g_before, g_after)


def test_gradient_penalty_adds_its_term_and_its_gradient(tiny_images):
    # A linear critic D(x) = w . x has gradient w at every interpolate, so
    # the WGAN-GP penalty is (|w| - 1)^2 exactly, whatever the random
    # interpolation: with w_i = 0.5 over 64 pixels, |w| = 4 and penalty 9.
    runs = {}
    for penalty in (0.0, 10.0):
        keras.utils.set_random_seed(0)
        gan = GAN(tiny_generator(), _linear_critic(0.5), seed=0)
        gan.compile(
            loss="wasserstein",
            d_steps=1,
            gradient_penalty=penalty,
            g_optimizer=keras.optimizers.SGD(0.0),
            d_optimizer=keras.optimizers.SGD(0.01),
        )
        history = gan.fit(tiny_images[:32], batch_size=32, epochs=1, verbose=0)
        kernel = keras.ops.convert_to_numpy(gan.discriminator.weights[0])
        runs[penalty] = history.history["d_loss"][0], kernel
    (loss_0, kernel_0), (loss_10, kernel_10) = runs[0.0], runs[10.0]
    # Same seed, batch and noise: the logged losses differ by 10 * 9 (float32
    # rounding of losses of order 100).
    assert loss_10 - loss_0 == pytest.approx(90.0, abs=1e-3)
    # Its gradient 10 * 2 (|w| - 1) w / |w| = 7.5 per weight reaches D:
    # SGD(0.01) moves each weight 0.075 further down than without it.
    np.testing.assert_allclose(kernel_0 - kernel_10, 0.075, rtol=1e-4)


def test_non_finite_loss_names_loss_epoch_and_step_and_keeps_weights(tiny_images):
    from keras_gan.gan import NonFiniteLossError

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    before = [keras.ops.convert_to_numpy(w).copy() for w in trainable]
    bad = tiny_images.copy()
    bad[5] = np.nan  # in the first batch of epoch 2 (no shuffling)
    with pytest.raises(
        NonFiniteLossError, match=r"Non-finite d_loss at epoch 2, step 1 \(global step 3\)"
    ):
        gan.fit(bad, batch_size=32, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    # Neither optimizer applied the failing step (BatchNorm statistics do
    # move in the forward pass; they stay finite: the generator sees noise).
    for b, w in zip(before, trainable):
        np.testing.assert_array_equal(b, keras.ops.convert_to_numpy(w))
    assert int(gan.g_optimizer.iterations) == 2


@_NO_TORCH_COMPILE
def test_non_finite_loss_is_caught_under_xla(tiny_images):
    # tf.debugging.check_numerics is skipped under XLA; the guard is part of
    # the computed step, so jit_compile=True stops and keeps the weights too.
    from keras_gan.gan import NonFiniteLossError

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(jit_compile=True)
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    state = list(gan.g_optimizer.variables) + list(gan.d_optimizer.variables)
    before = [keras.ops.convert_to_numpy(w).copy() for w in trainable + state]
    bad = tiny_images.copy()
    bad[40] = np.inf  # in the second batch of epoch 2 (no shuffling)
    with pytest.raises(
        NonFiniteLossError, match=r"Non-finite d_loss at epoch 2, step 2 \(global step 4\)"
    ):
        gan.fit(bad, batch_size=32, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    # Step 1 of epoch 2 was applied, step 2 was not: 3 updates each.
    assert int(gan.g_optimizer.iterations) == 3 and int(gan.d_optimizer.iterations) == 3
    after = [keras.ops.convert_to_numpy(w) for w in trainable + state]
    assert all(np.isfinite(a).all() for a in after)
    assert any(not np.array_equal(b, a) for b, a in zip(before, after))


@_NO_TORCH_STEPS_PER_EXECUTION
def test_non_finite_step_inside_one_execution_of_several_steps(tiny_images):
    # steps_per_execution=2: the failing step and the finite one after it run
    # in the same compiled call; the flag is sticky, so neither is applied
    # and the error names the failing step.
    from keras_gan.gan import NonFiniteLossError

    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(steps_per_execution=2)
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0, shuffle=False)
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    before = [keras.ops.convert_to_numpy(w).copy() for w in trainable]
    bad = tiny_images.copy()
    bad[5] = np.nan  # step 1 of epoch 2, the first of its execution
    with pytest.raises(
        NonFiniteLossError, match=r"Non-finite d_loss at epoch 2, step 1 \(global step 5\)"
    ):
        gan.fit(bad, batch_size=16, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    # Step 2 ran in the same call on finite data, and was not applied either.
    assert int(gan.g_optimizer.iterations) == 4 and int(gan.d_optimizer.iterations) == 4
    for b, w in zip(before, trainable):
        np.testing.assert_array_equal(b, keras.ops.convert_to_numpy(w))
    # A later fit trains again (the flag was cleared).
    gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 8
    assert any(
        not np.array_equal(b, keras.ops.convert_to_numpy(w)) for b, w in zip(before, trainable)
    )


class _NaNOnSecondCriticUpdate(GAN):
    """The second critic update of each step sees a NaN d_loss (its index is
    known when the step is traced: the d_steps loop is unrolled)."""

    calls = 0

    def _discriminator_objective(self, real, fake, condition):
        d_loss, real_logits, fake_logits = super()._discriminator_objective(real, fake, condition)
        _NaNOnSecondCriticUpdate.calls += 1
        if _NaNOnSecondCriticUpdate.calls % self.d_steps == 2:
            d_loss = d_loss * np.float32("nan")
        return d_loss, real_logits, fake_logits


def test_non_finite_critic_update_with_d_steps_keeps_the_updates_before_it(tiny_images):
    from keras_gan.gan import NonFiniteLossError

    keras.utils.set_random_seed(0)
    _NaNOnSecondCriticUpdate.calls = 0
    gan = _NaNOnSecondCriticUpdate(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=1.0)
    gan.compile(loss="wasserstein", d_steps=3)
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    ema_before = _weights(gan.ema_generator)
    with pytest.raises(
        NonFiniteLossError, match=r"Non-finite d_loss at epoch 1, step 1 \(global step 1\)"
    ):
        gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    # The first critic update was applied; the failing second one, the third
    # and the generator's update were not, nor the EMA's.
    assert int(gan.d_optimizer.iterations) == 1
    assert int(gan.g_optimizer.iterations) == 0
    trainable = [w.trainable for w in gan.discriminator.weights]
    # Conv kernel and bias and the dense kernel moved; the logit's bias has
    # no gradient under the Wasserstein loss (mean(fake) - mean(real)).
    moved = [c for c, t in zip(_changed(d_before, gan.discriminator), trainable) if t]
    assert moved == [True, True, True, False]
    g_trainable = [w.trainable for w in gan.generator.weights]
    assert not any(c for c, t in zip(_changed(g_before, gan.generator), g_trainable) if t)
    assert not any(_changed(ema_before, gan.ema_generator))
    assert float(gan.ema_images_seen) == 0.0


@contextlib.contextmanager
def _torch_global_rng_kept():
    # On PyTorch, Keras iterates data through a torch DataLoader, which
    # draws a base seed from torch's global generator on every pass; the
    # unseeded Dropout masks come from that generator too. Keeping it makes
    # the runs comparable; the GAN's own noise streams are what is tested.
    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    state = torch.get_rng_state()
    yield
    torch.set_rng_state(state)


@skip_on(
    "jax",
    reason="about 25 s of XLA compiling there; tests/backends checks evaluate()'s own noise on JAX",
)
def test_evaluate_draws_its_own_noise_and_leaves_training_noise_alone(tiny_images):
    # Two seeded runs, one calling evaluate() between its epochs: the
    # training noise (and so the trained weights) must be the same.
    def run(evaluate):
        keras.utils.set_random_seed(0)
        gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
        gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05))
        gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
        if evaluate:
            seed = keras.ops.convert_to_numpy(gan.seed_generator.state).copy()
            with _torch_global_rng_kept():
                first = gan.evaluate(tiny_images, batch_size=32, verbose=0, return_dict=True)
                second = gan.evaluate(tiny_images, batch_size=32, verbose=0, return_dict=True)
            np.testing.assert_array_equal(
                seed, keras.ops.convert_to_numpy(gan.seed_generator.state)
            )
            # Its own stream moves on: the second evaluation's fakes differ.
            assert first["d_fake"] != second["d_fake"]
        gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
        return keras.ops.convert_to_numpy(gan.seed_generator.state), _weights(gan.generator)

    (seed_a, weights_a), (seed_b, weights_b) = run(False), run(True)
    np.testing.assert_array_equal(seed_a, seed_b)
    # Same noise, data and updates: equal up to float32 rounding (oneDNN
    # may pick other kernels between runs; 1e-6 is far below one SGD step).
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_allclose(a, b, atol=1e-6)


@skip_on(
    "jax", reason="about 20 s of XLA compiling there; tests/backends checks mixed_float16 on JAX"
)
def test_mixed_float16_trains_with_a_loss_scale_per_network(tiny_images):
    gan = float16_tiny_gan()
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert isinstance(opt, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(gan.optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.layers[1].compute_dtype == "float16"
    scale = float(gan.g_optimizer.dynamic_scale)
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    # All 4 steps applied (none skipped for overflow), weights moved and are
    # finite, the scale stayed where it was.
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert int(opt.iterations) == 4 and int(opt.step_counter) == 4
        assert float(opt.dynamic_scale) == scale
    assert all(_changed(g_before, gan.generator)) and _all_finite(gan.generator)
    assert all(_changed(d_before, gan.discriminator)) and _all_finite(gan.discriminator)
    # A scale that overflows float16 gradients: the step is skipped (no
    # weight moves), and each scale is halved.
    for opt in (gan.g_optimizer, gan.d_optimizer):
        opt.dynamic_scale.assign(2.0**60)
    trainable = gan.generator.trainable_weights + gan.discriminator.trainable_weights
    before = [keras.ops.convert_to_numpy(w).copy() for w in trainable]
    gan.fit(tiny_images[:16], batch_size=16, epochs=1, verbose=0)
    for b, w in zip(before, trainable):
        np.testing.assert_array_equal(b, keras.ops.convert_to_numpy(w))
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert int(opt.iterations) == 4 and float(opt.dynamic_scale) == 2.0**59


class _CountBatches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def on_train_batch_end(self, batch, logs=None):
        self.calls += 1


@pytest.mark.parametrize(
    "kwargs, executions",
    [
        pytest.param({"jit_compile": True}, 4, marks=_NO_TORCH_COMPILE),
        pytest.param({"steps_per_execution": 2}, 2, marks=_NO_TORCH_STEPS_PER_EXECUTION),
        ({"run_eagerly": True}, 4),
    ],
)
def test_compile_options_train(kwargs, executions, tiny_images):
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(**kwargs)
    name, value = next(iter(kwargs.items()))
    assert getattr(gan, name) == value
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    counter = _CountBatches()
    history = gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0, callbacks=[counter])
    # 4 steps of 16: each optimizer counts 4 updates; with
    # steps_per_execution=2 the batch hooks run once per 2 steps.
    assert int(gan.g_optimizer.iterations) == 4
    assert int(gan.d_optimizer.iterations) == 4
    assert counter.calls == executions
    assert all(_changed(g_before, gan.generator))
    assert all(_changed(d_before, gan.discriminator))
    assert all(np.isfinite(v[0]) for v in history.history.values())


def _recording_run(images, seed, epochs=2, batch_size=16):
    """Trains a seeded GAN on make_dataset(seed, epochs_from=0) and records
    the image ids (the labels) and the noise of every step."""
    import tensorflow as tf

    steps = steps_per_epoch(len(images), batch_size)
    ids = tf.Variable(tf.fill([epochs * steps, batch_size], -1))
    noise = tf.Variable(tf.zeros([epochs * steps, batch_size, TINY_LATENT]))

    class Recording(GAN):
        def _step(self):  # [[the step about to be applied, 0-based]]
            return [[tf.cast(self.g_optimizer.iterations.value, tf.int32)]]

        def train_step(self, data):
            ids.scatter_nd_update(self._step(), [tf.cast(data[1], tf.int32)])
            return super().train_step(data)

        def _noise(self, real):
            z = super()._noise(real)
            noise.scatter_nd_update(self._step(), [z])
            return z

    keras.utils.set_random_seed(seed)  # Initial weights and dropout.
    gan = Recording(tiny_generator(), tiny_discriminator(), seed=seed)
    # SGD: a step moves weights by lr * gradient, so float32 rounding in the
    # gradients stays at rounding size in the weights (Adam's first steps
    # are +-lr whatever the gradient's size).
    gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05))
    dataset = make_dataset(
        images,
        labels=np.arange(len(images)),
        batch_size=batch_size,
        seed=seed,
        epochs_from=0,
    )
    before = _weights(gan.generator) + _weights(gan.discriminator)
    gan.fit(dataset, epochs=epochs, steps_per_epoch=steps, verbose=0)
    after = _weights(gan.generator) + _weights(gan.discriminator)
    moved = max(np.abs(a - b).max() for a, b in zip(after, before))
    return ids.numpy(), noise.numpy(), after, moved


@_RECORDS_IN_TF_VARIABLES
def test_seeded_run_repeats_data_order_and_noise(tiny_images):
    # No deterministic ops: the data order and the noise come from integer
    # permutations and a counter-based PRNG, so they repeat exactly; weights
    # may differ by float rounding only.
    runs = [_recording_run(tiny_images, seed=3) for _ in range(2)]
    (ids_a, noise_a, weights_a, moved), (ids_b, noise_b, weights_b, _) = runs
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_array_equal(noise_a, noise_b)
    # Every step was recorded; each epoch is a permutation of the 64 images,
    # reshuffled between epochs.
    epoch_0, epoch_1 = ids_a[:4].ravel(), ids_a[4:].ravel()
    assert sorted(epoch_0) == list(range(64)) and sorted(epoch_1) == list(range(64))
    assert not np.array_equal(epoch_0, epoch_1)
    assert (np.abs(noise_a).sum(axis=(1, 2)) > 0).all()
    assert len({noise_a[i].tobytes() for i in range(len(noise_a))}) == len(noise_a)
    # Weights agree to float32 rounding (1e-5) after moving much more.
    assert moved > 1e-2
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_allclose(a, b, atol=1e-5)
    other_ids, other_noise, _, _ = _recording_run(tiny_images, seed=4)
    assert not np.array_equal(other_ids, ids_a)  # Another seed, another order.
    assert not np.array_equal(other_noise, noise_a)


# EMA of the generator (`ema_kimg`).


def _np(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def _ema_gan(ema_kimg=0.1, ema_rampup=0.0, d_steps=None):
    keras.utils.set_random_seed(0)
    gan = GAN(
        tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=ema_kimg, ema_rampup=ema_rampup
    )
    gan.compile(d_steps=d_steps)
    return gan


def test_ema_is_off_by_default_and_adds_no_variables(tiny_gan):
    assert tiny_gan.ema_generator is None and tiny_gan.ema_kimg is None
    assert tiny_gan.sampling_generator is tiny_gan.generator
    # The lecture's model exactly: the two networks' weights and nothing else.
    assert len(tiny_gan.weights) == len(tiny_gan.generator.weights) + len(
        tiny_gan.discriminator.weights
    )
    config = tiny_gan.get_config()
    assert config["ema_kimg"] is None
    with pytest.raises(ValueError, match="`ema=True` needs a GAN built with `ema_kimg`"):
        tiny_gan.generate(2, ema=True)
    with pytest.raises(ValueError, match="`ema=True` needs a GAN built with `ema_kimg`"):
        tiny_gan(tiny_gan.sample_noise(2), ema=True)


@pytest.mark.parametrize("d_steps", [1, 2])
def test_ema_step_follows_the_rule_and_generate_uses_it(tiny_images, d_steps):
    gan = _ema_gan(d_steps=d_steps)
    start = _np(gan.generator.weights)
    # The clone starts as the generator's weights.
    for a, b in zip(start, _np(gan.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)
    gan.train_on_batch(tiny_images[:32])
    live = gan.generator.weights
    beta = 0.5 ** (32 / 100)  # half-life 0.1 kimg, no ramp-up
    for var, old, new in zip(live, start, gan.ema_generator.weights):
        got, now = keras.ops.convert_to_numpy(new), keras.ops.convert_to_numpy(var)
        if var.trainable:
            assert not np.allclose(now, old)  # the generator did move
            # float32 rounding only (1e-6), far below the step's size.
            np.testing.assert_allclose(got, now + beta * (old - now), rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(got, now)  # BatchNorm statistics copied
    assert float(gan.ema_images_seen) == 32.0
    gan.fit(tiny_images, batch_size=32, epochs=2, verbose=0)
    assert float(gan.ema_images_seen) == 32.0 + 128
    z = gan.sample_noise(8, seed=1)
    ema_images = gan.generate(z=z)
    np.testing.assert_allclose(
        ema_images, keras.ops.convert_to_numpy(gan.ema_generator(z, training=False)), atol=1e-6
    )
    raw = gan.generate(z=z, ema=False)
    np.testing.assert_allclose(
        raw, keras.ops.convert_to_numpy(gan.generator(z, training=False)), atol=1e-6
    )
    # Averaged weights make other images than the last step's: by far more
    # than float rounding.
    assert np.abs(ema_images - raw).max() > 1e-3
    assert gan.sampling_generator is gan.ema_generator
    # `predict` and `call` sample as `generate` does (the EMA), and the
    # trained generator is one argument away. Same weights, other batching:
    # equal up to float32 rounding (tanh outputs in [-1, 1]).
    np.testing.assert_allclose(gan.predict(z, verbose=0), ema_images, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(z)), ema_images, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(z, ema=False)), raw, atol=1e-5)


def test_ema_ramp_up_starts_as_a_copy_of_the_trained_generator(tiny_images):
    gan = _ema_gan(ema_kimg=10.0, ema_rampup=0.05)
    gan.train_on_batch(tiny_images[:32])
    # First step: half-life 0 images seen * 0.05 = 0, so beta = 0.
    for a, b in zip(_np(gan.generator.weights), _np(gan.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)


@skip_on(
    "jax",
    reason="about 45 s of XLA compiling there; tests/backends checks the EMA in a .keras round trip on JAX",
)
def test_ema_is_saved_and_restored_with_keras_files(tmp_path, tiny_images):
    gan = _ema_gan()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert (loaded.ema_kimg, loaded.ema_rampup) == (0.1, 0.0)
    assert float(loaded.ema_images_seen) == 64.0
    for a, b in zip(_np(gan.ema_generator.weights), _np(loaded.ema_generator.weights)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_np(gan.generator.weights), _np(loaded.generator.weights)):
        np.testing.assert_array_equal(a, b)
    z = gan.sample_noise(4, seed=0)
    np.testing.assert_array_equal(gan.generate(z=z), loaded.generate(z=z))
    # Training the loaded model goes on updating the average.
    loaded.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    assert float(loaded.ema_images_seen) == 128.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"ema_kimg": 0}, "ema_kimg"),
        ({"ema_kimg": -1.0}, "ema_kimg"),
        ({"ema_kimg": "10"}, "ema_kimg"),
        ({"ema_kimg": 10, "ema_rampup": -0.1}, "ema_rampup"),
    ],
)
def test_ema_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=f"Expected `{match}` to be a positive number"):
        GAN(tiny_generator(), tiny_discriminator(), **kwargs)

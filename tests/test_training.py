import numpy as np
import pytest

import keras

from keras_gan import options as options_lib
from keras_gan import training
from tests.conftest import skip_on

pytestmark = pytest.mark.backends


def test_build_gan_is_the_lectures_model_with_the_options_optimizers():
    gan = training.build_gan(options_lib.resolve({"seed": 0}, preset="dcgan"), (28, 28, 1))
    assert gan.generator.count_params() == 2_330_944
    assert gan.discriminator.count_params() == 212_865
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert float(opt.learning_rate) == np.float32(2e-4)
        assert float(opt.beta_1) == 0.5


@skip_on(
    "jax", reason="about 30 s of XLA compiling there; tests/backends checks mixed_bfloat16 on JAX"
)
def test_mixed_bfloat16_keeps_images_logits_and_losses_in_float32():
    gan = training.build_gan(options_lib.resolve({"precision": "mixed_bfloat16"}), (28, 28, 1))
    # The global policy is put back once the networks are built.
    assert keras.mixed_precision.dtype_policy().name == "float32"
    # The hidden layers compute in bfloat16...
    assert gan.generator.layers[1].compute_dtype == "bfloat16"
    assert gan.generator.layers[-2].output.dtype == "bfloat16"
    assert gan.discriminator.layers[-2].output.dtype == "bfloat16"
    # ...while the images, the logits and both losses, as computed in a
    # training step, are float32.
    real = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    fake = gan.generator(gan.sample_noise(8, seed=0), training=True)
    real_logits = gan.discriminator(real, training=True)
    fake_logits = gan.discriminator(fake, training=True)
    dtype = keras.backend.standardize_dtype
    assert dtype(fake.dtype) == dtype(real_logits.dtype) == dtype(fake_logits.dtype) == "float32"
    loss = gan.adversarial_loss
    assert dtype(loss.generator(fake_logits).dtype) == "float32"
    assert dtype(loss.discriminator(real_logits, fake_logits).dtype) == "float32"
    history = gan.fit(real, batch_size=4, epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in history.values())
    assert 0 < history["d_real"][0] < 1 and 0 < history["d_fake"][0] < 1
    assert int(gan.g_optimizer.iterations) == 2


def test_default_callbacks_order_and_switches(tmp_path):
    everything = options_lib.resolve({"metrics_every": 2, "dataset": "mnist_sample"})
    kinds = [type(c).__name__ for c in training.default_callbacks(everything, str(tmp_path))]
    # Metrics first (their values join the logs), the checkpoint last.
    assert kinds == ["GANMetrics", "SampleGrid", "LossPlot", "GANTensorBoard", "GANCheckpoint"]
    nothing = options_lib.resolve(
        {"sample_every": 0, "checkpoint_every": 0, "tensorboard": False, "loss_plot": False}
    )
    assert training.default_callbacks(nothing, str(tmp_path)) == []


def test_new_run_dir_names(tmp_path):
    opts = options_lib.resolve({"logdir": str(tmp_path), "dataset": "/data/my faces/"})
    name = training.new_run_dir(opts)
    assert name.startswith(str(tmp_path / "my-faces-"))
    assert not (tmp_path / "my-faces").exists()  # created only once data loads

import json
import os

import numpy as np
import pytest

import keras

from callbacks import GANCheckpoint
from callbacks import latest_checkpoint
from callbacks import list_checkpoints
from callbacks import restore_checkpoint
from keras_gan import GAN
from keras_gan._optimizer_pair import OptimizerPair
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator
from tests.test_saving import assert_each_value_stored_once
from tests.test_saving import h5_values_by_group

pytestmark = pytest.mark.backends


def _numpy(variables):
    return [keras.ops.convert_to_numpy(v).copy() for v in variables]


def _fresh_gan():
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    return gan


def test_checkpoint_restores_weights_and_optimizer_state_exactly(tmp_path, tiny_gan, tiny_images):
    ckpt = GANCheckpoint(tmp_path / "ckpt", keep=2, generator_path=str(tmp_path / "g.keras"))
    tiny_gan.fit(tiny_images, batch_size=32, epochs=3, verbose=0, callbacks=[ckpt])
    assert [e for e, _ in list_checkpoints(tmp_path / "ckpt")] == [2, 3]
    latest = latest_checkpoint(tmp_path / "ckpt")
    assert latest.endswith("ckpt-0003")

    other = _fresh_gan()
    epoch = restore_checkpoint(other, latest)
    assert epoch == 3
    for a, b in [
        (tiny_gan.generator.weights, other.generator.weights),
        (tiny_gan.discriminator.weights, other.discriminator.weights),
        (tiny_gan.g_optimizer.variables, other.g_optimizer.variables),
        (tiny_gan.d_optimizer.variables, other.d_optimizer.variables),
        (tiny_gan.seed_generator.state, other.seed_generator.state),
    ]:
        for x, y in zip(
            _numpy(a if isinstance(a, list) else [a]), _numpy(b if isinstance(b, list) else [b])
        ):
            np.testing.assert_array_equal(x, y)
    assert int(other.g_optimizer.iterations) == 6
    # The exported generator generates what the trained one does.
    exported = keras.saving.load_model(tmp_path / "g.keras", safe_mode=True)
    z = tiny_gan.sample_noise(4, seed=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(exported(z, training=False)), tiny_gan.generate(z=z), atol=1e-6
    )


def test_checkpoint_stores_optimizer_state_once(tmp_path, tiny_gan, tiny_images):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    ckpt = GANCheckpoint(tmp_path)
    ckpt.set_model(tiny_gan)
    path = ckpt.save(1)
    assert_each_value_stored_once(
        tiny_gan, h5_values_by_group(os.path.join(path, "state.weights.h5"))
    )


def test_checkpoint_in_the_old_duplicated_layout_restores_exactly(
    monkeypatch, tmp_path, tiny_gan, tiny_images
):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=2, verbose=0)
    ckpt = GANCheckpoint(tmp_path)
    ckpt.set_model(tiny_gan)
    with monkeypatch.context() as patch:
        # The old layout: the container saved all of its `variables`.
        patch.setattr(
            OptimizerPair, "save_own_variables", keras.optimizers.Optimizer.save_own_variables
        )
        path = ckpt.save(2)
    counts = h5_values_by_group(os.path.join(path, "state.weights.h5"))
    assert counts["optimizer"] > counts["g_optimizer"] + counts["d_optimizer"]
    other = _fresh_gan()
    assert restore_checkpoint(other, path) == 2
    for a, b in [
        (tiny_gan.g_optimizer.variables, other.g_optimizer.variables),
        (tiny_gan.d_optimizer.variables, other.d_optimizer.variables),
        (tiny_gan.seed_generator.state, other.seed_generator.state),
    ]:
        for x, y in zip(
            _numpy(a if isinstance(a, list) else [a]), _numpy(b if isinstance(b, list) else [b])
        ):
            np.testing.assert_array_equal(x, y)
    assert int(other.g_optimizer.iterations) == int(other.d_optimizer.iterations) == 4


def test_best_checkpoint_follows_monitor_and_mode(tmp_path, tiny_gan):
    ckpt = GANCheckpoint(tmp_path, monitor="fid", mode="min")
    ckpt.set_model(tiny_gan)
    ckpt.on_train_begin()
    for epoch, fid in enumerate([5.0, 3.0, 4.0]):
        ckpt.on_epoch_end(epoch, {"fid": fid})
    meta = json.loads((tmp_path / "best" / "meta.json").read_text())
    assert meta["epoch"] == 2 and meta["monitor_value"] == 3.0


def test_half_written_checkpoint_is_never_latest(tmp_path, tiny_gan):
    ckpt = GANCheckpoint(tmp_path)
    ckpt.set_model(tiny_gan)
    ckpt.save(1)
    # A crash mid-save leaves only a temporary folder behind.
    os.makedirs(tmp_path / ".tmp-ckpt-crashed")
    (tmp_path / ".tmp-ckpt-crashed" / "state.weights.h5").write_bytes(b"partial")
    os.makedirs(tmp_path / "ckpt-0002")  # no files: never completed
    assert latest_checkpoint(tmp_path).endswith("ckpt-0001")


def test_checkpoint_of_another_architecture_is_refused(tmp_path, tiny_gan):
    GANCheckpoint(tmp_path).set_model(tiny_gan) or None
    ckpt = GANCheckpoint(tmp_path)
    ckpt.set_model(tiny_gan)
    path = ckpt.save(1)
    other = GAN(tiny_generator(latent_dim=4), tiny_discriminator(), seed=0)
    other.compile()
    with pytest.raises(
        ValueError, match="another architecture: its latent_dim is 8, this model's is 4"
    ):
        restore_checkpoint(other, path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"monitor": "fid"}, "needs an explicit mode='min' or mode='max'"),
        ({"every": 0}, "`every` to be an int >= 1"),
        ({"generator_path": "g.h5"}, "end in '.keras'"),
    ],
)
def test_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GANCheckpoint(tmp_path, **kwargs)


def _ema_gan():
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=0.1, ema_rampup=0.0)
    gan.compile()
    return gan


def test_checkpoint_restores_the_ema_and_resumes_exactly(tmp_path, tiny_images):
    # Uninterrupted: 2 epochs. Interrupted: 1 epoch, restore into a fresh
    # model, 1 more epoch. shuffle=False: the data order is not under test.
    full = _ema_gan()
    full.fit(tiny_images, batch_size=32, epochs=2, verbose=0, shuffle=False)
    first = _ema_gan()
    ckpt = GANCheckpoint(tmp_path / "ckpt", generator_path=str(tmp_path / "g.keras"))
    first.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False, callbacks=[ckpt])
    # The exported generator is the EMA one, not the trained one.
    exported = keras.saving.load_model(tmp_path / "g.keras", safe_mode=True)
    z = first.sample_noise(4, seed=0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(exported(z, training=False)), first.generate(z=z)
    )
    assert np.abs(first.generate(z=z) - first.generate(z=z, ema=False)).max() > 1e-4

    resumed = GAN(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=0.1, ema_rampup=0.0)
    resumed.compile()
    assert restore_checkpoint(resumed, latest_checkpoint(tmp_path / "ckpt")) == 1
    assert float(resumed.ema_images_seen) == 64.0
    for x, y in zip(_numpy(first.ema_generator.weights), _numpy(resumed.ema_generator.weights)):
        np.testing.assert_array_equal(x, y)
    resumed.fit(tiny_images, batch_size=32, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    assert float(resumed.ema_images_seen) == float(full.ema_images_seen) == 128.0
    # The same steps from the same state (weights, optimizers, noise and
    # dropout streams): equal up to float rounding (1e-6).
    for x, y in zip(_numpy(full.ema_generator.weights), _numpy(resumed.ema_generator.weights)):
        np.testing.assert_allclose(x, y, atol=1e-6)


def test_ema_and_plain_checkpoints_do_not_mix(tmp_path, tiny_gan):
    ckpt = GANCheckpoint(tmp_path)
    ckpt.set_model(_ema_gan())
    path = ckpt.save(1)
    assert json.loads((tmp_path / "ckpt-0001" / "meta.json").read_text())["architecture"]["ema"]
    with pytest.raises(ValueError, match="its ema is true, this model's is false"):
        restore_checkpoint(tiny_gan, path)

import pathlib

import numpy as np
import pytest

import keras

from keras_gan import GAN
from keras_gan.saving import load_generator
from keras_gan.saving import load_model


def test_round_trip_of_a_generator_and_a_gan(tmp_path, tiny_gan):
    tiny_gan.generator.save(tmp_path / "g.keras")
    generator = load_generator(tmp_path / "g.keras")
    z = tiny_gan.sample_noise(2, seed=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(generator(z, training=False)), tiny_gan.generate(z=z), atol=1e-6)
    tiny_gan.save(tmp_path / "gan.keras")
    assert isinstance(load_model(tmp_path / "gan.keras", expect=GAN), GAN)


def test_lambda_layer_is_refused(tmp_path):
    z = keras.Input((4,))
    x = keras.layers.Dense(16)(z)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    x = keras.layers.Reshape((4, 4, 1))(x)
    keras.Model(z, x).save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Refusing to load .*Lambda layer.*safe_mode=True"):
        load_generator(tmp_path / "lambda.keras")


@keras.saving.register_keras_serializable(package="test_only_unregistered")
class Doubler(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def test_unknown_custom_object_is_refused(tmp_path):
    z = keras.Input((4,))
    x = keras.layers.Reshape((2, 2, 1))(Doubler()(z))
    keras.Model(z, x).save(tmp_path / "custom.keras")
    # Forget the class, as on a machine that never imported its module.
    keras.saving.get_custom_objects().pop("test_only_unregistered>Doubler")
    with pytest.raises(ValueError, match="custom class that is not registered"):
        load_generator(tmp_path / "custom.keras")


def test_wrong_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"Expected a '.keras' file"):
        load_model(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="No model file"):
        load_model(tmp_path / "missing.keras")
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "dense.keras")
    with pytest.raises(ValueError, match="Expected .* to hold a generator"):
        load_generator(tmp_path / "dense.keras")
    with pytest.raises(ValueError, match="to hold a GAN. Received a Sequential"):
        load_model(tmp_path / "dense.keras", expect=GAN)


def test_nothing_unpickles():
    root = pathlib.Path(__file__).resolve().parents[1]
    for path in list((root / "keras_gan").rglob("*.py")) + list((root / "callbacks").rglob("*.py")):
        text = path.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, path
        assert "safe_mode=False" not in text, path

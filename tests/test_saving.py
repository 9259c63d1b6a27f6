import pathlib

import numpy as np
import pytest

import keras

from keras_gan import GAN
from keras_gan.saving import load_generator
from keras_gan.saving import load_model

pytestmark = pytest.mark.backends


def test_round_trip_of_a_generator_and_a_gan(tmp_path, tiny_gan):
    tiny_gan.generator.save(tmp_path / "g.keras")
    generator = load_generator(tmp_path / "g.keras")
    z = tiny_gan.sample_noise(2, seed=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(generator(z, training=False)), tiny_gan.generate(z=z), atol=1e-6
    )
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


def h5_values_by_group(path):
    """Counts the stored values per top-level group of a weights file.

    Args:
        path: a `.weights.h5` file, or a `.keras` file (its
            `model.weights.h5` is read).

    Returns:
        A dict from top-level group name to the number of values stored
        under it.
    """
    import io
    import zipfile

    import h5py

    path = str(path)
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as archive:
            path = io.BytesIO(archive.read("model.weights.h5"))
    counts = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            top = name.split("/")[0]
            counts[top] = counts.get(top, 0) + obj.size

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return counts


def _size(variables):
    return sum(int(np.prod(v.shape)) for v in variables)


def assert_each_value_stored_once(gan, counts):
    """Checks a saved GAN's file against the sizes of its variables."""
    g, d = gan.g_optimizer.variables, gan.d_optimizer.variables
    inner = {id(v) for v in g + d}
    container_own = [v for v in gan.optimizer.variables if id(v) not in inner]
    assert counts["g_optimizer"] == _size(g)
    assert counts["d_optimizer"] == _size(d)
    # The container stores only its own iteration and learning rate, not a
    # second copy of both optimizers' state.
    assert counts["optimizer"] == _size(container_own) == 2
    # Nothing else is stored twice: networks, optimizers and the GAN's own
    # seed states ("vars") add up to the whole file.
    networks = _size(gan.generator.weights) + _size(gan.discriminator.weights)
    assert sum(counts.values()) == networks + _size(g) + _size(d) + 2 + counts["vars"]


def save_in_old_layout(monkeypatch, gan, path):
    """Saves `gan` as keras-gan did before: the container held both states."""
    from keras_gan._optimizer_pair import OptimizerPair

    with monkeypatch.context() as patch:
        patch.setattr(
            OptimizerPair,
            "save_own_variables",
            keras.optimizers.Optimizer.save_own_variables,
        )
        if str(path).endswith(".keras"):
            gan.save(path)
        else:
            gan.save_weights(path)


def _assert_same_training_state(a, b):
    for x, y in [
        (a.generator.weights, b.generator.weights),
        (a.discriminator.weights, b.discriminator.weights),
        (a.g_optimizer.variables, b.g_optimizer.variables),
        (a.d_optimizer.variables, b.d_optimizer.variables),
    ]:
        assert len(x) == len(y)
        for u, v in zip(x, y):
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(u), keras.ops.convert_to_numpy(v)
            )
    assert int(b.g_optimizer.iterations) == int(a.g_optimizer.iterations) > 0
    assert int(b.d_optimizer.iterations) == int(a.d_optimizer.iterations) > 0


def test_keras_file_stores_optimizer_state_once_and_resumes_exactly(
    tmp_path, tiny_gan, tiny_images
):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    tiny_gan.save(tmp_path / "gan.keras")
    assert_each_value_stored_once(tiny_gan, h5_values_by_group(tmp_path / "gan.keras"))
    loaded = load_model(tmp_path / "gan.keras", expect=GAN)
    _assert_same_training_state(tiny_gan, loaded)


@pytest.mark.parametrize("name", ["gan.keras", "gan.weights.h5"])
def test_files_in_the_old_duplicated_layout_still_load(
    monkeypatch, tmp_path, tiny_gan, tiny_images, name
):
    tiny_gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    save_in_old_layout(monkeypatch, tiny_gan, tmp_path / name)
    counts = h5_values_by_group(tmp_path / name)
    # The old layout: the container's group repeats both optimizers' state.
    opt = _size(tiny_gan.g_optimizer.variables) + _size(tiny_gan.d_optimizer.variables)
    assert counts["optimizer"] == 2 + opt
    if name.endswith(".keras"):
        loaded = load_model(tmp_path / name, expect=GAN)
    else:
        from tests.conftest import tiny_discriminator
        from tests.conftest import tiny_generator

        loaded = GAN(tiny_generator(), tiny_discriminator(), seed=1)
        loaded.compile()
        loaded.load_weights(tmp_path / name)
    _assert_same_training_state(tiny_gan, loaded)


def test_float16_loss_scale_optimizers_store_their_inner_state_once(
    monkeypatch, tmp_path, tiny_images
):
    from tests.conftest import float16_tiny_gan

    gan = float16_tiny_gan()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    counts = h5_values_by_group(tmp_path / "gan.keras")
    # Each group holds the loss scale's own 4 values (step counter, scale,
    # iteration, learning rate) plus its inner Adam once.
    assert_each_value_stored_once(gan, counts)
    loaded = load_model(tmp_path / "gan.keras", expect=GAN)
    _assert_same_training_state(gan, loaded)
    for a, b in [(gan.g_optimizer, loaded.g_optimizer), (gan.d_optimizer, loaded.d_optimizer)]:
        assert float(b.dynamic_scale) == float(a.dynamic_scale)
        assert int(b.step_counter) == int(a.step_counter) == 2
    # Keras' own layout (the inner state under the wrapper too) still loads.
    with monkeypatch.context() as patch:
        patch.setattr(
            type(gan.g_optimizer),
            "save_own_variables",
            keras.optimizers.LossScaleOptimizer.save_own_variables,
        )
        gan.save(tmp_path / "old.keras")
    old = h5_values_by_group(tmp_path / "old.keras")
    inner = _size(gan.g_optimizer.inner_optimizer.variables)
    assert old["g_optimizer"] == counts["g_optimizer"] + inner
    _assert_same_training_state(gan, load_model(tmp_path / "old.keras", expect=GAN))

import json
import sys

import pytest

from keras_gan import losses
from keras_gan import options


def test_defaults_are_the_lectures():
    d = options.DEFAULTS
    assert (d["dataset"], d["epochs"], d["batch_size"], d["latent_dim"]) == ("mnist", 30, 256, 100)
    assert (d["lr"], d["beta1"], d["loss"], d["shuffle_buffer"], d["num_samples"]) == (
        1e-4,
        0.9,
        "non_saturating",
        60000,
        16,
    )


def test_loss_names_match_the_registry():
    assert set(options.LOSS_NAMES) == set(losses.LOSSES)


def test_presets_and_overrides():
    resolved = options.resolve({"epochs": 5, "lr": None}, preset="dcgan")
    assert (resolved["epochs"], resolved["lr"], resolved["beta1"]) == (5, 2e-4, 0.5)
    assert options.resolve({"lr": 1})["lr"] == 1.0  # ints accepted for floats


@pytest.mark.parametrize(
    "overrides, preset, match",
    [
        ({"nope": 1}, None, "Unknown option 'nope'"),
        ({}, "fast", "Unknown preset 'fast'"),
        ({"epochs": "3"}, None, "`epochs` to be of type int. Received: '3'"),
        ({"precision": "float8"}, None, "`precision` to be one of"),
        ({"run_name": ".hidden"}, None, "Expected a run name"),
        ({"tensorboard": 1}, None, "true or false"),
    ],
)
def test_resolve_rejects(overrides, preset, match):
    with pytest.raises(ValueError, match=match):
        options.resolve(overrides, preset=preset)


def test_write_and_read_round_trip(tmp_path):
    resolved = options.resolve({"epochs": 2, "seed": 3})
    options.write_options(resolved, tmp_path)
    assert options.read_options(tmp_path) == resolved
    (tmp_path / options.OPTIONS_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="Could not read"):
        options.read_options(tmp_path)


def test_backend_defaults_to_the_backend_in_force(monkeypatch, tmp_path):
    # Keras is loaded in this process: its backend is the one in force.
    import keras

    assert options.resolve()["backend"] == keras.backend.backend()
    assert options.resolve({"backend": "jax"})["backend"] == "jax"
    # Before Keras loads: $KERAS_BACKEND, else keras.json's, else tensorflow.
    monkeypatch.delitem(sys.modules, "keras")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    assert options.backend_in_force() == "torch"
    assert options.resolve()["backend"] == "torch"
    monkeypatch.delenv("KERAS_BACKEND")
    assert options.backend_in_force() == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "jax"}')
    assert options.backend_in_force() == "jax"
    monkeypatch.setenv("KERAS_BACKEND", "numpy")  # Keras has it; a GAN cannot train on it
    with pytest.raises(
        ValueError, match=r"`backend` to be one of \['tensorflow', 'jax', 'torch'\]"
    ):
        options.resolve()


def test_runs_recorded_before_the_backend_option_read_as_tensorflow(tmp_path):
    resolved = options.resolve({"epochs": 2, "seed": 3, "backend": "jax"})
    options.write_options(resolved, tmp_path)
    assert options.read_options(tmp_path)["backend"] == "jax"
    legacy = {k: v for k, v in resolved.items() if k != "backend"}
    (tmp_path / options.OPTIONS_FILE).write_text(json.dumps(legacy))
    assert options.read_options(tmp_path)["backend"] == "tensorflow"

import pytest

from keras_gan import losses
from keras_gan import options


def test_defaults_are_the_lectures():
    d = options.DEFAULTS
    assert (d["dataset"], d["epochs"], d["batch_size"], d["latent_dim"]) == ("mnist", 30, 256, 100)
    assert (d["lr"], d["beta1"], d["loss"], d["shuffle_buffer"], d["num_samples"]) == (
        1e-4, 0.9, "non_saturating", 60000, 16)


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

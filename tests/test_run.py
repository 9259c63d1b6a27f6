"""The run directory's owner (`keras_gan.run`)."""

import json
import os

import pytest

from keras_gan import options as options_lib
from keras_gan import run as run_lib
from keras_gan.run import RunDirectory


def test_paths_are_the_documented_file_names(tmp_path):
    run = RunDirectory(tmp_path)
    assert os.fspath(run) == str(tmp_path)
    assert run.options_file == str(tmp_path / "training_options.json")
    assert run.class_names_file == str(tmp_path / "class_names.json")
    assert run.generator_file == str(tmp_path / "generator.keras")
    assert run.best_generator_file == str(tmp_path / "generator_best.keras")
    assert run.grid_file == str(tmp_path / "samples.png")
    assert run.samples_dir == str(tmp_path / "samples")
    assert run.sample_file == str(tmp_path / "samples" / "sample.png")
    assert run.loss_plot_file == str(tmp_path / "losses.png")
    assert run.checkpoints_dir == str(tmp_path / "checkpoints")
    assert run.tensorboard_images_dir == str(tmp_path / "tensorboard" / "train")
    assert run.tensorboard_metrics_dir == str(tmp_path / "tensorboard" / "metrics")
    assert run.export_dir == str(tmp_path / "export")
    # The old names still read the same files.
    assert options_lib.OPTIONS_FILE == run_lib.OPTIONS_FILE == "training_options.json"
    assert options_lib.GENERATOR_FILE == run_lib.GENERATOR_FILE


def test_options_and_class_names_round_trip_atomically(tmp_path):
    run = RunDirectory(tmp_path / "new")
    assert not run.is_run() and run.read_class_names() is None
    resolved = options_lib.resolve({"epochs": 2, "seed": 3})
    run.write_options(resolved)
    run.write_class_names(["shirt", "bag"])
    assert run.is_run()
    assert json.loads((tmp_path / "new" / "training_options.json").read_text()) == resolved
    assert run.read_saved_options() == resolved
    assert options_lib.read_options(run) == resolved
    assert run.read_class_names() == ("shirt", "bag")
    assert sorted(os.listdir(tmp_path / "new")) == ["class_names.json", "training_options.json"]


def test_unreadable_files_are_refused(tmp_path):
    run = RunDirectory(tmp_path)
    with pytest.raises(ValueError, match="is not a run directory: it has no training_options.json"):
        run.read_saved_options()
    (tmp_path / "training_options.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="does not hold a JSON object"):
        run.read_saved_options()
    (tmp_path / "class_names.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match="JSON list of class names"):
        run.read_class_names()


def test_generator_path_names_what_is_missing(tmp_path):
    run = RunDirectory(tmp_path)
    assert run.generator_path("best") == str(tmp_path / "generator_best.keras")
    with pytest.raises(ValueError, match="holds no generator_best.keras to export. It is written"):
        run.generator_path("best", purpose="export")
    (tmp_path / "generator.keras").write_bytes(b"")
    assert run.generator_path("last", purpose="export") == str(tmp_path / "generator.keras")
    with pytest.raises(ValueError, match=r"one of \['last', 'best'\]"):
        run.generator_path("first")


def test_run_names(tmp_path, monkeypatch):
    assert run_lib.check_run_name("mnist-1") == "mnist-1"
    for bad in ("../up", ".hidden", "a/b", ""):
        with pytest.raises(ValueError, match="Expected a run name"):
            run_lib.check_run_name(bad)
    monkeypatch.setattr(run_lib.time, "strftime", lambda _: "20250101-120000")
    name = run_lib.default_run_name(tmp_path, "/data/My Photos/")
    assert name == "My-Photos-20250101-120000"
    (tmp_path / name).mkdir()
    assert run_lib.default_run_name(tmp_path, "/data/My Photos/") == f"{name}-2"
    # A long name keeps its start (cache names keep their end).
    assert run_lib.default_run_name(tmp_path, "x" * 30 + "y" * 30).startswith(
        "x" * 30 + "y" * 10 + "-"
    )

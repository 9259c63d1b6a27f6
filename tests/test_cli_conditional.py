"""The CLI with --conditional: train, resume, sample --label, evaluate."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from keras_gan import cli
from keras_gan import options as options_lib
from keras_gan import training
from tests.conftest import StopAt

pytestmark = pytest.mark.backends

QUICK = [
    "--dataset",
    "mnist_sample",
    "--batch-size",
    "16",
    "--steps-per-epoch",
    "2",
    "--seed",
    "0",
    "--image-size",
    "8",
    "--latent-dim",
    "8",
    "--no-tensorboard",
]
CELL = 8 * 8  # 8x8 images drawn at 8x


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("logs")
    assert (
        cli.main(
            [
                "train",
                *QUICK,
                "--epochs",
                "1",
                "--conditional",
                "--logdir",
                str(logdir),
                "--run-name",
                "c",
            ]
        )
        == 0
    )
    return logdir / "c"


def _size(path):
    with Image.open(path) as im:
        return im.size


def test_train_writes_class_names_and_a_grid_row_per_class(conditional_run):
    assert json.loads((conditional_run / "class_names.json").read_text()) == [
        str(d) for d in range(10)
    ]
    saved = json.loads((conditional_run / "training_options.json").read_text())
    assert saved["conditional"] is True
    for name in ("samples.png", "samples/epoch_0001.png"):
        width, height = _size(conditional_run / name)
        assert height == 10 * CELL + 11 * 2, name  # one row per digit
        assert width > 8 * CELL + 9 * 2, name  # 8 per row, and the names' margin


def test_sample_by_label_and_by_class_rows(conditional_run, tmp_path):
    out = tmp_path / "sevens.png"
    assert (
        cli.main(
            ["sample", "--run", str(conditional_run), "--label", "7", "--n", "4", "--out", str(out)]
        )
        == 0
    )
    assert _size(out) == (2 * CELL + 3 * 2,) * 2
    rows = tmp_path / "rows.png"
    assert cli.main(["sample", "--run", str(conditional_run), "--n", "3", "--out", str(rows)]) == 0
    width, height = _size(rows)
    assert height == 10 * CELL + 11 * 2 and width > 3 * CELL + 4 * 2


def test_an_unknown_label_is_refused_with_the_class_names(conditional_run, tmp_path, capsys):
    out = tmp_path / "x.png"
    code = cli.main(
        ["sample", "--run", str(conditional_run), "--label", "sneaker", "--out", str(out)]
    )
    assert code == 2
    assert "Unknown class 'sneaker'" in capsys.readouterr().err
    assert not out.exists()


def test_label_on_an_unconditional_run_is_refused(tmp_path, capsys):
    assert (
        cli.main(["train", *QUICK, "--epochs", "1", "--logdir", str(tmp_path), "--run-name", "u"])
        == 0
    )
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sample", "--run", str(tmp_path / "u"), "--label", "7"])
    assert exit_info.value.code == 2
    assert "--label needs a conditional run" in capsys.readouterr().err


def test_conditional_on_data_without_labels_leaves_no_run(tmp_path, capsys):
    path = tmp_path / "images.npy"
    np.save(path, np.zeros((32, 8, 8, 1), np.uint8))
    code = cli.main(
        [
            "train",
            "--dataset",
            str(path),
            "--batch-size",
            "16",
            "--conditional",
            "--logdir",
            str(tmp_path / "logs"),
            "--run-name",
            "n",
        ]
    )
    assert code == 2
    assert "class labels for --conditional" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


def test_an_interrupted_conditional_run_resumes(tmp_path):
    options = options_lib.resolve(
        {
            "dataset": "mnist_sample",
            "image_size": 8,
            "latent_dim": 8,
            "batch_size": 16,
            "steps_per_epoch": 2,
            "seed": 0,
            "epochs": 2,
            "conditional": True,
            "tensorboard": False,
            "logdir": str(tmp_path),
            "run_name": "r",
        }
    )
    run_dir = training.new_run_dir(options)
    with pytest.raises(KeyboardInterrupt):
        training.train(options, run_dir, callbacks=[StopAt(1)], verbose=0)
    straight_dir = training.new_run_dir({**options, "run_name": "s"})
    straight, _ = training.train({**options, "run_name": "s"}, straight_dir, verbose=0)

    assert cli.main(["train", "--resume", run_dir]) == 0
    resumed = training.build_gan(options, (8, 8, 1), [str(d) for d in range(10)])
    from callbacks import latest_checkpoint
    from callbacks import restore_checkpoint

    assert restore_checkpoint(resumed, latest_checkpoint(os.path.join(run_dir, "checkpoints"))) == 2
    # Exact resume: the same weights as the uninterrupted run, to float32
    # rounding (checkpoints round-trip the weights bit for bit).
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_evaluate_a_conditional_run_adds_class_accuracy(tmp_path, cache_env, capsys):
    # 28x28, as the other evaluation tests: the cached classifier is shared.
    full = [a for a in QUICK if a not in ("--image-size", "8", "--latent-dim")]
    assert (
        cli.main(
            [
                "train",
                *full,
                "--epochs",
                "1",
                "--conditional",
                "--logdir",
                str(tmp_path),
                "--run-name",
                "e",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        cli.main(
            ["evaluate", "--run", str(tmp_path / "e"), "--n", "300", "--json", "--metrics", "fid"]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    # The floor: held-out reals with their true labels, classified by the
    # dataset's classifier (test accuracy > 0.9 on mnist_sample).
    assert result["floor_class_accuracy_clf"] > 0.9
    # Two training steps: the generator cannot follow the label yet.
    assert result["class_accuracy_clf"] < 0.5
    assert len(result["fid_per_class_clf"]) == 10
    assert result["fid_class_mean_clf"] > 10 * result["floor_fid_class_mean_clf"]
    assert (
        cli.main(["evaluate", "--run", str(tmp_path / "e"), "--n", "300", "--metrics", "fid"]) == 0
    )
    table = capsys.readouterr().out
    assert "class_accuracy_clf" in table and "fid_per_class_clf: [" in table

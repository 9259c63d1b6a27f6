import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import keras

from keras_gan import cli
from keras_gan import evaluation
from keras_gan import options as options_lib
from keras_gan import training
from tests.callbacks._events import read_events
from tests.conftest import StopAt
from tests.conftest import skip_on

pytestmark = pytest.mark.backends

QUICK = ["--dataset", "mnist_sample", "--batch-size", "16", "--steps-per-epoch", "2", "--seed", "0"]
# 8x8 images and 8 latent dimensions where the property tested does not
# depend on the network's size.
TINY = ["--image-size", "8", "--latent-dim", "8"]


def test_console_script_trains_and_samples(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "train",
            *QUICK,
            *TINY,
            "--epochs",
            "1",
            "--logdir",
            str(tmp_path),
            "--run-name",
            "quick",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    run_dir = tmp_path / "quick"
    assert "2/2" in run.stdout and "d_loss" in run.stdout  # Keras' progress bar
    saved = json.loads((run_dir / "training_options.json").read_text())
    assert saved == options_lib.resolve({**saved})
    assert saved["epochs"] == 1 and saved["lr"] == 1e-4 and saved["latent_dim"] == 8
    assert saved["beta1"] == 0.9 and saved["loss"] == "non_saturating"  # the lecture's
    assert saved["backend"] == keras.backend.backend()  # the one in force ($KERAS_BACKEND)
    for name in (
        "generator.keras",
        "samples.png",
        "losses.png",
        "samples/epoch_0001.png",
        "samples/progress.gif",
        "samples/reals.png",
        "checkpoints/ckpt-0001/meta.json",
    ):
        assert (run_dir / name).exists(), name
    with Image.open(run_dir / "samples.png") as im:  # 4x4 grid of 8x8 drawn at 8x
        assert im.size == (4 * 64 + 5 * 2,) * 2

    out = tmp_path / "grid.png"
    sample = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "sample",
            "--run",
            str(run_dir),
            "--n",
            "9",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert sample.returncode == 0, sample.stderr[-3000:]
    with Image.open(out) as im:
        assert im.size == (3 * 64 + 4 * 2,) * 2


@skip_on(
    "jax",
    reason="about 60 s of XLA compiling there; tests/backends checks an exact CLI resume on JAX",
)
def test_interrupted_run_resumes_with_one_continuous_history(tmp_path):
    options = options_lib.resolve(
        {
            "dataset": "mnist_sample",
            "image_size": 8,
            "latent_dim": 8,
            "batch_size": 16,
            "steps_per_epoch": 2,
            "seed": 0,
            "epochs": 3,
            "logdir": str(tmp_path),
            "run_name": "r",
        }
    )
    run_dir = training.new_run_dir(options)
    with pytest.raises(KeyboardInterrupt):
        training.train(options, run_dir, callbacks=[StopAt(1)], verbose=0)
    noise = np.load(os.path.join(run_dir, "samples", "noise.npy"))
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == ["ckpt-0001"]

    assert cli.main(["train", "--resume", run_dir]) == 0
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == [
        "ckpt-0001",
        "ckpt-0002",
        "ckpt-0003",
    ]
    np.testing.assert_array_equal(np.load(os.path.join(run_dir, "samples", "noise.npy")), noise)
    history = json.loads(open(os.path.join(run_dir, "losses.json")).read())
    assert sorted(history, key=int) == ["1", "2", "3"]
    events = read_events(os.path.join(run_dir, "tensorboard", "train"))
    # One value per epoch, steps 0..2: nothing repeated, nothing restarted.
    for tag in ("epoch_g_loss", "epoch_d_loss", "samples", "epoch_learning_rate_g_adam"):
        assert sorted(events[tag]) == [0, 1, 2], (tag, events[tag])
    meta = json.loads(open(os.path.join(run_dir, "checkpoints", "ckpt-0003", "meta.json")).read())
    assert meta["epoch"] == 3
    # Epochs may be extended on resume.
    assert cli.main(["train", "--resume", run_dir, "--epochs", "4"]) == 0
    assert os.path.isdir(os.path.join(run_dir, "checkpoints", "ckpt-0004"))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "-1"], "`epochs` >= 1. Received: -1"),
        (["--batch-size", "0"], "`batch_size` >= 1. Received: 0"),
        (["--run-name", "../escape"], "Expected a run name"),
        (["--loss", "nope"], "invalid choice: 'nope'"),
        (["--beta1", "1.5"], "beta1 and beta2 in \\[0, 1\\)"),
    ],
)
def test_nonsense_values_exit_2_with_a_message(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--logdir", str(tmp_path), *argv])
    assert exit_info.value.code == 2
    assert message.replace("\\", "") in capsys.readouterr().err or pytest.fail(message)


def test_resume_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--resume", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "is not a run directory" in capsys.readouterr().err
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--resume", str(tmp_path), "--latent-dim", "64"])
    assert exit_info.value.code == 2
    assert "latent_dim: saved 100, requested 64" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--resume", str(tmp_path), "--preset", "dcgan"])
    assert exit_info.value.code == 2
    assert "--preset cannot be combined with --resume" in capsys.readouterr().err


def test_an_existing_run_name_is_refused(tmp_path, capsys):
    run_dir = tmp_path / "logs" / "taken"
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), run_dir)
    before = sorted(os.listdir(run_dir))
    code = cli.main(["train", *QUICK, "--logdir", str(tmp_path / "logs"), "--run-name", "taken"])
    assert code == 2
    assert "already exists. Resume it with" in capsys.readouterr().err
    assert sorted(os.listdir(run_dir)) == before


def test_an_image_size_the_dcgan_cannot_build_leaves_no_run_directory(tmp_path, capsys):
    code = cli.main(
        [
            "train",
            *QUICK,
            "--image-size",
            "30",
            "--logdir",
            str(tmp_path / "logs"),
            "--run-name",
            "odd",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "divisible by 4" in err and "(30, 30, 1)" in err
    assert "Run directory" not in out
    assert not (tmp_path / "logs").exists()


def test_offline_mnist_names_the_alternatives(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    # Every place a local mnist.npz is looked for is an empty folder, so a
    # cached copy on this machine cannot turn the test into a 30-epoch run.
    for name in ("cwd", "data", "keras_home", "home"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "cwd")
    code = cli.main(["train", "--dataset", "mnist", "--logdir", str(tmp_path / "logs")])
    err = capsys.readouterr().err
    assert code == 1 and "mnist_sample" in err and "Traceback" not in err
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("command", ["sample", "evaluate"])
@pytest.mark.parametrize("n", [0, -1])
def test_sample_and_evaluate_refuse_a_bad_n(tmp_path, capsys, command, n):
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--run", str(tmp_path), "--n", str(n)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--n must be" in err and f"Received: {n}" in err


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_sample_and_evaluate_refuse_a_run_without_a_generator(tmp_path, capsys, command):
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--run", str(tmp_path), "--n", "4"])
    assert exit_info.value.code == 2
    assert "holds no generator.keras" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_sample_and_evaluate_refuse_an_unsafe_generator(tmp_path, capsys, command):
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    z = keras.Input((8,))
    x = keras.layers.Dense(16)(z)
    # A Lambda layer holds Python bytecode: loading it could run code.
    x = keras.layers.Lambda(lambda t: keras.ops.reshape(t, (-1, 4, 4, 1)))(x)
    keras.Model(z, x).save(tmp_path / "generator.keras")
    out = tmp_path / "grid.png"
    code = cli.main(
        [command, "--run", str(tmp_path), "--n", "4"]
        + (["--out", str(out)] if command == "sample" else [])
    )
    assert code == 2
    assert "Refusing to load" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
@skip_on(
    "jax",
    reason="about 40 s of XLA compiling there; tests/backends checks keras-gan evaluate on JAX",
)
def test_evaluate_prints_every_metric_with_the_real_floor(cache_env, tmp_path, capsys, monkeypatch):
    # cache_env: the session's classifier, shared with the other evaluation tests.
    assert (
        cli.main(
            [
                "train",
                *QUICK,
                "--epochs",
                "1",
                "--logdir",
                str(tmp_path),
                "--run-name",
                "e",
                "--no-tensorboard",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["evaluate", "--run", str(tmp_path / "e"), "--n", "300", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in (
        "fid_clf",
        "kid_mean_clf",
        "is_mean_clf",
        "precision_clf",
        "recall_clf",
        "density_clf",
        "coverage_clf",
        "modes_covered_clf",
        "class_counts_clf",
    ):
        assert key in result and f"floor_{key}" in result, key
    assert result["n"] == 300 and result["classifier_test_accuracy"] > 0.9
    # One step of training is far from the data; held-out reals are not.
    assert result["fid_clf"] > 10 * result["floor_fid_clf"]
    assert cli.main(["evaluate", "--run", str(tmp_path / "e"), "--n", "300"]) == 0
    table = capsys.readouterr().out
    assert "real floor" in table and "fid_clf" in table
    # --dataset scores against other real images than the run's.
    asked = {}
    monkeypatch.setattr(
        evaluation, "evaluate_generator", lambda gen, data, **kw: asked.update(data=data) or {}
    )
    run = ["evaluate", "--run", str(tmp_path / "e"), "--json"]
    assert cli.main([*run, "--dataset", "fashion_mnist"]) == 0
    assert asked == {"data": "fashion_mnist"}
    assert cli.main(run) == 0 and asked == {"data": "mnist_sample"}
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["evaluate", "--run", str(tmp_path), "--n", "300"])
    assert exit_info.value.code == 2
    assert "is not a run directory" in capsys.readouterr().err


def test_a_backend_other_than_the_loaded_one_is_refused_in_process(tmp_path, monkeypatch, capsys):
    # Keras is loaded here and fixes its backend at import: the CLI refuses
    # another rather than train on the wrong one. (The package check passes
    # whatever is installed, so this tests the refusal.)
    loaded = keras.backend.backend()
    first, second = [b for b in ("tensorflow", "jax", "torch") if b != loaded]
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: object())
    logdir = tmp_path / "logs"
    code = cli.main(["train", "--backend", first, *QUICK, "--logdir", str(logdir)])
    err = capsys.readouterr().err
    assert code == 2 and f"Keras is already loaded in this process with the {loaded}" in err
    assert "Run `keras-gan` in a new process" in err and not logdir.exists()
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    assert cli.main(["sample", "--run", str(tmp_path), "--backend", second]) == 2
    assert f"The {second} backend (--backend) cannot be used here" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_backend_whose_package_is_missing_names_the_extra(tmp_path, monkeypatch, capsys, backend):
    real_find_spec = cli.importlib.util.find_spec
    monkeypatch.setattr(
        cli.importlib.util,
        "find_spec",
        lambda name: None if name == backend else real_find_spec(name),
    )
    code = cli.main(["train", "--backend", backend, *QUICK, "--logdir", str(tmp_path / "logs")])
    err = capsys.readouterr().err
    assert code == 1 and f'pip install -e ".[{backend}]"' in err, err
    assert f"needs the {backend} package, which is not installed" in err
    assert not (tmp_path / "logs").exists()


def test_resume_uses_the_recorded_backend_unless_told_otherwise(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: object())
    loaded = keras.backend.backend()
    recorded = "jax" if loaded != "jax" else "torch"
    options_lib.write_options(
        options_lib.resolve({"dataset": "mnist_sample", "backend": recorded}), tmp_path
    )
    # The recorded backend, not the one in force (refused here, where Keras
    # runs on another; a new process would set KERAS_BACKEND to it).
    assert cli.main(["train", "--resume", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"The {recorded} backend" in err and options_lib.OPTIONS_FILE in err, err
    # --backend may change on resume, like --epochs; other options may not.
    args = cli.build_parser().parse_args(
        ["train", "--resume", str(tmp_path), "--backend", loaded, "--epochs", "3"]
    )
    assert cli._requested_backend(args) == (loaded, "--backend")
    resumed = cli._resume_options(args)
    assert (resumed["backend"], resumed["epochs"], resumed["dataset"]) == (
        loaded,
        3,
        "mnist_sample",
    )
    args = cli.build_parser().parse_args(["train", "--resume", str(tmp_path), "--lr", "1"])
    with pytest.raises(ValueError, match="Only --epochs and --backend may change on resume"):
        cli._resume_options(args)

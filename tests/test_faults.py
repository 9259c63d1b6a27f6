"""Faults: SIGKILL at several points, resume, determinism, NaN handling."""

import json
import os
import re
import subprocess
import sys

import h5py
import numpy as np
import pytest

import keras

from callbacks import latest_checkpoint
from keras_gan import cli
from keras_gan import options as options_lib
from keras_gan import training
from keras_gan.saving import load_generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = ["--dataset", "mnist_sample", "--batch-size", "16", "--steps-per-epoch", "3",
        "--seed", "0", "--deterministic", "--epochs", "3", "--no-tensorboard"]


def _run(args, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=tmp_path)


def _train(tmp_path, name, *extra):
    return _run(["-m", "keras_gan.cli", "train", *ARGS, "--logdir", str(tmp_path),
                 "--run-name", name, *extra], tmp_path)


def _state(run_dir):
    path = os.path.join(latest_checkpoint(os.path.join(run_dir, "checkpoints")), "state.weights.h5")
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return arrays


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("reference")
    run = _train(tmp_path, "ref")
    assert run.returncode == 0, run.stderr[-2000:]
    return _state(tmp_path / "ref")


@pytest.mark.slow
def test_two_seeded_deterministic_runs_are_identical(tmp_path, reference):
    run = _train(tmp_path, "again")
    assert run.returncode == 0, run.stderr[-2000:]
    again = _state(tmp_path / "again")
    assert again.keys() == reference.keys() and len(again) > 20
    for key in reference:
        np.testing.assert_array_equal(again[key], reference[key], err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("kind, epoch", [("step", 2), ("checkpoint", 2), ("export", 3)])
def test_sigkill_then_resume_loses_nothing_and_matches_an_uninterrupted_run(
    tmp_path, reference, kind, epoch
):
    killed = _run(["-m", "tests._fault_driver", kind, str(epoch), "--", "train", *ARGS,
                   "--logdir", str(tmp_path), "--run-name", "r"], tmp_path)
    assert killed.returncode == -9, killed.stderr[-2000:]
    run_dir = tmp_path / "r"
    # Whatever was in flight, the run directory stays readable.
    options_lib.read_options(run_dir)
    last = latest_checkpoint(run_dir / "checkpoints")
    expected_last = {"step": 2, "checkpoint": 1, "export": 3}[kind]
    assert last.endswith(f"ckpt-{expected_last:04d}")
    if (run_dir / "generator.keras").exists():
        load_generator(run_dir / "generator.keras")  # never half-written

    resumed = _run(["-m", "keras_gan.cli", "train", "--resume", str(run_dir)], tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    meta = json.loads((run_dir / "checkpoints" / "ckpt-0003" / "meta.json").read_text())
    assert meta["epoch"] == 3
    assert sorted(json.loads((run_dir / "losses.json").read_text()), key=int) == ["1", "2", "3"]
    state = _state(run_dir)
    for key in reference:
        np.testing.assert_array_equal(state[key], reference[key], err_msg=key)


class PoisonOnce(keras.callbacks.Callback):
    """Sets one discriminator kernel to NaN at the start of epoch 2, once."""

    fired = False

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and not PoisonOnce.fired:
            PoisonOnce.fired = True
            kernel = self.model.discriminator.trainable_weights[0]
            kernel.assign(np.full(kernel.shape, np.nan, np.float32))


def _options(tmp_path, **extra):
    return options_lib.resolve({
        "dataset": "mnist_sample", "batch_size": 16, "steps_per_epoch": 2, "seed": 0,
        "epochs": 3, "logdir": str(tmp_path), "run_name": "nan", "tensorboard": False,
        **extra})


def test_non_finite_loss_stops_the_cli_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    PoisonOnce.fired = False
    defaults = training.default_callbacks
    monkeypatch.setattr(training, "default_callbacks",
                        lambda *a, **k: defaults(*a, **k) + [PoisonOnce()])
    code = cli.main(["train", "--dataset", "mnist_sample", "--batch-size", "16",
                     "--steps-per-epoch", "2", "--epochs", "3", "--seed", "0",
                     "--logdir", str(tmp_path), "--run-name", "nan", "--no-tensorboard"])
    err = capsys.readouterr().err
    assert code == 1
    # Both losses go NaN; whichever check fires first is named.
    assert re.search(r"Non-finite [gd]_loss at epoch 2, step 1 \(global step 3\)", err), err
    assert "Last good checkpoint:" in err and "ckpt-0001" in err
    assert sorted(os.listdir(tmp_path / "nan" / "checkpoints")) == ["ckpt-0001"]


def test_rollback_restores_the_last_checkpoint_with_lower_learning_rates(tmp_path, capsys):
    PoisonOnce.fired = False
    options = _options(tmp_path, on_nan="rollback")
    gan, _ = training.train(options, training.new_run_dir(options),
                            callbacks=[PoisonOnce()], verbose=0)
    assert "Rolled back to" in capsys.readouterr().out
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.5e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.5e-4)
    assert latest_checkpoint(tmp_path / "nan" / "checkpoints").endswith("ckpt-0003")
    assert np.isfinite(gan.generate(4)).all()


def test_bad_dataset_fails_before_anything_is_written(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = cli.main(["train", "--dataset", str(tmp_path / "empty"),
                     "--logdir", str(tmp_path / "logs"), "--run-name", "bad"])
    assert code == 2
    assert "empty" in capsys.readouterr().err
    assert not (tmp_path / "logs" / "bad").exists()


def test_batch_larger_than_the_dataset_is_refused(tmp_path, capsys):
    np.save(tmp_path / "ten.npy", np.zeros((10, 28, 28), np.uint8))
    code = cli.main(["train", "--dataset", str(tmp_path / "ten.npy"), "--batch-size", "64",
                     "--logdir", str(tmp_path / "logs")])
    assert code == 2
    # A bare array holds out every sixth image for evaluation: 9 train.
    assert "batch_size=64 for 9 training images" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    import signal
    import time

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "keras_gan.cli", "train", "--dataset", "mnist_sample",
         "--batch-size", "16", "--steps-per-epoch", "20", "--epochs", "50", "--seed", "0",
         "--logdir", str(tmp_path), "--run-name", "c", "--no-tensorboard"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    deadline = time.time() + 240
    while time.time() < deadline and latest_checkpoint(tmp_path / "c" / "checkpoints") is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert f"Resume with: keras-gan train --resume {tmp_path / 'c'}" in err
    # No stack trace of the interrupt (TensorFlow may still print "Exception
    # ignored" notes from destructors at interpreter shutdown).
    assert "raise KeyboardInterrupt" not in err and "\nKeyboardInterrupt" not in err
    done = json.loads(open(os.path.join(latest_checkpoint(tmp_path / "c" / "checkpoints"),
                                        "meta.json")).read())["epoch"]
    assert 1 <= done < 50

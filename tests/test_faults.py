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
from tests._tiny_cli import tiny_train_args

pytestmark = pytest.mark.backends

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# 8x8 images and 8 latent dimensions: resuming and determinism do not depend
# on the network's size, and a tiny DCGAN keeps each subprocess short.
TINY = ["--image-size", "8", "--latent-dim", "8"]
ARGS = [
    "--dataset",
    "mnist_sample",
    *TINY,
    "--batch-size",
    "16",
    "--steps-per-epoch",
    "3",
    "--seed",
    "0",
    "--deterministic",
    "--epochs",
    "3",
    "--no-tensorboard",
]


def _run(args, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )


def _train(tmp_path, name, *extra):
    return _run(
        [
            "-m",
            "keras_gan.cli",
            "train",
            *ARGS,
            "--logdir",
            str(tmp_path),
            "--run-name",
            name,
            *extra,
        ],
        tmp_path,
    )


def _state(run_dir):
    path = os.path.join(latest_checkpoint(os.path.join(run_dir, "checkpoints")), "state.weights.h5")
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: (
                arrays.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
        )
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
# Each kill lands before the last epoch, so the resumed run has epochs left to
# train and matching the uninterrupted run is a real check. "export" dies
# halfway through the second generator export (after ckpt-0002 is renamed).
@pytest.mark.parametrize(
    "kind, epoch, expected_last", [("step", 2, 2), ("checkpoint", 2, 1), ("export", 2, 2)]
)
def test_sigkill_then_resume_loses_nothing_and_matches_an_uninterrupted_run(
    tmp_path, reference, kind, epoch, expected_last
):
    killed = _run(
        [
            "-m",
            "tests._fault_driver",
            kind,
            str(epoch),
            "--",
            "train",
            *ARGS,
            "--logdir",
            str(tmp_path),
            "--run-name",
            "r",
        ],
        tmp_path,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    run_dir = tmp_path / "r"
    # Whatever was in flight, the run directory stays readable.
    options_lib.read_options(run_dir)
    last = latest_checkpoint(run_dir / "checkpoints")
    assert last.endswith(f"ckpt-{expected_last:04d}")
    # Epoch 1's export completed in every case, so a generator exists and
    # is whole: an interrupted export never replaces it with a torn file.
    generator = load_generator(run_dir / "generator.keras")
    assert generator.output_shape == (None, 8, 8, 1)
    assert not (run_dir / "checkpoints" / "ckpt-0003").exists()

    resumed = _run(["-m", "keras_gan.cli", "train", "--resume", str(run_dir)], tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    # The resumed run trained the epochs after the last checkpoint.
    assert f"Epoch {expected_last + 1}/3" in resumed.stdout, resumed.stdout[-2000:]
    meta = json.loads((run_dir / "checkpoints" / "ckpt-0003" / "meta.json").read_text())
    assert meta["epoch"] == 3
    assert sorted(json.loads((run_dir / "losses.json").read_text()), key=int) == ["1", "2", "3"]
    state = _state(run_dir)
    assert state.keys() == reference.keys()
    for key in reference:
        np.testing.assert_array_equal(state[key], reference[key], err_msg=key)
    # The final export is the resumed generator, not epoch 1's.
    final = load_generator(run_dir / "generator.keras")
    for a, b in zip(final.get_weights(), generator.get_weights()):
        if not np.array_equal(a, b):
            break
    else:
        pytest.fail("generator.keras was not rewritten by the resumed run")


class PoisonOnce(keras.callbacks.Callback):
    """Sets one discriminator kernel to NaN at the start of epoch 2, once."""

    fired = False

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and not PoisonOnce.fired:
            PoisonOnce.fired = True
            kernel = self.model.discriminator.trainable_weights[0]
            kernel.assign(np.full(kernel.shape, np.nan, np.float32))


class PoisonAt(keras.callbacks.Callback):
    """Sets a discriminator kernel to NaN at the start of the listed 0-based
    epochs, each entry once and in order, and records the learning rates in
    force at the start of every epoch."""

    def __init__(self, epochs):
        super().__init__()
        self.pending = list(epochs)
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(
            (
                epoch,
                float(self.model.g_optimizer.learning_rate),
                float(self.model.d_optimizer.learning_rate),
            )
        )
        if self.pending and self.pending[0] == epoch:
            self.pending.pop(0)
            kernel = self.model.discriminator.trainable_weights[0]
            kernel.assign(np.full(kernel.shape, np.nan, np.float32))


def _options(tmp_path, **extra):
    return options_lib.resolve(
        {
            "dataset": "mnist_sample",
            "image_size": 8,
            "latent_dim": 8,
            "batch_size": 16,
            "steps_per_epoch": 2,
            "seed": 0,
            "epochs": 3,
            "logdir": str(tmp_path),
            "run_name": "nan",
            "tensorboard": False,
            **extra,
        }
    )


def test_non_finite_loss_stops_the_cli_and_keeps_the_last_good_checkpoint(
    tmp_path, monkeypatch, capsys
):
    PoisonOnce.fired = False
    defaults = training.default_callbacks
    monkeypatch.setattr(
        training, "default_callbacks", lambda *a, **k: defaults(*a, **k) + [PoisonOnce()]
    )
    code = cli.main(
        [
            "train",
            *tiny_train_args(tmp_path, "nan", epochs=3),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    # Both losses go NaN; whichever check fires first is named.
    assert re.search(r"Non-finite [gd]_loss at epoch 2, step 1 \(global step 3\)", err), err
    assert "Last good checkpoint:" in err and "ckpt-0001" in err
    assert sorted(os.listdir(tmp_path / "nan" / "checkpoints")) == ["ckpt-0001"]


def test_rollback_restores_the_last_checkpoint_with_lower_learning_rates(tmp_path, capsys):
    PoisonOnce.fired = False
    options = _options(tmp_path, on_nan="rollback")
    gan, _ = training.train(
        options, training.new_run_dir(options), callbacks=[PoisonOnce()], verbose=0
    )
    assert "Rolled back to" in capsys.readouterr().out
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.5e-4)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.5e-4)
    assert latest_checkpoint(tmp_path / "nan" / "checkpoints").endswith("ckpt-0003")
    assert np.isfinite(gan.generate(4)).all()


# Poisoning epochs 1, 2, 3 in turn: each rollback restores a checkpoint
# written after the previous rollback, which holds the already-halved rate.
# The rate in force after k rollbacks must be 1e-4 * 0.5**k, not compounded.
@pytest.mark.parametrize("poison, epochs", [([1, 2], 3), ([1, 2, 3], 4)])
def test_each_rollback_halves_the_learning_rates_once(tmp_path, capsys, poison, epochs):
    options = _options(tmp_path, on_nan="rollback", epochs=epochs, loss_plot=False, sample_every=0)
    callback = PoisonAt(poison)
    gan, _ = training.train(options, training.new_run_dir(options), callbacks=[callback], verbose=0)
    out = capsys.readouterr().out
    assert out.count("Rolled back to") == len(poison)
    for k, epoch in enumerate(poison, start=1):
        assert f"Rolled back to {tmp_path / 'nan' / 'checkpoints' / f'ckpt-{epoch:04d}'}" in out
        assert f"(rollback {k}/{training.MAX_ROLLBACKS})" in out
    # The rates at the start of each epoch: an epoch restarted after its
    # k-th rollback runs at 1e-4 / 2**k (relative 1e-6: float32 variables).
    expected = [(0, 1e-4)]
    for k, epoch in enumerate(poison):
        expected += [(epoch, 1e-4 / 2**k), (epoch, 1e-4 / 2 ** (k + 1))]
    expected += [(e, 1e-4 / 2 ** len(poison)) for e in range(poison[-1] + 1, epochs)]
    assert [e for e, _, _ in callback.rates] == [e for e, _ in expected]
    for (_, g, d), (_, rate) in zip(callback.rates, expected):
        assert g == pytest.approx(rate, rel=1e-6) and d == pytest.approx(rate, rel=1e-6)
    final = 1e-4 / 2 ** len(poison)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(final, rel=1e-6)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(final, rel=1e-6)
    assert latest_checkpoint(tmp_path / "nan" / "checkpoints").endswith(f"ckpt-{epochs:04d}")
    assert np.isfinite(gan.generate(4)).all()


def test_rollbacks_are_capped_then_the_error_is_raised(tmp_path, capsys):
    options = _options(tmp_path, on_nan="rollback", epochs=4, loss_plot=False, sample_every=0)
    # Three rollbacks into epoch 3, then a fourth NaN there.
    callback = PoisonAt([1, 2, 3, 3])
    with pytest.raises(training.NonFiniteLossError, match="Non-finite"):
        training.train(options, training.new_run_dir(options), callbacks=[callback], verbose=0)
    out = capsys.readouterr().out
    assert out.count("Rolled back to") == training.MAX_ROLLBACKS == 3
    assert callback.pending == []
    assert latest_checkpoint(tmp_path / "nan" / "checkpoints").endswith("ckpt-0003")


def test_rollback_without_a_checkpoint_raises(tmp_path, capsys):
    options = _options(tmp_path, on_nan="rollback", loss_plot=False, sample_every=0)
    with pytest.raises(training.NonFiniteLossError, match="epoch 1"):
        training.train(options, training.new_run_dir(options), callbacks=[PoisonAt([0])], verbose=0)
    assert "Rolled back to" not in capsys.readouterr().out
    assert latest_checkpoint(tmp_path / "nan" / "checkpoints") is None


def test_bad_dataset_fails_before_anything_is_written(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = cli.main(
        [
            "train",
            "--dataset",
            str(tmp_path / "empty"),
            "--logdir",
            str(tmp_path / "logs"),
            "--run-name",
            "bad",
        ]
    )
    assert code == 2
    assert "empty" in capsys.readouterr().err
    assert not (tmp_path / "logs" / "bad").exists()


def test_batch_larger_than_the_dataset_is_refused(tmp_path, capsys):
    np.save(tmp_path / "ten.npy", np.zeros((10, 28, 28), np.uint8))
    code = cli.main(
        [
            "train",
            "--dataset",
            str(tmp_path / "ten.npy"),
            "--batch-size",
            "64",
            "--logdir",
            str(tmp_path / "logs"),
        ]
    )
    assert code == 2
    # A bare array holds out every sixth image for evaluation: 9 train.
    assert "batch_size=64 for 9 training images" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    import signal
    import time

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    # Far more epochs than can finish: the interrupt lands mid-run.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keras_gan.cli",
            "train",
            "--dataset",
            "mnist_sample",
            *TINY,
            "--batch-size",
            "16",
            "--steps-per-epoch",
            "20",
            "--epochs",
            "100000",
            "--seed",
            "0",
            "--logdir",
            str(tmp_path),
            "--run-name",
            "c",
            "--no-tensorboard",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        # Interrupt once the first checkpoint exists, so there is one to name.
        deadline = time.monotonic() + 240
        while latest_checkpoint(tmp_path / "c" / "checkpoints") is None:
            if proc.poll() is not None:
                pytest.fail(f"exited early with {proc.returncode}: {proc.stderr.read()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("no checkpoint within 240 s")
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err[-2000:]
    assert f"Resume with: keras-gan train --resume {tmp_path / 'c'}" in err
    # No stack trace of the interrupt (TensorFlow may still print "Exception
    # ignored" notes from destructors at interpreter shutdown).
    assert "raise KeyboardInterrupt" not in err and "\nKeyboardInterrupt" not in err
    last = latest_checkpoint(tmp_path / "c" / "checkpoints")
    done = json.loads(open(os.path.join(last, "meta.json")).read())["epoch"]
    assert 1 <= done < 100000
    assert f"Last completed epoch saved: {last}" in err

"""`--distribute mirrored` on JAX: `keras.distribution.DataParallel`.

JAX is configured once per process, before it starts: each check runs in a
subprocess with KERAS_BACKEND=jax and two host CPU devices
(XLA_FLAGS=--xla_force_host_platform_device_count=2), which stand in for two
accelerators. Skipped with the reason when JAX is not installed. The
refusals (PyTorch, JAX multi-worker, uneven batches) are checked in-process.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

import keras

from keras_gan import distribute
from keras_gan import options as options_lib
from tests._tiny_cli import tiny_train_args

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "backends", "_dp_check.py")


@pytest.fixture(scope="module")
def dp_run(tmp_path_factory):
    # One JAX start for both checks: the comparison, then `keras-gan train`.
    if importlib.util.find_spec("jax") is None:
        pytest.skip('jax is not installed: pip install -e ".[jax]"')
    logdir = tmp_path_factory.mktemp("dp_runs")
    env = dict(
        os.environ,
        KERAS_BACKEND="jax",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        CUDA_VISIBLE_DEVICES="",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
    )
    run = subprocess.run(
        [
            sys.executable,
            SCRIPT,
            "cli",
            "--",
            "train",
            "--distribute",
            "mirrored",
            *tiny_train_args(logdir, "dp"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        cwd=logdir,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout, logdir / "dp"


def _line(out, prefix):
    return json.loads([s for s in out.splitlines() if s.startswith(prefix)][-1][len(prefix) :])


@pytest.mark.slow
def test_data_parallel_steps_equal_single_device_steps_on_the_global_batch(dp_run):
    report = _line(dp_run[0], "REPORT ")
    assert report["backend"] == "jax" and report["devices"] == 2
    # The default step (d_steps=1), and WGAN-GP with 2 critic updates per
    # step (the penalty's input gradient, one optimizer applied twice).
    for name, seed, iterations in (("default", [0, 4], [4, 4]), ("wgan_gp", [0, 20], [4, 8])):
        result = report[name]
        # Each of the 4 batches of 16 was split into halves of 8, one per
        # device, and the weights were replicated on both.
        assert result["batches"] == [{"devices": 2, "shards": [[8, 8, 8, 1]]}] * 4, name
        assert result["weights_replicated"] == [2, True], name
        # Same noise: the seed state advanced alike (one draw per noise
        # batch and per penalty mix), and the step draws the global batch's
        # noise from it as one device does. Both optimizers took every
        # update.
        assert result["seeds"] == [seed, seed], name
        assert result["iterations"] == [iterations, iterations], name
        # Weights, BatchNorm moving statistics and both optimizers' momenta
        # agree to float32 rounding: the two devices sum their halves of a
        # batch and then add the halves, one device sums in another order
        # (measured <= 3e-7 for weights, 4e-8 for the momenta). 1e-5 leaves
        # room for other CPUs, while the updates are far larger (asserted
        # below): per-device noise, per-device BatchNorm statistics or a
        # gradient off by the device count would differ by about the update.
        assert result["max_update"] > 1e-2 and result["max_moving_update"] > 1e-2, name
        assert result["max_weight_diff"] < 1e-5, (name, result)
        assert result["max_moving_diff"] < 1e-5, (name, result)
        assert result["max_optimizer_diff"] < 1e-5, (name, result)
        assert result["logs_parallel"].keys() == result["logs_single"].keys()
        for key, value in result["logs_single"].items():
            assert result["logs_parallel"][key] == pytest.approx(value, rel=1e-5, abs=1e-6), (
                name,
                key,
            )


@pytest.mark.slow
def test_cli_distribute_mirrored_trains_with_data_parallel_on_jax(dp_run):
    out, run_dir = dp_run
    assert "DEVICES 2 DataParallel" in out, out[-2000:]
    batches = _line(out, "BATCHES ")
    # `fit` ran under the distribution: every batch of 16 was split in two.
    assert len(batches) == 4
    assert all(b == {"devices": 2, "shards": [[8, 8, 8, 1]]} for b in batches), batches
    assert options_lib.read_options(run_dir)["distribute"] == "mirrored"
    meta = json.loads((run_dir / "checkpoints" / "ckpt-0002" / "meta.json").read_text())
    assert meta["epoch"] == 2 and "g_loss" in meta["logs"]
    for name in ("generator.keras", "samples.png", "samples/epoch_0002.png"):
        assert (run_dir / name).exists(), name


def test_pytorch_refuses_distribute_mirrored(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(
        ValueError,
        match="distribute='mirrored' is not available with the "
        "'torch' backend: Keras has no distribution API",
    ):
        distribute.make_strategy("mirrored")
    with pytest.raises(ValueError, match="'multiworker' is not available with the 'torch'"):
        distribute.make_strategy("multiworker")


def test_jax_refuses_multiworker_and_picks_data_parallel(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(
        ValueError, match="needs the tensorflow backend. On JAX, distribute='mirrored'"
    ):
        distribute.make_strategy("multiworker")
    # Which mechanism is picked (DataParallel() itself is built on JAX only).
    built = []
    monkeypatch.setattr(keras.distribution, "DataParallel", lambda: built.append(1) or "dp")
    assert distribute.make_strategy("mirrored") == "dp" and built == [1]


class _FakeDataParallel(keras.distribution.DataParallel):
    # DataParallel's device mesh without building it on this backend.
    def __init__(self, devices):
        self.devices = devices

    @property
    def device_mesh(self):
        import numpy as np

        return type("Mesh", (), {"devices": np.array(["cpu"] * self.devices)})()


def test_data_parallel_batches_must_split_evenly():
    two = _FakeDataParallel(2)
    assert distribute.replica_count(two) == 2
    distribute.check_batches(two, 16, 64)
    distribute.check_batches(two, 16, 70)  # the last batch holds 6
    # Full batches only: the short last batch is never reached.
    distribute.check_batches(two, 16, 71, steps_per_epoch=4)
    with pytest.raises(
        ValueError,
        match=r"over the 2 devices .* Received batch_size=15 "
        r"for 64 images \(last batch: 4\)",
    ):
        distribute.check_batches(two, 15, 64)
    with pytest.raises(
        ValueError,
        match=r"Received batch_size=16 for 71 images "
        r"\(last batch: 7\)",
    ):
        distribute.check_batches(two, 16, 71)
    with pytest.raises(ValueError, match="last batch: 7"):
        distribute.check_batches(two, 16, 71, steps_per_epoch=5)
    # tf.distribute splits any batch.
    distribute.check_batches(distribute.make_strategy("none"), 15, 71)


def test_a_tf_strategy_needs_no_training_scope_a_keras_distribution_does():
    strategy = distribute.make_strategy("none")
    assert distribute.replica_count(strategy) == 1
    with distribute.training_scope(strategy):
        assert keras.distribution.distribution() is None
    two = _FakeDataParallel(2)
    with distribute.training_scope(two):
        assert keras.distribution.distribution() is two
    assert keras.distribution.distribution() is None

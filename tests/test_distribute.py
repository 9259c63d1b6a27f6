"""GAN training under tf.distribute: MirroredStrategy and MultiWorkerMirroredStrategy."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import options as options_lib
from keras_gan.distribute import is_chief
from keras_gan.distribute import make_strategy
from tests._distributed import build
from tests._distributed import images
from tests._distributed import snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT, **extra)


@pytest.mark.slow
def test_mirrored_step_equals_a_single_device_step_on_the_global_batch():
    # Two logical CPU devices must be configured before TensorFlow starts.
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "_distribute_check.py")],
                         capture_output=True, text=True, env=_env(), timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    line = [l for l in run.stdout.splitlines() if l.startswith("REPORT ")][-1]
    report = json.loads(line[len("REPORT "):])
    assert report["replicas"] == 2
    assert report["synchronized_bn"] == [True, True, True]
    # Weights agree to float precision, while the update itself is far larger:
    # the per-replica losses are scaled so the summed gradient is right.
    assert report["max_update"] > 1e-3
    assert report["max_weight_diff"] < 1e-6
    for key, value in report["logs_single"].items():
        assert report["logs_mirrored"][key] == pytest.approx(value, rel=1e-5, abs=1e-6)
    assert report["replica_noise_differs"]


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start_workers(args, cwds):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = []
    for index, cwd in enumerate(cwds):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "tests._multiworker", *args], cwd=cwd,
            env=_env(TF_CONFIG=tf_config), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        results.append((proc.returncode, out, err))
    return results


@pytest.mark.slow
def test_two_workers_match_a_single_process_run(tmp_path):
    single = build()
    initial = snapshot(single)
    np.savez(tmp_path / "init.npz", **{f"w{i}": w for i, w in enumerate(initial)})
    logs = single.fit(tf.data.Dataset.from_tensor_slices(images()).batch(16),
                      epochs=1, verbose=0, shuffle=False).history
    expected = snapshot(single)

    results = _start_workers(["step", str(tmp_path / "init.npz"), str(tmp_path / "out.npz")],
                             [tmp_path, tmp_path])
    for code, _, err in results:
        assert code == 0, err[-3000:]
    out = np.load(tmp_path / "out.npz")
    assert int(out["replicas"]) == 2
    for i, w in enumerate(expected):
        np.testing.assert_allclose(out[f"w{i}"], w, atol=1e-6, err_msg=f"weight {i}")
    assert max(np.abs(a - b).max() for a, b in zip(expected, initial)) > 1e-3
    assert float(out["g_loss"]) == pytest.approx(logs["g_loss"][0], rel=1e-5)
    assert float(out["d_loss"]) == pytest.approx(logs["d_loss"][0], rel=1e-5)


@pytest.mark.slow
def test_cli_multiworker_run_writes_from_the_chief_only(tmp_path):
    chief_dir, worker_dir = tmp_path / "chief", tmp_path / "worker"
    chief_dir.mkdir()
    worker_dir.mkdir()
    args = ["cli", "--", "train", "--distribute", "multiworker", "--dataset", "mnist_sample",
            "--batch-size", "32", "--steps-per-epoch", "2", "--epochs", "2", "--seed", "0",
            "--logdir", "logs", "--run-name", "mw"]
    results = _start_workers(args, [chief_dir, worker_dir])
    for code, _, err in results:
        assert code == 0, err[-3000:]
    run_dir = chief_dir / "logs" / "mw"
    assert options_lib.read_options(run_dir)["distribute"] == "multiworker"
    for name in ("generator.keras", "samples.png", "checkpoints/ckpt-0002/meta.json",
                 "samples/epoch_0002.png", "losses.png"):
        assert (run_dir / name).exists(), name
    assert not (worker_dir / "logs").exists()


def test_strategy_names_and_errors(monkeypatch):
    assert make_strategy("none") is tf.distribute.get_strategy()
    assert is_chief(make_strategy("none"))
    with pytest.raises(ValueError, match="Unknown distribute strategy 'tpu'"):
        make_strategy("tpu")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        make_strategy("multiworker")

"""GAN training under tf.distribute: MirroredStrategy and MultiWorkerMirroredStrategy."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import options as options_lib
from keras_gan.distribute import is_chief
from keras_gan.distribute import make_strategy
from tests._distributed import build
from tests._distributed import images
from tests._distributed import snapshot
from tests._tiny_cli import tiny_train_args

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT, **extra)


@pytest.mark.slow
def test_mirrored_step_equals_a_single_device_step_on_the_global_batch():
    # Two logical CPU devices must be configured before TensorFlow starts.
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "_distribute_check.py")],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    line = [s for s in run.stdout.splitlines() if s.startswith("REPORT ")][-1]
    report = json.loads(line[len("REPORT ") :])
    assert report["replicas"] == 2
    assert report["synchronized_bn"] == [True, True, True]
    # Weights agree to float32 rounding (measured 1.2e-7 on AVX-512: about
    # one rounding of weights near 1; 1e-6 leaves room for other CPUs'
    # summation orders), while the update itself is far larger: the per-replica losses
    # are scaled so the summed gradient is right.
    assert report["max_update"] > 1e-3
    assert report["max_weight_diff"] < 1e-6
    for key, value in report["logs_single"].items():
        assert report["logs_mirrored"][key] == pytest.approx(value, rel=1e-5, abs=1e-6)
    assert report["replica_noise_differs"]


# gRPC's messages when a worker cannot bind its port.
_BIND_ERRORS = ("Address already in use", "Could not start gRPC server", "Failed to add port")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run_workers(args, cwds, timeout=300):
    ports = _free_ports(len(cwds))
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs, logs = [], []
    try:
        for index, cwd in enumerate(cwds):
            tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
            # Files, not pipes: the workers are polled, and a full pipe would
            # block a worker that nobody reads.
            out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
            logs.append((out, err))
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests._multiworker", *args],
                    cwd=cwd,
                    env=_env(TF_CONFIG=tf_config),
                    stdout=out,
                    stderr=err,
                    text=True,
                )
            )
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            # A worker that failed (say, to bind its port) leaves its peer
            # waiting for it: stop at the first failure.
            if any(p.poll() not in (None, 0) for p in procs):
                break
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([p.args for p in procs], timeout)
            time.sleep(0.2)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    results = []
    for proc, (out, err) in zip(procs, logs):
        out.seek(0)
        err.seek(0)
        results.append((proc.returncode, out.read(), err.read()))
        out.close()
        err.close()
    return results


def _start_workers(args, cwds, attempts=3):
    # A port found free can be taken by another process before the worker
    # binds it (nothing can hold it for the child: TF_CONFIG needs the number
    # first). On a bind failure the whole run is retried on fresh ports.
    for attempt in range(attempts):
        results = _run_workers(args, cwds)
        if (
            not any(code != 0 and any(e in err for e in _BIND_ERRORS) for code, _, err in results)
            or attempt == attempts - 1
        ):
            return results


@pytest.mark.slow
def test_two_workers_match_a_single_process_run(tmp_path):
    single = build()
    initial = snapshot(single)
    np.savez(tmp_path / "init.npz", **{f"w{i}": w for i, w in enumerate(initial)})
    logs = single.fit(
        tf.data.Dataset.from_tensor_slices(images()).batch(16), epochs=1, verbose=0, shuffle=False
    ).history
    expected = snapshot(single)

    results = _start_workers(
        ["step", str(tmp_path / "init.npz"), str(tmp_path / "out.npz")], [tmp_path, tmp_path]
    )
    assert [code for code, _, _ in results] == [0, 0], "\n".join(
        err[-3000:] for _, _, err in results
    )
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
    # 8x8 images: which process writes does not depend on the network's size.
    args = [
        "cli",
        "--",
        "train",
        "--distribute",
        "multiworker",
        *tiny_train_args("logs", "mw", batch_size=32, tensorboard=True),
    ]
    results = _start_workers(args, [chief_dir, worker_dir])
    assert [code for code, _, _ in results] == [0, 0], "\n".join(
        err[-3000:] for _, _, err in results
    )
    run_dir = chief_dir / "logs" / "mw"
    assert options_lib.read_options(run_dir)["distribute"] == "multiworker"
    for name in (
        "generator.keras",
        "samples.png",
        "checkpoints/ckpt-0002/meta.json",
        "samples/epoch_0002.png",
        "losses.png",
    ):
        assert (run_dir / name).exists(), name
    assert not (worker_dir / "logs").exists()


@pytest.mark.slow
def test_cli_mirrored_run_trains_on_two_replicas(tmp_path):
    # Two logical CPU devices (set before TensorFlow starts, by the script)
    # stand in for two GPUs; MirroredStrategy() takes every local device.
    run = subprocess.run(
        # As a script, tests/ comes first on sys.path and its callbacks/
        # shadows the top-level `callbacks`: keras_gan never imports that name.
        [
            sys.executable,
            os.path.join(ROOT, "tests", "_distribute_check.py"),
            "cli",
            "--",
            "train",
            "--distribute",
            "mirrored",
            *tiny_train_args(tmp_path, "m"),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "REPLICAS 2" in run.stdout, run.stdout[-2000:]
    run_dir = tmp_path / "m"
    assert options_lib.read_options(run_dir)["distribute"] == "mirrored"
    meta = json.loads((run_dir / "checkpoints" / "ckpt-0002" / "meta.json").read_text())
    assert meta["epoch"] == 2
    assert all(np.isfinite(v) for v in meta["logs"].values()) and "g_loss" in meta["logs"]
    from keras_gan.saving import load_generator

    generator = load_generator(run_dir / "generator.keras")
    assert generator.output_shape == (None, 8, 8, 1)
    assert (run_dir / "samples.png").exists()


def test_strategy_names_and_errors(monkeypatch):
    assert make_strategy("none") is tf.distribute.get_strategy()
    assert is_chief(make_strategy("none"))
    with pytest.raises(ValueError, match="Unknown distribute strategy 'tpu'"):
        make_strategy("tpu")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        make_strategy("multiworker")


def test_importing_the_library_does_not_start_tensorflow():
    # A multi-worker strategy must be created before TensorFlow's runtime
    # starts ("Collective ops must be configured at program startup"): no
    # module may make a tensor at import time.
    code = (
        "import callbacks, keras_gan, keras_gan.cli, keras_gan.training, "
        "keras_gan.data, keras_gan.metrics, keras_gan.presets\n"
        "from tensorflow.python.eager import context\n"
        "print('STARTED', context.context()._context_handle is not None)\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "STARTED False" in run.stdout

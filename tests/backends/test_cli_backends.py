"""`keras-gan` end to end on every backend: `train --backend`, resume, sample, evaluate.

Each backend runs `_cli_driver.py` in a fresh process with KERAS_BACKEND
unset, so `--backend` alone chooses the backend before Keras loads. The
driver trains a run for 2 epochs, the same run stopped after epoch 1 and
resumed, samples and evaluates; this test asserts on what they wrote.
The driver's user CPU time, measured on a 2-core CPU: about 20 s on
TensorFlow, 60 s on PyTorch, 70 s on JAX (it compiles three fits). A backend
whose package is not installed is skipped with the pip command that
installs it.

TensorFlow is left out here: Keras loads it when KERAS_BACKEND is unset,
so `--backend tensorflow` choosing it proves nothing, and test_cli.py runs
the same train, resume, sample and evaluate on TensorFlow in-process
(test_faults.py: a resume equal to an uninterrupted run). JAX stays: the
nested JAX suite (test_suite_on_backends.py) skips test_cli.py's resume
and evaluate tests there (XLA compiles of a minute each), pointing here.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gan import options as options_lib
from tests.callbacks._events import read_events

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def primed_cache(tmp_path_factory):
    """A cache holding the 8x8 mnist_sample classifier and reference statistics.

    Built once here on TensorFlow (the classifier trains in about 10 s),
    then loaded by every backend: a `.keras` file loads under any of them.
    """
    from keras_gan.evaluation import evaluate_generator

    cache = tmp_path_factory.mktemp("cli_backends_cache")
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 8, 8, 1)).astype(np.float32)
    evaluate_generator(
        lambda n, seed: noise[:n],
        "mnist_sample",
        n=500,
        metrics=("fid",),
        floor=False,
        image_size=8,
        cache_dir=str(cache),
    )
    return cache


def _drive(backend, work, cache):
    package = options_lib.BACKEND_PACKAGES[backend]
    if importlib.util.find_spec(package) is None:
        pytest.skip(f'{package} is not installed: pip install -e ".[{backend}]"')
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        CUDA_VISIBLE_DEVICES="",
        KERAS_GAN_CACHE=str(cache),
    )
    run = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "tests", "backends", "_cli_driver.py"),
            backend,
            str(work),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    line = [s for s in run.stdout.splitlines() if s.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT ") :])


def _weights(path):
    from keras_gan.saving import load_generator

    return [np.asarray(w) for w in load_generator(str(path)).get_weights()]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_cli_runs_and_resumes_on_the_backend(backend, tmp_path, primed_cache):
    report = _drive(backend, tmp_path, primed_cache)
    # --backend set KERAS_BACKEND before Keras loaded, and is recorded.
    assert report["loaded"] == backend
    full, split = tmp_path / "full", tmp_path / "split"
    for run_dir in (full, split):
        saved = json.loads((run_dir / options_lib.OPTIONS_FILE).read_text())
        assert saved["backend"] == backend and saved["epochs"] == 2, saved

    # Exact resume: stopped after epoch 1 and resumed, the run logs the
    # losses of the uninterrupted one and ends with its generator. Both ran
    # the same compiled step on the same CPU in one process; 1e-5 allows
    # for a reordered float32 sum, and is far below what one step changes
    # (the losses move by about 1e-2 per epoch).
    losses = [json.loads((d / "losses.json").read_text()) for d in (full, split)]
    assert sorted(losses[0], key=int) == sorted(losses[1], key=int) == ["1", "2"]
    for epoch in ("1", "2"):
        for key, value in losses[0][epoch].items():
            assert losses[1][epoch][key] == pytest.approx(value, rel=1e-5, abs=1e-6), (epoch, key)
    assert losses[0]["1"]["g_loss"] != losses[0]["2"]["g_loss"]  # training moved them
    for a, b in zip(_weights(full / "generator.keras"), _weights(split / "generator.keras")):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    # The default callbacks: checkpoints, sample grids, loss plot, TensorBoard.
    for name in (
        "checkpoints/ckpt-0001/meta.json",
        "checkpoints/ckpt-0002/meta.json",
        "samples/epoch_0001.png",
        "samples/epoch_0002.png",
        "samples/progress.gif",
        "samples/reals.png",
        "samples.png",
        "losses.png",
        "generator.keras",
    ):
        assert (split / name).is_file(), name
    meta = json.loads((split / "checkpoints" / "ckpt-0002" / "meta.json").read_text())
    assert meta["epoch"] == 2
    # PyTorch draws unseeded Dropout masks from its global random state:
    # the checkpoint keeps it (the exact resume above depends on it).
    assert (split / "checkpoints" / "ckpt-0001" / "torch_rng_state.npy").is_file() == (
        backend == "torch"
    )
    events = read_events(split / "tensorboard" / "train")
    for tag in ("epoch_g_loss", "epoch_d_loss", "samples"):
        assert sorted(events[tag]) == [0, 1], (tag, events[tag])  # one per epoch, none repeated
    # --metrics-every 1: FID and the rest each epoch (in the logs compared
    # above, so the resumed run scored the same generator), in TensorBoard,
    # and the generator of the lowest FID.
    assert np.isfinite(losses[1]["2"]["fid_clf"]) and "precision_clf" in losses[1]["2"]
    assert sorted(read_events(split / "tensorboard" / "metrics")["fid_clf"]) == [0, 1]
    assert (split / "generator_best.keras").is_file()

    # sample: a 3x3 grid of 8x8 images drawn at 8x with 2-pixel gaps.
    assert report["sample_out"] == str(tmp_path / "sample.png")
    with Image.open(tmp_path / "sample.png") as im:
        assert im.size == (3 * 64 + 4 * 2,) * 2

    # evaluate: 24 steps lower FID well below the untrained generator's
    # (about 75 -> 57 measured; 0.9 leaves room for each backend's own
    # initial weights and noise).
    fid = report["fid"]
    assert fid["full"] < 0.9 * fid["untrained"], fid

    # Keras fixes its backend at import: another backend in that process
    # is refused with a usage error that says what to do.
    code, message = report["refused"]
    assert code == 2 and "already loaded in this process" in message, message
    assert "Run `keras-gan` in a new process" in message

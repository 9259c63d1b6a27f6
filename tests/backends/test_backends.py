"""The GAN step on every Keras backend: TensorFlow, JAX and PyTorch.

A Keras backend is fixed per process: each backend runs `_check.py` in a
subprocess with KERAS_BACKEND set, and the test asserts on its report. A
backend whose package is not installed is skipped with the reason
(`pip install -e ".[jax]"` or `".[torch]"` installs it).
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def _report(backend):
    if importlib.util.find_spec(PACKAGES[backend]) is None:
        pytest.skip(f'{PACKAGES[backend]} is not installed: pip install -e ".[{backend}]"')
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        CUDA_VISIBLE_DEVICES="",
    )
    # On JAX and PyTorch with TensorFlow unimportable (a GPU machine
    # without it, as the quality table was made on): the library trains,
    # saves and loads on arrays there, and tf.data stays lazy.
    flags = [] if backend == "tensorflow" else ["--no-tensorflow"]
    script = os.path.join(ROOT, "tests", "backends", "_check.py")
    run = subprocess.run(
        [sys.executable, script, *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    line = [s for s in run.stdout.splitlines() if s.startswith("REPORT ")][-1]
    return json.loads(line[len("REPORT ") :])


@pytest.fixture(scope="module", params=["tensorflow", "jax", "torch"])
def report(request):
    return _report(request.param)


@pytest.mark.slow
def test_the_gan_step_on_every_backend(report):
    backend = report["backend"]
    train = report["train"]
    # 64 images in batches of 16: both optimizers count 4 updates; every
    # trainable weight of both networks and BatchNorm's moving statistics
    # moved; only the four metrics are logged (the non-finite flag is not).
    assert train["logs"] == ["d_fake", "d_loss", "d_real", "g_loss"], backend
    assert train["finite"] and train["iterations"] == [4, 4], train
    assert train["moved"] == [True, True, True] and train["bn_count"] == 2, train
    # The noise stream advanced once per step (also on JAX, where the step
    # is stateless and the seed state is threaded through it).
    assert train["seed"] == [[0, 0], [0, 4]], train
    if backend == "jax":
        assert train["jit_compile"], train  # the checks below ran under XLA

    # WGAN-GP (the penalty takes the critic's gradient w.r.t. its input)
    # with 2 critic updates per generator update.
    assert report["wgan_gp"] == {"finite": True, "iterations": [4, 8], "penalty": 10.0}

    # DiffAugment (all three transforms) and R1 in the step; R1's value is
    # exact for a linear critic.
    augment_r1 = report["augment_r1"]
    assert augment_r1["finite"] and augment_r1["iterations"] == [4, 4], augment_r1
    assert augment_r1["r1_linear_error"] < 1e-5, augment_r1

    # A NaN image in the first batch of epoch 2: fit stops there, naming
    # the loss, epoch and step; neither network nor optimizer moved; the
    # model trains on afterwards. Also with XLA: jit_compile=True on
    # TensorFlow (where tf.debugging.check_numerics is skipped) and JAX's
    # default.
    checks = ["non_finite"] + (["non_finite_jit"] if backend == "tensorflow" else [])
    for name in checks:
        result = report[name]
        assert result["message"] == (
            "Non-finite d_loss at epoch 2, step 1 (global step 5); training "
            "stopped before applying that update."
        ), (name, result)
        assert result["unchanged"] == [True, True], (name, result)
        assert result["iterations"] == [4, 4] and result["trains_on"], (name, result)

    # evaluate() draws from its own noise stream, not the training one.
    assert report["evaluate"] == {
        "keys": ["d_fake", "d_loss", "d_real", "g_loss"],
        "train_seed_kept": True,
        "eval_seed_moved": True,
    }
    # A .keras round trip generates the same images for the same noise and
    # keeps both optimizers' and the noise's state.
    assert report["save_load"] == {"same_images": True, "iterations": 4, "seed_state": True}
    # The EMA moves with the generator and counts the images seen.
    assert report["ema"] == {"moved": True, "images_seen": 64.0}
    # ConditionalGAN reuses the step through its hooks.
    assert report["conditional"] == {"finite": True, "iterations": 4}
    # mixed_float16: a loss scale per network; 4 steps applied, then a step
    # whose scaled gradients overflow is skipped and both scales halve.
    assert report["float16"] == {
        "wrapped": ["LossScaleOptimizer", "LossScaleOptimizer"],
        "finite": True,
        "iterations": [4, 4],
        "overflow_skipped": True,
        "scales": [2.0**59, 2.0**59],
    }
    # mixed_bfloat16: the layers with weights compute in bfloat16 while the
    # weights stay float32; both plain optimizers (no loss scale) stepped.
    assert report["bfloat16"] == {
        "optimizers": ["Adam", "Adam"],
        "finite": True,
        "iterations": [4, 4],
        "compute": ["bfloat16"],
        "weights": ["float32"],
    }
    # On JAX and PyTorch all of the above ran with TensorFlow unimportable,
    # and a preset built from arrays trained its 4 steps (this was its own
    # subprocess, test_training_and_metrics_need_no_tensorflow_import).
    if backend != "tensorflow":
        assert report["no_tensorflow"] == {"iterations": 4, "tensorflow_loaded": False}

"""`.keras` files across backends: saved under one, loaded under another.

A Keras backend is fixed per process: `_save_check.py` runs once per
backend with KERAS_BACKEND set, in the order the files need: TensorFlow
saves; PyTorch loads TensorFlow's file and saves its own; JAX loads both.
A backend whose package is not installed is skipped with the reason.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

import keras

from keras_gan.saving import portable_optimizer_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def _run(backend, *args):
    if importlib.util.find_spec(PACKAGES[backend]) is None:
        pytest.skip(f'{PACKAGES[backend]} is not installed: pip install -e ".[{backend}]"')
    env = dict(
        os.environ,
        KERAS_BACKEND=backend,
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        CUDA_VISIBLE_DEVICES="",
    )
    run = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "backends", "_save_check.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    line = [s for s in run.stdout.splitlines() if s.startswith("REPORT ")][-1]
    report = json.loads(line[len("REPORT ") :])
    assert report["backend"] == backend
    return report["loaded"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("keras_files")
    return {backend: str(root / backend) for backend in ("tensorflow", "torch")}


@pytest.fixture(scope="module")
def loaded(files):
    # Each process loads what earlier ones saved; a skipped backend skips
    # the directions that need it.
    reports = {}
    _run("tensorflow", f"save={files['tensorflow']}")
    try:
        got = _run("torch", f"load={files['tensorflow']}", f"save={files['torch']}")
        reports[("tensorflow", "torch")] = got[files["tensorflow"]]
    except pytest.skip.Exception:
        pass
    loads = [f"load={files['tensorflow']}"]
    if os.path.isdir(files["torch"]):
        loads.append(f"load={files['torch']}")
    try:
        got = _run("jax", *loads)
        reports[("tensorflow", "jax")] = got[files["tensorflow"]]
        if files["torch"] in got:
            reports[("torch", "jax")] = got[files["torch"]]
    except pytest.skip.Exception:
        pass
    return reports


@pytest.mark.slow
@pytest.mark.parametrize(
    "saved_by, loaded_by", [("tensorflow", "jax"), ("tensorflow", "torch"), ("torch", "jax")]
)
def test_a_gan_saved_under_one_backend_generates_the_same_images_under_another(
    loaded, saved_by, loaded_by
):
    if (saved_by, loaded_by) not in loaded:
        pytest.skip(f"{saved_by} or {loaded_by} is not installed")
    report = loaded[(saved_by, loaded_by)]
    assert report["saved_by"] == saved_by
    # The same noise array gives the same images from the GAN's EMA and
    # trained generators and from the exported generator.keras. Measured
    # <= 7e-7 on pixels in [-1, 1] (float32 rounding: each backend's
    # convolution and BatchNorm kernels sum in their own order); 1e-4
    # leaves room for other CPUs' kernels, while a weight, BatchNorm
    # statistic or generator loaded wrongly moves images by the scales
    # asserted below (measured 1.0 and 0.34).
    for name in ("ema", "trained", "exported"):
        assert report["max_diff"][name] < 1e-4, (name, report)
    assert report["trained_vs_initial"] > 1e-2, report
    assert report["ema_vs_trained"] > 1e-3, report
    # Optimizer iterations, the noise's seed state, the EMA's image count
    # and BatchNorm's moving variance came along exactly.
    assert report["state_kept"], report
    # The optimizers are the loading backend's own classes (a file saved
    # under PyTorch names PyTorch's), and the GAN trains on from there.
    for name in report["optimizers"]:
        assert name.endswith(".Adam"), report
        assert ("torch" in name) == (loaded_by == "torch"), report
    assert report["trains_on"] == {"finite": True, "iterations": [3, 3]}, report


def test_optimizer_configs_saved_under_pytorch_name_the_public_class():
    # As Keras' PyTorch backend serialises Adam, here inside a
    # LossScaleOptimizer (mixed_float16 wraps each network's optimizer).
    adam = {
        "module": "keras.src.backend.torch.optimizers.torch_adam",
        "class_name": "Adam",
        "config": keras.optimizers.Adam(2e-3, name="g_adam").get_config(),
        "registered_name": "Adam",
    }
    wrapped = keras.saving.serialize_keras_object(
        keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam())
    )
    wrapped["config"]["inner_optimizer"] = adam
    fixed = portable_optimizer_config(wrapped)
    assert fixed["config"]["inner_optimizer"]["module"] == "keras.optimizers"
    assert fixed["config"]["inner_optimizer"]["registered_name"] is None
    optimizer = keras.saving.deserialize_keras_object(fixed)
    assert isinstance(optimizer.inner_optimizer, keras.optimizers.Adam)
    assert optimizer.inner_optimizer.name == "g_adam"
    assert float(optimizer.inner_optimizer.learning_rate) == pytest.approx(2e-3)
    # Anything else is left as it was.
    public = keras.saving.serialize_keras_object(keras.optimizers.SGD(0.1))
    assert portable_optimizer_config(public) == public
    custom = {"module": "my_package.optimizers", "class_name": "Adam", "config": {}}
    assert portable_optimizer_config(custom) == custom

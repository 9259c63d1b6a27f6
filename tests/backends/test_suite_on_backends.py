"""The `backends`-marked tests, run again on JAX and on PyTorch.

The whole suite runs on TensorFlow. The tests of the model, the step,
saving, the callbacks and the CLI carry the `backends` marker; here they run
in a fresh pytest process per backend with KERAS_BACKEND set (a Keras backend
is fixed per process). Both processes start at once (JAX spends most of its
time compiling on one core, so the pair takes about as long as JAX alone) and
share this session's cached classifier, so neither trains it again, and
its persistent XLA compilation cache (conftest.py), so JAX reads the tiny
steps' compiles that the session's other JAX runs made (a tiny CLI run:
32 s with an empty cache, 13 s with a warm one). By hand:

    KERAS_BACKEND=jax python -m pytest -m backends
"""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKENDS = ("jax", "torch")


@pytest.fixture(scope="module")
def suite_runs(request, mnist_classifier, session_cache, tmp_path_factory):
    """Starts `pytest -m backends` on each selected, installed backend.

    Returns `{backend: (Popen, log file)}`.
    """
    selected = {
        item.callspec.params["backend"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_backend_marked_tests_pass"
    }
    runs = {}
    for backend in BACKENDS:
        if backend not in selected or importlib.util.find_spec(backend) is None:
            continue
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
                   KERAS_GAN_TEST_CACHE=str(session_cache), CUDA_VISIBLE_DEVICES="")
        log = open(tmp_path_factory.mktemp(backend) / "pytest.log", "w+")
        runs[backend] = (subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-m", "backends", "-p", "no:cacheprovider",
             "-o", "addopts=-rs", "tests"],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT), log)
    yield runs
    for process, log in runs.values():
        if process.poll() is None:
            process.kill()
        log.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_marked_tests_pass(backend, suite_runs):
    if backend not in suite_runs:
        pytest.skip(f"{backend} is not installed: pip install -e \".[{backend}]\"")
    process, log = suite_runs[backend]
    code = process.wait(timeout=1800)
    log.seek(0)
    output = log.read()
    assert code == 0, output[-6000:]
    # The marked tests ran, not all skipped or deselected: the count guards
    # against a marker typo emptying the run.
    summary = output.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 100, summary

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

Each run's outcome is asserted exactly, from the file `_outcomes.py` writes
(every test's outcome, skip reason and time): nothing failed or errored,
every selected test passed or skipped, the skipped tests are exactly
`SKIPPED[backend]` with those reasons, the tests of `DESELECTED[backend]`
were there to deselect, and at least `PASSED_AT_LEAST[backend]` passed.
So a test that starts skipping on a backend, or a skip whose reason
changes, fails here and has to be written down below with why. New
passing tests need no change here; a test renamed or removed that is
listed below does (its old node id is reported as not found).
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKENDS = ("jax", "torch")

# Tests left out of a nested run because tests/backends checks the same on
# that backend in a process of its own, while each costs seconds of XLA
# compiling or subprocess start-ups here. They all still run on TensorFlow.
# test_backends.py checks, on JAX and PyTorch: the step, WGAN-GP, DiffAugment
# and R1, the non-finite guard (under XLA on JAX, JAX's default), evaluate()'s
# noise, a .keras round trip, the EMA, ConditionalGAN, mixed_float16 and
# mixed_bfloat16; test_cross_backend_saving.py: .keras files saved under
# TensorFlow and PyTorch, loaded and trained on under JAX and PyTorch;
# test_cli_backends.py: `keras-gan train --backend B`, resume, `sample` and
# `evaluate` in a fresh process on JAX and PyTorch.
_CLI_BACKENDS = (
    "`python -m keras_gan.cli train` and `sample` in two processes: "
    "test_cli_backends.py runs train and sample on this backend in a process "
    "of its own, and the console script's entry on TensorFlow"
)
# The SIGKILL tests' kill points inside the checkpoint writer and the
# generator export: the kill truncates a file Keras wrote and the resume
# skips it, Python file handling that is the same on every backend; the kill
# during a step (whose resume must match an uninterrupted run exactly) runs
# on every backend.
_KILL_IN_FILE_WRITES = (
    "a kill inside a file write, backend-independent: TensorFlow runs it, "
    "this backend the kill during a step"
)
_SIGKILL = (
    "tests/test_faults.py::test_sigkill_then_resume_loses_nothing_and_matches_an_uninterrupted_run"
)
DESELECTED = {
    "jax": {
        "tests/test_gan.py::test_train_step_updates_both_networks": "test_backends.py: the logged metrics, every weight of both networks "
        "and BatchNorm's statistics moved, both optimizers' iterations",
        "tests/test_gan.py::test_non_finite_loss_names_loss_epoch_and_step_and_keeps_weights": "test_backends.py: the same message, weights and optimizer state "
        "unchanged, under XLA as JAX compiles by default",
        "tests/test_gan.py::test_save_load_round_trip_generates_identically_and_trains_on": "test_backends.py: same images, iterations and noise state after a "
        ".keras round trip; test_cross_backend_saving.py: the loaded GAN "
        "trains on under JAX; test_saving.py's exact resume runs here",
        "tests/test_cli.py::test_console_script_trains_and_samples": _CLI_BACKENDS,
        f"{_SIGKILL}[checkpoint-2-1]": _KILL_IN_FILE_WRITES,
        f"{_SIGKILL}[export-2-2]": _KILL_IN_FILE_WRITES,
    },
    "torch": {
        "tests/test_cli.py::test_console_script_trains_and_samples": _CLI_BACKENDS,
        f"{_SIGKILL}[checkpoint-2-1]": _KILL_IN_FILE_WRITES,
        f"{_SIGKILL}[export-2-2]": _KILL_IN_FILE_WRITES,
    },
}

# Tests that skip on purpose, with the reason their skip marker gives (the
# reason says why).
_TORCH_COMPILE = (
    "on torch: jit_compile=True means torch.compile there, not XLA, and takes "
    "about 2 minutes to compile this step on a CPU"
)
_ONE_STEP_PER_EXECUTION = "on torch: Keras' PyTorch trainer runs one step per execution"
_JAX_ONLY = "XLA's cost analysis of JAX steps"
_RECORDS_IN_TF_VARIABLES = (
    "the test records each step's data and noise in tf.Variables; "
    "tests/backends checks the noise stream on every backend"
)
SKIPPED = {
    "jax": {
        "tests/test_cli.py::test_interrupted_run_resumes_with_one_continuous_history": "on jax: about 60 s of XLA compiling there; tests/backends checks an exact "
        "CLI resume on JAX",
        "tests/test_cli.py::test_evaluate_prints_every_metric_with_the_real_floor": "on jax: about 40 s of XLA compiling there; tests/backends checks keras-gan "
        "evaluate on JAX",
        "tests/test_training.py::test_mixed_bfloat16_keeps_images_logits_and_losses_in_float32": "on jax: about 30 s of XLA compiling there; tests/backends checks "
        "mixed_bfloat16 on JAX",
        "tests/test_gan.py::test_evaluate_draws_its_own_noise_and_leaves_training_noise_alone": "on jax: about 25 s of XLA compiling there; tests/backends checks evaluate()'s "
        "own noise on JAX",
        "tests/test_gan.py::test_mixed_float16_trains_with_a_loss_scale_per_network": "on jax: about 20 s of XLA compiling there; tests/backends checks "
        "mixed_float16 on JAX",
        "tests/test_gan.py::test_ema_is_saved_and_restored_with_keras_files": "on jax: about 45 s of XLA compiling there; tests/backends checks the EMA in a "
        ".keras round trip on JAX",
        "tests/test_conditional.py::test_a_labelled_folder_names_the_classes": "on jax: about 45 s of XLA compiling there for a test of folder labels; the "
        "conditional step runs on JAX in test_fit_learns_to_follow_the_label",
        "tests/test_gan.py::test_seeded_run_repeats_data_order_and_noise": f"on jax: {_RECORDS_IN_TF_VARIABLES}",
    },
    "torch": {
        "tests/test_gan.py::test_compile_options_train[kwargs0-4]": _TORCH_COMPILE,
        "tests/test_gan.py::test_non_finite_loss_is_caught_under_xla": _TORCH_COMPILE,
        "tests/test_gan.py::test_compile_options_train[kwargs1-2]": _ONE_STEP_PER_EXECUTION,
        "tests/test_gan.py::test_non_finite_step_inside_one_execution_of_several_steps": _ONE_STEP_PER_EXECUTION,
        "tests/test_gan.py::test_seeded_run_repeats_data_order_and_noise": f"on torch: {_RECORDS_IN_TF_VARIABLES}",
        "tests/test_jax_step_cost.py::test_fit_step_costs_what_the_loop_costs": _JAX_ONLY,
        "tests/test_jax_step_cost.py::test_needs_the_jax_backend": _JAX_ONLY,
    },
}

# Passed tests on the day the lists above were written (at a3e2d4e: 253
# selected less 8 skipped on JAX, 249 passed on PyTorch), less about 5% so
# that tests merged or split by a refactor do not trip it; a marker typo
# that empties the run (or most of it) still does.
PASSED_AT_LEAST = {"jax": 232, "torch": 236}


@pytest.fixture(scope="module")
def suite_runs(request, mnist_classifier, session_cache, tmp_path_factory):
    """Starts `pytest -m backends` on each selected, installed backend.

    Returns `{backend: (Popen, log file, outcomes path)}`.
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
        folder = tmp_path_factory.mktemp(backend)
        outcomes = folder / "outcomes.json"
        env = dict(
            os.environ,
            KERAS_BACKEND=backend,
            TF_CPP_MIN_LOG_LEVEL="3",
            KERAS_GAN_TEST_CACHE=str(session_cache),
            CUDA_VISIBLE_DEVICES="",
            KERAS_GAN_OUTCOMES=str(outcomes),
        )
        deselect = [arg for node in DESELECTED[backend] for arg in ("--deselect", node)]
        log = open(folder / "pytest.log", "w+")
        runs[backend] = (
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-m",
                    "backends",
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "tests.backends._outcomes",
                    "-o",
                    "addopts=-rs --durations=15",
                    *deselect,
                    "tests",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                cwd=ROOT,
            ),
            log,
            outcomes,
        )
    yield runs
    for process, log, _ in runs.values():
        if process.poll() is None:
            process.kill()
        log.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_marked_tests_pass(backend, suite_runs):
    if backend not in suite_runs:
        pytest.skip(f'{backend} is not installed: pip install -e ".[{backend}]"')
    process, log, path = suite_runs[backend]
    code = process.wait(timeout=1800)
    log.seek(0)
    output = log.read()
    assert os.path.exists(path), output[-6000:]
    with open(path) as f:
        result = json.load(f)
    outcomes = result["outcomes"]
    # Nothing failed or errored, and every selected test has an outcome.
    broken = {
        node: o["outcome"]
        for node, o in outcomes.items()
        if o["outcome"] not in ("passed", "skipped")
    }
    assert not broken, (broken, output[-6000:])
    assert code == 0, output[-6000:]
    assert sorted(outcomes) == sorted(result["collected"])
    # The listed tests were collected, then deselected: a listed node id that
    # is not found was renamed or removed (update DESELECTED).
    missing = sorted(set(DESELECTED[backend]) - set(result["deselected"]))
    assert not missing, f"not found, renamed or removed? {missing}"
    assert not set(DESELECTED[backend]) & set(outcomes)
    # Exactly the expected skips, for the expected reasons.
    skipped = {node: o["reason"] for node, o in outcomes.items() if o["outcome"] == "skipped"}
    assert skipped == SKIPPED[backend], {
        "skipped, not listed": {n: r for n, r in skipped.items() if SKIPPED[backend].get(n) != r},
        "listed, not skipped so": {
            n: r for n, r in SKIPPED[backend].items() if skipped.get(n) != r
        },
    }
    passed = [node for node, o in outcomes.items() if o["outcome"] == "passed"]
    assert len(passed) == len(result["collected"]) - len(skipped)
    assert len(passed) >= PASSED_AT_LEAST[backend], len(passed)

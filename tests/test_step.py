"""Tests for keras_gan._step: the backend seam is one declared interface."""

import importlib
import inspect

import pytest

import keras

from keras_gan import _step

_MEMBERS = sorted(
    name
    for name, value in vars(_step.StepBackend).items()
    if callable(value) and not name.startswith("_")
)


def test_the_protocol_names_what_the_step_calls():
    assert _MEMBERS == [
        "agree",
        "apply_if",
        "input_gradient",
        "losses_and_gradients",
        "noise",
        "replica_count",
        "restore_state",
        "run_test_step",
        "run_train_step",
    ]


@pytest.mark.parametrize("backend", _step.BACKENDS)
def test_each_backend_module_provides_every_member_with_its_signature(backend):
    module_name = _step._MODULES[backend]
    pytest.importorskip({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend])
    module = importlib.import_module(f"keras_gan._step.{module_name}")
    for name in _MEMBERS:
        declared = inspect.signature(getattr(_step.StepBackend, name))
        expected = list(declared.parameters)[1:]  # without `self`
        provided = getattr(module, name, None)
        assert callable(provided), f"{module_name} lacks {name}"
        assert list(inspect.signature(provided).parameters) == expected, (module_name, name)


def test_backend_is_resolved_once_per_backend_name(monkeypatch):
    calls = []
    real_import = importlib.import_module
    monkeypatch.setattr(_step, "_RESOLVED", {})
    monkeypatch.setattr(
        _step.importlib, "import_module", lambda name: calls.append(name) or real_import(name)
    )
    first = _step.backend()
    assert _step.backend() is first and len(calls) == 1
    assert first.__name__ == f"keras_gan._step.{_step._MODULES[keras.backend.backend()]}"


def test_a_backend_without_a_step_is_refused(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(ValueError, match="Received: KERAS_BACKEND='numpy'"):
        _step.backend()

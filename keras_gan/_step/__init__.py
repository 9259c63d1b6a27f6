"""What a GAN step needs from each backend, and nothing else.

`GAN` writes its step once with `keras.ops` and `keras.random` (noise, fakes,
both losses, the penalties, the finite-check, the trackers). Only what
differs per backend lives in one small module each, the way Keras splits its
own trainers (`keras/src/backend/{tensorflow,jax,torch}/trainer.py`). The
seam is `StepBackend`: every backend module provides each of its functions
with the same signature (tests/test_step.py checks it), and `backend()`
resolves the current one once per backend name.
"""

import importlib
from typing import Protocol

import keras

from keras_gan._backends import BACKENDS

_MODULES = {"tensorflow": "tf_backend", "jax": "jax_backend", "torch": "torch_backend"}
_RESOLVED = {}


class StepBackend(Protocol):
    """The functions a backend module provides to the GAN step."""

    def run_train_step(self, model, step, args):
        """Calls the backend-neutral `step` on Keras' `train_step` arguments.

        On JAX, Keras calls `train_step(state, data)` and expects
        `(logs, state)`: the step runs inside a `keras.StatelessScope`
        holding the state, and the updated values are read back from it.
        """

    def run_test_step(self, model, step, args):
        """As `run_train_step`, for `test_step` (no gradients)."""

    def losses_and_gradients(self, fn, variable_lists):
        """Runs `fn()` once and takes each loss's gradient.

        `fn()` returns a tuple of losses, one per variable list, and
        anything else (`aux`); returns `(losses, aux, grads)`, `grads[i]`
        the gradient of `losses[i]` with respect to `variable_lists[i]`,
        all from one forward pass.
        """

    def input_gradient(self, fn, x):
        """The gradient of `sum(fn(x))` with respect to `x`, differentiable."""

    def agree(self, finite):
        """The finite-check agreed over all replicas (tf.distribute)."""

    def apply_if(self, finite, updates):
        """Applies each `(optimizer, grads, variables)` only where `finite`.

        Inside the computation (no Python branch on a traced value), the way
        `LossScaleOptimizer` skips a step.
        """

    def noise(self, seed_generator, shape):
        """Standard-normal noise of `shape` from `seed_generator`."""

    def replica_count(self):
        """The number of replicas whose gradients are summed."""

    def restore_state(self, model, out):
        """Makes the model's variables hold the state a train function returned.

        JAX keeps the state outside the variables during `fit`.
        """


def backend() -> StepBackend:
    """The step module of the current Keras backend, imported once.

    Returns:
        The backend's module, a `StepBackend`.

    Raises:
        ValueError: for a backend without a GAN step (e.g. "numpy").
    """
    name = keras.backend.backend()
    module = _RESOLVED.get(name)
    if module is None:
        if name not in _MODULES:
            raise ValueError(
                "keras_gan trains with the TensorFlow, JAX or PyTorch backend. "
                f"Received: KERAS_BACKEND={name!r}. Set KERAS_BACKEND to one of "
                f"{', '.join(BACKENDS)}."
            )
        module = importlib.import_module(f"keras_gan._step.{_MODULES[name]}")
        _RESOLVED[name] = module
    return module

"""What a GAN step needs from each backend, and nothing else.

`GAN` writes its step once with `keras.ops` and `keras.random` (noise, fakes,
both losses, the gradient penalty, the finite-check, the trackers). Only what
differs per backend lives in one small module each, the way Keras splits its
own trainers (`keras/src/backend/{tensorflow,jax,torch}/trainer.py`):

- `run_train_step(model, step, args)` / `run_test_step(...)`: call the
  backend-neutral step. On JAX, Keras calls `train_step(state, data)` and
  expects `(logs, state)`: the step runs inside a `keras.StatelessScope`
  holding the state, and the updated values are read back from it.
- `losses_and_gradients(fn, variable_lists)`: run `fn()` (returns a tuple of
  losses, one per variable list, and anything else) and take each loss's
  gradient with respect to its own variable list, from one forward pass.
- `input_gradient(fn, x)`: the gradient of `sum(fn(x))` with respect to `x`,
  itself differentiable (WGAN-GP's penalty).
- `agree(finite)`: the finite-check agreed over all replicas (tf.distribute).
- `apply_if(finite, updates)`: apply each `(optimizer, grads, variables)`
  only when `finite` is true, inside the computation (no Python branch on
  a traced value), the way `LossScaleOptimizer` skips a step.
- `noise(seed_generator, shape)`, `replica_count()`.
- `restore_state(model, out)`: make the model's variables hold the state a
  train function returned (JAX keeps it outside the variables during `fit`).
"""

import importlib

import keras

BACKENDS = ("tensorflow", "jax", "torch")
_MODULES = {"tensorflow": "tf_backend", "jax": "jax_backend", "torch": "torch_backend"}


def backend():
    """The step module of the current Keras backend.

    Raises:
        ValueError: for a backend without a GAN step (e.g. "numpy").
    """
    name = keras.backend.backend()
    if name not in _MODULES:
        raise ValueError(
            "keras_gan trains with the TensorFlow, JAX or PyTorch backend. "
            f"Received: KERAS_BACKEND={name!r}. Set KERAS_BACKEND to one of "
            f"{', '.join(BACKENDS)}."
        )
    return importlib.import_module(f"keras_gan._step.{_MODULES[name]}")

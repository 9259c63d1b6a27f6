"""The JAX part of the GAN step: a stateless step threading the model's state.

Keras' JAX trainer calls `train_step(state, data)` with the values of the
model's trainable, non-trainable, optimizer and metric variables, and wants
`(logs, new_state)` back. The GAN step is written with stateful-looking Keras
code (layers, `optimizer.apply`, `SeedGenerator.next`, metrics); it runs
inside one `keras.StatelessScope` that maps every variable to its value in
`state`, and every assignment lands in that scope instead of a variable. The
new state is read back from the scope at the end.
"""

import jax
import jax.numpy as jnp

from keras import StatelessScope
from keras import ops
from keras.src.backend.common.stateless_scope import get_stateless_scope


def _run(variable_lists, state, step, data):
    mapping = [
        (variable, value)
        for variables, values in zip(variable_lists, state)
        for variable, value in zip(variables, values)
    ]
    with StatelessScope(state_mapping=mapping) as scope:
        logs = step(data)
    new_state = tuple(
        [_current(scope, variable, value) for variable, value in zip(variables, values)]
        for variables, values in zip(variable_lists, state)
    )
    return logs, new_state


def _current(scope, variable, default):
    value = scope.get_current_value(variable)
    return default if value is None else value


def run_train_step(model, step, args):
    state, data = args
    lists = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )
    return _run(lists, state, step, data)


def run_test_step(model, step, args):
    state, data = args
    lists = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.metrics_variables,
    )
    return _run(lists, state, step, data)


def losses_and_gradients(fn, variable_lists):
    # `fn` reads and assigns Keras variables. It becomes a pure function of
    # the differentiated variables' values: a nested scope maps them to
    # `jax.vjp`'s inputs and every other variable to its current value in
    # the step's scope; what `fn` assigns (BatchNorm statistics, seed
    # states) comes out as auxiliary output and goes back into the step's
    # scope. One forward pass; one backward pass per loss.
    outer = get_stateless_scope()

    def pure(*values):
        inner = StatelessScope()
        inner.state_mapping = dict(outer.state_mapping)
        for variables, vals in zip(variable_lists, values):
            for variable, value in zip(variables, vals):
                inner.state_mapping[id(variable)] = value
        before = dict(inner.state_mapping)
        with inner:
            losses, aux = fn()
        assigned = {
            key: value for key, value in inner.state_mapping.items() if before.get(key) is not value
        }
        return tuple(losses), (aux, assigned)

    primals = [[variable.value for variable in variables] for variables in variable_lists]
    losses, vjp, (aux, assigned) = jax.vjp(pure, *primals, has_aux=True)
    grads = []
    for i in range(len(variable_lists)):
        cotangent = tuple(
            jnp.ones_like(loss) if j == i else jnp.zeros_like(loss) for j, loss in enumerate(losses)
        )
        grads.append(list(vjp(cotangent)[i]))
    outer.state_mapping.update(assigned)
    return losses, aux, grads


def input_gradient(fn, x):
    return jax.grad(lambda inputs: jnp.sum(fn(inputs)))(x)


def agree(finite):
    return finite


def apply_if(finite, updates):
    # The update is computed either way and kept only where the step is
    # finite: `optimizer.stateless_apply` has no side effects, so this is
    # the whole guard (a `where` XLA fuses into the update itself).
    for optimizer, grads, variables in updates:
        old_variables = [v.value for v in variables]
        old_state = [v.value for v in optimizer.variables]
        new_variables, new_state = optimizer.stateless_apply(old_state, grads, old_variables)
        for targets, new, old in (
            (variables, new_variables, old_variables),
            (optimizer.variables, new_state, old_state),
        ):
            for variable, n, o in zip(targets, new, old):
                variable.assign(ops.where(finite, n, o))


def noise(seed_generator, shape):
    import keras

    return keras.random.normal(shape, seed=seed_generator)


def replica_count():
    return 1


def restore_state(model, out):
    # During `fit` the JAX trainer keeps the state outside the variables
    # and writes it back at the end of an epoch. A step that stops `fit`
    # hands its state to the variables first, so they hold the weights the
    # failing step left (those before it).
    _, state = out
    trainable, non_trainable, optimizer, metrics = state
    model._jax_state = {
        "trainable_variables": trainable,
        "non_trainable_variables": non_trainable,
        "optimizer_variables": optimizer,
        "metrics_variables": metrics,
    }
    model._jax_state_synced = False
    model.jax_state_sync()

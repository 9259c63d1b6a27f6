"""The PyTorch part of the GAN step: autograd and an eager branch."""

import torch

import keras


def run_train_step(model, step, args):
    # The step takes two gradients from one forward pass (`retain_graph=True`
    # for the first). Under `jit_compile=True` (`torch.compile`, which reads
    # this setting when it compiles the step), AOTAutograd would donate the
    # saved activations' buffers to the first backward pass and the second
    # would fail. Patched for the step only, not for the user's own code.
    with torch._functorch.config.patch(donated_buffer=False):
        return step(*args)


def run_test_step(model, step, args):
    with torch.no_grad():
        return step(*args)


def losses_and_gradients(fn, variable_lists):
    # `torch.autograd.grad` returns the gradients instead of accumulating
    # them in `.grad`: no `zero_grad` needed, and the discriminator's
    # gradient of the generator's loss is never computed.
    losses, aux = fn()
    grads = []
    for i, (loss, variables) in enumerate(zip(losses, variable_lists)):
        grads.append(
            list(
                torch.autograd.grad(
                    loss,
                    [v.value for v in variables],
                    retain_graph=i < len(losses) - 1,
                    allow_unused=True,
                )
            )
        )
    return losses, aux, grads


def input_gradient(fn, x):
    # A leaf of its own: the penalty's gradient reaches the critic's
    # weights through `create_graph`, not the generator's.
    x = x.detach().requires_grad_(True)
    scores = fn(x)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad


def agree(finite):
    return finite


def apply_if(finite, updates):
    # Eager: one host read of the flag (a sync on a GPU) per step.
    if not bool(finite):
        return
    with torch.no_grad():
        for optimizer, grads, variables in updates:
            optimizer.apply(grads, variables)


def noise(seed_generator, shape):
    return keras.random.normal(shape, seed=seed_generator)


def replica_count():
    return 1


def restore_state(model, out):
    # PyTorch updates the variables in place.
    return None

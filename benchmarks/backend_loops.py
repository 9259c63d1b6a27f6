"""The lecture's train step hand-written for JAX and for PyTorch.

`benchmark.py` times each backend's `fit` against a loop written on that
backend in the style of the keras-io guides, with the lecture's networks,
batch, loss and optimizers:

- TensorFlow: the lecture's `@tf.function` step with two `GradientTape`s
  (in `benchmark.run_lecture`).
- JAX: `jax.jit` over `stateless_call` and `optimizer.stateless_apply`,
  the state threaded through the step ("Writing a training loop from
  scratch in JAX").
- PyTorch: the Keras layers called eagerly, `torch.autograd.grad` and
  `optimizer.apply` under `torch.no_grad()` ("Writing a training loop from
  scratch in PyTorch").

Both take the non-saturating BCE of the lecture (from logits) and update
both networks from one forward pass: noise -> G -> D(real), D(fake) ->
the generator's and the discriminator's loss, each differentiated with
respect to its own network's weights. Noise has the lecture's fixed shape
`[batch_size, noise_dim]`.

Each `make_*_step` returns a `LoopStep`: `step(batch)` takes one batch of
the lecture's `tf.data` pipeline (float32 in [-1, 1]) and trains on it;
`sync()` waits for the work dispatched so far (JAX dispatches
asynchronously); `traces()` counts the step's traces (None where nothing is
traced: PyTorch runs eagerly); `updates()` is `[generator updates,
discriminator updates]` (the optimizers' iteration counts), which shows
the loop really trained.
"""

import collections

LoopStep = collections.namedtuple("LoopStep", ["step", "sync", "traces", "updates"])


def make_tf_step(generator, discriminator, batch_size, noise_dim):
    """The lecture's step: `@tf.function`, two tapes, two `Adam(1e-4)`.

    Args:
        generator: the lecture's generator (noise -> image).
        discriminator: the lecture's discriminator (image -> logit).
        batch_size: noise vectors per step (the lecture's `BATCH_SIZE`).
        noise_dim: length of a noise vector.

    Returns:
        A `LoopStep`.
    """
    import tensorflow as tf

    import keras

    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    def discriminator_loss(real_output, fake_output):
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        return real_loss + fake_loss

    def generator_loss(fake_output):
        return cross_entropy(tf.ones_like(fake_output), fake_output)

    generator_optimizer = keras.optimizers.Adam(1e-4)
    discriminator_optimizer = keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, noise_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(
            disc_loss, discriminator.trainable_variables
        )
        generator_optimizer.apply_gradients(
            zip(gradients_of_generator, generator.trainable_variables)
        )
        discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, discriminator.trainable_variables)
        )

    # TensorFlow runs the step's ops before the call returns on a CPU.
    return LoopStep(
        train_step,
        lambda: None,
        train_step.experimental_get_tracing_count,
        lambda: _iterations(generator_optimizer, discriminator_optimizer),
    )


def _iterations(*optimizers):
    return [int(o.iterations.numpy()) for o in optimizers]


JaxStep = collections.namedtuple("JaxStep", ["train_step", "state", "optimizers", "traces"])


def jax_train_step(generator, discriminator, batch_size, noise_dim, seed=0):
    """The lecture's step with `jax.jit` and `stateless_call`, and its state.

    The weights, BatchNorm statistics, Dropout seeds, both optimizers'
    state and the noise key live in one state tuple threaded through the
    jitted step; the Keras variables are not touched while training.

    Args:
        generator: the lecture's generator (noise -> image).
        discriminator: the lecture's discriminator (image -> logit).
        batch_size: noise vectors per step.
        noise_dim: length of a noise vector.
        seed: the noise key's seed. Defaults to 0.

    Returns:
        A `JaxStep`: `train_step(state, images) -> state` (jitted, the
        state donated), the initial `state`, the two optimizers and a
        one-element list counting the step's traces.
    """
    import jax
    import jax.numpy as jnp

    import keras

    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer = keras.optimizers.Adam(1e-4)
    d_optimizer = keras.optimizers.Adam(1e-4)
    g_optimizer.build(generator.trainable_variables)
    d_optimizer.build(discriminator.trainable_variables)
    traces = [0]

    def losses(g_weights, d_weights, g_rest, d_rest, images, noise):
        fake, g_rest = generator.stateless_call(g_weights, g_rest, noise, training=True)
        real_output, d_rest = discriminator.stateless_call(d_weights, d_rest, images, training=True)
        fake_output, d_rest = discriminator.stateless_call(d_weights, d_rest, fake, training=True)
        g_loss = cross_entropy(jnp.ones_like(fake_output), fake_output)
        d_loss = cross_entropy(jnp.ones_like(real_output), real_output) + cross_entropy(
            jnp.zeros_like(fake_output), fake_output
        )
        return (g_loss, d_loss), (g_rest, d_rest)

    def train_step(state, images):
        traces[0] += 1  # runs once per trace, never per step
        g_weights, d_weights, g_rest, d_rest, g_opt, d_opt, key = state
        key, noise_key = jax.random.split(key)
        noise = jax.random.normal(noise_key, (batch_size, noise_dim))
        (g_loss, d_loss), backward, (g_rest, d_rest) = jax.vjp(
            lambda g, d: losses(g, d, g_rest, d_rest, images, noise),
            g_weights,
            d_weights,
            has_aux=True,
        )
        # One forward pass, one backward pass per loss (the two tapes):
        # each loss's gradient is kept for its own network only.
        one, zero = jnp.ones_like(g_loss), jnp.zeros_like(g_loss)
        g_grads = backward((one, zero))[0]
        d_grads = backward((zero, one))[1]
        g_weights, g_opt = g_optimizer.stateless_apply(g_opt, g_grads, g_weights)
        d_weights, d_opt = d_optimizer.stateless_apply(d_opt, d_grads, d_weights)
        return g_weights, d_weights, g_rest, d_rest, g_opt, d_opt, key

    # The state is donated, as Keras' own JAX trainer does: XLA reuses its
    # buffers for the new state instead of allocating a second copy.
    train_step = jax.jit(train_step, donate_argnums=0)

    def values(variables):
        return [v.value for v in variables]

    state = (
        values(generator.trainable_variables),
        values(discriminator.trainable_variables),
        values(generator.non_trainable_variables),
        values(discriminator.non_trainable_variables),
        values(g_optimizer.variables),
        values(d_optimizer.variables),
        jax.random.PRNGKey(seed),
    )
    return JaxStep(train_step, state, (g_optimizer, d_optimizer), traces)


def make_jax_step(generator, discriminator, batch_size, noise_dim, seed=0):
    """The lecture's step with `jax.jit` and `stateless_call` (`jax_train_step`).

    Args: as `jax_train_step`.

    Returns:
        A `LoopStep`.
    """
    import jax

    train_step, initial, (g_optimizer, d_optimizer), traces = jax_train_step(
        generator, discriminator, batch_size, noise_dim, seed
    )
    state = [initial]

    def step(batch):
        # tf.data batch -> NumPy; the jitted call puts it on the device.
        state[0] = train_step(state[0], batch.numpy())

    def sync():
        jax.block_until_ready(state[0])

    def updates():
        # The optimizers' iteration counters, read from the threaded state.
        counts = []
        for optimizer, values in zip((g_optimizer, d_optimizer), state[0][4:6]):
            ids = [id(v) for v in optimizer.variables]
            counts.append(int(values[ids.index(id(optimizer.iterations))]))
        return counts

    return LoopStep(step, sync, lambda: traces[0], updates)


def make_torch_step(generator, discriminator, batch_size, noise_dim, seed=0):
    """The lecture's step with plain PyTorch autograd over the Keras layers.

    Args:
        generator: the lecture's generator (noise -> image).
        discriminator: the lecture's discriminator (image -> logit).
        batch_size: noise vectors per step.
        noise_dim: length of a noise vector.
        seed: the noise generator's seed. Defaults to 0.

    Returns:
        A `LoopStep` (`traces()` is None: nothing is traced).
    """
    import torch

    import keras

    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_optimizer = keras.optimizers.Adam(1e-4)
    d_optimizer = keras.optimizers.Adam(1e-4)
    g_vars = generator.trainable_variables
    d_vars = discriminator.trainable_variables
    g_optimizer.build(g_vars)
    d_optimizer.build(d_vars)
    g_params = [v.value for v in g_vars]
    d_params = [v.value for v in d_vars]
    noise_generator = torch.Generator().manual_seed(seed)

    def step(batch):
        images = torch.from_numpy(batch.numpy())
        noise = torch.randn(batch_size, noise_dim, generator=noise_generator)
        generated_images = generator(noise, training=True)
        real_output = discriminator(images, training=True)
        fake_output = discriminator(generated_images, training=True)
        gen_loss = cross_entropy(torch.ones_like(fake_output), fake_output)
        disc_loss = cross_entropy(torch.ones_like(real_output), real_output) + cross_entropy(
            torch.zeros_like(fake_output), fake_output
        )
        # Each loss differentiated for its own network only (the two tapes);
        # the graph is kept for the second loss.
        g_grads = torch.autograd.grad(gen_loss, g_params, retain_graph=True)
        d_grads = torch.autograd.grad(disc_loss, d_params)
        with torch.no_grad():
            g_optimizer.apply(g_grads, g_vars)
            d_optimizer.apply(d_grads, d_vars)

    # Eager on a CPU: every op has run when `step` returns.
    return LoopStep(
        step,
        lambda: None,
        lambda: None,
        lambda: [int(o.iterations.value.item()) for o in (g_optimizer, d_optimizer)],
    )


MAKERS = {
    "tensorflow": make_tf_step,
    "jax": make_jax_step,
    "torch": make_torch_step,
}

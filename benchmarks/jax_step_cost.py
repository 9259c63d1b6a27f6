#!/usr/bin/env python
"""The work in `GAN.fit`'s compiled JAX step against the hand-written loop's.

XLA's cost analysis of each compiled step: floating-point operations and
bytes of memory accessed. Unlike a timing, it does not move with the
machine's load, so it answers "does the library add work to the step?"
exactly; `benchmark.py --backends jax` gives the speeds.

    KERAS_BACKEND=jax python benchmarks/jax_step_cost.py             # lecture's networks
    KERAS_BACKEND=jax python benchmarks/jax_step_cost.py --batch-size 64

Both steps take the lecture's networks, loss (non-saturating BCE from
logits) and Adam(1e-4); `fit`'s step also carries the non-finite guard, the
four loss trackers and the noise seed's state.
"""

import argparse
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
HERE = os.path.dirname(os.path.abspath(__file__))
for path in (HERE, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)


def _cost(compiled):
    analysis = compiled.cost_analysis()
    if isinstance(analysis, (list, tuple)):  # older jax: one dict per device
        analysis = analysis[0]
    return {"flops": float(analysis["flops"]), "bytes": float(analysis["bytes accessed"])}


def step_costs(make_generator, make_discriminator, batch_size, latent_dim):
    """XLA's cost analysis of `GAN.fit`'s JAX step and of the loop's.

    Args:
        make_generator: builds a generator (called twice: one per step).
        make_discriminator: builds a discriminator.
        batch_size: images per step.
        latent_dim: the generator's input size.

    Returns:
        `{"fit": {"flops", "bytes"}, "loop": {...}}`.

    Raises:
        ValueError: if Keras does not run on JAX.
    """
    import jax
    import numpy as np

    import keras

    if keras.backend.backend() != "jax":
        raise ValueError(
            f"Expected the JAX backend (KERAS_BACKEND=jax). Received: {keras.backend.backend()!r}"
        )
    from backend_loops import jax_train_step

    from keras_gan import GAN

    generator = make_generator()
    images = np.zeros((batch_size, *generator.output_shape[1:]), "float32")
    loop = jax_train_step(generator, make_discriminator(), batch_size, latent_dim)
    costs = {"loop": _cost(loop.train_step.lower(loop.state, images).compile())}

    gan = GAN(make_generator(), make_discriminator(), seed=0)
    gan.compile()  # the lecture's loss and optimizers
    gan.fit(images, batch_size=batch_size, epochs=1, verbose=0)  # builds all state
    state = gan._get_jax_state(
        trainable_variables=True,
        non_trainable_variables=True,
        optimizer_variables=True,
        metrics_variables=True,
    )
    compiled = jax.jit(gan.train_step).lower(state, (images,)).compile()
    costs["fit"] = _cost(compiled)
    return costs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    from keras_gan.models import dcgan_discriminator
    from keras_gan.models import dcgan_generator

    costs = step_costs(dcgan_generator, dcgan_discriminator, args.batch_size, 100)
    print("| step | GFLOP | MB accessed |")
    print("|---|---:|---:|")
    for name in ("loop", "fit"):
        print(
            f"| jax:{name} | {costs[name]['flops'] / 1e9:.3f} | {costs[name]['bytes'] / 1e6:.1f} |"
        )
    print(
        f"| fit / loop | {costs['fit']['flops'] / costs['loop']['flops']:.4f}x "
        f"| {costs['fit']['bytes'] / costs['loop']['bytes']:.4f}x |"
    )


if __name__ == "__main__":
    main()

"""GAN steps on one JAX device vs `keras.distribution.DataParallel` over two.

Run as a script with KERAS_BACKEND=jax and
XLA_FLAGS=--xla_force_host_platform_device_count=2 (two host CPU devices
stand in for two accelerators; the flag must be set before JAX starts);
prints `REPORT {json}` for test_data_parallel.py.

Usage: python tests/backends/_dp_check.py [cli -- keras-gan arguments...]
With `cli`, it then runs `keras-gan` in the same process and prints
`DEVICES N CLASS` for what `make_strategy` creates, then `BATCHES [...]`:
how `fit` split each batch over the devices.
"""

import json
import os
import sys

# Before JAX starts: two host CPU devices.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402

import keras  # noqa: E402

from keras_gan import GAN  # noqa: E402
from tests._distributed import discriminator  # noqa: E402
from tests._distributed import images as _images  # noqa: E402
from tests.conftest import tiny_generator  # noqa: E402

# 4 steps of 16 images: enough for momentum (optimizer state) to matter.
BATCH, STEPS = 16, 4


def _np(x):
    return np.array(keras.ops.convert_to_numpy(x))


def _build(weights=None, **compile_kwargs):
    # The library's GAN with its own seeded noise (the noise under test),
    # a generator with BatchNorm, a discriminator without Dropout (its
    # masks would differ with the split) and SGD with momentum:
    # scale-sensitive, unlike Adam (a wrongly scaled gradient would show),
    # and stateful (the optimizers' momenta are compared too).
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), discriminator(), seed=0)
    gan.compile(
        g_optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        d_optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
        **compile_kwargs,
    )
    if weights is not None:
        for variable, value in zip(_variables(gan)[0], weights):
            variable.assign(value)
    return gan


def _variables(gan):
    networks = gan.generator.weights + gan.discriminator.weights
    optimizers = gan.g_optimizer.variables + gan.d_optimizer.variables
    return networks, optimizers


def _state(gan):
    networks, optimizers = _variables(gan)
    return {
        "weights": [_np(v) for v in networks],
        "moving": [_np(v) for v in gan.generator.weights if "moving" in v.path],
        "optimizers": [_np(v) for v in optimizers],
        "seed": _np(gan.seed_generator.state).tolist(),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
    }


def _max_diff(a, b):
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


def _record_batches():
    # Keras' JAX trainer places each batch with `_distribute_data`: record
    # how the first array of each batch was split over the devices.
    from keras.src.backend.jax import trainer

    seen, original = [], trainer._distribute_data

    def recording(data, layouts=None):
        out = original(data, layouts)
        first = keras.tree.flatten(out)[0]
        seen.append(
            {
                "devices": len(first.sharding.device_set),
                "shards": sorted({tuple(s.data.shape) for s in first.addressable_shards}),
            }
        )
        return out

    trainer._distribute_data = recording
    return seen, lambda: setattr(trainer, "_distribute_data", original)


def _compare(images, **compile_kwargs):
    single = _build(**compile_kwargs)
    initial = _state(single)
    logs_single = single.fit(images, batch_size=BATCH, epochs=1, verbose=0, shuffle=False).history
    one = _state(single)

    import jax

    distribution = keras.distribution.DataParallel(devices=jax.devices())
    seen, stop_recording = _record_batches()
    try:
        with distribution.scope():
            parallel = _build(initial["weights"], **compile_kwargs)
            logs_parallel = parallel.fit(
                images, batch_size=BATCH, epochs=1, verbose=0, shuffle=False
            ).history
    finally:
        stop_recording()
    two = _state(parallel)
    kernel = parallel.generator.trainable_variables[0].value
    return {
        "batches": seen,
        "weights_replicated": [
            len(kernel.sharding.device_set),
            bool(kernel.sharding.is_fully_replicated),
        ],
        "max_update": _max_diff(one["weights"], initial["weights"]),
        "max_weight_diff": _max_diff(one["weights"], two["weights"]),
        "max_moving_update": _max_diff(one["moving"], initial["moving"]),
        "max_moving_diff": _max_diff(one["moving"], two["moving"]),
        "max_optimizer_diff": _max_diff(one["optimizers"], two["optimizers"]),
        "seeds": [one["seed"], two["seed"]],
        "iterations": [one["iterations"], two["iterations"]],
        "logs_single": {k: float(v[0]) for k, v in logs_single.items()},
        "logs_parallel": {k: float(v[0]) for k, v in logs_parallel.items()},
    }


def main(argv):
    import jax

    images = _images(BATCH * STEPS)
    report = {
        "backend": keras.backend.backend(),
        "devices": len(jax.devices()),
        "default": _compare(images),
        # WGAN-GP with 2 critic updates per step: the penalty's input
        # gradient and several updates of one optimizer in a step.
        "wgan_gp": _compare(images, loss="wasserstein", d_steps=2),
    }
    print("REPORT " + json.dumps(report), flush=True)
    if argv[:1] == ["cli"]:
        return cli(argv)
    return 0


def cli(argv):
    # `keras-gan` in this process, after the comparison (one JAX start for
    # both): `--distribute mirrored` must pick DataParallel and train under
    # it.
    from keras_gan import cli as cli_lib
    from keras_gan import distribute

    make_strategy = distribute.make_strategy

    def reporting_make_strategy(name="none"):
        strategy = make_strategy(name)
        print(f"DEVICES {distribute.replica_count(strategy)} {type(strategy).__name__}", flush=True)
        return strategy

    distribute.make_strategy = reporting_make_strategy
    seen, _ = _record_batches()
    code = cli_lib.main(argv[argv.index("--") + 1 :])
    print("BATCHES " + json.dumps(seen), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

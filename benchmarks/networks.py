#!/usr/bin/env python
"""Parameter counts and the cost of one training step per network and size.

For docs/networks.md: the lecture's DCGAN at 28x28x1 and the residual
networks (`--arch resnet`, default width) at 32, 64 and 128 px colour. Each
GAN is built from options as `keras-gan train` builds it (the lecture's
loss and Adam, float32, no EMA, augmentation or R1), and one step
(`train_on_batch` on a batch of random images in [-1, 1]) is timed:
`--warmup` steps first (tracing, compiling), then the median and range of
`--repeats` steps.

    python benchmarks/networks.py                    # batch 32, 2 + 5 steps
    KERAS_BACKEND=jax python benchmarks/networks.py --sizes 32 64
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for path in (HERE, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)


def step_seconds(gan, images, warmup, repeats):
    """Seconds of each timed `train_on_batch` step, after the warm-up."""
    for _ in range(warmup):
        gan.train_on_batch(images)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gan.train_on_batch(images)
        times.append(time.perf_counter() - start)
    return times


def measure(arch, shape, batch_size, warmup, repeats):
    """One row: the networks' parameter counts and the step's seconds."""
    import numpy as np

    from keras_gan import build
    from keras_gan import options as options_lib

    options = options_lib.resolve({"arch": arch, "seed": 0})
    gan = build.build_gan(options, shape)
    images = np.random.default_rng(0).uniform(-1, 1, (batch_size,) + shape)
    times = step_seconds(gan, images.astype("float32"), warmup, repeats)
    return {
        "arch": arch,
        "shape": "x".join(map(str, shape)),
        "g_params": gan.generator.count_params(),
        "d_params": gan.discriminator.count_params(),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    args = parser.parse_args(argv)

    from benchmark import machine_info

    import keras

    machine = machine_info()
    print(
        f"Machine: {machine['cpu']}, {machine['usable_cores']} usable of "
        f"{machine['cores']} cores; "
        f"flags: {machine['cpu_flags']}, avx512_bf16={machine['avx512_bf16']}; "
        f"GPUs: {machine['gpus'] or 'none'}; load average at start "
        f"{machine['loadavg_start']}",
        flush=True,
    )
    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}; batch "
        f"{args.batch_size}; median (min-max) of {args.repeats} steps after "
        f"{args.warmup} warm-up steps",
        flush=True,
    )
    rows = [("dcgan", (28, 28, 1))] + [("resnet", (s, s, 3)) for s in args.sizes]
    print("| networks | image | G parameters | D parameters | s per step |")
    print("| --- | --- | ---: | ---: | ---: |")
    for arch, shape in rows:
        r = measure(arch, shape, args.batch_size, args.warmup, args.repeats)
        print(
            f"| {r['arch']} | {r['shape']} | {r['g_params']:,} | "
            f"{r['d_params']:,} | {r['median_s']:.3f} "
            f"({r['min_s']:.3f}-{r['max_s']:.3f}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()

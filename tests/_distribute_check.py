"""One GAN step on 1 device vs MirroredStrategy over 2 logical CPUs.

Run as a script (logical devices must be set before TensorFlow starts);
prints a JSON report for tests/test_distribute.py.

Usage: python tests/_distribute_check.py
       python tests/_distribute_check.py cli -- keras-gan arguments...
The second form runs `keras-gan` on the two logical CPUs and prints
`REPLICAS N` for each strategy the run creates.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402

from keras_gan import GAN  # noqa: E402
from keras_gan.models import dcgan_generator  # noqa: E402
from tests._distributed import SHAPE  # noqa: E402
from tests._distributed import build  # noqa: E402
from tests._distributed import discriminator  # noqa: E402
from tests._distributed import images as _images  # noqa: E402
from tests._distributed import snapshot  # noqa: E402


def main():
    keras.utils.set_random_seed(0)
    images = _images(16)
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(16)
    single = build()
    initial = snapshot(single)
    logs_single = single.fit(dataset, epochs=1, verbose=0, shuffle=False).history
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = build(initial)
    logs_mirrored = mirrored.fit(dataset, epochs=1, verbose=0, shuffle=False).history
    a, b = snapshot(single), snapshot(mirrored)
    report = {
        "replicas": strategy.num_replicas_in_sync,
        "synchronized_bn": [
            layer.synchronized
            for layer in mirrored.generator.layers
            if isinstance(layer, layers.BatchNormalization)
        ],
        "max_weight_diff": max(float(np.abs(x - y).max()) for x, y in zip(a, b)),
        "max_update": max(float(np.abs(x - y).max()) for x, y in zip(a, initial)),
        "logs_single": {k: v[0] for k, v in logs_single.items()},
        "logs_mirrored": {k: v[0] for k, v in logs_mirrored.items()},
    }
    # Each replica draws its own noise from the model's seed generator.
    with strategy.scope():
        plain = GAN(dcgan_generator(SHAPE, latent_dim=16), discriminator(), seed=0)
    real = tf.zeros((8, *SHAPE))
    per_replica = strategy.run(plain._noise, args=(real,))
    draws = [np.array(t) for t in strategy.experimental_local_results(per_replica)]
    report["replica_noise_differs"] = not np.allclose(draws[0], draws[1])
    print("REPORT " + json.dumps(report))


def cli(argv):
    from keras_gan import cli as cli_lib
    from keras_gan import distribute

    make_strategy = distribute.make_strategy

    def reporting_make_strategy(name="none"):
        strategy = make_strategy(name)
        print(f"REPLICAS {strategy.num_replicas_in_sync}", flush=True)
        return strategy

    distribute.make_strategy = reporting_make_strategy
    return cli_lib.main(argv[argv.index("--") + 1 :])


if __name__ == "__main__":
    if sys.argv[1:2] == ["cli"]:
        sys.exit(cli(sys.argv[1:]))
    sys.exit(main())

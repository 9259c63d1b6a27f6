"""`.keras` files across backends: save under one, load under another.

Run as a script with KERAS_BACKEND set (a backend is fixed per process);
test_cross_backend_saving.py runs it once per backend and reads the last
line, `REPORT {json}`.

Usage: python tests/backends/_save_check.py [load=DIR]... [save=DIR]...

`save=DIR` trains a small DCGAN (with an EMA of its generator) for two
steps and writes into DIR: the GAN (`gan.keras`), its exported generator
(`generator.keras`, as a run's) and `expected.npz`: a fixed noise array and
the images this backend makes from it. `load=DIR` loads both files under
the current backend and reports how far its images for the same noise are
from the saved ones, whether the training state came along, and whether
the loaded GAN trains on.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402

import keras  # noqa: E402

from keras_gan import GAN  # noqa: E402
from keras_gan.checkpoints import write_generator  # noqa: E402
from keras_gan.models import dcgan_discriminator  # noqa: E402
from keras_gan.models import dcgan_generator  # noqa: E402
from keras_gan.saving import load_generator  # noqa: E402
from keras_gan.saving import load_model  # noqa: E402

SHAPE = (8, 8, 1)


def _np(x):
    return np.array(keras.ops.convert_to_numpy(x))


def _images(n=32):
    return np.random.default_rng(0).uniform(-1, 1, (n, *SHAPE)).astype("float32")


def _state(gan):
    return {
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "seed": _np(gan.seed_generator.state).tolist(),
        "images_seen": float(_np(gan.ema_images_seen)),
        "moving_variance": [
            _np(v).tolist() for v in gan.generator.weights if "moving_variance" in v.path
        ][0][:4],
    }


def save(directory):
    # The DCGAN (BatchNorm, transposed convolutions, Dropout) with an EMA:
    # the exported generator is the EMA one, a model of its own.
    keras.utils.set_random_seed(0)
    # A fixed EMA half-life of 10 images (no ramp-up): after two steps the
    # EMA generator is visibly not the trained one.
    gan = GAN(
        dcgan_generator(SHAPE, latent_dim=16),
        dcgan_discriminator(SHAPE),
        seed=0,
        ema_kimg=0.01,
        ema_rampup=None,
    )
    # Adam with a large rate, so two steps move the weights far enough to
    # tell a file's weights from freshly initialised ones.
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-2), d_optimizer=keras.optimizers.Adam(1e-2))
    # The noise is passed explicitly: each backend's own noise would
    # differ, and what is compared is the network, not a random stream.
    z = np.random.default_rng(1).standard_normal((8, 16)).astype("float32")
    initial = gan.generate(z=z, ema=False)
    # Two steps: BatchNorm statistics, both optimizers' moments, the noise
    # stream and the EMA all move away from their initial values.
    gan.fit(_images(), batch_size=16, epochs=1, verbose=0, shuffle=False)
    os.makedirs(directory, exist_ok=True)
    gan.save(os.path.join(directory, "gan.keras"))
    write_generator(gan, os.path.join(directory, "generator.keras"))
    np.savez(
        os.path.join(directory, "expected.npz"),
        z=z,
        initial=initial,
        ema=gan.generate(z=z),
        trained=gan.generate(z=z, ema=False),
        state=json.dumps(_state(gan)),
        backend=keras.backend.backend(),
    )


def load(directory):
    expected = np.load(os.path.join(directory, "expected.npz"))
    z = expected["z"]
    gan = load_model(os.path.join(directory, "gan.keras"), expect=GAN)
    generator = load_generator(os.path.join(directory, "generator.keras"))
    images = {
        "ema": gan.generate(z=z),
        "trained": gan.generate(z=z, ema=False),
        "exported": _np(generator(z, training=False)),
    }
    report = {
        "saved_by": str(expected["backend"]),
        # The exported generator is the EMA one: compared with its images.
        "max_diff": {
            name: float(np.abs(value - expected[reference]).max())
            for (name, value), reference in zip(images.items(), ("ema", "trained", "ema"))
        },
        # Scales for max_diff: how far training moved the images, and how
        # far apart the EMA and the trained generator are.
        "trained_vs_initial": float(np.abs(expected["trained"] - expected["initial"]).max()),
        "ema_vs_trained": float(np.abs(expected["ema"] - expected["trained"]).max()),
        "state_kept": _state(gan) == json.loads(str(expected["state"])),
        # The optimizers are this backend's own classes.
        "optimizers": [
            f"{type(o).__module__}.{type(o).__name__}" for o in (gan.g_optimizer, gan.d_optimizer)
        ],
    }
    # The loaded GAN trains on under this backend, continuing its counters.
    history = gan.fit(_images(16), batch_size=16, epochs=1, verbose=0)
    report["trains_on"] = {
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": _state(gan)["iterations"],
    }
    return report


def main(argv):
    report = {"backend": keras.backend.backend(), "loaded": {}}
    for arg in argv:
        action, _, directory = arg.partition("=")
        if action == "load":
            report["loaded"][directory] = load(directory)
        elif action == "save":
            save(directory)
        else:
            raise SystemExit(f"Unknown argument {arg!r}: expected load=DIR or save=DIR")
    print("REPORT " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

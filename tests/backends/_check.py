"""GAN training checks on the backend set by KERAS_BACKEND (run as a script).

A Keras backend is fixed per process, so `test_backends.py` runs this once
per backend and reads the last line, `REPORT {json}`: each check's computed
values, asserted on by the test. With `--no-tensorflow` (JAX and PyTorch)
TensorFlow cannot be imported, and one more check builds a preset, loads
arrays and trains without it.
"""

import json
import os
import sys
import tempfile

if "--no-tensorflow" in sys.argv:
    # TensorFlow unimportable, as on a GPU machine without it (the quality
    # table was made on one): on JAX and PyTorch every check below trains,
    # saves and loads without it, and tf.data stays lazy.
    sys.modules["tensorflow"] = None

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import ops  # noqa: E402

from keras_gan import GAN  # noqa: E402
from keras_gan.conditional import ConditionalGAN  # noqa: E402
from keras_gan.gan import NonFiniteLossError  # noqa: E402
from tests.conftest import square_images  # noqa: E402
from tests.conftest import tiny_discriminator  # noqa: E402
from tests.conftest import tiny_generator  # noqa: E402


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _values(variables):
    return [_np(v).copy() for v in variables]


def _gan(**compile_kwargs):
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile(**compile_kwargs)
    return gan


def _gan_under_policy(policy):
    # Built under a mixed-precision policy; the global policy is put back.
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        return _gan()
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def check_train(images):
    gan = _gan()
    g_vars, d_vars = gan.generator.trainable_variables, gan.discriminator.trainable_variables
    bn = [v for v in gan.generator.non_trainable_variables if "moving" in v.path]
    before = _values(g_vars), _values(d_vars), _values(bn)
    seed = _np(gan.seed_generator.state).tolist()
    history = gan.fit(images, batch_size=16, epochs=1, verbose=0)
    after = _values(g_vars), _values(d_vars), _values(bn)
    return {
        "logs": sorted(history.history),
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "moved": [
            all(not np.array_equal(a, b) for a, b in zip(x, y)) for x, y in zip(before, after)
        ],
        "bn_count": len(bn),
        "seed": [seed, _np(gan.seed_generator.state).tolist()],
        "jit_compile": bool(gan.jit_compile),
    }, gan


def check_wgan_gp(images):
    gan = _gan(loss="wasserstein", d_steps=2)
    history = gan.fit(images, batch_size=16, epochs=1, verbose=0)
    return {
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "penalty": gan.gradient_penalty,
    }


def check_augment_r1(images):
    # DiffAugment and R1 inside the compiled step; R1 of a linear critic
    # is |w|^2 at any input (its input gradient is w).
    gan = _gan(augment="color,translation,cutout", r1_penalty=1.0)
    history = gan.fit(images, batch_size=16, epochs=1, verbose=0)
    x = keras.Input((8, 8, 1))
    linear = keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    lin = GAN(tiny_generator(), linear, seed=0)
    lin.compile(r1_penalty=1.0)
    w = _np(linear.layers[-1].kernel)
    from keras_gan._regularisers import r1 as r1_penalty

    r1 = float(_np(r1_penalty(lin, keras.ops.convert_to_tensor(images[:4]), None, None)))
    return {
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "r1_linear_error": abs(r1 - float(np.sum(w**2))) / float(np.sum(w**2)),
    }


def check_non_finite(images, **compile_kwargs):
    gan = _gan(**compile_kwargs)
    gan.fit(images, batch_size=16, epochs=1, verbose=0, shuffle=False)
    trainable = gan.generator.trainable_variables + gan.discriminator.trainable_variables
    optimizer = list(gan.g_optimizer.variables) + list(gan.d_optimizer.variables)
    before = _values(trainable), _values(optimizer)
    bad = images.copy()
    bad[3] = np.nan  # in the first batch of epoch 2 (no shuffling)
    message = None
    try:
        gan.fit(bad, batch_size=16, epochs=2, initial_epoch=1, verbose=0, shuffle=False)
    except NonFiniteLossError as err:
        message = str(err)
    after = _values(trainable), _values(optimizer)
    return {
        "message": message,
        "unchanged": [
            all(np.array_equal(a, b) for a, b in zip(x, y)) for x, y in zip(before, after)
        ],
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        # Training goes on after the error (the flag is reset per epoch).
        "trains_on": bool(
            np.isfinite(gan.fit(images, batch_size=16, epochs=1, verbose=0).history["g_loss"][0])
        ),
    }


def check_evaluate(gan, images):
    train_seed = _np(gan.seed_generator.state).tolist()
    eval_seed = _np(gan.eval_seed_generator.state).tolist()
    results = gan.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    return {
        "keys": sorted(results),
        "train_seed_kept": _np(gan.seed_generator.state).tolist() == train_seed,
        "eval_seed_moved": _np(gan.eval_seed_generator.state).tolist() != eval_seed,
    }


def check_save_load(gan):
    z = gan.sample_noise(4, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "gan.keras")
        gan.save(path)
        loaded = keras.saving.load_model(path)
    return {
        "same_images": bool(np.array_equal(loaded.generate(z=z), gan.generate(z=z))),
        "iterations": int(_np(loaded.g_optimizer.iterations)),
        "seed_state": _np(loaded.seed_generator.state).tolist()
        == _np(gan.seed_generator.state).tolist(),
    }


def check_ema(images):
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=0.01)
    gan.compile()
    before = _values(
        gan.ema_generator.trainable_variables + gan.ema_generator.non_trainable_variables
    )
    gan.fit(images, batch_size=16, epochs=1, verbose=0)
    after = _values(
        gan.ema_generator.trainable_variables + gan.ema_generator.non_trainable_variables
    )
    return {
        "moved": any(not np.array_equal(a, b) for a, b in zip(before, after)),
        "images_seen": float(_np(gan.ema_images_seen)),
    }


def check_float16(images):
    # mixed_float16: each network's optimizer scales its own loss; an
    # overflowing scale skips the step and halves the scale.
    gan = _gan_under_policy("mixed_float16")
    history = gan.fit(images, batch_size=16, epochs=1, verbose=0)
    wrapped = [type(o).__name__ for o in (gan.g_optimizer, gan.d_optimizer)]
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        optimizer.dynamic_scale.assign(2.0**60)
    trainable = gan.generator.trainable_variables + gan.discriminator.trainable_variables
    before = _values(trainable)
    gan.fit(images[:16], batch_size=16, epochs=1, verbose=0)
    return {
        "wrapped": wrapped,
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "overflow_skipped": all(np.array_equal(a, b) for a, b in zip(before, _values(trainable))),
        "scales": [float(_np(o.dynamic_scale)) for o in (gan.g_optimizer, gan.d_optimizer)],
    }


def check_bfloat16(images):
    # mixed_bfloat16: bfloat16 compute, float32 weights and losses, and no
    # loss scaling (bfloat16 has float32's range).
    gan = _gan_under_policy("mixed_bfloat16")
    history = gan.fit(images, batch_size=16, epochs=1, verbose=0)
    layers = gan.generator.layers + gan.discriminator.layers
    return {
        "optimizers": [type(o).__name__ for o in (gan.g_optimizer, gan.d_optimizer)],
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": [int(_np(gan.g_optimizer.iterations)), int(_np(gan.d_optimizer.iterations))],
        "compute": sorted({layer.compute_dtype for layer in layers if layer.weights}),
        "weights": sorted({v.dtype for v in gan.generator.weights + gan.discriminator.weights}),
    }


def check_conditional(images):
    from keras import layers

    keras.utils.set_random_seed(0)
    z, label = keras.Input((8,)), keras.Input((2,))
    x = layers.Concatenate()([z, label])
    x = layers.Dense(64, activation="tanh")(x)
    generator = keras.Model([z, label], layers.Reshape((8, 8, 1))(x))
    img, label_d = keras.Input((8, 8, 1)), keras.Input((2,))
    y = layers.Concatenate()([layers.Flatten()(img), label_d])
    discriminator = keras.Model([img, label_d], layers.Dense(1)(y))
    gan = ConditionalGAN(generator, discriminator, num_classes=2, seed=0)
    gan.compile()
    labels = np.arange(len(images)) % 2
    history = gan.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    return {
        "finite": bool(all(np.isfinite(v[0]) for v in history.history.values())),
        "iterations": int(_np(gan.g_optimizer.iterations)),
    }


def check_no_tensorflow():
    # A preset built, arrays loaded and scaled, and one epoch trained with
    # TensorFlow unimportable.
    from keras_gan import evaluate_generator  # noqa: F401
    from keras_gan import presets
    from keras_gan.data import load_arrays
    from keras_gan.data.scaling import scale_images

    pixels = np.random.default_rng(0).integers(0, 256, (64, 8, 8, 1)).astype("uint8")
    images, _ = load_arrays(pixels)
    gan = presets.get("quality").build((8, 8, 1), seed=0, latent_dim=8, augment="translation")
    gan.fit(scale_images(images), batch_size=16, epochs=1, verbose=0)
    return {"iterations": int(_np(gan.g_optimizer.iterations))}


def main():
    images = square_images()
    report = {"backend": keras.backend.backend()}
    report["train"], gan = check_train(images)
    report["wgan_gp"] = check_wgan_gp(images)
    report["augment_r1"] = check_augment_r1(images)
    report["non_finite"] = check_non_finite(images)
    if keras.backend.backend() == "tensorflow":
        # JAX compiles with XLA already (jit_compile="auto" is True there);
        # torch's jit_compile is torch.compile, far too slow to start here.
        report["non_finite_jit"] = check_non_finite(images, jit_compile=True)
    report["evaluate"] = check_evaluate(gan, images)
    report["save_load"] = check_save_load(gan)
    report["ema"] = check_ema(images)
    report["conditional"] = check_conditional(images)
    report["float16"] = check_float16(images)
    report["bfloat16"] = check_bfloat16(images)
    if "--no-tensorflow" in sys.argv:
        report["no_tensorflow"] = check_no_tensorflow()
        report["no_tensorflow"]["tensorflow_loaded"] = sys.modules["tensorflow"] is not None
    print("REPORT " + json.dumps(report))


if __name__ == "__main__":
    main()

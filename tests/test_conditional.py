import os

import numpy as np
import pytest
from PIL import Image

import keras
from keras import layers

from callbacks import GANCheckpoint
from callbacks import SampleGrid
from callbacks import restore_checkpoint
from keras_gan import GAN
from keras_gan import ConditionalGAN
from keras_gan.conditional import label_index
from keras_gan.conditional import label_weights
from keras_gan.conditional import one_hot
from keras_gan.data import make_dataset
from keras_gan.models import dcgan_discriminator
from keras_gan.models import dcgan_generator
from tests.conftest import StopAt
from tests.conftest import skip_on
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends

LATENT, CLASSES, SHAPE = 8, 2, (8, 8, 1)
NAMES = ("dark", "bright")


def cond_generator():
    z = keras.Input((LATENT,))
    labels = keras.Input((CLASSES,))
    x = layers.Concatenate()([z, labels])
    x = layers.Dense(4 * 4 * 8, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((4, 4, 8))(x)
    x = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([z, labels], x)


def cond_discriminator():
    images = keras.Input(SHAPE)
    labels = keras.Input((CLASSES,))
    x = layers.Flatten()(layers.LeakyReLU()(layers.Conv2D(8, 3, strides=2, padding="same")(images)))
    logit = layers.Dense(1)(x)
    projection = layers.Dot(axes=1)([layers.Dense(x.shape[-1], use_bias=False)(labels), x])
    return keras.Model([images, labels], layers.Add()([logit, projection]))


def cond_gan(**kwargs):
    keras.utils.set_random_seed(0)
    gan = ConditionalGAN(
        cond_generator(), cond_discriminator(), class_names=NAMES, seed=0, **kwargs
    )
    gan.compile(
        g_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5),
        d_optimizer=keras.optimizers.Adam(5e-3, beta_1=0.5),
    )
    return gan


def two_class_data(n=256, seed=0):
    """Class 0: dark images (about -0.7); class 1: bright (about +0.7)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    base = np.where(labels == 1, 0.7, -0.7)[:, None, None, None]
    images = np.clip(base + 0.1 * rng.standard_normal((n,) + SHAPE), -1, 1)
    return images.astype(np.float32), labels.astype(np.int64)


def test_one_hot_label_index_and_weights():
    np.testing.assert_array_equal(one_hot([1, 0], 2), [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="class indices in \\[0, 2\\)"):
        one_hot([2], 2)
    names = ("T-shirt/top", "Sneaker", "Bag")
    assert label_index("sneaker", names) == 1 and label_index(2, names) == 2
    assert label_index("2", names) == 2
    with pytest.raises(ValueError, match="Unknown class 'cat'.*'Sneaker'"):
        label_index("cat", names)
    with pytest.raises(ValueError, match="Unknown class 3"):
        label_index(3, names)
    # None: every class in turn, so any n is balanced.
    assert label_weights(None, names, n=7).argmax(axis=1).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert label_weights("bag", names, n=2).argmax(axis=1).tolist() == [2, 2]
    assert label_weights(["bag", 0], names).argmax(axis=1).tolist() == [2, 0]
    mixture = np.array([[0.5, 0.5, 0.0]], np.float32)
    np.testing.assert_array_equal(label_weights(mixture, names), mixture)
    with pytest.raises(ValueError, match="disagrees"):
        label_weights([0, 1], names, n=3)


def test_construction_is_checked():
    with pytest.raises(ValueError, match="takes 2 inputs.*1 input"):
        ConditionalGAN(tiny_generator(LATENT), cond_discriminator())
    with pytest.raises(ValueError, match="num_classes=3` disagrees"):
        ConditionalGAN(cond_generator(), cond_discriminator(), num_classes=3)
    with pytest.raises(ValueError, match="2 distinct class names"):
        ConditionalGAN(cond_generator(), cond_discriminator(), class_names=["a", "A"])
    gan = ConditionalGAN(cond_generator(), cond_discriminator())
    assert gan.num_classes == 2 and gan.class_names == ("0", "1") and gan.latent_dim == LATENT
    # An unconditional GAN refuses networks that take labels.
    with pytest.raises(ValueError):
        GAN(cond_generator(), tiny_discriminator())


def test_dcgan_builders_make_conditional_networks():
    g = dcgan_generator(num_classes=10)
    d = dcgan_discriminator(num_classes=10)
    # The label joins the noise: 10 more inputs to the first Dense layer.
    assert g.count_params() == 2330944 + 10 * 7 * 7 * 256
    # Projection: one 6272-wide embedding per class.
    assert d.count_params() == 212865 + 10 * 7 * 7 * 128
    assert d([np.zeros((2, 28, 28, 1)), one_hot([0, 1], 10)]).shape == (2, 1)
    with pytest.raises(ValueError, match="num_classes` to be an int >= 2"):
        dcgan_generator(num_classes=1)


def test_fit_learns_to_follow_the_label():
    images, labels = two_class_data()
    gan = cond_gan()
    gan.fit(make_dataset(images, labels, batch_size=32, seed=0), epochs=25, verbose=0)
    dark = gan.generate(64, seed=1, labels="dark").mean()
    bright = gan.generate(64, seed=1, labels=1).mean()
    # The data's classes are 1.4 apart in mean pixel; the generator must
    # have learnt most of that gap from the label alone (same noise).
    assert bright - dark > 0.7, (dark, bright)


def test_fit_refuses_images_without_labels():
    images, _ = two_class_data(64)
    gan = cond_gan()
    with pytest.raises(ValueError, match="trains on \\(images, labels\\) pairs"):
        gan.fit(make_dataset(images, batch_size=32, seed=0), epochs=1, verbose=0)


def test_keras_file_round_trip_keeps_classes_and_images(tmp_path):
    gan = cond_gan(ema_kimg=1)
    images, labels = two_class_data(64)
    gan.fit(make_dataset(images, labels, batch_size=32, seed=0), epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, ConditionalGAN) and loaded.class_names == NAMES
    for ema in (None, False):
        np.testing.assert_allclose(
            loaded.generate(6, seed=3, labels=["bright", 0, 1, 0, 1, 0], ema=ema),
            gan.generate(6, seed=3, labels=["bright", 0, 1, 0, 1, 0], ema=ema),
            atol=1e-6,  # the same weights: float32 rounding at most
        )
    # `predict` samples as `generate` does: from the EMA generator.
    z = gan.sample_noise(6, seed=3)
    weights = gan.label_weights([1, 0, 1, 0, 1, 0])
    np.testing.assert_allclose(
        loaded.predict([z, weights], verbose=0),
        gan.generate(z=z, labels=weights),
        atol=1e-5,  # other batching: float32 rounding at most
    )
    trained = keras.ops.convert_to_numpy(loaded([z, weights], ema=False))
    np.testing.assert_allclose(trained, gan.generate(z=z, labels=weights, ema=False), atol=1e-5)


def test_resume_from_a_checkpoint_is_exact(tmp_path):
    images, labels = two_class_data(128)

    def data(epochs_from=0):
        return make_dataset(images, labels, batch_size=32, seed=0, epochs_from=epochs_from)

    straight = cond_gan()
    straight.fit(data(), epochs=2, steps_per_epoch=4, verbose=0)

    crashed = cond_gan()
    ckpt = GANCheckpoint(str(tmp_path / "ckpt"), every=1, keep=3)
    with pytest.raises(KeyboardInterrupt):
        crashed.fit(data(), epochs=2, steps_per_epoch=4, verbose=0, callbacks=[ckpt, StopAt(1)])
    resumed = cond_gan()
    epoch = restore_checkpoint(resumed, str(tmp_path / "ckpt" / "ckpt-0001"))
    resumed.fit(data(epoch), epochs=2, initial_epoch=epoch, steps_per_epoch=4, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sample_grid_has_one_labelled_row_per_class(tmp_path):
    gan = cond_gan()
    images, labels = two_class_data(64)
    grid = SampleGrid(str(tmp_path), per_class=5)
    gan.fit(
        make_dataset(images, labels, batch_size=32, seed=0), epochs=1, verbose=0, callbacks=[grid]
    )
    assert np.load(tmp_path / "noise.npy").shape == (5, LATENT)
    with Image.open(tmp_path / "epoch_0001.png") as im:
        width, height = im.size
        pixels = np.asarray(im)
    cell = 8 * 8  # 8x8 images drawn at 8x
    assert height == 2 * cell + 3 * 2
    margin = width - (5 * cell + 6 * 2)
    assert margin > 20  # room for the class names
    # The names are drawn in black in the margin of each row.
    assert pixels[2 : 2 + cell, :margin].min() == 0
    assert pixels[4 + cell : 4 + 2 * cell, :margin].min() == 0


def test_generate_checks_labels():
    gan = cond_gan()
    assert gan.generate(labels=[0, 1, 1]).shape == (3,) + SHAPE
    assert gan.generate(4, labels="bright").shape == (4,) + SHAPE
    with pytest.raises(ValueError, match="Unknown class 'grey'"):
        gan.generate(2, labels="grey")
    with pytest.raises(ValueError, match="disagrees"):
        gan.generate(3, labels=[0, 1])
    # The same noise in each class: rows differ only by the label.
    z = gan.sample_noise(2, seed=0)
    a = gan.generate(z=z, labels=0)
    b = gan.generate(z=z, labels=1)
    assert not np.allclose(a, b)
    np.testing.assert_allclose(gan.generate(z=z, labels=0), a, atol=1e-6)


def _class_folder(root, n=8):
    """A folder with class sub-folders 'dark' and 'bright' of 8x8 PNGs."""
    for name, value in (("bright", 220), ("dark", 30)):
        os.makedirs(root / name)
        for i in range(n):
            Image.fromarray(np.full((8, 8), value, np.uint8), mode="L").save(
                root / name / f"{i}.png"
            )
    return root


def test_trains_from_image_dataset_from_directory(tmp_path):
    from keras_gan import load_dataset

    folder = _class_folder(tmp_path / "data")
    pipeline = keras.utils.image_dataset_from_directory(
        folder, image_size=(8, 8), color_mode="grayscale", batch_size=4, seed=0
    )
    # Keras numbers the sub-folders in sorted order, as keras_gan does.
    assert pipeline.class_names == ["bright", "dark"]
    dataset = load_dataset(pipeline, labels=True, batch_size=8)
    images, labels = next(iter(dataset))
    assert float(images.numpy().max()) <= 1.0 and sorted(set(labels.numpy().tolist())) == [0, 1]
    keras.utils.set_random_seed(0)
    gan = ConditionalGAN(cond_generator(), cond_discriminator(), class_names=pipeline.class_names)
    gan.compile()
    history = gan.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert gan.label_index("dark") == 1


@skip_on(
    "jax",
    reason="about 45 s of XLA compiling there for a test of folder labels; "
    "the conditional step runs on JAX in test_fit_learns_to_follow_the_label",
)
def test_a_labelled_folder_names_the_classes(tmp_path, capsys):
    from keras_gan import cli
    from keras_gan.data import class_names

    folder = _class_folder(tmp_path / "data")
    assert class_names(str(folder)) == ("bright", "dark")
    assert class_names("fashion_mnist")[7] == "Sneaker"
    assert class_names(str(tmp_path / "data" / "dark")) is None  # no sub-folders
    code = cli.main(
        [
            "train",
            "--dataset",
            str(folder),
            "--conditional",
            "--batch-size",
            "8",
            "--epochs",
            "1",
            "--latent-dim",
            "8",
            "--seed",
            "0",
            "--no-tensorboard",
            "--logdir",
            str(tmp_path / "logs"),
            "--run-name",
            "f",
        ]
    )
    assert code == 0
    run = tmp_path / "logs" / "f"
    assert (run / "class_names.json").read_text().split() == ["[", '"bright",', '"dark"', "]"]
    assert (
        cli.main(
            [
                "sample",
                "--run",
                str(run),
                "--label",
                "DARK",
                "--n",
                "4",
                "--out",
                str(tmp_path / "dark.png"),
            ]
        )
        == 0
    )

import numpy as np
import pytest
from PIL import Image

import keras

from callbacks import SampleGrid
from tests.callbacks._events import read_events

pytestmark = pytest.mark.backends


class Recorder(keras.callbacks.Callback):
    """Captures the noise SampleGrid hands to generate() each epoch."""


def test_grids_gif_reals_and_tensorboard(tmp_path, tiny_gan, tiny_images):
    seen = []
    original = tiny_gan.generate

    def spy(*args, **kwargs):
        seen.append(np.array(kwargs["z"]))
        return original(*args, **kwargs)

    tiny_gan.generate = spy
    grid = SampleGrid(
        tmp_path / "samples",
        reals=tiny_images,
        tensorboard_dir=tmp_path / "tb",
    )
    tiny_gan.fit(tiny_images, batch_size=32, epochs=3, verbose=0, callbacks=[grid])
    names = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert names == [
        "epoch_0001.png",
        "epoch_0002.png",
        "epoch_0003.png",
        "noise.npy",
        "progress.gif",
        "reals.png",
    ]
    # 16 images of 8x8 drawn at 8x scale in a 4x4 grid with 2 px padding.
    expected = 4 * 64 + 5 * 2
    for name in ("epoch_0001.png", "reals.png"):
        with Image.open(tmp_path / "samples" / name) as im:
            assert im.size == (expected, expected) and im.mode == "L"
    # Every epoch's grid came from the same fixed noise...
    assert len(seen) == 3 and all(np.array_equal(seen[0], s) for s in seen)
    # ...which is the one kept on disk.
    np.testing.assert_array_equal(np.load(tmp_path / "samples" / "noise.npy"), seen[0])
    with Image.open(tmp_path / "samples" / "progress.gif") as gif:
        assert gif.n_frames == 3
    assert read_events(tmp_path / "tb") == {"samples": [0, 1, 2]}


def test_pixels_map_back_from_minus_one_one(tmp_path, tiny_gan, tiny_images):
    SampleGrid(tmp_path, reals=tiny_images[:16]).set_model(tiny_gan)
    grid = SampleGrid(tmp_path, reals=tiny_images)
    grid.set_model(tiny_gan)
    grid.on_train_begin()
    with Image.open(tmp_path / "reals.png") as im:
        values = set(np.unique(np.asarray(im)))
    # Reals are exactly -1 and 1: black 0, white 255 (padding is white too).
    assert values == {0, 255}


def test_every_n_epochs_and_colour(tmp_path, tiny_images):
    from keras_gan import GAN
    from tests.conftest import tiny_discriminator
    from tests.conftest import tiny_generator

    gan = GAN(tiny_generator(image_shape=(8, 8, 3)), tiny_discriminator((8, 8, 3)), seed=0)
    gan.compile()
    colour = np.repeat(tiny_images, 3, axis=-1)
    gan.fit(
        colour,
        batch_size=32,
        epochs=4,
        verbose=0,
        callbacks=[SampleGrid(tmp_path, every=2, num_images=9)],
    )
    assert sorted(p.name for p in tmp_path.glob("epoch_*.png")) == [
        "epoch_0002.png",
        "epoch_0004.png",
    ]
    with Image.open(tmp_path / "epoch_0002.png") as im:
        assert im.mode == "RGB" and im.size == (3 * 64 + 4 * 2,) * 2


def test_rejects_bad_arguments_and_models(tmp_path):
    with pytest.raises(ValueError, match="`every` to be an int >= 1. Received: 0"):
        SampleGrid(tmp_path, every=0)
    plain = keras.Sequential([keras.layers.Dense(1)])
    grid = SampleGrid(tmp_path)
    grid.set_model(plain)
    with pytest.raises(
        ValueError, match="needs a GAN exposing.*without generator, latent_dim, generate"
    ):
        grid.on_train_begin()

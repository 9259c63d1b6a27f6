"""`GAN.fit` and foreign pipelines: trained through `load_dataset`, refused
(with the fix named) when passed straight in with pixels outside [-1, 1]."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras

from keras_gan import GAN
from keras_gan.data import load_dataset
from keras_gan.gan import _check_first_batch
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

REFUSAL = (
    r"Expected real images in \[-1, 1\] \(the generator ends in tanh\)\. "
    r"Received {what} whose first batch holds {dtype} pixels with "
    r"min=0, max=255\. Fix: pass it through `keras_gan\.load_dataset\(data\)`"
    r".*`keras\.layers\.Rescaling\(1/127\.5, offset=-1\)`"
)


def pixels(n=16):
    """n 8x8x1 uint8 images spanning 0..255 (each has a 0 and a 255)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)
    images[:, 0, 0], images[:, 0, 1] = 0, 255
    return images


class Batches(keras.utils.PyDataset):
    """A PyDataset of float 0..255 image batches with labels."""

    def __init__(self, images, **kwargs):
        super().__init__(**kwargs)
        self.images = images.astype(np.float32)

    def __len__(self):
        return len(self.images) // 4

    def __getitem__(self, i):
        return self.images[i * 4 : i * 4 + 4], np.zeros(4, np.int64)


def folder_dataset(root):
    for name in ("a", "b"):
        (root / name).mkdir()
    for i, image in enumerate(pixels(8)):
        Image.fromarray(image[..., 0]).save(root / "ab"[i % 2] / f"{i}.png")
    return keras.utils.image_dataset_from_directory(
        root,
        color_mode="grayscale",
        image_size=(8, 8),
        batch_size=4,
        verbose=False,
    )


def sources(tmp_path):
    """(name, source, what the refusal calls it, its pixel dtype)."""
    images = pixels()
    return [
        ("folder", folder_dataset(tmp_path), "a tf.data.Dataset", "float32"),
        (
            "tfds_dict",
            tf.data.Dataset.from_tensor_slices({"image": images, "label": np.arange(16)}).batch(4),
            "a tf.data.Dataset",
            "uint8",
        ),
        ("py_dataset", Batches(images), "a PyDataset", "float32"),
        (
            "unbatched",
            tf.data.Dataset.from_tensor_slices(images.astype(np.float32)),
            "a tf.data.Dataset",
            "float32",
        ),
        ("array", images.astype(np.float32), "an array", "float32"),
    ]


def new_gan():
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    return gan


@pytest.mark.parametrize(
    "index", range(5), ids=["folder", "tfds_dict", "py_dataset", "unbatched", "array"]
)
def test_foreign_data_trains_through_load_dataset_and_is_refused_raw(tmp_path, index):
    name, source, what, dtype = sources(tmp_path)[index]
    gan = new_gan()
    # Straight in: refused before any step, naming range and fix.
    kwargs = {"batch_size": 4} if name == "array" else {}
    with pytest.raises(ValueError, match=REFUSAL.format(what=what, dtype=dtype)):
        gan.fit(source, epochs=1, verbose=0, **kwargs)
    assert int(gan.g_optimizer.iterations) == 0
    # Through load_dataset: scaled to [-1, 1] and trained. (A float array
    # of 0..255 is refused by load_dataset itself, which wants uint8 arrays;
    # as a tf.data.Dataset its range is detected.)
    dataset = load_dataset(
        source if name != "array" else tf.data.Dataset.from_tensor_slices(source),
        batch_size=4,
        seed=0,
    )
    batch = next(iter(dataset)).numpy()
    assert batch.shape == (4, 8, 8, 1)
    assert batch.min() == -1.0 and batch.max() == 1.0
    history = gan.fit(dataset, epochs=1, steps_per_epoch=2, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2
    assert np.isfinite(history.history["d_loss"][0])


def test_scaled_data_passes_and_refusal_names_other_ranges(tiny_images):
    gan = new_gan()
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert int(gan.g_optimizer.iterations) == 2
    with pytest.raises(
        ValueError,
        match=r"min=-3, max=3\. Fix: scale the pixels to \[-1, 1\], or pass "
        r"the data through `keras_gan\.load_dataset\(data, value_range=\.\.\.\)`",
    ):
        gan.fit(tiny_images * 3, batch_size=32, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations) == 2


def test_only_the_first_batch_is_looked_at():
    # The check reads one batch: out-of-range pixels later are not its
    # business (and are clipped by nothing: the caller's pipeline owns them).
    good = np.zeros((8, 8, 8, 1), np.float32)
    later_bad = np.concatenate([good, np.full((8, 8, 8, 1), 255, np.float32)])
    _check_first_batch(tf.data.Dataset.from_tensor_slices(later_bad).batch(8), None)
    _check_first_batch(later_bad, 8)
    with pytest.raises(ValueError, match=r"max=255"):
        _check_first_batch(later_bad, 16)


def test_generators_are_not_consumed_and_library_pipelines_not_peeked():
    def batches():
        yield np.full((4, 8, 8, 1), 255, np.float32)

    generator = batches()
    _check_first_batch(generator, None)
    assert next(generator).max() == 255  # still the first item

    images = pixels()
    dataset = load_dataset(images, batch_size=4, seed=0)
    assert dataset._keras_gan_scaled
    # A dataset derived from it is a new object, so it is checked again.
    rescaled = dataset.map(lambda x: (x + 1) * 127.5)
    assert not getattr(rescaled, "_keras_gan_scaled", False)
    with pytest.raises(ValueError, match=r"min=0, max=255"):
        _check_first_batch(rescaled, None)

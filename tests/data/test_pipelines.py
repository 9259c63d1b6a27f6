"""`load_dataset` over ready-made pipelines: tf.data.Dataset and PyDataset."""

import warnings

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras

from keras_gan.data import AssumedRangeWarning
from keras_gan.data import load_dataset

# Float pipelines are scaled in float32: 255 / 127.5 and 2 * x - 1 are exact
# to a few ulps; 1e-5 is far below one grey level (2 / 255 ~ 0.008).
ATOL = 1e-5


def ramp(n=12, size=4, channels=1):
    """uint8 images whose pixels all equal 20 * index, labels = index."""
    images = np.repeat((np.arange(n) * 20).astype(np.uint8), size * size * channels).reshape(
        n, size, size, channels
    )
    return images, np.arange(n)


def collect(dataset, labels=False):
    """All batches of one pass, concatenated."""
    batches = list(dataset)
    if labels:
        return (
            np.concatenate([b[0].numpy() for b in batches]),
            np.concatenate([b[1].numpy() for b in batches]),
        )
    return np.concatenate([b.numpy() for b in batches])


class Batches(keras.utils.PyDataset):
    """A PyDataset of `(images, labels)` batches of 5, counting epochs."""

    def __init__(self, images, labels, **kwargs):
        super().__init__(**kwargs)
        self.images, self.labels, self.epochs_ended = images, labels, 0

    def __len__(self):
        return -(-len(self.images) // 5)

    def __getitem__(self, i):
        return self.images[i * 5 : i * 5 + 5], self.labels[i * 5 : i * 5 + 5]

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize(
    "value_range, to_source",
    [
        ((0, 255), lambda x: x.astype(np.float32)),
        ((0, 1), lambda x: x.astype(np.float32) / 255),
        ((-1, 1), lambda x: x.astype(np.float32) / 127.5 - 1),
    ],
)
def test_float_ranges_scale_to_minus_one_one(batched, value_range, to_source):
    images, _ = ramp()
    source = tf.data.Dataset.from_tensor_slices(to_source(images))
    if batched:
        source = source.batch(5)
    expected = images.astype(np.float32) / 127.5 - 1
    # Given explicitly, and detected from the first batch: the same result.
    for given in (value_range, None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = collect(load_dataset(source, batch_size=4, shuffle=False, value_range=given))
        np.testing.assert_allclose(out, expected, atol=ATOL)
        assumed = [w for w in caught if w.category is AssumedRangeWarning]
        # Only a detected 0..1 is ambiguous enough to warn about.
        assert len(assumed) == (given is None and value_range == (0, 1))
    assert out.dtype == np.float32


def test_assumed_range_warning_names_the_assumption():
    images, _ = ramp()
    source = tf.data.Dataset.from_tensor_slices(images.astype(np.float32) / 255)
    with pytest.warns(
        AssumedRangeWarning,
        match=r"Assumed pixel values in 0\.\.1: the first batch holds "
        r"min=0, max=0\.235294 \(float32\)\. Pass value_range=",
    ):
        # Detected on the first batch: images 0..3, pixels up to 60 / 255.
        load_dataset(source, batch_size=4)


def test_uint8_is_0_255_without_peeking():
    images, _ = ramp()
    source = tf.data.Dataset.from_tensor_slices(images).batch(3)
    out = collect(load_dataset(source, batch_size=5, shuffle=False))
    assert out.shape == (12, 4, 4, 1)  # rebatched: 5 + 5 + 2
    np.testing.assert_allclose(out, images / 127.5 - 1, atol=ATOL)


def test_rebatched_to_batch_size():
    images, _ = ramp()
    source = tf.data.Dataset.from_tensor_slices(images).batch(3)
    sizes = [len(b) for b in load_dataset(source, batch_size=5, shuffle=False)]
    assert sizes == [5, 5, 2]
    dropped = load_dataset(source, batch_size=5, shuffle=False, drop_remainder=True)
    assert [len(b) for b in dropped] == [5, 5]


@pytest.mark.parametrize(
    "source, message",
    [
        (np.array([0, 300], np.float32), r"min=0, max=300"),
        (np.array([-2, 0.5], np.float32), r"min=-2, max=0\.5"),
        (np.array([-0.5, 200], np.float32), r"min=-0\.5, max=200"),
    ],
)
def test_ranges_that_fit_nothing_are_refused(source, message):
    dataset = tf.data.Dataset.from_tensor_slices(
        np.broadcast_to(source[:, None, None, None], (2, 4, 4, 1))
    )
    with pytest.raises(ValueError, match=r"first batch holds " + message):
        load_dataset(dataset, batch_size=2)


def test_tfds_style_dicts_keep_labels():
    images, labels = ramp()
    source = tf.data.Dataset.from_tensor_slices({"image": images, "label": labels.astype(np.int32)})
    out, out_labels = collect(load_dataset(source, batch_size=5, labels=True, shuffle=False), True)
    np.testing.assert_allclose(out, images / 127.5 - 1, atol=ATOL)
    assert out_labels.dtype == np.int64
    assert out_labels.tolist() == labels.tolist()
    # Without labels=True, images only.
    assert collect(load_dataset(source, batch_size=5, shuffle=False)).shape == (
        12,
        4,
        4,
        1,
    )


def test_labels_of_shape_n_1_are_flattened():
    images, labels = ramp()
    source = tf.data.Dataset.from_tensor_slices((images, labels[:, None])).batch(4)
    _, out_labels = collect(load_dataset(source, batch_size=6, labels=True, shuffle=False), True)
    assert out_labels.tolist() == labels.tolist()


def test_labels_requested_from_images_only_is_refused():
    source = tf.data.Dataset.from_tensor_slices(ramp()[0])
    with pytest.raises(ValueError, match=r"elements without labels"):
        load_dataset(source, labels=True)


def test_dict_without_image_key_is_refused():
    source = tf.data.Dataset.from_tensor_slices({"pixels": ramp()[0]})
    with pytest.raises(ValueError, match=r"'image' key.*\['pixels'\]"):
        load_dataset(source)


def test_py_dataset_streams_every_batch_and_ends_epochs():
    images, labels = ramp(n=12)
    source = Batches(images.astype(np.float32), labels)
    dataset = load_dataset(source, batch_size=4, labels=True, shuffle=False)
    for epoch in (1, 2):
        out, out_labels = collect(dataset, True)
        np.testing.assert_allclose(out, images / 127.5 - 1, atol=ATOL)
        assert out_labels.tolist() == labels.tolist()
        assert source.epochs_ended == epoch


def test_resize_and_channels_match_load_arrays():
    images, _ = ramp(size=8, channels=3)
    images[:, :4] = 0  # a dark top half: an edge for resizing to average
    source = tf.data.Dataset.from_tensor_slices(images)
    out = collect(load_dataset(source, batch_size=4, image_size=4, channels=1, shuffle=False))
    from keras_gan.data import load_arrays
    from keras_gan.data import scale_images

    # load_arrays holds out every 6th image of an array for its test split.
    expected, _ = load_arrays(images, image_size=4, channels=1)
    kept = [i for i in range(12) if i % 6 != 5]
    assert out.shape == (12, 4, 4, 1)
    # load_arrays rounds to uint8 after each step; the pipeline stays float:
    # they agree within about one grey level (2 / 255 in [-1, 1]).
    np.testing.assert_allclose(out[kept], scale_images(expected), atol=2 / 255 + ATOL)
    assert out[:, 0].mean() < out[:, 3].mean()  # the edge (top rows 0) survived


def test_images_of_varying_size_need_image_size():
    sizes = [(6, 6), (8, 10), (12, 8)]

    def images():
        for h, w in sizes:
            yield np.full((h, w, 1), 255, np.uint8)

    source = tf.data.Dataset.from_generator(
        images, output_signature=tf.TensorSpec((None, None, 1), tf.uint8)
    )
    with pytest.raises(ValueError, match=r"sizes vary\)\. Pass image_size="):
        load_dataset(source, batch_size=3)
    out = collect(load_dataset(source, batch_size=3, image_size=4))
    assert out.shape == (3, 4, 4, 1)
    np.testing.assert_allclose(out, 1.0, atol=ATOL)


def test_image_dataset_from_directory(tmp_path):
    rng = np.random.default_rng(0)
    pixels = {}
    for name in ("cats", "dogs"):
        (tmp_path / name).mkdir()
        for i in range(3):
            array = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
            Image.fromarray(array).save(tmp_path / name / f"{i}.png")
            pixels[(name, i)] = array
    source = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(6, 6), batch_size=4, shuffle=False, verbose=False
    )
    assert source.element_spec[0].dtype == tf.float32  # 0..255 floats
    out, labels = collect(load_dataset(source, batch_size=6, labels=True, shuffle=False), True)
    expected = np.stack([pixels[(n, i)] for n in ("cats", "dogs") for i in range(3)])
    np.testing.assert_allclose(out, expected / 127.5 - 1, atol=ATOL)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_shuffled_pipeline_keeps_content_and_follows_the_seed():
    images, _ = ramp(n=12)
    source = tf.data.Dataset.from_tensor_slices(images)

    def order(seed):
        out = collect(load_dataset(source, batch_size=4, seed=seed))
        return np.rint((out[:, 0, 0, 0] + 1) * 127.5 / 20).astype(int).tolist()

    first = order(1)
    assert sorted(first) == list(range(12))
    assert first != list(range(12))
    assert order(1) == first


def test_value_range_is_checked():
    source = tf.data.Dataset.from_tensor_slices(ramp()[0])
    with pytest.raises(ValueError, match=r"value_range=\(0, 2\)"):
        load_dataset(source, value_range=(0, 2))
    with pytest.raises(ValueError, match=r"Expected value_range=None for a named"):
        load_dataset(ramp()[0], value_range=(0, 255))

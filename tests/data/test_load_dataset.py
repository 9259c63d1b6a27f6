import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import load_dataset


def numbered(n, size=4):
    """uint8 images whose pixels all equal their index, labels = index % 7."""
    images = np.repeat(np.arange(n, dtype=np.uint8), size * size).reshape(n, size, size, 1)
    return images, np.arange(n) % 7


def first_pixels(batch):
    """Recovers each image's index from its scaled pixel value."""
    return np.rint((batch.numpy()[:, 0, 0, 0] + 1) * 127.5).astype(int).tolist()


def test_mnist_sample_defaults():
    dataset = load_dataset("mnist_sample")
    assert dataset.element_spec.shape.as_list() == [None, 28, 28, 1]
    assert dataset.element_spec.dtype == tf.float32
    batch = next(iter(dataset)).numpy()
    assert batch.shape == (256, 28, 28, 1)
    assert batch.min() == -1.0 and batch.max() == 1.0


def test_extremes_scale_exactly():
    images = np.zeros((12, 2, 2, 1), np.uint8)
    images[::2] = 255
    batch = next(iter(load_dataset(images, batch_size=10, shuffle=False))).numpy()
    assert set(np.unique(batch).tolist()) == {-1.0, 1.0}
    assert batch.dtype == np.float32


def test_batch_shapes_with_short_last_batch():
    images, _ = numbered(12)  # 10 train images
    dataset = load_dataset(images, batch_size=4, shuffle=False)
    assert [b.shape[0] for b in dataset] == [4, 4, 2]
    dataset = load_dataset(images, batch_size=4, shuffle=False, drop_remainder=True)
    assert [b.shape[0] for b in dataset] == [4, 4]
    assert dataset.element_spec.shape.as_list() == [4, 4, 4, 1]


def test_unshuffled_order_is_source_order():
    images, _ = numbered(60)
    order = [i for b in load_dataset(images, batch_size=7, shuffle=False) for i in first_pixels(b)]
    assert order == [i for i in range(60) if i % 6 != 5]


def test_shuffle_changes_order_not_content():
    images, _ = numbered(120)
    dataset = load_dataset(images, batch_size=16, seed=3)
    epoch1 = [i for b in dataset for i in first_pixels(b)]
    epoch2 = [i for b in dataset for i in first_pixels(b)]
    expected = [i for i in range(120) if i % 6 != 5]
    assert sorted(epoch1) == sorted(epoch2) == expected
    assert epoch1 != expected
    assert epoch1 != epoch2  # reshuffled each epoch
    again = load_dataset(images, batch_size=16, seed=3)
    assert [i for b in again for i in first_pixels(b)] == epoch1  # seeded


def test_small_shuffle_buffer_still_yields_everything():
    images, _ = numbered(30)
    dataset = load_dataset(images, batch_size=5, shuffle_buffer=2, seed=0)
    assert sorted(i for b in dataset for i in first_pixels(b)) == [
        i for i in range(30) if i % 6 != 5
    ]


def test_labels_are_aligned():
    images, labels = numbered(60)
    dataset = load_dataset((images, labels), batch_size=8, labels=True, seed=1)
    assert dataset.element_spec[1].dtype == tf.int64
    seen = 0
    for batch, batch_labels in dataset:
        indices = first_pixels(batch)
        assert batch_labels.numpy().tolist() == [i % 7 for i in indices]
        seen += len(indices)
    assert seen == 50


def test_float_source_passes_through():
    images = np.linspace(-1, 1, 6 * 9, dtype=np.float32).reshape(6, 3, 3, 1)
    batch = next(iter(load_dataset(images, batch_size=5, shuffle=False))).numpy()
    np.testing.assert_array_equal(batch, images[:5])


def test_image_size_and_channels():
    images, _ = numbered(12, size=8)
    batch = next(iter(load_dataset(images, batch_size=2, image_size=4, channels=3)))
    assert batch.shape == (2, 4, 4, 3)


def test_labels_requested_without_labels():
    with pytest.raises(ValueError, match=r"labels=True\. Received a source without labels"):
        load_dataset(numbered(12)[0], batch_size=2, labels=True)


def test_batch_size_larger_than_dataset():
    with pytest.raises(ValueError, match=r"Received batch_size=11 for 10 images"):
        load_dataset(numbered(12)[0], batch_size=11)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (
            {"batch_size": 0},
            r"batch_size to be a positive integer\. Received: batch_size=0",
        ),
        ({"batch_size": -4}, r"Received: batch_size=-4"),
        ({"batch_size": 2.5}, r"Received: batch_size=2\.5"),
        ({"batch_size": True}, r"Received: batch_size=True"),
        (
            {"shuffle_buffer": 0},
            r"shuffle_buffer to be a positive integer\. "
            r"Received: shuffle_buffer=0",
        ),
        ({"seed": "x"}, r"seed to be None or an integer\. Received: seed='x'"),
        (
            {"labels": "yes"},
            r"labels to be True or False.*Received: labels='yes'",
        ),
        ({"split": "validation"}, r"Received: split='validation'"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_dataset(numbered(12)[0], **kwargs)


def test_numpy_integer_batch_size():
    dataset = load_dataset(numbered(12)[0], batch_size=np.int64(5), shuffle=False)
    assert [b.shape[0] for b in dataset] == [5, 5]

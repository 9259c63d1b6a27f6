"""In-memory arrays and .npy/.npz files as sources of load_arrays."""

import re

import numpy as np
import pytest

from keras_gan.data import load_arrays


def numbered(n, h=4, w=4, c=None):
    """uint8 images whose pixels all equal their index."""
    shape = (n, h, w) if c is None else (n, h, w, c)
    return np.broadcast_to(
        np.arange(n, dtype=np.uint8).reshape((n,) + (1,) * (len(shape) - 1)),
        shape,
    ).copy()


def test_nhw_uint8_gets_channel_axis_and_stays_uint8():
    images, labels = load_arrays(numbered(12))
    assert images.shape == (10, 4, 4, 1) and images.dtype == np.uint8
    assert labels is None
    # Every sixth image (5, 11) is held out.
    assert images[:, 0, 0, 0].tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]


def test_test_split_and_labels_stay_aligned():
    x = numbered(12, c=3)
    y = np.arange(12) * 10
    images, labels = load_arrays((x, y), split="test")
    assert images.shape == (2, 4, 4, 3)
    assert labels.tolist() == [50, 110] and labels.dtype == np.int64
    assert images[:, 0, 0, 0].tolist() == [5, 11]


def test_train_and_test_partition_the_data():
    x = numbered(30)
    train, _ = load_arrays(x)
    test, _ = load_arrays(x, split="test")
    assert len(train) == 25 and len(test) == 5
    values = sorted(train[:, 0, 0, 0].tolist() + test[:, 0, 0, 0].tolist())
    assert values == list(range(30))


def test_float_sources_are_validated_and_float32():
    x = np.linspace(-1, 1, 6 * 4 * 4).reshape(6, 4, 4, 1)
    images, _ = load_arrays(x)
    assert images.dtype == np.float32 and images.shape == (5, 4, 4, 1)
    assert images.min() >= -1 and images.max() <= 1


def test_float_0_255_rejected():
    with pytest.raises(
        ValueError,
        match=r"float64 with min=0\.0, max=255\.0 "
        r"\(uint8 pixels stored as float",
    ):
        load_arrays(np.concatenate([np.zeros((1, 4, 4)), np.full((5, 4, 4), 255.0)]))


@pytest.mark.parametrize("shape", [(6, 4, 4, 2), (6, 16), (6, 1, 4, 4, 1), (6,)])
def test_bad_shapes(shape):
    with pytest.raises(
        ValueError,
        match=r"C in \(1, 3\)\. Received shape " + re.escape(str(shape)),
    ):
        load_arrays(np.zeros(shape, np.uint8))


def test_label_count_mismatch():
    with pytest.raises(ValueError, match=r"12 images\. Received 11 labels"):
        load_arrays((numbered(12), np.zeros(11, np.int64)))


def test_tuple_with_none_labels():
    images, labels = load_arrays((numbered(6), None))
    assert labels is None and len(images) == 5


def test_tuple_of_three_rejected():
    with pytest.raises(ValueError, match=r"tuple of 3 items"):
        load_arrays((numbered(6), None, None))


@pytest.mark.parametrize("source", [42, [np.zeros((4, 4))], {"x": 1}])
def test_unsupported_source_types(source):
    with pytest.raises(ValueError, match=r"Received an object of type"):
        load_arrays(source)


def test_unknown_name_lists_sources(isolated_home):
    with pytest.raises(
        ValueError,
        match=r"named sources \('mnist', 'fashion_mnist', 'mnist_sample', "
        r"'cifar10'\).*"
        r"'mnsit': not a known name, and the path .*mnsit does not exist",
    ):
        load_arrays("mnsit")


def test_resize_keeps_uint8_and_constant_values():
    x = np.full((6, 8, 8, 1), 200, np.uint8)
    images, _ = load_arrays(x, image_size=(16, 12))
    assert images.shape == (5, 16, 12, 1) and images.dtype == np.uint8
    assert (images == 200).all()


def test_resize_float_stays_in_range():
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(6, 9, 9, 3)).astype(np.float32)
    images, _ = load_arrays(x, image_size=4)
    assert images.shape == (5, 4, 4, 3) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1


def test_same_size_is_not_resized():
    x = numbered(6, c=1)
    images, _ = load_arrays(x, image_size=4)
    np.testing.assert_array_equal(images, x[:5])


def test_channel_conversion():
    x = np.zeros((6, 2, 2, 3), np.uint8)
    x[..., 0] = 255
    grey, _ = load_arrays(x, channels=1)
    assert grey.shape == (5, 2, 2, 1) and (grey == 76).all()
    rgb, _ = load_arrays(numbered(6), channels=3)
    assert rgb.shape == (5, 4, 4, 3)
    assert (rgb[3] == 3).all()


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (
            {"split": "val"},
            r"split to be one of \('train', 'test'\)\. Received: split='val'",
        ),
        ({"image_size": 0}, r"Received: image_size=0"),
        ({"image_size": (1, 2, 3)}, r"Received: image_size=\(1, 2, 3\)"),
        ({"image_size": "32"}, r"Received: image_size='32'"),
        ({"channels": 2}, r"1 \(grey\) or 3 \(RGB\)\. Received: channels=2"),
    ],
)
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        load_arrays(numbered(6), **kwargs)


def test_npy_file(tmp_path):
    np.save(tmp_path / "x.npy", numbered(12))
    images, labels = load_arrays(tmp_path / "x.npy")
    assert images.shape == (10, 4, 4, 1) and labels is None
    images, _ = load_arrays(str(tmp_path / "x.npy"), split="test")
    assert images[:, 0, 0, 0].tolist() == [5, 11]


def test_npy_with_pickled_objects_is_refused(tmp_path):
    np.save(
        tmp_path / "x.npy",
        np.array([{"a": 1}], dtype=object),
        allow_pickle=True,
    )
    with pytest.raises(ValueError, match=r"allow_pickle=False.*x\.npy"):
        load_arrays(tmp_path / "x.npy")


@pytest.mark.parametrize(
    "image_key, label_key",
    [("x", "y"), ("images", "labels"), ("x_train", "y_train")],
)
def test_npz_keys(tmp_path, image_key, label_key):
    path = tmp_path / "d.npz"
    np.savez(path, **{image_key: numbered(12), label_key: np.arange(12)})
    images, labels = load_arrays(path)
    assert images.shape == (10, 4, 4, 1)
    assert labels.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]


def test_npz_without_labels(tmp_path):
    np.savez(tmp_path / "d.npz", images=numbered(6))
    assert load_arrays(tmp_path / "d.npz")[1] is None


def test_npz_uses_x_test_for_test_split(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(
        path,
        x_train=numbered(12),
        y_train=np.zeros(12, np.int64),
        x_test=numbered(3) + 100,
        y_test=np.ones(3, np.int64),
    )
    train, train_labels = load_arrays(path)
    assert len(train) == 12 and (train_labels == 0).all()  # nothing held out
    test, test_labels = load_arrays(path, split="test")
    assert test[:, 0, 0, 0].tolist() == [100, 101, 102]
    assert test_labels.tolist() == [1, 1, 1]


def test_npz_without_image_key(tmp_path):
    np.savez(tmp_path / "d.npz", pixels=numbered(6))
    with pytest.raises(
        ValueError,
        match=r"keys \('x', 'images', 'x_train'\)\. "
        r"Received keys \('pixels',\)",
    ):
        load_arrays(tmp_path / "d.npz")


def test_npz_with_object_array(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.array([None, 1], dtype=object))
    with pytest.raises(ValueError, match=r"object array.*allow_pickle=False"):
        load_arrays(tmp_path / "d.npz")


def test_npz_content_named_npy(tmp_path):
    np.savez(tmp_path / "d.npz", x=numbered(6))
    (tmp_path / "d.npz").rename(tmp_path / "d.npy")
    with pytest.raises(ValueError, match=r"single array \(\.npy format\)\. Received an \.npz"):
        load_arrays(tmp_path / "d.npy")


def test_garbage_npz(tmp_path):
    (tmp_path / "d.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match=r"Could not read .*d\.npz"):
        load_arrays(tmp_path / "d.npz")


def test_unsupported_file_suffix(tmp_path):
    (tmp_path / "d.csv").write_text("1,2")
    with pytest.raises(
        ValueError,
        match=r"folder of images or a \.npy/\.npz file\. "
        r"Received the file .*d\.csv \(suffix '\.csv'\)",
    ):
        load_arrays(tmp_path / "d.csv")

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import scale_batch
from keras_gan.data import scale_images
from keras_gan.data.scaling import validate_image_shape
from keras_gan.data.scaling import validate_labels


def test_uint8_maps_0_and_255_exactly_to_minus_one_and_one():
    images = np.array([[0, 255], [127, 128]], dtype=np.uint8)
    out = scale_images(images)
    assert out.dtype == np.float32
    assert out.shape == images.shape
    assert out[0, 0] == -1.0 and out[0, 1] == 1.0
    np.testing.assert_allclose(out[1], [127 / 127.5 - 1, 128 / 127.5 - 1], atol=1e-7)


def test_uint8_scaling_does_not_modify_input():
    images = np.full((2, 3), 255, dtype=np.uint8)
    scale_images(images)
    assert images.dtype == np.uint8 and (images == 255).all()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_in_range_returned_as_float32(dtype):
    images = np.array([-1.0, 0.0, 0.5, 1.0], dtype=dtype)
    out = scale_images(images)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, images.astype(np.float32))


def test_float_within_tolerance_is_clipped():
    out = scale_images(np.array([-1.0005, 1.0009], dtype=np.float32))
    np.testing.assert_array_equal(out, [-1.0, 1.0])


def test_float_beyond_tolerance_is_rejected():
    with pytest.raises(ValueError, match=r"min=-1\.0, max=1\.01"):
        scale_images(np.array([-1.0, 1.01]))


def test_float_0_255_gets_uint8_hint():
    with pytest.raises(
        ValueError,
        match=r"Expected uint8 images or float images in \[-1, 1\]\. Received "
        r"float64 with min=0\.0, max=255\.0 \(uint8 pixels stored as float\? "
        r"cast to uint8\)\.",
    ):
        scale_images(np.array([0.0, 255.0]))


def test_float_0_1_is_rejected_without_uint8_hint():
    # [0, 1] images are a common mistake: they would silently train on a
    # shifted range, so they are refused.
    with pytest.raises(ValueError, match=r"min=-0\.5, max=1\.5\.$"):
        scale_images(np.array([-0.5, 1.5], dtype=np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_is_rejected(bad):
    with pytest.raises(ValueError, match=r"float32 containing 1 NaN/inf"):
        scale_images(np.array([0.0, bad], dtype=np.float32))


@pytest.mark.parametrize(
    "dtype, pattern",
    [
        (
            np.int16,
            r"Received int16 with min=0, max=200 \(pixels in \[0, 255\]",
        ),
        (np.int32, r"Received int32 with min=0, max=200"),
        (np.uint16, r"Received uint16 with min=0, max=200"),
        (np.bool_, r"Received bool with min=False, max=True"),
    ],
)
def test_other_dtypes_are_rejected(dtype, pattern):
    images = np.array([0, 200], dtype=dtype) if dtype != np.bool_ else np.array([False, True])
    with pytest.raises(ValueError, match=pattern):
        scale_images(images)


def test_string_dtype_is_rejected():
    with pytest.raises(ValueError, match=r"Received dtype <U1"):
        scale_images(np.array(["a", "b"]))


def test_scale_batch_uint8_and_float():
    out = scale_batch(tf.constant([[0, 255, 51]], dtype=tf.uint8))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), [[-1.0, 1.0, 51 / 127.5 - 1]])
    out = scale_batch(tf.constant([[-1.0, 0.25, 1.0]], dtype=tf.float32))
    np.testing.assert_array_equal(out.numpy(), [[-1.0, 0.25, 1.0]])


def test_scale_batch_matches_numpy_twin():
    images = np.arange(256, dtype=np.uint8).reshape(4, 8, 8, 1)
    np.testing.assert_array_equal(scale_batch(images).numpy(), scale_images(images))


def test_scale_batch_works_in_graph_mode():
    fn = tf.function(scale_batch)
    out = fn(tf.zeros((2, 4, 4, 1), tf.uint8))
    assert out.shape == (2, 4, 4, 1) and float(out.numpy().max()) == -1.0


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((2, 4, 5), (2, 4, 5, 1)),
        ((2, 4, 5, 1), (2, 4, 5, 1)),
        ((2, 4, 5, 3), (2, 4, 5, 3)),
    ],
)
def test_validate_image_shape_accepts(shape, expected):
    assert validate_image_shape(np.zeros(shape, np.uint8)).shape == expected


@pytest.mark.parametrize(
    "shape",
    [
        (4, 5),
        (2, 4, 5, 2),
        (2, 4, 5, 4),
        (1, 2, 4, 5, 3),
        (0, 4, 4),
        (2, 0, 4, 1),
    ],
)
def test_validate_image_shape_rejects(shape):
    with pytest.raises(ValueError, match=r"Received shape " + re.escape(str(shape))):
        validate_image_shape(np.zeros(shape, np.uint8))


def test_validate_labels():
    out = validate_labels(np.array([[1], [2]], dtype=np.uint8), 2)
    assert out.dtype == np.int64 and out.tolist() == [1, 2]
    assert validate_labels(None, 3) is None
    with pytest.raises(ValueError, match=r"3 images\. Received 2 labels"):
        validate_labels([0, 1], 3)
    with pytest.raises(ValueError, match=r"integer class labels\. Received dtype float64"):
        validate_labels([0.0, 1.0], 2)
    with pytest.raises(ValueError, match=r"Received shape \(2, 2\)"):
        validate_labels(np.zeros((2, 2), np.int64), 2)

"""Property-based: any array either loads cleanly or raises ValueError."""

import numpy as np
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keras_gan.data import load_arrays
from keras_gan.data import scale_images

DTYPES = [np.uint8, np.int16, np.float32, np.float64, np.bool_]


@st.composite
def image_arrays(draw):
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=5)))
    elements = None
    if dtype.kind == "f":
        width = dtype.itemsize * 8
        kind = draw(st.sampled_from(["unit", "wide", "special"]))
        if kind == "unit":
            elements = st.floats(-1, 1, width=width)
        elif kind == "wide":
            elements = st.floats(-300, 300, width=width)
        else:
            # -1 - 2**-10 is within the 1e-3 tolerance and exact in float32.
            elements = st.floats(-1, 1, width=width) | st.sampled_from(
                [np.nan, np.inf, 255.0, -1.0009765625]
            )
    return draw(hnp.arrays(dtype, shape, elements=elements))


def _check_range(out):
    assert out.dtype in (np.uint8, np.float32)
    if out.dtype == np.float32:
        assert np.all(out >= -1) and np.all(out <= 1)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    images=image_arrays(),
    split=st.sampled_from(["train", "test"]),
    image_size=st.sampled_from([None, 3, (2, 5)]),
    channels=st.sampled_from([None, 1, 3]),
)
def test_load_arrays_returns_valid_data_or_value_error(images, split, image_size, channels):
    try:
        out, labels = load_arrays(images, split=split, image_size=image_size, channels=channels)
    except ValueError:
        return
    assert labels is None
    assert out.ndim == 4 and out.shape[-1] in (1, 3)
    assert images.dtype in (np.uint8, np.float32, np.float64)
    if image_size is not None:
        expected = (image_size, image_size) if isinstance(image_size, int) else image_size
        assert out.shape[1:3] == expected
    else:
        assert out.shape[1:3] == images.shape[1:3]
    if channels is not None:
        assert out.shape[-1] == channels
    if images.dtype == np.uint8:
        assert out.dtype == np.uint8
    _check_range(out)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(images=image_arrays())
def test_scale_images_returns_float32_in_range_or_value_error(images):
    try:
        out = scale_images(images)
    except ValueError as err:
        assert "Expected uint8 images or float images in [-1, 1]. Received" in str(err)
        assert images.dtype != np.uint8
        return
    assert out.dtype == np.float32 and out.shape == images.shape
    assert np.all(out >= -1) and np.all(out <= 1)
    if images.dtype == np.uint8 and images.size:
        np.testing.assert_allclose(out, images / 127.5 - 1, atol=1e-6)

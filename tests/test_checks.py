import numpy as np
import pytest

from keras_gan._checks import check_int


@pytest.mark.parametrize("value", [1, 7, np.int64(3)])
def test_check_int_accepts_ints_and_returns_python_ints(value):
    result = check_int("n", value)
    assert result == int(value) and type(result) is int


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3", None])
def test_check_int_names_the_argument_and_the_value(value):
    with pytest.raises(ValueError, match=r"Expected `n` to be an int >= 1\. Received: "):
        check_int("n", value)


def test_check_int_minimum_and_none():
    assert check_int("n", None, minimum=2, allow_none=True) is None
    with pytest.raises(ValueError, match=r"int >= 2 \(or None\)\. Received: 1"):
        check_int("n", 1, minimum=2, allow_none=True)

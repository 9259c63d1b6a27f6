"""Argument checks shared by every layer: one wording for one mistake.

Each check returns the value it accepts, converted (a Python `int`), and
raises `ValueError` naming the argument and what was received.
"""

import numbers


def check_int(name, value, minimum=1, allow_none=False):
    """Returns `value` as a Python int, or raises unless it is an int >= minimum.

    Args:
        name: the argument's name, as the caller knows it (`"d_steps"`).
        value: what was received. Booleans and floats are refused, even
            integral ones (`2.0`), as Keras' own layers do.
        minimum: the smallest accepted value.
        allow_none: whether `None` is accepted (and returned as is).

    Returns:
        `int(value)`, or `None` when `allow_none` and `value` is `None`.

    Raises:
        ValueError: if `value` is not an int >= `minimum`.

    Example:

    >>> check_int("d_steps", 5)
    5
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        none = " (or None)" if allow_none else ""
        raise ValueError(f"Expected `{name}` to be an int >= {minimum}{none}. Received: {value!r}")
    return int(value)

"""Deprecated: `callbacks.sample_grid` moved to `keras_gan.callbacks.sample_grid`."""

from callbacks._moved import forwarder

__getattr__ = forwarder("callbacks.sample_grid", ["keras_gan.callbacks.sample_grid"])

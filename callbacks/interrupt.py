"""Deprecated: `callbacks.interrupt` moved to `keras_gan.callbacks.interrupt`."""

from callbacks._moved import forwarder

__getattr__ = forwarder("callbacks.interrupt", ["keras_gan.callbacks.interrupt"])

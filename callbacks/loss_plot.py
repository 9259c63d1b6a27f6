"""Deprecated: `callbacks.loss_plot` moved to `keras_gan.callbacks.loss_plot`."""

from callbacks._moved import forwarder

__getattr__ = forwarder("callbacks.loss_plot", ["keras_gan.callbacks.loss_plot"])

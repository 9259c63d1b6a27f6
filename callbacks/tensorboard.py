"""Deprecated: `callbacks.tensorboard` moved to `keras_gan.callbacks.tensorboard`."""

from callbacks._moved import forwarder

__getattr__ = forwarder("callbacks.tensorboard", ["keras_gan.callbacks.tensorboard"])

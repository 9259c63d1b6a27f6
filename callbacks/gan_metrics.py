"""Deprecated: `callbacks.gan_metrics` moved to `keras_gan.callbacks.gan_metrics`."""

from callbacks._moved import forwarder

__getattr__ = forwarder("callbacks.gan_metrics", ["keras_gan.callbacks.gan_metrics"])

"""keras-gan: train, monitor, evaluate and reuse GANs with plain Keras 3."""

__version__ = "0.1.0"

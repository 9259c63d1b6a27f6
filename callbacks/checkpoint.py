"""Deprecated: the checkpoint format moved to `keras_gan.checkpoints` and
`GANCheckpoint` to `keras_gan.callbacks.gan_checkpoint`."""

from callbacks._moved import forwarder

__getattr__ = forwarder(
    "callbacks.checkpoint",
    ["keras_gan.checkpoints", "keras_gan.callbacks.gan_checkpoint"],
    renames={"export_generator": ("keras_gan.checkpoints", "write_generator")},
)

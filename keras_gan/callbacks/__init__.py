"""Keras callbacks for any GAN exposing `generator`, `latent_dim` and `generate()`.

They use only that small protocol, never a GAN's internals, so they work with
`keras_gan.GAN` and with a user's own GAN alike.
"""

from keras_gan.callbacks.gan_checkpoint import GANCheckpoint
from keras_gan.callbacks.gan_metrics import GANMetrics
from keras_gan.callbacks.interrupt import StopOnInterrupt
from keras_gan.callbacks.loss_plot import LossPlot
from keras_gan.callbacks.sample_grid import SampleGrid
from keras_gan.callbacks.tensorboard import GANTensorBoard

# The checkpoint format's readers, beside the callback that writes it (their
# owner is `keras_gan.checkpoints`).
from keras_gan.checkpoints import latest_checkpoint
from keras_gan.checkpoints import list_checkpoints
from keras_gan.checkpoints import restore_checkpoint

__all__ = [
    "GANCheckpoint",
    "GANMetrics",
    "GANTensorBoard",
    "LossPlot",
    "SampleGrid",
    "StopOnInterrupt",
    "latest_checkpoint",
    "list_checkpoints",
    "restore_checkpoint",
]

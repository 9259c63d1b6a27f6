"""Keras callbacks for any GAN exposing `generator`, `latent_dim` and `generate()`.

They use only that small protocol, never a GAN's internals, so they work with
`keras_gan.GAN` and with a user's own GAN alike.
"""

from callbacks.checkpoint import GANCheckpoint
from callbacks.checkpoint import latest_checkpoint
from callbacks.checkpoint import list_checkpoints
from callbacks.checkpoint import restore_checkpoint
from callbacks.gan_metrics import GANMetrics
from callbacks.interrupt import StopOnInterrupt
from callbacks.loss_plot import LossPlot
from callbacks.sample_grid import SampleGrid
from callbacks.tensorboard import GANTensorBoard

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

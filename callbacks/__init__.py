"""The callbacks under their short name: `from callbacks import SampleGrid`.

A thin re-export of `keras_gan.callbacks`, where the callbacks live. Inside
`keras_gan` nothing imports this top-level name: a user's own `callbacks.py`
beside their script comes first on `sys.path` and would shadow it.
"""

from keras_gan.callbacks import GANCheckpoint
from keras_gan.callbacks import GANMetrics
from keras_gan.callbacks import GANTensorBoard
from keras_gan.callbacks import LossPlot
from keras_gan.callbacks import SampleGrid
from keras_gan.callbacks import StopOnInterrupt
from keras_gan.callbacks import latest_checkpoint
from keras_gan.callbacks import list_checkpoints
from keras_gan.callbacks import restore_checkpoint

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

"""Deprecated: the reference statistics are in `keras_gan.evaluation.reference`.

Every name of `keras_gan.evaluation.reference` is found here too, with a
DeprecationWarning.
"""

from keras_gan.evaluation import reference as _reference
from keras_gan.metrics._moved import forwarder

__getattr__ = forwarder(__name__, _reference)

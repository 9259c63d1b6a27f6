"""Deprecated: the feature extractors are in `keras_gan.evaluation.extractors`.

Every name of `keras_gan.evaluation.extractors` is found here too, with a
DeprecationWarning.
"""

from keras_gan.evaluation import extractors as _extractors
from keras_gan.metrics._moved import forwarder

__getattr__ = forwarder(__name__, _extractors)

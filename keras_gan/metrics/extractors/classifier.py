"""Deprecated: `keras_gan.evaluation.extractors.classifier`, under its old name."""

from keras_gan.evaluation.extractors import classifier as _classifier
from keras_gan.metrics._moved import replace_module

replace_module(__name__, _classifier)

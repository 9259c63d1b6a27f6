"""Deprecated: `keras_gan.evaluation.extractors.inception`, under its old name."""

from keras_gan.evaluation.extractors import inception as _inception
from keras_gan.metrics._moved import replace_module

replace_module(__name__, _inception)

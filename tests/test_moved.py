"""The old paths of what moved to keras_gan.evaluation still work, with a warning (keras_gan._moved)."""

import sys

import pytest

from keras_gan.evaluation import extractors
from keras_gan.evaluation import reference
from keras_gan.evaluation.extractors import classifier
from keras_gan.evaluation.extractors import inception


def test_old_extractor_names_are_the_new_objects():
    import keras_gan.metrics.extractors as old

    for name in (
        "ClassifierExtractor",
        "FeatureExtractor",
        "InceptionExtractor",
        "get_extractor",
        "build_classifier",
        "EXTRACTORS",
    ):
        with pytest.warns(DeprecationWarning, match=rf"keras_gan\.evaluation\.extractors\.{name}"):
            assert getattr(old, name) is getattr(extractors, name)
    assert not hasattr(old, "no_such_name")


def test_old_submodules_are_the_new_modules():
    # One module under both names: patching the old one reaches the code in use.
    sys.modules.pop("keras_gan.metrics.extractors.classifier", None)
    with pytest.warns(
        DeprecationWarning, match=r"use `keras_gan\.evaluation\.extractors\.classifier`"
    ):
        from keras_gan.metrics.extractors.classifier import train_classifier
    assert train_classifier is classifier.train_classifier
    assert sys.modules["keras_gan.metrics.extractors.classifier"] is classifier
    sys.modules.pop("keras_gan.metrics.extractors.inception", None)
    with pytest.warns(DeprecationWarning):
        import keras_gan.metrics.extractors.inception as old_inception
    assert old_inception is inception


def test_old_reference_names():
    import keras_gan.metrics.reference as old

    with pytest.warns(
        DeprecationWarning, match=r"use `keras_gan\.evaluation\.reference\.reference_statistics`"
    ):
        assert old.reference_statistics is reference.reference_statistics
    with pytest.warns(DeprecationWarning):
        assert old.ReferenceStatistics is reference.ReferenceStatistics

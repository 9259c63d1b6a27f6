"""Tests for keras_gan.evaluation.settings."""

import dataclasses

import pytest

from keras_gan.callbacks import GANMetrics
from keras_gan.evaluation import EvaluationSettings


def test_defaults_and_fields():
    settings = EvaluationSettings()
    assert (settings.image_size, settings.channels, settings.cache_dir) == (None, None, None)
    assert (settings.seed, settings.batch_size) == (0, None)
    assert EvaluationSettings(image_size=32, channels=3).real_images == {
        "image_size": 32,
        "channels": 3,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 1


def test_batch_size_is_checked():
    with pytest.raises(
        ValueError, match=r"^Expected `batch_size` to be an int >= 1 \(or None\)\. Received: 0$"
    ):
        EvaluationSettings(batch_size=0)


def test_merge_takes_the_keywords_of_the_older_api():
    assert EvaluationSettings.merge(None, seed=0, image_size=None) == EvaluationSettings()
    merged = EvaluationSettings.merge(EvaluationSettings(channels=1), image_size=28, seed=3)
    assert merged == EvaluationSettings(image_size=28, channels=1, seed=3)
    # A keyword at its default leaves the settings' value alone.
    assert EvaluationSettings.merge(EvaluationSettings(seed=5), seed=0).seed == 5
    with pytest.raises(
        ValueError, match=r"`image_size` once.*settings\.image_size=28 and image_size=32"
    ):
        EvaluationSettings.merge(EvaluationSettings(image_size=28), image_size=32)
    with pytest.raises(ValueError, match="Expected `settings` to be an EvaluationSettings"):
        EvaluationSettings.merge({"seed": 1})


def test_gan_metrics_takes_settings_or_the_old_keywords(tmp_path):
    settings = EvaluationSettings(image_size=28, channels=1, cache_dir=str(tmp_path), seed=4)
    old = GANMetrics(
        "mnist_sample", image_size=28, channels=1, cache_dir=str(tmp_path), seed=4, epochs=2
    )
    new = GANMetrics("mnist_sample", settings=settings, epochs=2)
    assert old.settings == new.settings == settings
    # The other keywords still reach the extractor.
    assert old.extractor_kwargs == new.extractor_kwargs == {"epochs": 2}
    with pytest.raises(ValueError, match="`seed` once"):
        GANMetrics("mnist_sample", settings=settings, seed=5)

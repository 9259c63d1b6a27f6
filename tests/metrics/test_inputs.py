"""Tests for keras_gan.metrics.inputs."""

import dataclasses

import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics.inputs import FIELDS


def test_fields_and_frozen():
    assert FIELDS == ("real_features", "fake_features", "real_probs", "fake_probs", "real_labels")
    inputs = MetricInputs([[1.0]], fake_probs=[[1.0]])
    assert inputs.real_features == [[1.0]] and inputs.fake_features is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.real_labels = [0]


def test_require_names_the_metric_and_the_field():
    inputs = MetricInputs(fake_probs=[[1.0]])
    assert inputs.require("fake_probs", "is", "probabilities") == [[1.0]]
    with pytest.raises(
        ValueError, match=r"^Metric 'kid' needs `real_features` \(features\); received None\.$"
    ):
        inputs.require("real_features", "kid", "features")

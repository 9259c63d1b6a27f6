"""Tests for keras_gan.metrics.mode_coverage."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import mode_coverage as mode_module
from keras_gan.metrics.mode_coverage import KEY_MODE_HISTOGRAM
from keras_gan.metrics.mode_coverage import KEY_MODE_KL
from keras_gan.metrics.mode_coverage import KEY_MODES_COVERED
from keras_gan.metrics.mode_coverage import KEY_NUM_CLASSES
from keras_gan.metrics.mode_coverage import mode_coverage_from_predictions
from keras_gan.metrics.mode_coverage import mode_histograms_to_metric
from keras_gan.metrics.mode_coverage import mode_labels_to_histogram

UNIFORM_REAL = np.repeat(np.arange(10), 50)


def test_keys():
    assert (KEY_MODE_HISTOGRAM, KEY_MODE_KL, KEY_MODES_COVERED, KEY_NUM_CLASSES) == (
        "mode_histogram",
        "mode_kl",
        "modes_covered",
        "num_classes",
    )


def test_one_class_sample_against_uniform_ten_classes():
    probs = np.zeros((200, 10))
    probs[:, 3] = 1.0
    result = mode_coverage_from_predictions(probs, UNIFORM_REAL)
    assert result[KEY_MODES_COVERED] == 1
    assert result[KEY_NUM_CLASSES] == 10
    assert result[KEY_MODE_KL] == pytest.approx(np.log(10), rel=1e-8)
    assert result[KEY_MODE_HISTOGRAM] == [0.0] * 3 + [1.0] + [0.0] * 6


def test_balanced_sample_covers_every_class_with_zero_kl():
    fake_labels = np.tile(np.arange(10), 30)
    result = mode_coverage_from_predictions(fake_labels, UNIFORM_REAL)
    assert result[KEY_MODES_COVERED] == 10
    assert result[KEY_MODE_KL] == pytest.approx(0.0, abs=1e-12)
    assert result[KEY_MODE_HISTOGRAM] == pytest.approx([0.1] * 10)


def test_probabilities_are_assigned_to_argmax_class():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=100)
    from_probs = mode_coverage_from_predictions(probs, np.arange(4))
    from_labels = mode_coverage_from_predictions(
        np.argmax(probs, axis=1), np.arange(4), num_classes=4
    )
    assert from_probs == from_labels


def test_kl_matches_direct_formula():
    fake = np.array([5.0, 3.0, 2.0, 0.0])
    real = np.array([1.0, 1.0, 1.0, 1.0])
    q = fake / fake.sum()
    expected = sum(qi * np.log(qi / 0.25) for qi in q if qi > 0)
    result = mode_histograms_to_metric(fake, real)
    assert result[KEY_MODE_KL] == pytest.approx(expected, rel=1e-8)
    assert result[KEY_MODES_COVERED] == 3


def test_coverage_thresholds():
    fake = np.array([90, 5, 4, 1, 0])
    real = np.ones(5)
    assert mode_histograms_to_metric(fake, real)[KEY_MODES_COVERED] == 4
    assert mode_histograms_to_metric(fake, real, min_count=5)[KEY_MODES_COVERED] == 2
    assert mode_histograms_to_metric(fake, real, min_fraction=0.04)[KEY_MODES_COVERED] == 3
    assert mode_histograms_to_metric(fake, real, min_fraction=1.0)[KEY_MODES_COVERED] == 0


def test_class_missing_from_real_labels_gives_large_finite_kl():
    result = mode_coverage_from_predictions([0, 1], [0, 0], num_classes=2)
    assert np.isfinite(result[KEY_MODE_KL]) and result[KEY_MODE_KL] > 5


def test_num_classes_is_inferred_from_labels():
    result = mode_coverage_from_predictions([0, 0, 1], [0, 1, 2, 4])
    assert result[KEY_NUM_CLASSES] == 5
    assert mode_coverage_from_predictions([0, 1], [0, 1], num_classes=7)[KEY_NUM_CLASSES] == 7


def test_labels_to_histogram():
    np.testing.assert_array_equal(mode_labels_to_histogram([0, 2, 2], 4), [1, 0, 2, 0])
    np.testing.assert_array_equal(mode_labels_to_histogram(np.array([1.0, 1.0]), 2), [0, 2])


def test_registered_metric():
    probs = np.eye(3)[[0, 0, 1]]
    expected = mode_coverage_from_predictions(probs, [0, 1, 2])
    assert (
        mode_module.mode_coverage_metric(MetricInputs(fake_probs=probs, real_labels=[0, 1, 2]))
        == expected
    )
    # Real labels fall back to the argmax of real_probs.
    assert (
        mode_module.mode_coverage_metric(MetricInputs(fake_probs=probs, real_probs=np.eye(3)))
        == expected
    )


def test_registered_metric_requires_inputs():
    with pytest.raises(ValueError, match=r"Metric 'modes' needs `fake_probs`.*received None"):
        mode_module.mode_coverage_metric(MetricInputs(real_labels=[0, 1]))
    with pytest.raises(
        ValueError, match=r"needs `real_labels` .* or `real_probs` .*received None for both"
    ):
        mode_module.mode_coverage_metric(MetricInputs(fake_probs=np.eye(2)))


@pytest.mark.parametrize(
    "fake, real, kwargs, match",
    [
        (
            np.eye(3),
            [0, 1, 3],
            {},
            r"`real_labels` must hold labels in \[0, 3\) for num_classes=3; received label 3",
        ),
        (
            np.eye(3),
            [0, 1],
            dict(num_classes=4),
            r"`num_classes`=4 does not match the width of `fake_predictions`; received shape \(3, 3\)",
        ),
        (
            np.zeros((2, 2, 2)),
            [0],
            {},
            r"probabilities of shape \(num_samples, num_classes\) or labels .*\(2, 2, 2\)",
        ),
        (
            [0, 1],
            [0.5, 1.0],
            {},
            r"`real_labels` must hold integer class labels; received non-integer values such as 0.5",
        ),
        (
            [0, -1],
            [0, 1],
            {},
            r"`fake_predictions` must hold non-negative class labels; received minimum label -1",
        ),
        ([0, 1], [], {}, r"`real_labels` must not be empty"),
        (
            [0, 1],
            [[0, 1]],
            {},
            r"`real_labels` must be a 1-D array of integer class labels; received shape \(1, 2\)",
        ),
        (None, [0, 1], {}, r"`fake_predictions` is required; received None"),
        ([0, 1], None, {}, r"`real_labels` is required; received None"),
        (
            [0, 1],
            [0, 1],
            dict(num_classes=0),
            r"^Expected `num_classes` to be an int >= 1\. Received: 0$",
        ),
        (
            [0, 1],
            [0, 1],
            dict(min_count=0),
            r"^Expected `min_count` to be an int >= 1\. Received: 0$",
        ),
        (
            [0, 1],
            [0, 1],
            dict(min_fraction=1.5),
            r"`min_fraction` must be a real number in \[0.0, 1.0\]; received 1.5",
        ),
        ([0, 1], [0, 1], dict(epsilon=-1.0), r"`epsilon` must be a real number in \[0.0, 1.0\]"),
        (
            np.array([[np.nan, 1.0]]),
            [0, 1],
            {},
            r"`fake_predictions` must contain only finite values; received 1 NaN",
        ),
        ([0.0, np.nan], [0, 1], {}, r"`fake_predictions` must contain only finite values"),
    ],
)
def test_mode_coverage_validation(fake, real, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage_from_predictions(fake, real, **kwargs)


@pytest.mark.parametrize(
    "fake, real, match",
    [
        ([1, 2], [1, 2, 3], r"same number of classes; received shapes \(2,\) and \(3,\)"),
        ([[1, 2]], [1, 2], r"`fake_counts` must be a non-empty 1-D histogram .*\(1, 2\)"),
        ([1, -2], [1, 2], r"`fake_counts` must hold non-negative counts; received minimum -2.0"),
        ([0, 0], [1, 2], r"`fake_counts` must have a positive total; received all zeros"),
        ([1, 2], [np.inf, 2], r"`real_counts` must contain only finite values"),
    ],
)
def test_histograms_to_metric_validation(fake, real, match):
    with pytest.raises(ValueError, match=match):
        mode_histograms_to_metric(fake, real)


def test_labels_to_histogram_validation():
    with pytest.raises(
        ValueError,
        match=r"`labels` must hold labels in \[0, 2\) for num_classes=2; received label 5",
    ):
        mode_labels_to_histogram([0, 5], 2)

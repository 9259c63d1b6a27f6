"""Tests for keras_gan.metrics.inception_score."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import inception_score
from keras_gan.metrics.inception_score import KEY_IS_MEAN
from keras_gan.metrics.inception_score import KEY_IS_STD
from keras_gan.metrics.inception_score import inception_score_from_probs


def _entropy(p):
    p = p[p > 0]
    return -np.sum(p * np.log(p))


def test_keys():
    assert (KEY_IS_MEAN, KEY_IS_STD) == ("is_mean", "is_std")


@pytest.mark.parametrize("num_classes", [1, 2, 7, 10])
def test_one_hot_uniform_classes_score_num_classes(num_classes):
    probs = np.tile(np.eye(num_classes), (10, 1))  # Every split is balanced.
    result = inception_score_from_probs(probs, splits=10)
    assert result[KEY_IS_MEAN] == pytest.approx(num_classes, rel=1e-12)
    assert result[KEY_IS_STD] == pytest.approx(0.0, abs=1e-12)


def test_identical_rows_score_one():
    row = np.random.default_rng(0).dirichlet(np.ones(6))
    result = inception_score_from_probs(np.tile(row, (50, 1)), splits=5)
    assert result[KEY_IS_MEAN] == pytest.approx(1.0, abs=1e-12)
    assert result[KEY_IS_STD] == pytest.approx(0.0, abs=1e-12)


def test_matches_entropy_identity_for_one_split():
    # exp(E_x KL(p(y|x) || p(y))) = exp(H(p(y)) - E_x H(p(y|x))).
    probs = np.random.default_rng(1).dirichlet(np.full(5, 0.3), size=40)
    expected = np.exp(_entropy(probs.mean(axis=0)) - np.mean([_entropy(p) for p in probs]))
    got = inception_score_from_probs(probs, splits=1)[KEY_IS_MEAN]
    assert got == pytest.approx(expected, rel=1e-12)


def test_splits_are_contiguous_chunks_with_ddof0_std():
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.full(4, 0.5), size=23)
    chunks = [probs[i * 23 // 3 : (i + 1) * 23 // 3] for i in range(3)]
    scores = [inception_score_from_probs(c, splits=1)[KEY_IS_MEAN] for c in chunks]
    result = inception_score_from_probs(probs, splits=3)
    assert result[KEY_IS_MEAN] == pytest.approx(np.mean(scores), rel=1e-12)
    assert result[KEY_IS_STD] == pytest.approx(np.std(scores), rel=1e-10)


def test_score_is_between_one_and_num_classes():
    probs = np.random.default_rng(3).dirichlet(np.full(8, 0.2), size=100)
    result = inception_score_from_probs(probs)
    assert 1.0 <= result[KEY_IS_MEAN] <= 8.0


def test_shuffle_is_seeded():
    probs = np.tile(np.eye(4), (10, 1))
    a = inception_score_from_probs(probs, splits=4, shuffle=True, seed=1)
    b = inception_score_from_probs(probs, splits=4, shuffle=True, seed=1)
    assert a == b
    # Shuffling breaks the balance of the splits.
    assert a[KEY_IS_MEAN] < 4.0
    assert inception_score_from_probs(probs, splits=1, shuffle=True)[KEY_IS_MEAN] == (
        pytest.approx(4.0)
    )


def test_rows_within_tolerance_are_renormalised():
    probs = np.tile(np.eye(3), (3, 1)) * (1 + 5e-4)
    assert inception_score_from_probs(probs, splits=1)[KEY_IS_MEAN] == pytest.approx(3.0)


@pytest.mark.parametrize(
    "probs, kwargs, match",
    [
        (np.full((4, 2), 0.5), dict(splits=5), r"at least `splits`=5 samples .*received 4"),
        (
            np.full((4, 2), 0.5),
            dict(splits=0),
            r"^Expected `splits` to be an int >= 1\. Received: 0$",
        ),
        (np.array([[1.2, -0.2]] * 4), {}, r"non-negative probabilities; received minimum value"),
        (
            np.array([[0.5, 0.4]] * 4),
            dict(splits=2),
            r"sum to 1 \(within 0.001\); received 4 row\(s\) .*row 0 sums to 0.9",
        ),
        (np.full(4, 0.25), {}, r"`probs` must be a 2-D array .*\(4,\)"),
        (np.array([[np.nan, 1.0]] * 4), dict(splits=2), r"finite values; received 4 NaN"),
    ],
)
def test_validation(probs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        inception_score_from_probs(probs, **kwargs)


def test_registered_metric():
    probs = np.tile(np.eye(5), (4, 1))
    result = inception_score.inception_score_metric(MetricInputs(fake_probs=probs), splits=2)
    assert result == inception_score_from_probs(probs, splits=2)
    with pytest.raises(ValueError, match=r"Metric 'is' needs `fake_probs`.*received None"):
        inception_score.inception_score_metric(MetricInputs(np.zeros((3, 2)), np.zeros((3, 2))))

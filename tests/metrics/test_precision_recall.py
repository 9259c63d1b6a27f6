"""Tests for keras_gan.metrics.precision_recall and the k-NN helpers."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import _neighbours
from keras_gan.metrics import precision_recall
from keras_gan.metrics.precision_recall import KEY_PRECISION
from keras_gan.metrics.precision_recall import KEY_RECALL
from keras_gan.metrics.precision_recall import precision_recall_from_features


def _exact_distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def _reference_precision_recall(real, fake, k):
    """NVlabs compute_pr on full matrices: (k+1)-th smallest incl. self, <=."""

    def radii(x):
        return np.sort(_exact_distances(x, x), axis=1)[:, k]

    precision = (_exact_distances(fake, real) <= radii(real)[None, :]).any(axis=1).mean()
    recall = (_exact_distances(real, fake) <= radii(fake)[None, :]).any(axis=1).mean()
    return precision, recall


def test_keys():
    assert (KEY_PRECISION, KEY_RECALL) == ("precision", "recall")


def test_pairwise_distances_match_exact():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(9, 5))
    np.testing.assert_allclose(
        _neighbours.pairwise_distances(a, b), _exact_distances(a, b), rtol=1e-10, atol=1e-12
    )
    assert _neighbours.pairwise_distances(a[:0], b).shape == (0, 9)
    assert (_neighbours.pairwise_distances(a, a) >= 0).all()


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_distances_of_a_set_to_itself_are_exactly_symmetric(batch_size):
    # Exact, not approximate: the metrics compare d(i, j) from one row block
    # with a radius taken from d(j, i) in another; a last-bit difference
    # (which a matmul gives on some CPUs) moves a sample in or out of a ball.
    x = np.random.default_rng(2).normal(size=(60, 10)) * 3 + 20
    blocks = _neighbours.iter_distance_blocks(x, x, batch_size)
    full = np.concatenate([block for _, block in blocks])
    np.testing.assert_array_equal(full, full.T)
    np.testing.assert_array_equal(np.diag(full), 0.0)
    # A copy holds the same samples: the same exact distances.
    copy_blocks = _neighbours.iter_distance_blocks(x.copy(), x, batch_size)
    np.testing.assert_array_equal(np.concatenate([block for _, block in copy_blocks]), full)
    # Still the Euclidean distances: distances here are ~13, the expansion
    # loses ~1e-13 of that to cancellation; 1e-10 says "correct", not "bitwise".
    np.testing.assert_allclose(full, _exact_distances(x, x), rtol=1e-10, atol=0)
    whole = _neighbours.pairwise_distances(x, x)
    np.testing.assert_array_equal(whole, whole.T)


@pytest.mark.parametrize("batch_size", [1, 4, 1000])
def test_knn_radii_excludes_self(batch_size):
    x = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(_neighbours.knn_radii(x, 1, batch_size), [1, 1, 2, 4])
    np.testing.assert_allclose(_neighbours.knn_radii(x, 2, batch_size), [3, 2, 3, 6])


def test_knn_radii_with_duplicates_are_zero():
    x = np.array([[1.0, 1.0]] * 3 + [[5.0, 5.0]])
    np.testing.assert_allclose(_neighbours.knn_radii(x, 2)[:3], 0.0, atol=1e-7)


def test_count_inside_balls_strict_and_inclusive():
    centres = np.array([[0.0], [10.0]])
    radii = np.array([1.0, 2.0])
    probes = np.array([[1.0], [0.5], [5.0], [12.0]])
    np.testing.assert_array_equal(
        _neighbours.count_inside_balls(probes, centres, radii, strict=False), [1, 1, 0, 1]
    )
    np.testing.assert_array_equal(
        _neighbours.count_inside_balls(probes, centres, radii, strict=True), [0, 1, 0, 0]
    )


def test_set_with_itself_has_precision_and_recall_one():
    x = np.random.default_rng(1).normal(size=(200, 16)) * 10 + 50
    assert precision_recall_from_features(x, x) == {KEY_PRECISION: 1.0, KEY_RECALL: 1.0}


def test_far_away_fakes_have_zero_precision_and_recall():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(100, 8)), rng.normal(size=(80, 8)) + 100.0
    assert precision_recall_from_features(real, fake) == {KEY_PRECISION: 0.0, KEY_RECALL: 0.0}


def test_collapsed_fakes_have_high_precision_low_recall():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(300, 2))
    fake = rng.normal(size=(300, 2)) * 0.1  # Mode collapse onto the centre.
    result = precision_recall_from_features(real, fake)
    assert result[KEY_PRECISION] > 0.9
    assert result[KEY_RECALL] < 0.2


@pytest.mark.parametrize("k, batch_size", [(1, 7), (3, 1000), (5, 13)])
def test_matches_reference_on_random_data(k, batch_size):
    rng = np.random.default_rng(k)
    real = rng.normal(size=(60, 6))
    fake = rng.normal(size=(45, 6)) * 1.3 + 0.4
    expected = _reference_precision_recall(real, fake, k)
    result = precision_recall_from_features(real, fake, k=k, batch_size=batch_size)
    assert (result[KEY_PRECISION], result[KEY_RECALL]) == pytest.approx(expected)
    assert 0.0 < result[KEY_PRECISION] < 1.0 or 0.0 < result[KEY_RECALL] < 1.0


def test_registered_metric():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    assert precision_recall.precision_recall_metric(MetricInputs(x, y), k=2) == (
        precision_recall_from_features(x, y, k=2)
    )


@pytest.mark.parametrize(
    "real, fake, kwargs, match",
    [
        (
            np.zeros((3, 2)),
            np.zeros((10, 2)),
            {},
            r"`real_features` must have at least 4 samples \(more than k=3\).*received 3",
        ),
        (
            np.zeros((10, 2)),
            np.zeros((2, 2)),
            dict(k=2),
            r"`fake_features` must have at least 3 samples",
        ),
        (
            np.zeros((10, 2)),
            np.zeros((10, 3)),
            {},
            r"same number of features; received shapes \(10, 2\) and \(10, 3\)",
        ),
        (
            np.zeros((10, 2)),
            np.zeros((10, 2)),
            dict(k=0),
            r"^Expected `k` to be an int >= 1\. Received: 0$",
        ),
        (
            np.zeros((10, 2)),
            np.zeros((10, 2)),
            dict(batch_size=0),
            r"^Expected `batch_size` to be an int >= 1\. Received: 0$",
        ),
        (
            np.full((10, 2), np.nan),
            np.zeros((10, 2)),
            {},
            r"`real_features` must contain only finite",
        ),
        (np.zeros((10, 2, 1)), np.zeros((10, 2)), {}, r"`real_features` must be a 2-D array"),
    ],
)
def test_validation(real, fake, kwargs, match):
    with pytest.raises(ValueError, match=match):
        precision_recall_from_features(real, fake, **kwargs)

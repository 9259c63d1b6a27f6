"""Tests for keras_gan.metrics.density_coverage."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import density_coverage
from keras_gan.metrics.density_coverage import KEY_COVERAGE
from keras_gan.metrics.density_coverage import KEY_DENSITY
from keras_gan.metrics.density_coverage import density_coverage_from_features


def _exact_distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def _reference_prdc(real, fake, k):
    """clovaai generative-evaluation-prdc compute_prdc (density, coverage)."""
    radii = np.sort(_exact_distances(real, real), axis=1)[:, k]
    d_real_fake = _exact_distances(real, fake)
    density = (1.0 / k) * (d_real_fake < radii[:, None]).sum(axis=0).mean()
    coverage = (d_real_fake.min(axis=1) < radii).mean()
    return density, coverage


def test_keys():
    assert (KEY_DENSITY, KEY_COVERAGE) == ("density", "coverage")


@pytest.mark.parametrize("batch_size", [1000, 7])
@pytest.mark.parametrize("copy", [False, True])
def test_set_with_itself(batch_size, copy):
    # Without ties every real ball holds exactly k samples strictly inside
    # (itself and its k - 1 nearer neighbours; the k-th lies on the boundary,
    # and `<` is strict), so density is exactly k * N / (k * N) = 1. This
    # holds only because d(i, j) == d(j, i) bit for bit (see _neighbours):
    # the test is exact on purpose, on one block and across blocks.
    x = np.random.default_rng(0).normal(size=(300, 10))
    fake = x.copy() if copy else x
    result = density_coverage_from_features(x, fake, batch_size=batch_size)
    assert result == {KEY_DENSITY: 1.0, KEY_COVERAGE: 1.0}


def test_density_counts_the_kth_neighbour_as_outside():
    # On a line with gaps 1, 2, 4, 8 each ball (k = 1) has its nearest
    # neighbour exactly on its boundary and no other sample inside: strict
    # `<` leaves the neighbour out, so each ball holds only its own centre
    # and density is 5 / 5 = 1 (with `<=` it would be 10 / 5 = 2).
    x = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])
    for batch_size in (1, 2, 1000):
        result = density_coverage_from_features(x, x, k=1, batch_size=batch_size)
        assert result[KEY_DENSITY] == 1.0


def test_same_distribution_has_density_about_one():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(1000, 4)), rng.normal(size=(1000, 4))
    result = density_coverage_from_features(real, fake)
    assert result[KEY_DENSITY] == pytest.approx(1.0, abs=0.15)
    assert result[KEY_COVERAGE] > 0.9


def test_far_away_fakes():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(100, 8)), rng.normal(size=(50, 8)) + 100.0
    assert density_coverage_from_features(real, fake) == {KEY_DENSITY: 0.0, KEY_COVERAGE: 0.0}


def test_single_fake_sample_is_allowed():
    real = np.random.default_rng(3).normal(size=(20, 3))
    result = density_coverage_from_features(real, real[:1])
    assert result[KEY_DENSITY] > 0 and 0 < result[KEY_COVERAGE] < 1


@pytest.mark.parametrize("k, batch_size", [(1, 5), (5, 1000), (3, 17)])
def test_matches_reference_on_random_data(k, batch_size):
    rng = np.random.default_rng(k + 10)
    real = rng.normal(size=(70, 5))
    fake = rng.normal(size=(40, 5)) * 0.8 + 0.3
    expected = _reference_prdc(real, fake, k)
    result = density_coverage_from_features(real, fake, k=k, batch_size=batch_size)
    assert (result[KEY_DENSITY], result[KEY_COVERAGE]) == pytest.approx(expected, rel=1e-12)


def test_registered_metric():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(20, 3))
    assert density_coverage.density_coverage_metric(MetricInputs(x, y), k=2) == (
        density_coverage_from_features(x, y, k=2)
    )


@pytest.mark.parametrize(
    "real, fake, kwargs, match",
    [
        (
            np.zeros((5, 2)),
            np.zeros((10, 2)),
            {},
            r"`real_features` must have at least 6 samples \(more than k=5\).*received 5",
        ),
        (
            np.zeros((10, 2)),
            np.zeros((0, 2)),
            {},
            r"`fake_features` must have at least 1 samples; received 0",
        ),
        (np.zeros((10, 2)), np.zeros((10, 3)), {}, r"same number of features"),
        (
            np.zeros((10, 2)),
            np.zeros((10, 2)),
            dict(k=1.5),
            r"^Expected `k` to be an int >= 1\. Received: 1\.5$",
        ),
        (
            np.zeros((10, 2)),
            [[np.inf, 0.0]],
            {},
            r"`fake_features` must contain only finite values; received 0 NaN and 1 infinite",
        ),
    ],
)
def test_validation(real, fake, kwargs, match):
    with pytest.raises(ValueError, match=match):
        density_coverage_from_features(real, fake, **kwargs)

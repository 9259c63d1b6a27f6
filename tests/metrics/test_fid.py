"""Tests for keras_gan.metrics.fid."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import fid
from keras_gan.metrics.fid import KEY_FID
from keras_gan.metrics.fid import fid_features_to_statistics
from keras_gan.metrics.fid import fid_from_features
from keras_gan.metrics.fid import fid_statistics_to_metric
from keras_gan.metrics.fid import trace_sqrt_product


def _random_rotation(dim, rng):
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def _random_spd(dim, rng, rank=None):
    a = rng.normal(size=(dim, rank or dim))
    return a @ a.T / a.shape[1] + (0 if rank else 0.1) * np.eye(dim)


def test_statistics_match_numpy_cov():
    x = np.random.default_rng(0).normal(size=(30, 4))
    mu, sigma = fid_features_to_statistics(x)
    np.testing.assert_allclose(mu, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False, ddof=1), rtol=1e-12)
    assert mu.dtype == sigma.dtype == np.float64
    np.testing.assert_array_equal(sigma, sigma.T)


def test_statistics_single_feature_are_two_dimensional():
    mu, sigma = fid_features_to_statistics([[1.0], [3.0]])
    assert mu.shape == (1,) and sigma.shape == (1, 1)
    assert sigma[0, 0] == pytest.approx(2.0)


def test_statistics_accept_float32_and_lists():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    mu, sigma = fid_features_to_statistics(x.tolist())
    assert mu.dtype == np.float64
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64), rowvar=False))


def test_diagonal_covariances_closed_form():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = rng.uniform(0.1, 3.0, size=6), rng.uniform(0.1, 3.0, size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
    got = fid_statistics_to_metric(mu1, np.diag(s1), mu2, np.diag(s2))
    assert got == pytest.approx(expected, rel=1e-12)


def test_known_small_value():
    # ||(3, 4)||^2 = 25, equal covariances cancel.
    assert fid_statistics_to_metric([0.0, 0.0], np.eye(2), [3.0, 4.0], np.eye(2)) == pytest.approx(
        25.0, rel=1e-14
    )
    # Variances 1 and 4 in 1-D: 1 + 4 - 2 * 2 = 1.
    assert fid_statistics_to_metric([0.0], [[1.0]], [0.0], [[4.0]]) == pytest.approx(1.0)


def test_commuting_covariances_closed_form():
    # S1 = Q diag(a) Q^T and S2 = Q diag(b) Q^T commute, so
    # tr(sqrtm(S1 S2)) = sum(sqrt(a * b)).
    rng = np.random.default_rng(2)
    q = _random_rotation(8, rng)
    a, b = rng.uniform(0.05, 4.0, size=8), rng.uniform(0.05, 4.0, size=8)
    s1, s2 = (q * a) @ q.T, (q * b) @ q.T
    s1, s2 = (s1 + s1.T) / 2, (s2 + s2.T) / 2
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(a + b - 2 * np.sqrt(a * b))
    assert fid_statistics_to_metric(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)


def test_scaled_covariance_closed_form():
    # S2 = c^2 S1 gives tr(sqrtm(S1 S2)) = c tr(S1), FID = (1 - c)^2 tr(S1).
    sigma = _random_spd(10, np.random.default_rng(3))
    c = 1.7
    expected = (1 - c) ** 2 * np.trace(sigma)
    got = fid_statistics_to_metric(np.zeros(10), sigma, np.zeros(10), c**2 * sigma)
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("seed", range(5))
def test_non_commuting_two_by_two_closed_form(seed):
    # For a 2x2 matrix A with non-negative eigenvalues,
    # tr(sqrtm(A)) = sqrt(tr(A) + 2 sqrt(det(A))); no eigen-decomposition.
    rng = np.random.default_rng(seed)
    s1, s2 = _random_spd(2, rng), _random_spd(2, rng)
    assert not np.allclose(s1 @ s2, s2 @ s1)
    product = s1 @ s2
    tr_sqrt = np.sqrt(np.trace(product) + 2 * np.sqrt(np.linalg.det(product)))
    mu1, mu2 = rng.normal(size=2), rng.normal(size=2)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    assert trace_sqrt_product(s1, s2) == pytest.approx(tr_sqrt, rel=1e-12)
    assert fid_statistics_to_metric(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-10)


def test_matches_pytorch_fid_formula_with_scipy():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(200, 12)), rng.normal(size=(150, 12)) @ rng.normal(size=(12, 12))
    mu1, s1 = fid_features_to_statistics(x)
    mu2, s2 = fid_features_to_statistics(y)
    covmean = linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    assert fid_from_features(x, y) == pytest.approx(expected, rel=1e-8)


def test_fid_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(5).normal(size=(300, 16)) * 5 + 3
    mu, sigma = fid_features_to_statistics(x)
    raw = 2 * np.trace(sigma) - 2 * trace_sqrt_product(sigma, sigma)
    assert abs(raw) < 1e-10 * np.trace(sigma)
    assert fid_from_features(x, x) < 1e-6 * np.trace(sigma)


def test_fid_is_symmetric():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(80, 5)), rng.gamma(2.0, size=(60, 5))
    assert fid_from_features(x, y) == pytest.approx(fid_from_features(y, x), rel=1e-9)


def test_rank_deficient_covariances_are_finite_real_and_non_negative():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(5, 64)), rng.normal(size=(5, 64)) + 0.3
    value = fid_from_features(x, y)
    assert isinstance(value, float) and np.isfinite(value) and value >= 0
    assert fid_from_features(x, x) >= 0
    # Exactly singular, not full rank in either direction.
    singular = np.zeros((64, 64))
    assert fid_statistics_to_metric(np.zeros(64), singular, np.ones(64), singular) == (
        pytest.approx(64.0)
    )


def test_duplicated_features_shift_closed_form():
    # Duplicated columns make both covariances singular; equal covariances
    # cancel, so FID is exactly the squared mean shift (16 dims x 1^2).
    x = np.random.default_rng(8).normal(size=(50, 8))
    x = np.hstack([x, x])
    assert fid_from_features(x, x + 1.0) == pytest.approx(16.0, rel=1e-6)


def test_fid_grows_monotonically_with_shift():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(500, 6)), rng.normal(size=(500, 6))
    values = [fid_from_features(x, y + shift) for shift in np.linspace(0, 3, 7)]
    assert all(b > a for a, b in zip(values, values[1:]))


def test_registered_fid_metric():
    rng = np.random.default_rng(10)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=(30, 3))
    assert fid.fid_metric(MetricInputs(x, y)) == {KEY_FID: fid_from_features(x, y)}
    assert KEY_FID == "fid"


@pytest.mark.parametrize(
    "features, match",
    [
        (np.zeros((1, 4)), r"at least 2 samples .*received 1"),
        (np.zeros((4,)), r"2-D array .*received shape \(4,\)"),
        (np.zeros((2, 3, 4)), r"2-D array .*received shape \(2, 3, 4\)"),
        (np.zeros((5, 0)), r"at least 1 feature column"),
        (np.array([[0.0, np.nan], [1.0, 2.0]]), r"finite values; received 1 NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), r"0 NaN and 1 infinite"),
        (None, r"`features` is required; received None"),
        ([["a", "b"], ["c", "d"]], r"convertible to a float64 array"),
    ],
)
def test_statistics_validation(features, match):
    with pytest.raises(ValueError, match=match):
        fid_features_to_statistics(features)


def test_from_features_mismatched_dims():
    with pytest.raises(
        ValueError, match=r"same number of features; received shapes \(5, 3\) and \(5, 4\)"
    ):
        fid_from_features(np.zeros((5, 3)), np.zeros((5, 4)))


def test_registered_metric_validation():
    with pytest.raises(ValueError, match=r"`fake_features` is required"):
        fid.fid_metric(MetricInputs(np.zeros((5, 3)), None))
    with pytest.raises(ValueError, match=r"`real_features` must have at least 2 samples"):
        fid.fid_metric(MetricInputs(np.zeros((1, 3)), np.zeros((5, 3))))


@pytest.mark.parametrize(
    "args, match",
    [
        (([0.0, 0.0], np.eye(2), [0.0], np.eye(1)), r"`mu1` and `mu2` must have the same shape"),
        ((np.zeros((1, 2)), np.eye(2), np.zeros(2), np.eye(2)), r"1-D mean vector .*\(1, 2\)"),
        (
            (np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)),
            r"`sigma1` must be a square .*\(2, 2\).*\(3, 3\)",
        ),
        ((np.zeros(2), np.eye(2), np.zeros(2), np.ones((2, 3))), r"`sigma2` must be a square"),
        (
            (np.zeros(2), [[1.0, 0.5], [0.0, 1.0]], np.zeros(2), np.eye(2)),
            r"`sigma1` must be a symmetric",
        ),
        ((np.zeros(2), np.eye(2), [np.nan, 0.0], np.eye(2)), r"`mu2` must contain only finite"),
        (
            (np.zeros(2), np.eye(2), np.zeros(2), np.full((2, 2), np.inf)),
            r"`sigma2` must contain only finite",
        ),
    ],
)
def test_statistics_to_metric_validation(args, match):
    with pytest.raises(ValueError, match=match):
        fid_statistics_to_metric(*args)


def test_float32_rounding_asymmetry_is_tolerated():
    sigma = _random_spd(20, np.random.default_rng(11))
    noisy = sigma + 1e-9 * np.random.default_rng(12).normal(size=sigma.shape)
    assert fid_statistics_to_metric(np.zeros(20), noisy, np.zeros(20), sigma) >= 0

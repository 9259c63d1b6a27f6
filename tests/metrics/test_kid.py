"""Tests for keras_gan.metrics.kid."""

import numpy as np
import pytest

from keras_gan.metrics import MetricInputs
from keras_gan.metrics import kid
from keras_gan.metrics.kid import KEY_KID_MEAN
from keras_gan.metrics.kid import KEY_KID_STD
from keras_gan.metrics.kid import kid_features_to_metric
from keras_gan.metrics.kid import mmd2_unbiased
from keras_gan.metrics.kid import polynomial_kernel


def _naive_mmd2(x, y):
    """Unbiased MMD^2 with explicit loops and the cubic kernel (x.y/d + 1)^3."""
    d = x.shape[1]

    def k(a, b):
        return (np.dot(a, b) / d + 1.0) ** 3

    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2 * xy


def test_keys():
    assert (KEY_KID_MEAN, KEY_KID_STD) == ("kid_mean", "kid_std")


def test_polynomial_kernel_values():
    x = np.array([[1.0, 2.0]])
    y = np.array([[3.0, -1.0], [0.0, 0.0]])
    # x.y = 1 and 0, d = 2: (0.5 + 1)^3 and 1.
    np.testing.assert_allclose(polynomial_kernel(x, y), [[1.5**3, 1.0]])
    np.testing.assert_allclose(
        polynomial_kernel(x, y, degree=2, gamma=1.0, coef0=0.0), [[1.0, 0.0]]
    )


def test_mmd2_unbiased_matches_naive_loops():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(9, 3)) + 0.5
    got = mmd2_unbiased(polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y))
    assert got == pytest.approx(_naive_mmd2(x, y), rel=1e-12)


def test_kid_matches_naive_reference_with_same_subsets():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(25, 4)) * 1.3
    result = kid_features_to_metric(x, y, subsets=5, subset_size=8, seed=123)
    sampler = np.random.default_rng(123)
    expected = []
    for _ in range(5):
        xs = x[sampler.choice(30, 8, replace=False)]
        ys = y[sampler.choice(25, 8, replace=False)]
        expected.append(_naive_mmd2(xs, ys))
    assert result[KEY_KID_MEAN] == pytest.approx(np.mean(expected), rel=1e-10)
    assert result[KEY_KID_STD] == pytest.approx(np.std(expected), rel=1e-8)


def test_kid_of_one_distribution_is_about_zero():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    result = kid_features_to_metric(x, y, subsets=30, subset_size=100)
    assert abs(result[KEY_KID_MEAN]) < 3 * result[KEY_KID_STD]
    assert abs(result[KEY_KID_MEAN]) < 0.05


def test_kid_of_shifted_distributions_is_clearly_positive():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(400, 16)), rng.normal(size=(400, 16)) + 1.0
    result = kid_features_to_metric(x, y, subsets=30, subset_size=100)
    assert result[KEY_KID_MEAN] > 10 * result[KEY_KID_STD]
    assert result[KEY_KID_MEAN] > 0.5


def test_kid_grows_with_shift():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    means = [
        kid_features_to_metric(x, y + s, subsets=10, subset_size=100)[KEY_KID_MEAN]
        for s in (0.0, 0.5, 1.0, 2.0)
    ]
    assert all(b > a for a, b in zip(means, means[1:]))


def test_kid_is_deterministic_given_seed():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(100, 4)), rng.normal(size=(100, 4))
    a = kid_features_to_metric(x, y, subsets=5, subset_size=20, seed=7)
    b = kid_features_to_metric(x, y, subsets=5, subset_size=20, seed=7)
    c = kid_features_to_metric(x, y, subsets=5, subset_size=20, seed=8)
    assert a == b
    assert a != c


def test_default_subset_size_is_half_the_smaller_set_capped_at_1000():
    assert kid.default_subset_size(1000, 1000) == 500
    assert kid.default_subset_size(12, 20) == 6
    assert kid.default_subset_size(50000, 10000) == 1000
    assert kid.default_subset_size(2, 3) == 2  # the estimate needs 2.


def test_default_subsets_differ_so_kid_std_is_positive():
    # Before, the default subset_size=1000 was clipped to the set size, so
    # with 1000 samples every subset was the whole set and kid_std was 0.
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8)) + 0.3
    result = kid_features_to_metric(x, y, subsets=20)
    assert result[KEY_KID_STD] > 0.01 * result[KEY_KID_MEAN] > 0
    # The default is subset_size=500 exactly (same subsets, same values).
    assert result == kid_features_to_metric(x, y, subsets=20, subset_size=500)


def test_subset_size_larger_than_a_set_is_refused():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(20, 3))
    with pytest.raises(
        ValueError,
        match=r"at most the size of the smaller set \(12\); received subset_size=13 .*default, 6",
    ):
        kid_features_to_metric(x, y, subset_size=13)
    # A subset as large as the set is allowed (as in torch-fidelity): every
    # subset of x is then all of x; both sets whole gives kid_std 0.
    whole = kid_features_to_metric(x, x[::-1], subsets=3, subset_size=12)
    assert whole[KEY_KID_STD] == pytest.approx(0.0, abs=1e-12)


def _per_subset_reference(x, y, subsets, size, seed):
    # The estimator as the original loop: three kernels per subset.
    sampler = np.random.default_rng(seed)
    mmds = []
    for _ in range(subsets):
        xs = x[sampler.choice(len(x), size, replace=False)]
        ys = y[sampler.choice(len(y), size, replace=False)]
        mmds.append(
            mmd2_unbiased(
                polynomial_kernel(xs, xs), polynomial_kernel(ys, ys), polynomial_kernel(xs, ys)
            )
        )
    return np.mean(mmds), np.std(mmds)


@pytest.mark.parametrize(
    "subsets, size, whole_sets",
    [(50, 15, True), (3, 8, False)],
    ids=["whole-set-kernels", "per-subset-kernels"],
)
@pytest.mark.parametrize("block_values", [1 << 22, 7], ids=["one-block", "row-blocks"])
def test_both_evaluation_paths_match_the_per_subset_loop(
    monkeypatch, subsets, size, whole_sets, block_values
):
    calls = []
    original = kid._subset_mmds_from_whole_sets
    monkeypatch.setattr(
        kid, "_subset_mmds_from_whole_sets", lambda *a: calls.append(1) or original(*a)
    )
    monkeypatch.setattr(kid, "_BLOCK_VALUES", block_values)
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(25, 4)) * 1.3 + 0.2
    result = kid_features_to_metric(x, y, subsets=subsets, subset_size=size, seed=4)
    assert bool(calls) == whole_sets
    mean, std = _per_subset_reference(x, y, subsets, size, seed=4)
    # Only the floating-point summation order differs between the paths.
    assert result[KEY_KID_MEAN] == pytest.approx(mean, rel=1e-10, abs=1e-12)
    assert result[KEY_KID_STD] == pytest.approx(std, rel=1e-8, abs=1e-12)


def test_registered_kid_metric_forwards_options():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert kid.kid_metric(MetricInputs(x, y), subsets=3, subset_size=10) == kid_features_to_metric(
        x, y, subsets=3, subset_size=10
    )
    with pytest.raises(TypeError):
        kid.kid_metric(MetricInputs(x, y), subset=3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(subsets=0), r"^Expected `subsets` to be an int >= 1\. Received: 0$"),
        (dict(subsets=2.5), r"^Expected `subsets` to be an int >= 1\. Received: 2\.5$"),
        (dict(subsets=True), r"^Expected `subsets` to be an int >= 1\. Received: True$"),
        (dict(subset_size=1), r"^Expected `subset_size` to be an int >= 2\. Received: 1$"),
        (dict(degree=0), r"^Expected `degree` to be an int >= 1\. Received: 0$"),
        (dict(gamma=0.0), r"`gamma` must be > 0 or None"),
        (dict(gamma=-1.0), r"`gamma` must be a real number in \[0.0, inf\]"),
        (dict(coef0=float("nan")), r"`coef0` must be a real number"),
        (dict(seed=-1), r"^Expected `seed` to be an int >= 0\. Received: -1$"),
    ],
)
def test_option_validation(kwargs, match):
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match=match):
        kid_features_to_metric(x, x, **kwargs)


@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.zeros((1, 3)), np.zeros((5, 3)), r"`features1` must have at least 2 samples .*MMD"),
        (
            np.zeros((5, 3)),
            np.zeros((5, 4)),
            r"same number of features; received shapes \(5, 3\) and \(5, 4\)",
        ),
        (
            np.zeros((5, 3)),
            np.full((5, 3), np.nan),
            r"`features2` must contain only finite values; received 15 NaN",
        ),
        (np.zeros(5), np.zeros((5, 1)), r"`features1` must be a 2-D array"),
    ],
)
def test_feature_validation(x, y, match):
    with pytest.raises(ValueError, match=match):
        kid_features_to_metric(x, y)


def test_registered_metric_validation():
    with pytest.raises(ValueError, match=r"`real_features` is required"):
        kid.kid_metric(MetricInputs(None, np.zeros((5, 3))))


def test_mmd2_validation():
    k = np.ones((3, 3))
    with pytest.raises(ValueError, match=r"shapes \(n, n\), \(m, m\) and \(n, m\)"):
        mmd2_unbiased(k, k, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"at least 2 samples per set; received n=1"):
        mmd2_unbiased(np.ones((1, 1)), k, np.ones((1, 3)))

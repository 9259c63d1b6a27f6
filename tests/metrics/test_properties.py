"""Property-based checks (hypothesis) across the metric core."""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from keras_gan.metrics import density_coverage_from_features  # noqa: E402
from keras_gan.metrics import fid_from_features  # noqa: E402
from keras_gan.metrics import precision_recall_from_features  # noqa: E402


@st.composite
def feature_pairs(draw):
    dim = draw(st.integers(1, 12))
    n1, n2 = draw(st.integers(6, 20)), draw(st.integers(6, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n1, dim)) * scale
    y = rng.normal(size=(n2, dim)) * scale + draw(st.floats(-2, 2)) * scale
    if draw(st.booleans()):  # Duplicate rows and columns: singular covariances.
        x[1] = x[0]
        y[:, -1] = y[:, 0]
    return x, y


@settings(max_examples=40, deadline=None)
@given(feature_pairs())
def test_fid_is_finite_non_negative_and_symmetric(pair):
    x, y = pair
    forward, backward = fid_from_features(x, y), fid_from_features(y, x)
    assert np.isfinite(forward) and forward >= 0
    scale = np.var(x, axis=0).sum() + np.var(y, axis=0).sum() + 1e-300
    assert abs(forward - backward) <= 1e-6 * scale


@settings(max_examples=40, deadline=None)
@given(feature_pairs())
def test_neighbour_metrics_are_in_range(pair):
    x, y = pair
    pr = precision_recall_from_features(x, y, k=3, batch_size=4)
    dc = density_coverage_from_features(x, y, k=3, batch_size=4)
    assert 0 <= pr["precision"] <= 1 and 0 <= pr["recall"] <= 1
    assert 0 <= dc["coverage"] <= 1 and 0 <= dc["density"] <= len(x) / 3

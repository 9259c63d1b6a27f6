"""benchmarks/colour_check.py: the colour crops and the spread check."""

import json

import numpy as np
import pytest

import keras

from benchmarks import colour_check
from tests.conftest import tiny_generator


def _photos():
    rng = np.random.default_rng(1)
    return [
        rng.integers(0, 256, (70, 90, 3), dtype=np.uint8),
        rng.integers(0, 256, (64, 64, 3), dtype=np.uint8),
    ]


def test_crops_are_windows_of_the_photos_and_repeat_with_the_seed():
    photos = _photos()
    crops = colour_check.random_crops(photos, 20, seed=3)
    assert crops.shape == (20, 64, 64, 3) and crops.dtype == np.uint8
    for crop in crops:
        # Each crop is an exact window of one photo.
        found = any(
            np.array_equal(crop, p[t : t + 64, left : left + 64])
            for p in photos
            for t in range(p.shape[0] - 63)
            for left in range(p.shape[1] - 63)
        )
        assert found
    np.testing.assert_array_equal(crops, colour_check.random_crops(photos, 20, seed=3))
    assert not np.array_equal(crops, colour_check.random_crops(photos, 20, seed=4))


@pytest.mark.parametrize(
    "photos, n, message",
    [
        ([np.zeros((63, 100, 3), np.uint8)], 1, r"\(63, 100, 3\) photo is smaller"),
        ([np.zeros((64, 64, 3), np.uint8)], 0, "n must be at least 1, got 0"),
    ],
)
def test_crops_refuse_bad_input(photos, n, message):
    with pytest.raises(ValueError, match=message):
        colour_check.random_crops(photos, n)


def test_the_shipped_photos_give_rgb_crops():
    photos = colour_check.photos()
    assert len(photos) == 3 and all(p.ndim == 3 and p.shape[2] == 3 for p in photos)
    crops = colour_check.random_crops(photos, 4)
    assert crops.shape == (4, 64, 64, 3) and crops.std() > 10  # photos, not blanks


def test_spread_is_the_mean_pairwise_distance():
    same = np.ones((5, 2, 2, 1))
    assert colour_check.spread(same) == pytest.approx(0, abs=1e-6)
    # Three points on a line at 0, 3 and 4 (in one pixel): pairs 3, 4, 1.
    points = np.array([0.0, 3.0, 4.0]).reshape(3, 1, 1, 1)
    assert colour_check.spread(points) == pytest.approx(8 / 3)


def test_check_reads_a_run_and_its_data(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    tiny_generator(image_shape=(8, 8, 3)).save(tmp_path / "generator.keras")
    data = np.random.default_rng(0).integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    np.save(tmp_path / "crops.npy", data)
    assert (
        colour_check.main(
            ["check", str(tmp_path), "--dataset", str(tmp_path / "crops.npy"), "--n", "16"]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["finite"] and report["image_size"] == 8
    # Uniform noise in [-1, 1] over 192 values: pairs about sqrt(192 * 2/3) apart.
    assert report["real_spread"] == pytest.approx(np.sqrt(192 * 2 / 3), rel=0.1)
    assert 0 < report["fake_spread"] < report["real_spread"]

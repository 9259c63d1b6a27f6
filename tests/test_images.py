import numpy as np
import pytest
from PIL import Image

from keras_gan.images import image_grid
from keras_gan.images import save_gif
from keras_gan.images import save_grid
from keras_gan.images import to_uint8


def test_to_uint8_maps_the_range_ends():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0])), [0, 128, 255])
    with pytest.raises(ValueError, match="finite"):
        to_uint8(np.array([np.nan]))


def test_grid_layout_and_pixel_size():
    images = np.stack([np.full((28, 28, 1), v) for v in np.linspace(-1, 1, 16)])
    grid = image_grid(images)
    assert grid.shape == (4 * 56 + 5 * 2, 4 * 56 + 5 * 2, 1)
    assert grid[2, 2, 0] == 0 and grid[-3, -3, 0] == 255  # first and last cells
    assert image_grid(images[:5], cols=5, scale=1).shape == (28 + 4, 5 * 28 + 12, 1)
    with pytest.raises(ValueError, match=r"Received shape \(28, 28\)"):
        image_grid(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="2x2 grid cannot hold 5"):
        image_grid(np.zeros((5, 4, 4, 3)), rows=2, cols=2)


def test_png_and_gif(tmp_path):
    frames = []
    for i in range(3):
        frames.append(save_grid(np.zeros((4, 8, 8, 3)) + i / 3, tmp_path / f"f{i}.png"))
    with Image.open(frames[0]) as im:
        assert im.mode == "RGB"
    save_gif(frames, tmp_path / "a.gif")
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 3
    with pytest.raises(ValueError, match="at least one PNG frame"):
        save_gif([], tmp_path / "b.gif")

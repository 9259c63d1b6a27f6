import numpy as np
import pytest
from PIL import Image

from keras_gan.images import image_grid
from keras_gan.images import save_gif
from keras_gan.images import save_grid
from keras_gan.images import save_grid_gif
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


def test_grid_gif_writes_one_grid_per_frame(tmp_path):
    # Frame i is uniformly grey level i: each frame differs from the last,
    # so Pillow keeps them all.
    levels = np.linspace(-1, 1, 5)
    batches = np.ones((5, 6, 8, 8, 1)) * levels[:, None, None, None, None]
    path = save_grid_gif(batches, tmp_path / "walk.gif", duration_ms=50, rows=2, cols=3, scale=1)
    assert path == str(tmp_path / "walk.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == 5 and gif.info["loop"] == 0
        # 2x3 cells of 8 px with 2 px padding: 2*8+3*2 by 3*8+4*2.
        assert gif.size == (32, 22)
        for i, level in enumerate(levels):
            gif.seek(i)
            assert gif.info["duration"] == 50
            # A cell's centre holds the frame's grey level (GIF keeps L exactly).
            assert gif.convert("L").getpixel((6, 6)) == to_uint8(level)
    with pytest.raises(ValueError, match="at least one frame"):
        save_grid_gif([], tmp_path / "none.gif")

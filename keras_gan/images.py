"""Pure image helpers: [-1, 1] arrays to pixels, grids, PNG and GIF files."""

import math
import os

import numpy as np
from PIL import Image

from keras_gan.files import atomic_path


def to_uint8(images):
    """Maps images in [-1, 1] to uint8 pixels (-1 -> 0, 1 -> 255).

    Args:
        images: an array of any shape with values in [-1, 1].

    Returns:
        A uint8 array of the same shape.

    Raises:
        ValueError: if the array holds NaN or infinite values.
    """
    images = np.asarray(images, dtype=np.float32)
    if not np.all(np.isfinite(images)):
        raise ValueError("Expected finite image values. Received NaN or inf.")
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images, rows=None, cols=None, padding=2, scale=None):
    """Tiles a batch of images in [-1, 1] into one uint8 picture.

    Args:
        images: array `(n, height, width, channels)`, channels 1 or 3.
        rows: rows of the grid. Defaults to `ceil(n / cols)`.
        cols: columns of the grid. Defaults to `ceil(sqrt(n))` (4 for 16).
        padding: pixels between cells and around the grid. Defaults to 2.
        scale: integer up-scaling of each cell (nearest neighbour).
            Defaults to `max(1, 64 // max(height, width))`, so 28x28 digits
            are drawn at 56x56.

    Returns:
        A uint8 array `(grid_height, grid_width, channels)` where
        `grid_height = rows * height * scale + (rows + 1) * padding`.

    Raises:
        ValueError: if `images` is not a 4-D batch with 1 or 3 channels, or
            the grid is too small for `n` images.

    Example:

    >>> image_grid(np.zeros((16, 28, 28, 1))).shape
    (234, 234, 1)
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or not len(images):
        raise ValueError(
            "Expected a non-empty batch of images (n, height, width, 1 or 3). "
            f"Received shape {images.shape}."
        )
    n, height, width, channels = images.shape
    cols = cols or (math.ceil(n / rows) if rows else math.ceil(math.sqrt(n)))
    rows = rows or math.ceil(n / cols)
    if rows * cols < n:
        raise ValueError(f"A {rows}x{cols} grid cannot hold {n} images.")
    scale = scale or max(1, 64 // max(height, width))
    pixels = to_uint8(images)
    if scale > 1:
        pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    cell_h, cell_w = height * scale, width * scale
    grid = np.full(
        (
            rows * cell_h + (rows + 1) * padding,
            cols * cell_w + (cols + 1) * padding,
            channels,
        ),
        255,
        dtype=np.uint8,
    )
    for i in range(n):
        r, c = divmod(i, cols)
        top = padding + r * (cell_h + padding)
        left = padding + c * (cell_w + padding)
        grid[top : top + cell_h, left : left + cell_w] = pixels[i]
    return grid


def _atomic_save(image, path, **kwargs):
    with atomic_path(path) as tmp:
        image.save(tmp, **kwargs)
    return os.fspath(path)


def _to_pil(pixels):
    if pixels.shape[-1] == 1:
        return Image.fromarray(pixels[..., 0], mode="L")
    return Image.fromarray(pixels, mode="RGB")


def label_rows(grid, labels, padding=2, font_size=14):
    """Writes one text label left of each row of a grid picture.

    Args:
        grid: a uint8 grid `(height, width, channels)` from `image_grid`,
            whose rows are equally tall.
        labels: one string per row, top to bottom.
        padding: the grid's padding in pixels. Defaults to 2.
        font_size: text height in pixels. Defaults to 14.

    Returns:
        A uint8 array as tall as `grid`, wider by a white margin that holds
        the labels (black on white, vertically centred on each row).

    Raises:
        ValueError: if `labels` is empty.

    Example:

    >>> grid = image_grid(np.zeros((20, 28, 28, 1)), rows=10, cols=2)
    >>> label_rows(grid, [str(k) for k in range(10)]).shape[0]
    582
    """
    from PIL import ImageDraw
    from PIL import ImageFont

    labels = [str(label) for label in labels]
    if not labels:
        raise ValueError("Expected one label per row. Received none.")
    try:
        font = ImageFont.load_default(size=font_size)
    except (TypeError, OSError):  # Pillow without FreeType: a bitmap font.
        font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))
    margin = max(measure.textlength(label, font=font) for label in labels)
    margin = int(math.ceil(margin)) + 2 * padding + 4
    height, width, channels = grid.shape
    mode, white = ("L", 255) if channels == 1 else ("RGB", (255, 255, 255))
    picture = Image.new(mode, (width + margin, height), white)
    picture.paste(_to_pil(grid), (margin, 0))
    draw = ImageDraw.Draw(picture)
    row_height = (height - padding) / len(labels)
    for i, label in enumerate(labels):
        centre = padding / 2 + (i + 0.5) * row_height
        draw.text((margin - padding - 2, centre), label, fill=0, font=font, anchor="rm")
    return np.asarray(picture).reshape(height, width + margin, channels)


def save_grid(images, path, row_labels=None, **grid_kwargs):
    """Writes a batch of images in [-1, 1] as one PNG grid.

    Args:
        images: array `(n, height, width, channels)` in [-1, 1].
        path: the PNG file to write (folders are created).
        row_labels: optional text written left of each row (e.g. the class
            names of a conditional model's rows); see `label_rows`.
        **grid_kwargs: passed to `image_grid` (`rows`, `cols`, `padding`,
            `scale`).

    Returns:
        The path written.
    """
    grid = image_grid(images, **grid_kwargs)
    if row_labels is not None:
        grid = label_rows(grid, row_labels, grid_kwargs.get("padding", 2))
    return _atomic_save(_to_pil(grid), path)


def save_gif(png_paths, path, duration_ms=200):
    """Writes PNG frames as a looping animated GIF.

    Args:
        png_paths: the frames, in order.
        path: the GIF file to write.
        duration_ms: display time of each frame. Defaults to 200.

    Returns:
        The path written.

    Raises:
        ValueError: if there are no frames.
    """
    png_paths = list(png_paths)
    if not png_paths:
        raise ValueError("Expected at least one PNG frame. Received none.")
    frames = []
    for p in png_paths:
        with Image.open(p) as im:
            frames.append(im.convert("RGB") if im.mode not in ("L", "RGB") else im.copy())
    return _save_frames(frames, path, duration_ms)


def _save_frames(frames, path, duration_ms):
    # Pillow images as a looping animated GIF, written atomically.
    return _atomic_save(
        frames[0],
        path,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=duration_ms,
        loop=0,
    )


def save_grid_gif(batches, path, duration_ms=100, **grid_kwargs):
    """Writes batches of images in [-1, 1] as a looping GIF, one grid a frame.

    Args:
        batches: array `(frames, n, height, width, channels)` in [-1, 1]
            (or a sequence of `(n, height, width, channels)` batches), one
            batch per frame.
        path: the GIF file to write (folders are created).
        duration_ms: display time of each frame. Defaults to 100. GIF
            stores hundredths of a second, so it is rounded to 10 ms.
        **grid_kwargs: passed to `image_grid` (`rows`, `cols`, `padding`,
            `scale`).

    Returns:
        The path written. Pillow stores identical consecutive frames once,
        with their durations added, so the animation looks the same but
        the file may hold fewer frames than `batches`.

    Raises:
        ValueError: if there are no frames, or as `image_grid`.

    Example:

    >>> save_grid_gif(np.zeros((8, 16, 28, 28, 1)), "walk.gif")
    'walk.gif'
    """
    frames = [_to_pil(image_grid(batch, **grid_kwargs)) for batch in batches]
    if not frames:
        raise ValueError("Expected at least one frame. Received none.")
    return _save_frames(frames, path, duration_ms)

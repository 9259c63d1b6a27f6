"""Source: a folder of image files (PNG, JPEG, BMP, GIF), read with Pillow.

Two layouts are understood:

- `folder/<class name>/<image>`: one sub-folder per class; classes are the
  sorted sub-folder names (those holding images), numbered 0..K-1.
- `folder/<image>`: images directly in the folder, no labels.

Hidden files and folders (names starting with ".") are ignored.
"""

import pathlib
import warnings

import numpy as np
from PIL import Image

from keras_gan.data.errors import SkippedImagesWarning
from keras_gan.data.transforms import held_out_indices

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

# Pillow modes holding one intensity per pixel. Everything else (RGB, RGBA,
# P, CMYK, YCbCr, ...) counts as colour: palette images are colour by mode,
# even when their palette happens to be grey.
GREY_MODES = frozenset(
    {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
)

# The test split holds out one image in this many (see `held_out_indices`).
HOLD_OUT_EVERY = 6

_last_skipped = ()


def last_skipped_files():
    """Files skipped by the latest folder load with `skip_bad_files=True`.

    Returns:
        A tuple of path strings; empty when nothing was skipped (or no folder
        was loaded yet in this process). The same paths travel on the
        `SkippedImagesWarning` (its `paths` attribute).
    """
    return _last_skipped


def _is_image_file(path):
    return (
        path.suffix.lower() in IMAGE_EXTENSIONS
        and not path.name.startswith(".")
        and path.is_file()
    )


def _images_in(directory):
    return sorted(p for p in directory.iterdir() if _is_image_file(p))


def list_image_files(folder):
    """Lists a folder's image files and their class labels.

    Args:
        folder: a `pathlib.Path` to a directory.

    Returns:
        `(files, labels, class_names)`: sorted file paths; an int64 array of
        class indices (or None without class sub-folders); the sorted class
        names (empty without class sub-folders).

    Raises:
        ValueError: when the folder has no image files, or has images both
            directly inside it and in class sub-folders.
    """
    direct = _images_in(folder)
    classes = []
    for sub in sorted(folder.iterdir()):
        if sub.is_dir() and not sub.name.startswith("."):
            files = _images_in(sub)
            if files:
                classes.append((sub.name, files))
    if not direct and not classes:
        raise ValueError(
            f"Expected image files with extensions {IMAGE_EXTENSIONS} in "
            f"{folder} or in its sub-folders (one per class). Received a "
            "folder with none."
        )
    if direct and classes:
        raise ValueError(
            f"Expected images either directly in {folder} (no labels) or in "
            "class sub-folders, not both. Received "
            f"{len(direct)} images directly inside (e.g. {direct[0].name}) and "
            f"{len(classes)} class sub-folders (e.g. {classes[0][0]}). Move "
            "the loose images into a sub-folder, or point to a sub-folder."
        )
    if direct:
        return direct, None, ()
    files = [f for _, class_files in classes for f in class_files]
    labels = np.concatenate(
        [
            np.full(len(fs), k, dtype=np.int64)
            for k, (_, fs) in enumerate(classes)
        ]
    )
    return files, labels, tuple(name for name, _ in classes)


def _decode(path, channels, size):
    """Reads one image as a uint8 HWC array.

    Args:
        path: the image file.
        channels: 1 or 3 to force a channel count, or None to keep the file's
            own kind (grey -> 1, colour -> 3).
        size: target `(H, W)` or None to keep the file's size.

    Returns:
        `(array, is_grey)` where `is_grey` is the file's own kind.
    """
    with Image.open(path) as image:
        is_grey = image.mode in GREY_MODES
        if channels is None:
            channels = 1 if is_grey else 3
        if image.mode in ("P", "PA"):
            # Via RGBA, so palette transparency is handled the way Pillow
            # recommends instead of warning.
            image = image.convert("RGBA")
        image = image.convert("L" if channels == 1 else "RGB")
        if size is not None and image.size != (size[1], size[0]):
            # Pillow's bilinear filter widens with the scale factor, so
            # downscaling is antialiased. Pillow sizes are (W, H).
            image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[..., np.newaxis]
    return array, is_grey


def check_like_first(first, path, array, is_grey, channels):
    """Raises ValueError when an image differs in kind or size from the first.

    Args:
        first: `{"path", "grey", "shape"}` of the folder's first readable file.
        path: the file just decoded.
        array: its uint8 HWC array.
        is_grey: whether the file itself is grey.
        channels: the requested channels (None: the files' own kind must
            agree).
    """
    if channels is None and is_grey != first["grey"]:
        grey, colour = (
            (path, first["path"]) if is_grey else (first["path"], path)
        )
        raise ValueError(
            "Expected all images to be grey or all colour. Received grey "
            f"{grey} and colour {colour}. Pass channels=1 or channels=3 "
            "to convert them all."
        )
    if array.shape != first["shape"]:
        raise ValueError(
            "Expected all images to have the same size. Received (H, W) "
            f"= {first['shape'][:2]} for {first['path']} and "
            f"{array.shape[:2]} for "
            f"{path}. Pass image_size=(H, W) to resize them."
        )


# Errors Pillow raises on unreadable, truncated or hostile files.
_BAD_FILE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    Image.DecompressionBombError,
)


def decode_file(path, channels, size, skip_bad_files):
    """Reads one image file, or reports it unreadable.

    Args:
        path: the image file.
        channels: 1, 3 or None; see `_decode`.
        size: `(H, W)` or None; see `_decode`.
        skip_bad_files: return None for an unreadable file instead of
            raising.

    Returns:
        `(array, is_grey)`, or None for an unreadable file when
        `skip_bad_files`.

    Raises:
        ValueError: for an unreadable file unless `skip_bad_files`.
    """
    try:
        return _decode(path, channels, size)
    except _BAD_FILE_ERRORS as err:
        if not skip_bad_files:
            raise ValueError(
                f"Expected a readable image file. Could not read {path}: "
                f"{type(err).__name__}: {err}. Pass skip_bad_files=True to "
                "skip unreadable files."
            ) from err
        return None


def report_skipped(folder, skipped, stacklevel=2):
    """Records the skipped files of a folder load and warns when any.

    Args:
        folder: the folder loaded.
        skipped: path strings of the files skipped (may be empty).
        stacklevel: passed to `warnings.warn`.
    """
    global _last_skipped
    _last_skipped = tuple(skipped)
    if skipped:
        warnings.warn(
            SkippedImagesWarning(
                f"Skipped {len(skipped)} unreadable image file(s) in {folder} "
                f"(e.g. {skipped[0]}); see "
                "keras_gan.data.last_skipped_files().",
                list(skipped),
            ),
            stacklevel=stacklevel + 1,
        )


def load_folder(
    folder, split="train", image_size=None, channels=None, skip_bad_files=False
):
    """Loads a folder of images into memory as uint8 NHWC.

    The test split is every sixth file in sorted order (by class, then
    name), the train split the other five in six.

    Args:
        folder: path to the folder.
        split: "train" or "test". Defaults to "train".
        image_size: None (all images must share one size) or `(H, W)` to
            resize every image. Defaults to None.
        channels: None (decide from the files: all grey -> 1, all colour ->
            3, mixed is an error), or 1 or 3 to convert every image.
            Defaults to None.
        skip_bad_files: skip unreadable files with a `SkippedImagesWarning`
            instead of raising. Defaults to False.

    Returns:
        `(images, labels)`: uint8 `(N, H, W, C)` and int64 `(N,)` or None.

    Raises:
        ValueError: for an empty folder, an unreadable file (unless
            skipped), differing sizes without `image_size`, or mixed grey and
            colour files without `channels`.
    """
    report_skipped(folder, ())
    folder = pathlib.Path(folder)
    files, labels, _ = list_image_files(folder)
    keep = held_out_indices(len(files), split, HOLD_OUT_EVERY)
    files = [files[i] for i in keep]
    if labels is not None:
        labels = labels[keep]

    images = None
    ok = np.zeros(len(files), dtype=bool)
    skipped = []
    first = {}  # path and properties of the first readable file
    for i, path in enumerate(files):
        decoded = decode_file(path, channels, image_size, skip_bad_files)
        if decoded is None:
            skipped.append(str(path))
            continue
        array, is_grey = decoded
        if images is None:
            first = {"path": path, "grey": is_grey, "shape": array.shape}
            images = np.empty((len(files),) + array.shape, dtype=np.uint8)
        check_like_first(first, path, array, is_grey, channels)
        images[i] = array
        ok[i] = True

    report_skipped(folder, skipped)
    if images is None:
        raise ValueError(
            f"Expected at least one readable image in {folder}. Received "
            f"{len(skipped)} files, all unreadable."
        )
    if not ok.all():
        images = images[ok]
        labels = None if labels is None else labels[ok]
    return images, labels

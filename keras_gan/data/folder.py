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
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})

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
        path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".") and path.is_file()
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
        [np.full(len(fs), k, dtype=np.int64) for k, (_, fs) in enumerate(classes)]
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


def _survey(files):
    # Sizes and kinds of every readable file, from headers only:
    # ({(H, W): [paths]}, {"grey": [paths], "colour": [paths]}).
    sizes, kinds = {}, {"grey": [], "colour": []}
    for path in files:
        try:
            with Image.open(path) as image:
                width, height = image.size
                grey = image.mode in GREY_MODES
        except _BAD_FILE_ERRORS:
            continue
        sizes.setdefault((height, width), []).append(path)
        kinds["grey" if grey else "colour"].append(path)
    return sizes, kinds


def _examples(paths, n=3):
    names = ", ".join(pathlib.Path(p).name for p in paths[:n])
    return names + (", ..." if len(paths) > n else "")


def check_like_first(first, path, array, is_grey, channels):
    """Raises ValueError when an image differs in kind or size from the first.

    The message counts the folder's files of each kind or size (from their
    headers) when `first` holds the listing under `"files"`.

    Args:
        first: `{"path", "grey", "shape"}` of the folder's first readable
            file, and optionally `"files"`: every file of the load.
        path: the file just decoded.
        array: its uint8 HWC array.
        is_grey: whether the file itself is grey.
        channels: the requested channels (None: the files' own kind must
            agree).
    """
    mixed_kinds = channels is None and is_grey != first["grey"]
    if not mixed_kinds and array.shape == first["shape"]:
        return
    files = first.get("files") or [first["path"], path]
    sizes, kinds = _survey(files)
    if mixed_kinds:
        grey, colour = kinds["grey"], kinds["colour"]
        raise ValueError(
            "Expected all images to be grey or all colour. Received "
            f"{_count(grey, 'grey file')} ({_examples(grey, 5)}) and "
            f"{_count(colour, 'colour file')} ({_examples(colour, 5)}). Pass channels=1 (grey) "
            "or channels=3 (colour) to convert them all (--channels 1 or 3 "
            "on the command line)."
        )
    counts = sorted(sizes.items(), key=lambda item: -len(item[1]))
    detail = "; ".join(
        f"{len(paths)} of {h}x{w} ({_examples(paths)})" for (h, w), paths in counts[:5]
    ) + ("; ..." if len(counts) > 5 else "")
    raise ValueError(
        "Expected all images to have the same size. Received "
        f"{len(counts)} sizes (H x W): {detail}. Pass image_size=(H, W) to "
        "resize them all (--image-size N on the command line)."
    )


def _count(paths, noun):
    # "1 grey file", "3 grey files".
    return f"{len(paths)} {noun}{'' if len(paths) == 1 else 's'}"


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


def load_folder(folder, split="train", image_size=None, channels=None, skip_bad_files=False):
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
    listing = files  # the whole folder, counted in mixed-folder messages
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
            first = {"path": path, "grey": is_grey, "shape": array.shape, "files": listing}
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


# `folder_settings`' choices: the residual networks' sizes, and batches.
FOLDER_SIZES = (32, 64, 128)
FOLDER_BATCHES = (64, 32, 16, 8)
MIN_STEPS_PER_EPOCH = 8


def _header_sizes(files):
    # (width, height) of every readable file; Pillow reads headers only.
    sizes = []
    for path in files:
        try:
            with Image.open(path) as image:
                sizes.append(image.size)
        except _BAD_FILE_ERRORS:
            continue
    return sizes


def pick_batch_size(num_images):
    """The batch size `folder_settings` picks for a number of training images.

    The largest of 64, 32, 16 and 8 that gives at least 8 steps per epoch;
    for fewer images, 8, or the largest power of 2 not above their number.

    Args:
        num_images: the training images (a folder's training split).

    Returns:
        The batch size, an int.

    Example:

    >>> pick_batch_size(300), pick_batch_size(30), pick_batch_size(5)
    (32, 8, 4)
    """
    return next(
        (b for b in FOLDER_BATCHES if num_images // b >= MIN_STEPS_PER_EPOCH),
        min(FOLDER_BATCHES[-1], 2 ** int(np.log2(max(num_images, 1)))),
    )


def folder_settings(folder, image_size=None, batch_size=None, largest=None):
    """Picks an image size and a batch size for training on a folder.

    The image size is the largest of 32, 64 and 128 not above the median
    image side (the shorter side of each file; 32 when the median is
    smaller), nor above `largest` when that is given. The batch is
    `pick_batch_size`'s for the training split (five images in six).
    Values given are kept. The `folder` preset of `keras-gan train` calls
    it (through `keras_gan.build.folder_options`).

    Args:
        folder: path to a folder of images (see `load_folder`).
        image_size: an image size already chosen, or None to pick one.
            Defaults to None.
        batch_size: a batch size already chosen, or None to pick one.
            Defaults to None.
        largest: `(size, why)`: the largest image size to pick and a few
            words on why (the message gives them), or None for no limit.
            Defaults to None.

    Returns:
        `(image_size, batch_size, message)`: the message is one line saying
        what was chosen and why.

    Raises:
        ValueError: for a folder without image files.

    Example:

    >>> size, batch, message = folder_settings("photos/")  # doctest: +SKIP
    """
    files, _, _ = list_image_files(pathlib.Path(folder))
    train = len(held_out_indices(len(files), "train", HOLD_OUT_EVERY))
    said = []
    if image_size is None:
        sides = [min(size) for size in _header_sizes(files)] or [0]
        median = float(np.median(sides))
        fitting = [s for s in FOLDER_SIZES if s <= median]
        image_size = fitting[-1] if fitting else FOLDER_SIZES[0]
        capped = largest is not None and image_size > largest[0]
        if capped:
            image_size = largest[0]
        said.append(
            f"--image-size {image_size} (median image side {median:g} px; "
            f"the largest of {list(FOLDER_SIZES)} not above it"
            + ("" if fitting else ", or the smallest")
            + (f", at most {largest[0]} {largest[1]}" if capped else "")
            + ")"
        )
    if batch_size is None:
        batch_size = pick_batch_size(train)
        said.append(
            f"--batch-size {batch_size} ({train} training images: "
            f"{-(-train // batch_size)} steps per epoch; the largest of "
            f"{list(FOLDER_BATCHES)} giving at least {MIN_STEPS_PER_EPOCH})"
        )
    message = (
        f"Folder preset chose {', '.join(said)}; "
        f"pass {'them' if len(said) > 1 else 'it'} to choose yourself."
        if said
        else "Folder preset: using the --image-size and --batch-size given."
    )
    return image_size, batch_size, message

"""An on-disk cache of a folder's decoded, resized images, read lazily.

The first use of a folder (at one image size and channel count) decodes
every file in parallel and writes the uint8 images to one `.npy` file under
`<cache>/folders/<folder name>-<hash>/`; later runs, later epochs and
resumed runs read batches straight from that file. Peak memory does not grow
with the folder: batches are read with positional reads (`os.pread`), never
by mapping or loading the whole array.

Layout of one cache folder:

- `images.npy`: uint8 `(N, H, W, C)` of every image file in the folder, in
  `list_image_files` order (a standard `.npy`; `np.load(path,
  mmap_mode="r")` opens it too). Unreadable files skipped with
  `skip_bad_files=True` are zeros there and marked in `ok.npy`.
- `labels.npy`: int64 `(N,)` class indices (only with class sub-folders).
- `ok.npy`: bool `(N,)`, False for unreadable files.
- `manifest.json`: written last. It holds the hash of the folder's listing
  (sorted relative paths, sizes and modification times), so adding,
  removing or modifying a file rebuilds the cache.

The whole cache folder is written under a temporary name and renamed into
place (`keras_gan.files.atomic_directory`); a run killed mid-write leaves
only a `.tmp-*` folder that is never read (and is removed once a day old),
and a cache folder without a matching manifest is rebuilt.
"""

import concurrent.futures
import hashlib
import json
import os
import pathlib
import shutil
import time

import numpy as np

from keras_gan.cache import cache_directory
from keras_gan.cache import hash_key
from keras_gan.cache import slug
from keras_gan.data import folder as folder_lib
from keras_gan.data.transforms import held_out_indices
from keras_gan.files import atomic_directory
from keras_gan.files import atomic_path

# Bumped when the cache's layout or decoding changes, so old caches miss.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
IMAGES = "images.npy"
LABELS = "labels.npy"
OK = "ok.npy"

# Files decoded per chunk while building: bounds the memory of a build.
_CHUNK = 1024
# Temporary folders of killed builds older than this are removed.
_STALE_TMP_S = 24 * 3600


def folders_cache_directory(cache_dir=None):
    """Returns the folder holding the folder caches (not created).

    Args:
        cache_dir: an explicit cache root, or None for the library's cache
            (`$KERAS_GAN_CACHE`, else `~/.cache/keras-gan`).

    Returns:
        A `pathlib.Path`: `<cache root>/folders`.
    """
    return cache_directory(cache_dir) / "folders"


def listing_key(root, files):
    """Hashes a folder's listing: relative paths, sizes and mtimes.

    Args:
        root: the folder.
        files: its image files (`list_image_files` order).

    Returns:
        A hex digest that changes when a file is added, removed, renamed,
        resized or touched.
    """
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        rel = path.relative_to(root).as_posix()
        digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class FolderImages:
    """The images of one split of a cached folder, read batch by batch.

    Behaves like a read-only uint8 `(N, H, W, C)` array for what training
    needs: `len`, `shape`, `dtype`, `ndim` and indexing with an int, a slice
    or an integer array (returns a numpy array). Nothing is held in memory
    but the indices of the split.

    Args:
        path: the cache's `images.npy`.
        index: int64 rows of `images.npy` in this split, in order.
    """

    def __init__(self, path, index):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(f)
            self._offset = f.tell()
        if dtype != np.uint8 or fortran or len(shape) != 4:
            raise ValueError(
                f"Expected a C-ordered uint8 (N, H, W, C) array in "
                f"{self.path}. Received dtype {dtype}, shape {shape}."
            )
        self._rows = int(shape[0])
        self._image_shape = tuple(int(s) for s in shape[1:])
        self._row_bytes = int(np.prod(self._image_shape))
        self._index = np.asarray(index, dtype=np.int64)
        self._fd = os.open(self.path, os.O_RDONLY)

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)
            self._fd = None

    def __len__(self):
        return len(self._index)

    @property
    def shape(self):
        return (len(self._index),) + self._image_shape

    @property
    def dtype(self):
        return np.dtype(np.uint8)

    @property
    def ndim(self):
        return 4

    def _read_rows(self, rows):
        out = np.empty((len(rows),) + self._image_shape, dtype=np.uint8)
        flat = out.reshape(len(rows), self._row_bytes)
        size = self._row_bytes
        for i, row in enumerate(rows):
            # pread: positional, thread-safe, and leaves no mapping behind
            # (mapped pages would count in the process' resident memory).
            data = os.pread(self._fd, size, self._offset + int(row) * size)
            if len(data) != size:
                raise ValueError(
                    f"Expected {size} bytes for image row {row} of "
                    f"{self.path}. Received {len(data)}: the cache file is "
                    "truncated; delete it to rebuild."
                )
            flat[i] = np.frombuffer(data, dtype=np.uint8)
        return out

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self._read_rows(self._index[[key]])[0]
        return self._read_rows(self._index[key].reshape(-1))

    def __array__(self, dtype=None, copy=None):
        # Reads every image: only for small folders (e.g. in tests).
        array = self[np.arange(len(self))]
        return array if dtype is None else array.astype(dtype)


def _remove_stale_temporaries(directory):
    now = time.time()
    for entry in directory.glob(".tmp-*"):
        try:
            if now - entry.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass  # Another process removed it first.


def _read_manifest(path):
    try:
        with open(path / MANIFEST, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_images(out, root, files, size, channels, skip_bad_files, pool):
    """Decodes `files` chunk by chunk into the `.npy` file `out`.

    Returns:
        `(first, ok, bad)`: the first readable file's properties (None when
        none is readable), the bool mask of readable files and the relative
        paths of the unreadable ones.
    """

    def one(path):
        return folder_lib.decode_file(path, channels, size, skip_bad_files)

    first, bad = None, []
    ok = np.zeros(len(files), dtype=bool)
    pending = 0  # unreadable files before the first readable one
    row_bytes = 0
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        parts = []
        for offset, result in enumerate(pool.map(one, chunk)):
            path = chunk[offset]
            if result is None:
                bad.append(path.relative_to(root).as_posix())
                if first is None:
                    pending += 1
                else:
                    parts.append(None)
                continue
            array, is_grey = result
            if first is None:
                first = {"path": path, "grey": is_grey, "shape": array.shape, "files": files}
                row_bytes = array.size
                np.lib.format.write_array_header_2_0(
                    out,
                    {
                        "descr": "|u1",
                        "fortran_order": False,
                        "shape": (len(files),) + array.shape,
                    },
                )
                # Unreadable files keep their rows (zeros, marked in ok.npy)
                # so rows stay aligned with the listing.
                out.write(bytes(row_bytes * pending))
            folder_lib.check_like_first(first, path, array, is_grey, channels)
            ok[start + offset] = True
            parts.append(array)
        if first is not None:
            blank = bytes(row_bytes)
            out.write(b"".join(blank if part is None else part.tobytes() for part in parts))
    return first, ok, bad


def _build(target, root, files, labels, key, size, channels, skip_bad_files, workers):
    with atomic_directory(target) as tmp:
        tmp = pathlib.Path(tmp)
        # Pillow releases the GIL while decoding and resizing, so threads
        # decode files in parallel without copying arrays between processes.
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            with open(tmp / IMAGES, "wb") as out:
                first, ok, bad = _write_images(
                    out, root, files, size, channels, skip_bad_files, pool
                )
        if first is None:
            raise ValueError(
                f"Expected at least one readable image in {root}. Received "
                f"{len(files)} files, all unreadable."
            )
        np.save(tmp / OK, ok)
        if labels is not None:
            np.save(tmp / LABELS, labels)
        manifest = {
            "format_version": FORMAT_VERSION,
            "folder": str(root),
            "listing_key": key,
            "num_files": len(files),
            "image_shape": list(first["shape"]),
            "unreadable": bad,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        # The manifest last: a cache folder without it is never used.
        with atomic_path(tmp / MANIFEST) as m:
            with open(m, "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1)
    return manifest


def _check_workers(workers):
    """Raises a `ValueError` unless `workers` is None or a positive integer."""
    if workers is not None and (
        not isinstance(workers, (int, np.integer)) or isinstance(workers, bool) or workers < 1
    ):
        raise ValueError(
            f"Expected workers to be None or a positive integer. Received: workers={workers!r}."
        )


def _cache_name(root, size, channels):
    """Names a folder's cache after it and a hash of what the images depend on."""
    return (
        slug(root.name)
        + "-"
        + hash_key(
            {
                "folder": str(root),
                "image_size": size,
                "channels": channels,
                "format_version": FORMAT_VERSION,
            }
        )
    )


def _current_manifest(target, key):
    """Returns the manifest of the cache in `target` if it is current, else None."""
    manifest = _read_manifest(target)
    current = (
        manifest is not None
        and manifest.get("format_version") == FORMAT_VERSION
        and manifest.get("listing_key") == key
        and (target / IMAGES).is_file()
        and (target / OK).is_file()
    )
    return manifest if current else None


def _readable_split(folder, root, files, ok, split):
    """Returns the indices of the split's readable files, reporting the others.

    Args:
        folder: the folder as the caller named it (for messages).
        root: the folder's resolved path.
        files: the folder's image files, sorted.
        ok: bool `(len(files),)`: whether each file was readable.
        split: "train" or "test".

    Raises:
        ValueError: when no file of the split is readable.
    """
    keep = held_out_indices(len(files), split, folder_lib.HOLD_OUT_EVERY)
    bad = [str(pathlib.Path(folder) / files[i].relative_to(root)) for i in keep if not ok[i]]
    # stacklevel=3: the warning points at open_folder's caller.
    folder_lib.report_skipped(folder, bad, stacklevel=3)
    keep = keep[ok[keep]]
    if len(keep) == 0:
        raise ValueError(
            f"Expected at least one readable image in {folder}. Received "
            f"{len(bad)} files, all unreadable."
        )
    return keep


def open_folder(
    folder,
    split="train",
    image_size=None,
    channels=None,
    skip_bad_files=False,
    cache_dir=None,
    workers=None,
):
    """Opens one split of an image folder through its on-disk cache.

    Builds the cache on first use (or when the folder changed), decoding
    the files in parallel; afterwards only the folder's listing is read
    (a `stat` per file) to check the cache is current. Images are decoded
    exactly as `load_folder` does (Pillow, antialiased bilinear resizing),
    and the split is the same: every sixth file in sorted order is held out
    for `"test"`.

    Unlike `load_folder`, the whole folder is decoded once for both splits,
    so an unreadable file or an image of another size or kind is found
    whichever split is asked for.

    Args:
        folder: path to the folder.
        split: "train" or "test". Defaults to "train".
        image_size: None or `(H, W)`; see `load_folder`. Defaults to None.
        channels: None, 1 or 3; see `load_folder`. Defaults to None.
        skip_bad_files: skip unreadable files with a `SkippedImagesWarning`
            instead of raising. Defaults to False.
        cache_dir: the cache root, or None for `$KERAS_GAN_CACHE`, else
            `~/.cache/keras-gan`. Defaults to None.
        workers: decoding threads, or None for the number of CPUs.
            Defaults to None.

    Returns:
        `(images, labels)`: a `FolderImages` (uint8 `(N, H, W, C)`, read on
        demand) and int64 `(N,)` labels or None.

    Raises:
        ValueError: as `load_folder`.

    Example:

    >>> images, labels = open_folder("faces/", image_size=(64, 64))
    >>> batch = images[np.arange(64)]  # reads 64 images from the cache
    """
    _check_workers(workers)
    folder_lib.report_skipped(folder, ())
    root = pathlib.Path(folder).expanduser().resolve()
    files, labels, _ = folder_lib.list_image_files(root)
    key = listing_key(root, files)
    size = None if image_size is None else [int(v) for v in image_size]
    directory = folders_cache_directory(cache_dir)
    target = directory / _cache_name(root, size, channels)
    manifest = _current_manifest(target, key)
    if manifest is None:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(directory)
        if workers is None:
            workers = os.cpu_count() or 1
        _build(
            target,
            root,
            files,
            labels,
            key,
            None if size is None else tuple(size),
            channels,
            skip_bad_files,
            int(workers),
        )
    elif manifest["unreadable"] and not skip_bad_files:
        path = root / manifest["unreadable"][0]
        raise ValueError(
            f"Expected a readable image file. Could not read {path} (recorded "
            f"unreadable in the folder cache {target}). Pass "
            "skip_bad_files=True to skip unreadable files."
        )
    keep = _readable_split(folder, root, files, np.load(target / OK), split)
    if labels is not None:
        labels = labels[keep]
    return FolderImages(target / IMAGES, keep), labels

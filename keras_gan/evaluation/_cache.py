"""Private: what the extractors and reference statistics key and write.

The folder and the hashed file names are `keras_gan.cache`'s; this module
adds what the evaluation needs to key and write their files: fingerprints of
data sources, and atomic writers. Writes go to a temporary
file in the same folder followed by `os.replace`, so a crash or a
concurrent writer never leaves a half-written file under the final name.
"""

import hashlib
import json
import os
import pathlib

import numpy as np

from keras_gan.data import SOURCES
from keras_gan.files import atomic_path


def _hash_arrays(arrays):
    digest = hashlib.sha256()
    for array in arrays:
        if array is None:
            digest.update(b"none")
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _path_fingerprint(path):
    # Size and mtime of every file, so an edited, added or removed file
    # changes the key; file contents are not read (folders can be large).
    if path.is_file():
        stat = path.stat()
        return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    digest = hashlib.sha256()
    count = 0
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            file_path = pathlib.Path(root, name)
            try:
                stat = file_path.stat()
            except OSError:
                continue
            rel = file_path.relative_to(path).as_posix()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            count += 1
    return {"files": count, "listing": digest.hexdigest()[:16]}


def source_fingerprint(source):
    """Describes a `load_arrays` source for a cache key.

    Args:
        source: a named source (its name is enough: the data behind it is
            fixed), a path (absolute path plus sizes and mtimes of its files),
            or an in-memory array / `(images, labels)` tuple (a hash of the
            bytes).

    Returns:
        `(label, fingerprint)`: a short human-readable label for file names
        and a JSON-serialisable dict for `hash_key`.
    """
    if isinstance(source, str) and source in SOURCES:
        return source, {"name": source}
    if isinstance(source, (str, os.PathLike)):
        path = pathlib.Path(os.fspath(source)).expanduser().resolve()
        info = {"path": str(path)}
        if path.exists():
            info.update(_path_fingerprint(path))
        return path.name, info
    if isinstance(source, np.ndarray):
        return "array", {"array": _hash_arrays([source])}
    if isinstance(source, tuple) and len(source) == 2:
        images, labels = source
        labels = None if labels is None else np.asarray(labels)
        return "array", {"array": _hash_arrays([np.asarray(images), labels])}
    # Unknown kinds are rejected later by `load_arrays` with its own message.
    return "data", {"repr": repr(source)[:200]}


def atomic_write_json(path, data):
    """Writes `data` as JSON to `path` via a temporary file and `os.replace`."""
    with atomic_path(path) as tmp:
        pathlib.Path(tmp).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def atomic_save_npz(path, arrays):
    """Saves a dict of arrays to `path` (`.npz`) atomically, without pickles."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def atomic_save_model(path, model):
    """Saves a Keras model to `path` (`.keras`) atomically."""
    # The temporary name keeps the `.keras` suffix Keras insists on.
    with atomic_path(path) as tmp:
        model.save(tmp)


def read_json(path):
    """Reads a JSON file, returning None when it is missing or unreadable."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

"""Private on-disk cache shared by the feature extractors and reference stats.

Everything that is expensive and deterministic (a trained classifier, the
features of a real data split) is stored under one user cache folder, in a
file whose name carries a hash of every input that affects its content. A
changed input therefore never reads a stale file; it just misses the cache.
Writes go to a temporary file in the same folder followed by `os.replace`, so
a crash or a concurrent writer never leaves a half-written file under the
final name.
"""

import hashlib
import json
import os
import pathlib
import re

import numpy as np

from keras_gan.files import atomic_path

CACHE_ENV = "KERAS_GAN_CACHE"


def cache_directory(cache_dir=None):
    """Returns the cache folder (not created).

    Args:
        cache_dir: an explicit folder, or None for `$KERAS_GAN_CACHE`, else
            `$XDG_CACHE_HOME/keras-gan`, else `~/.cache/keras-gan`.

    Returns:
        A `pathlib.Path`.
    """
    if cache_dir is not None:
        return pathlib.Path(os.fspath(cache_dir)).expanduser()
    if os.environ.get(CACHE_ENV):
        return pathlib.Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = pathlib.Path(xdg).expanduser() if xdg else pathlib.Path.home() / ".cache"
    return base / "keras-gan"


def hash_key(inputs):
    """Returns a 16-hex-digit digest of a JSON-serialisable dict."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def slug(text, max_length=40):
    """Makes a short, file-name-safe label (for humans; the hash is the key)."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.")
    return (text[-max_length:] or "data").lstrip("-.") or "data"


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
    # Imported here: the data package loads TensorFlow.
    from keras_gan.data import SOURCES

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

"""The user cache folder and the names of the files in it.

Everything expensive and deterministic that keras-gan keeps between runs (a
trained classifier, the features of a real data split, a folder's decoded
images) lives under one folder, in files whose names carry a hash of every
input that affects their content: a changed input misses the cache, it
never reads a stale file. The metrics (`keras_gan.metrics`) and the data
sources (`keras_gan.data`) both keep their files here.
"""

import hashlib
import json
import os
import pathlib
import re

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


def slug(text, max_length=40, keep="last"):
    """Makes a short, file-name-safe label (for humans; the hash is the key).

    The one slug of keras-gan: cache file names and run directory names.

    Args:
        text: anything; runs of characters outside letters, digits, `.`,
            `_` and `-` become one `-`.
        max_length: the longest label. Defaults to 40.
        keep: which end of a longer label is kept: `"last"` (cache names,
            where a path's end tells files apart) or `"first"` (run names).
            Defaults to `"last"`.

    Returns:
        A non-empty string (`"data"` when nothing is left).

    Raises:
        ValueError: for another `keep`.

    Example:

    >>> slug("/data/my photos")
    'data-my-photos'
    """
    if keep not in ("first", "last"):
        raise ValueError(f"Expected `keep` to be 'first' or 'last'. Received: {keep!r}")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.")
    text = text[:max_length] if keep == "first" else text[-max_length:]
    return (text or "data").lstrip("-.") or "data"

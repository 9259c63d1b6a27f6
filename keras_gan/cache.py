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


def slug(text, max_length=40):
    """Makes a short, file-name-safe label (for humans; the hash is the key)."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", str(text)).strip("-.")
    return (text[-max_length:] or "data").lstrip("-.") or "data"

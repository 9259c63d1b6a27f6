"""Atomic writes: write beside the target under a temporary name, then rename.

A reader (or a run resumed after a crash) sees the old file or the new one,
never half of one. Files get the usual permissions (0666 less the umask);
`tempfile` alone would leave them readable by their owner only.
"""

import contextlib
import os
import shutil
import tempfile


def _mode(directory=False):
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`, renamed over it on success.

    The temporary name keeps the suffix of `path`, so writers that choose a
    format by suffix (Pillow, Keras' `.keras`, NumPy's `.npy`) work.

    Args:
        path: the file to write; its folder is created.

    Yields:
        A path to write the new content to.

    Example:

    >>> with atomic_path("run/options.json") as tmp:
    ...     open(tmp, "w").write("{}")
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def replace_directory(src, dst):
    """Renames folder `src` to `dst`, moving an existing `dst` aside first.

    A folder rename is atomic; an existing target is renamed away before
    it is deleted, never half-deleted in place.
    """
    if os.path.exists(dst):
        trash = tempfile.mkdtemp(dir=os.path.dirname(os.path.abspath(dst)), prefix=".old-")
        os.rename(dst, os.path.join(trash, "old"))
        os.rename(src, dst)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.rename(src, dst)


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary folder beside `path` that replaces it on success.

    Args:
        path: the folder to (re)write; its parent is created.

    Yields:
        A folder to fill.
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".tmp-")
    try:
        yield tmp
        os.chmod(tmp, _mode(directory=True))
        replace_directory(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

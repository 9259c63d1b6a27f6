import os
import stat

import pytest

from keras_gan.files import atomic_directory
from keras_gan.files import atomic_path


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_path_writes_with_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "sub" / "a.json") as tmp:
            assert tmp.endswith(".json") and os.path.dirname(tmp) == str(tmp_path / "sub")
            open(tmp, "w").write("new")
        with atomic_directory(tmp_path / "ckpt") as tmp:
            open(os.path.join(tmp, "x"), "w").write("1")
    finally:
        os.umask(old)
    assert (tmp_path / "sub" / "a.json").read_text() == "new"
    assert _mode(tmp_path / "sub" / "a.json") == 0o644
    assert _mode(tmp_path / "ckpt") == 0o755
    assert sorted(os.listdir(tmp_path)) == ["ckpt", "sub"]


def test_a_failed_write_leaves_the_old_content_and_no_litter(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("crash while writing")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(tmp_path / "d") as tmp:
            raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert (tmp_path / "d" / "keep").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "d"]


def test_atomic_directory_replaces_an_existing_folder(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "old").write_text("x")
    with atomic_directory(tmp_path / "d") as tmp:
        open(os.path.join(tmp, "new"), "w").write("y")
    assert os.listdir(tmp_path / "d") == ["new"]
    assert os.listdir(tmp_path) == ["d"]

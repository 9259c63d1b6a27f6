"""Shared fixtures for the keras_gan.data tests.

Every test runs with the keras.datasets loaders replaced by ones that fail, so
no test can ever start a download; tests that need a loader install a fake.
"""

import numpy as np
import pytest
from PIL import Image

import keras


class NetworkDisabled(Exception):
    """What the stubbed keras.datasets loaders raise in tests."""


def _no_download(*args, **kwargs):
    raise NetworkDisabled("downloads are disabled in tests")


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    for module in (
        keras.datasets.mnist,
        keras.datasets.fashion_mnist,
        keras.datasets.cifar10,
    ):
        monkeypatch.setattr(module, "load_data", _no_download)


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """Empty cwd and home, so no real mnist.npz or Keras cache is found."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    monkeypatch.chdir(work)
    return tmp_path


def _write_image(path, value, size=(8, 8), mode="L", fmt=None):
    """Writes a constant image (size is (W, H), Pillow's order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode in ("L", "P"):
        color = value
    elif mode == "RGBA":
        color = (value, value, value, 255)
    else:
        color = (value, value, value) if np.isscalar(value) else value
    Image.new(mode, size, color).save(path, format=fmt)
    return path


@pytest.fixture
def write_image():
    """`write_image(path, value, size=(W, H), mode="L", fmt=None)`."""
    return _write_image

"""Folders streamed from the on-disk cache: built once, reused, rebuilt when
the folder changes, never used half-written; same images and same resumable
order as the in-memory path."""

import json
import os
import pathlib

import numpy as np
import pytest
from PIL import Image

from keras_gan import options as options_lib
from keras_gan import training
from keras_gan.data import FolderImages
from keras_gan.data import SkippedImagesWarning
from keras_gan.data import folder as folder_lib
from keras_gan.data import folder_cache
from keras_gan.data import last_skipped_files
from keras_gan.data import load_arrays
from keras_gan.data import make_dataset
from keras_gan.data import open_arrays


def _write(path, seed, size=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def image_folder(tmp_path):
    """36 random 6x5 RGB PNGs in two class sub-folders (18 each)."""
    root = tmp_path / "faces"
    for k, name in enumerate(("cats", "dogs")):
        for i in range(18):
            _write(root / name / f"{i:02d}.png", seed=100 * k + i)
    return root


@pytest.fixture
def cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("KERAS_GAN_CACHE", str(directory))
    return directory


def _cache_files(cache):
    return sorted((cache / "folders").glob("*/images.npy"))


def _identity(path):
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


@pytest.mark.parametrize("split", ["train", "test"])
def test_streamed_images_and_labels_equal_the_in_memory_ones(image_folder, cache, split):
    expected, expected_labels = load_arrays(image_folder, split, image_size=4)
    images, labels = open_arrays(image_folder, split, image_size=4)
    assert isinstance(images, FolderImages)
    assert images.shape == expected.shape == ((30 if split == "train" else 6), 4, 4, 3)
    # The same Pillow decode and resize: identical bytes, not just close.
    np.testing.assert_array_equal(np.asarray(images), expected)
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_array_equal(images[3], expected[3])
    np.testing.assert_array_equal(images[2:7], expected[2:7])
    np.testing.assert_array_equal(images[np.array([5, 0, 5])], expected[[5, 0, 5]])
    # The cache keeps the class labels of the whole folder.
    (directory,) = (cache / "folders").iterdir()
    np.testing.assert_array_equal(np.load(directory / "labels.npy"), np.repeat([0, 1], 18))


def test_cache_is_built_once_and_reused(image_folder, cache, monkeypatch):
    open_arrays(image_folder, image_size=4)
    (path,) = _cache_files(cache)
    before = _identity(path)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded a file although the cache is current")

    monkeypatch.setattr(folder_lib, "_decode", no_decoding)
    images, _ = open_arrays(image_folder, image_size=4)
    assert len(images) == 30
    assert _identity(path) == before
    # Another size is another cache.
    monkeypatch.undo()
    monkeypatch.setenv("KERAS_GAN_CACHE", str(cache))
    open_arrays(image_folder, image_size=3)
    assert len(_cache_files(cache)) == 2


def test_cache_is_rebuilt_when_a_file_is_added_or_changed(image_folder, cache):
    open_arrays(image_folder, image_size=4)
    (path,) = _cache_files(cache)
    first = _identity(path)

    _write(image_folder / "dogs" / "99.png", seed=999)
    images, labels = open_arrays(image_folder, image_size=4)
    (path,) = _cache_files(cache)  # replaced in place, not a second cache
    assert _identity(path) != first
    expected, expected_labels = load_arrays(image_folder, image_size=4)
    assert len(images) == len(expected) == 31
    np.testing.assert_array_equal(np.asarray(images), expected)
    np.testing.assert_array_equal(labels, expected_labels)

    second = _identity(path)
    changed = image_folder / "cats" / "00.png"
    _write(changed, seed=12345)
    os.utime(changed, ns=(1, 1))  # a new mtime even on coarse clocks
    images, _ = open_arrays(image_folder, image_size=4)
    assert _identity(path) != second
    np.testing.assert_array_equal(np.asarray(images), load_arrays(image_folder, image_size=4)[0])


def test_a_cache_killed_mid_write_is_never_used(image_folder, cache, monkeypatch):
    calls = []
    decode = folder_lib._decode

    def killed_after_ten(*args, **kwargs):
        calls.append(1)
        if len(calls) > 10:
            raise KeyboardInterrupt  # as a kill between two files
        return decode(*args, **kwargs)

    monkeypatch.setattr(folder_lib, "_decode", killed_after_ten)
    with pytest.raises(KeyboardInterrupt):
        open_arrays(image_folder, image_size=4, cache_dir=cache)
    assert _cache_files(cache) == []
    monkeypatch.setattr(folder_lib, "_decode", decode)

    # A hard kill leaves the temporary folder (partial images, no manifest)
    # and may leave a final-named folder without its manifest: neither is
    # read.
    open_arrays(image_folder, image_size=4, cache_dir=cache)
    (path,) = _cache_files(cache)
    directory = path.parent
    partial = directory.parent / ".tmp-killed"
    partial.mkdir()
    (partial / "images.npy").write_bytes(path.read_bytes()[:200])
    (directory / "manifest.json").unlink()
    with open(path, "r+b") as f:  # half-written: garbage after the header
        f.seek(128)
        f.write(b"\xff" * 64)
    images, _ = open_arrays(image_folder, image_size=4, cache_dir=cache)
    np.testing.assert_array_equal(np.asarray(images), load_arrays(image_folder, image_size=4)[0])
    assert json.loads((directory / "manifest.json").read_text())["num_files"] == 36


def test_unreadable_files_are_refused_or_skipped_as_in_memory(image_folder, cache):
    bad = image_folder / "cats" / "04.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match="04.png"):
        open_arrays(image_folder, image_size=4)
    assert _cache_files(cache) == []
    with pytest.warns(SkippedImagesWarning):
        images, labels = open_arrays(image_folder, image_size=4, skip_bad_files=True)
    assert last_skipped_files() == (str(bad),)
    with pytest.warns(SkippedImagesWarning):
        expected, expected_labels = load_arrays(image_folder, image_size=4, skip_bad_files=True)
    np.testing.assert_array_equal(np.asarray(images), expected)
    np.testing.assert_array_equal(labels, expected_labels)
    # The cache remembers the bad file: refused again without skipping.
    with pytest.raises(ValueError, match="04.png"):
        open_arrays(image_folder, image_size=4)


def _pixel_orders(dataset, count):
    # Each batch's images, as bytes: identifies images and their order.
    return [b[0].numpy().tobytes() for b in dataset.take(count)]


@pytest.mark.parametrize("buffer", [4, 60000])
def test_streamed_folder_resumes_with_the_uninterrupted_order(image_folder, cache, buffer):
    images, labels = open_arrays(image_folder, image_size=4)
    memory, memory_labels = load_arrays(image_folder, image_size=4)

    def stream(source, source_labels, epochs_from):
        return make_dataset(
            source,
            source_labels,
            batch_size=8,
            seed=5,
            epochs_from=epochs_from,
            shuffle_buffer=buffer,
        )

    # 30 images in batches of 8: 4 batches an epoch.
    whole = _pixel_orders(stream(images, labels, 0), 12)
    resumed = _pixel_orders(stream(images, labels, 2), 4)
    assert resumed == whole[8:12]
    # The same batches (images and labels) as the in-memory pipeline.
    for (x, y), (mx, my) in zip(
        stream(images, labels, 0).take(12), stream(memory, memory_labels, 0).take(12)
    ):
        np.testing.assert_array_equal(x.numpy(), mx.numpy())
        np.testing.assert_array_equal(y.numpy(), my.numpy())


def test_train_streams_a_folder_through_the_cache(image_folder, cache, tmp_path, monkeypatch):
    seen = []
    original = training.make_dataset

    def recording(images, **kwargs):
        seen.append((type(images), kwargs["epochs_from"]))
        return original(images, **kwargs)

    monkeypatch.setattr(training, "make_dataset", recording)
    options = options_lib.resolve(
        {
            "dataset": str(image_folder),
            "image_size": 8,
            "latent_dim": 8,
            "batch_size": 8,
            "steps_per_epoch": 2,
            "epochs": 1,
            "seed": 3,
            "logdir": str(tmp_path / "runs"),
            "run_name": "folder",
            "tensorboard": False,
            "sample_every": 0,
            "loss_plot": False,
        }
    )
    run_dir = training.new_run_dir(options)
    training.train(options, run_dir, verbose=0)
    assert seen == [(FolderImages, 0)]
    (path,) = _cache_files(cache)
    manifest = json.loads((path.parent / "manifest.json").read_text())
    assert manifest["image_shape"] == [8, 8, 3]
    assert pathlib.Path(run_dir, "generator.keras").exists()


def test_parallel_and_serial_decoding_write_the_same_cache(image_folder, tmp_path):
    serial, _ = folder_cache.open_folder(
        image_folder, image_size=(4, 4), cache_dir=tmp_path / "a", workers=1
    )
    parallel, _ = folder_cache.open_folder(
        image_folder, image_size=(4, 4), cache_dir=tmp_path / "b", workers=4
    )
    assert pathlib.Path(serial.path).read_bytes() == pathlib.Path(parallel.path).read_bytes()
    with pytest.raises(ValueError, match="workers=0"):
        folder_cache.open_folder(image_folder, cache_dir=tmp_path, workers=0)

import warnings

import numpy as np
import pytest
from PIL import Image

from keras_gan.data import SkippedImagesWarning
from keras_gan.data import last_skipped_files
from keras_gan.data import load_arrays
from keras_gan.data import load_dataset


@pytest.fixture
def class_folder(tmp_path, write_image):
    """Two classes of 6 grey 8x8 images: "cats" all 10, "dogs" all 200."""
    root = tmp_path / "pets"
    for name, value in (("dogs", 200), ("cats", 10)):
        for i in range(6):
            write_image(root / name / f"{i}.png", value)
    return root


def truncated_png(path, write_image):
    write_image(path, 50, size=(32, 32), mode="RGB")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    return path


def test_class_subfolders_give_aligned_labels(class_folder):
    images, labels = load_arrays(class_folder)
    # 12 files, every sixth held out for "test": 10 train images.
    assert images.shape == (10, 8, 8, 1) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    # Sorted class names: cats -> 0, dogs -> 1.
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 5
    for image, label in zip(images, labels):
        assert (image == (10 if label == 0 else 200)).all()


def test_test_split_is_held_out_every_sixth_file(class_folder):
    images, labels = load_arrays(class_folder, split="test")
    assert images.shape == (2, 8, 8, 1)
    assert labels.tolist() == [0, 1]
    assert (images[0] == 10).all() and (images[1] == 200).all()


def test_flat_folder_has_no_labels_and_keeps_colour(tmp_path, write_image):
    for i in range(3):
        write_image(tmp_path / f"{i}.png", (255, 0, i), mode="RGB")
    images, labels = load_arrays(tmp_path)
    assert labels is None
    assert images.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(images[2, 0, 0], [255, 0, 2])


def test_formats_and_modes(tmp_path, write_image):
    write_image(tmp_path / "a.PNG", 100, mode="RGBA")
    write_image(tmp_path / "b.jpg", 100, mode="RGB", fmt="JPEG")
    write_image(tmp_path / "c.bmp", 100, mode="RGB")
    write_image(tmp_path / "d.gif", 100, mode="P")
    (tmp_path / "notes.txt").write_text("not an image")
    images, labels = load_arrays(tmp_path)
    assert images.shape == (4, 8, 8, 3) and labels is None
    # JPEG is lossy, a constant image stays close.
    assert np.abs(images[1].astype(int) - 100).max() <= 2
    assert (images[0] == 100).all() and (images[2] == 100).all()


def test_mixed_grey_and_colour_needs_channels(tmp_path, write_image):
    write_image(tmp_path / "grey.png", 30, mode="L")
    write_image(tmp_path / "rgb.png", (255, 0, 0), mode="RGB")
    with pytest.raises(
        ValueError,
        match=r"1 grey file \(grey\.png\) and 1 colour file \(rgb\.png\)\. "
        r"Pass channels=1 \(grey\) or channels=3 .*--channels",
    ):
        load_arrays(tmp_path)
    images, _ = load_arrays(tmp_path, channels=3)
    assert images.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(images[0, 0, 0], [30, 30, 30])
    images, _ = load_arrays(tmp_path, channels=1)
    assert images.shape == (2, 8, 8, 1)
    # Pillow's luma: 255 * 0.299 = 76.
    assert images[1, 0, 0, 0] == 76


def test_differing_sizes_need_image_size(tmp_path, write_image):
    write_image(tmp_path / "a.png", 1, size=(8, 8))
    write_image(tmp_path / "b.png", 1, size=(10, 6))
    with pytest.raises(
        ValueError,
        match=r"2 sizes \(H x W\): 1 of 8x8 \(a\.png\); 1 of 6x10 \(b\.png\)\. "
        r"Pass image_size=\(H, W\) .*--image-size",
    ):
        load_arrays(tmp_path)
    images, _ = load_arrays(tmp_path, image_size=16)
    assert images.shape == (2, 16, 16, 1) and (images == 1).all()
    images, _ = load_arrays(tmp_path, image_size=(4, 12))
    assert images.shape == (2, 4, 12, 1)


def test_empty_folder(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"extensions \('\.png'.*in .*Received a folder with none",
    ):
        load_arrays(tmp_path)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("1,2")
    with pytest.raises(ValueError, match=str(tmp_path)):
        load_arrays(tmp_path)


def test_images_both_loose_and_in_subfolders(tmp_path, write_image):
    write_image(tmp_path / "loose.png", 1)
    write_image(tmp_path / "cls" / "a.png", 1)
    with pytest.raises(ValueError, match=r"not both.*1 images directly inside"):
        load_arrays(tmp_path)


def test_corrupt_file_is_named(tmp_path, write_image):
    write_image(tmp_path / "good.png", 5, size=(32, 32))
    truncated_png(tmp_path / "bad.png", write_image)
    with pytest.raises(ValueError, match=r"Could not read .*bad\.png.*skip_bad_files=True"):
        load_arrays(tmp_path)


def test_non_image_with_image_extension_is_named(tmp_path, write_image):
    write_image(tmp_path / "good.png", 5)
    (tmp_path / "fake.jpg").write_text("definitely not a jpeg")
    with pytest.raises(ValueError, match=r"fake\.jpg"):
        load_arrays(tmp_path)


def test_skip_bad_files_warns_and_counts(tmp_path, write_image):
    for i in range(3):
        write_image(tmp_path / f"good{i}.png", 5 * i, size=(32, 32), mode="RGB")
    truncated_png(tmp_path / "bad1.png", write_image)
    (tmp_path / "bad2.jpg").write_bytes(b"\x00" * 10)
    with pytest.warns(SkippedImagesWarning, match=r"Skipped 2 unreadable") as record:
        images, labels = load_arrays(tmp_path, skip_bad_files=True)
    assert images.shape == (3, 32, 32, 3) and labels is None
    assert sorted(v for v in np.unique(images)) == [0, 5, 10]
    skipped = [w.message for w in record if isinstance(w.message, SkippedImagesWarning)]
    assert len(skipped[0].paths) == 2
    assert sorted(p.rsplit("/", 1)[-1] for p in last_skipped_files()) == [
        "bad1.png",
        "bad2.jpg",
    ]


def test_skip_keeps_labels_aligned(class_folder, write_image):
    truncated_png(class_folder / "cats" / "0a.png", write_image)
    with pytest.warns(SkippedImagesWarning):
        images, labels = load_arrays(class_folder, skip_bad_files=True)
    assert len(images) == len(labels) == 10
    for image, label in zip(images, labels):
        assert (image == (10 if label == 0 else 200)).all()


def test_last_skipped_files_resets(tmp_path, write_image):
    write_image(tmp_path / "a.png", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_arrays(tmp_path, skip_bad_files=True)
    assert last_skipped_files() == ()


def test_all_files_bad(tmp_path, write_image):
    truncated_png(tmp_path / "bad.png", write_image)
    with pytest.warns(SkippedImagesWarning):
        with pytest.raises(
            ValueError,
            match=r"at least one readable image.*1 files, all unreadable",
        ):
            load_arrays(tmp_path, skip_bad_files=True)


def test_test_split_needs_six_files(tmp_path, write_image):
    for i in range(5):
        write_image(tmp_path / f"{i}.png", 1)
    with pytest.raises(ValueError, match=r"at least 6 images.*Received 5"):
        load_arrays(tmp_path, split="test")


def test_grey_16_bit_png_counts_as_grey(tmp_path):
    Image.fromarray(np.full((4, 4), 100, np.uint16)).save(tmp_path / "a.png")
    images, _ = load_arrays(tmp_path)
    assert images.shape == (1, 4, 4, 1)


def test_load_dataset_from_folder_with_labels(class_folder):
    dataset = load_dataset(class_folder, batch_size=4, labels=True, seed=0)
    batches = list(dataset)
    assert [int(b[0].shape[0]) for b in batches] == [4, 4, 2]
    for images, labels in batches:
        for image, label in zip(images.numpy(), labels.numpy()):
            expected = 10 / 127.5 - 1 if label == 0 else 200 / 127.5 - 1
            np.testing.assert_allclose(image, expected, rtol=1e-6)


def test_mixed_folders_are_counted_through_the_cache_too(tmp_path, write_image):
    # The CLI's loader (the decoded cache) and load_arrays give one message,
    # counting every file of each size or kind, not just the first two.
    from keras_gan.data import open_arrays

    for i in range(4):
        write_image(tmp_path / "sizes" / f"a{i}.png", 1, size=(8, 8))
    for i in range(2):
        write_image(tmp_path / "sizes" / f"b{i}.png", 1, size=(12, 6))
    match = r"2 sizes \(H x W\): 4 of 8x8 \(a0\.png, a1\.png, a2\.png, \.\.\.\); 2 of 6x12"
    for load in (load_arrays, open_arrays):
        with pytest.raises(ValueError, match=match):
            load(tmp_path / "sizes", cache_dir=tmp_path / "cache") if load is open_arrays else load(
                tmp_path / "sizes"
            )
    for i in range(3):
        write_image(tmp_path / "kinds" / f"g{i}.png", 30, mode="L")
    write_image(tmp_path / "kinds" / "c.png", (255, 0, 0), mode="RGB")
    match = r"3 grey files \(g0\.png, g1\.png, g2\.png\) and 1 colour file \(c\.png\)"
    with pytest.raises(ValueError, match=match):
        open_arrays(tmp_path / "kinds", cache_dir=tmp_path / "cache")
    assert open_arrays(tmp_path / "kinds", channels=3, cache_dir=tmp_path / "cache")[0].shape[
        1:
    ] == (8, 8, 3)


@pytest.mark.parametrize(
    "count, side, size, batch",
    [(300, 80, 64, 16), (60, 200, 128, 8), (1200, 40, 32, 64), (30, 20, 32, 8), (6, 64, 64, 4)],
)
def test_folder_settings_picks_size_and_batch(tmp_path, write_image, count, side, size, batch):
    from keras_gan.data.folder import folder_settings

    for i in range(count):
        write_image(tmp_path / f"{i:04d}.png", 1, size=(side + i % 3, side))
    chosen = folder_settings(tmp_path)
    assert chosen[:2] == (size, batch)
    assert f"--image-size {size} (median image side {side:g} px" in chosen[2]
    assert f"--batch-size {batch} (" in chosen[2]
    assert chosen[2].endswith("; pass them to choose yourself.")
    # One pick is one "it"; what the user gives wins, and is not reported as chosen.
    one = folder_settings(tmp_path, image_size=48)
    assert one[2].startswith(f"Folder preset chose --batch-size {one[1]} (")
    assert one[2].endswith("; pass it to choose yourself.")
    given = folder_settings(tmp_path, image_size=48, batch_size=2)
    assert given[:2] == (48, 2) and "chose" not in given[2]
    # A limit caps the pick, and the message says why; a size given wins.
    capped = folder_settings(tmp_path, largest=(32, "on this machine"))
    assert capped[0] == 32 and capped[1] == batch
    assert ("at most 32 on this machine" in capped[2]) == (size > 32)
    assert folder_settings(tmp_path, image_size=64, largest=(32, "here"))[0] == 64


@pytest.mark.parametrize("count, batch", [(600, 64), (300, 32), (128, 16), (30, 8), (5, 4), (1, 1)])
def test_pick_batch_size_gives_8_steps_or_the_smallest_batch_that_fits(count, batch):
    from keras_gan.data.folder import pick_batch_size

    assert pick_batch_size(count) == batch

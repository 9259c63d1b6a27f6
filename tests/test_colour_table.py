"""Tests for benchmarks/colour_table.py and benchmarks/small_data.py (issue 25's tables)."""

import numpy as np
from PIL import Image

from benchmarks import colour_table
from benchmarks import small_data


def _folder(root, per_class, side=64):
    for label in ("bag", "shoe"):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.full((side, side, 3), 40 * i % 250, "uint8")
            Image.fromarray(pixels).save(root / label / f"{i}.png")
    return root


def test_cli_choices_are_what_the_cli_would_pick(tmp_path, monkeypatch):
    from keras_gan import hardware

    monkeypatch.setattr(hardware, "gpu_count", lambda: 0)
    folder = str(_folder(tmp_path / "photos", 60))
    chosen = colour_table.cli_choices(folder, "folder")
    # 100 training images: batch 8 gives 12 steps; no GPU: width 16 at 64 px.
    assert (chosen["image_size"], chosen["batch_size"], chosen["width"]) == (64, 8, 16)
    assert chosen["arch"] == "resnet" and chosen["preset"] == "folder"
    quality = colour_table.cli_choices(folder, "quality")
    assert (quality["image_size"], quality["batch_size"], quality["arch"]) == (64, 64, "dcgan")


def _row(preset, seed, fid, classes, steps=780):
    return {
        "preset": preset,
        "seed": seed,
        "width": 16 if preset == "folder" else None,
        "batch_size": 64,
        "steps": steps,
        "probe_s_per_step": 1.25,
        "cli_wall_s": 930.0,
        "scores": {
            "fid_clf": fid,
            "floor_fid_clf": 0.5,
            "modes_covered_clf": classes,
            "classifier_test_accuracy": 0.9,
        },
    }


def test_markdown_gives_median_and_range_per_preset():
    rows = [
        _row("quality", 0, 40.0, 7),
        _row("folder", 0, 20.0, 9, steps=700),
        _row("folder", 1, 30.0, 10, steps=900),
    ]
    table = colour_table.markdown(rows).splitlines()
    assert table[2].startswith("| quality | 1 | - | 64 | 780 | 1.25 | 15.5 | 40.0 [40.0-40.0]")
    assert "| folder | 2 | 16 | 64 | 800 |" in table[3]
    assert "25.0 [20.0-30.0] (0.5) | 10 |" in table[3]
    assert "-38%" in table[3]


def test_small_data_subset_is_the_first_images_of_each_class():
    labels = np.array([1, 0, 1, 0, 2, 2, 1, 0, 2])
    small_data.NUM_CLASSES, saved = 3, small_data.NUM_CLASSES
    try:
        assert small_data.subset_indices(labels, 2).tolist() == [0, 1, 2, 3, 4, 5]
    finally:
        small_data.NUM_CLASSES = saved


def test_memorisation_counts_copies_of_training_images():
    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, (50, 4, 4, 1))
    held_out = rng.uniform(-1, 1, (40, 4, 4, 1))
    copies = train[:30] + 1e-3
    result = small_data.memorisation(copies, train, held_out)
    assert result["copies"] == 30 and result["nn_ratio"] < 0.01
    fresh = small_data.memorisation(rng.uniform(-1, 1, (30, 4, 4, 1)), train, held_out)
    assert fresh["copies"] <= 3 and 0.8 < fresh["nn_ratio"] < 1.25


def test_small_data_builds_each_setting_over_the_chosen_preset():
    lecture = small_data.build(0, {"augment": "ada", "ada_kimg": 32.0})
    quality = small_data.build(0, {}, preset="quality")
    rates = lambda gan: (  # noqa: E731
        float(np.asarray(gan.g_optimizer.learning_rate)),
        float(np.asarray(gan.d_optimizer.learning_rate)),
    )
    assert np.allclose(rates(lecture), (1e-4, 1e-4)) and np.allclose(rates(quality), (2e-4, 4e-4))
    dropout = lambda gan: [l.rate for l in gan.discriminator.layers if "dropout" in l.name]  # noqa: E731,E741
    assert dropout(lecture) == [0.3, 0.3] and dropout(quality) == []
    assert lecture.ada_kimg == 32.0

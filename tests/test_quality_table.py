"""Tests for benchmarks/quality_table.py (the README's preset table)."""

import json

import pytest

from benchmarks import quality_table


def test_parse_variant_reads_json_values_and_keeps_strings():
    name, preset, overrides = quality_table.parse_variant(
        "aug=dcgan:ema_kimg=10;augment=translation,cutout;d_dropout=0;conditional=true"
    )
    assert (name, preset) == ("aug", "dcgan")
    assert overrides == {
        "ema_kimg": 10,
        "augment": "translation,cutout",
        "d_dropout": 0,
        "conditional": True,
    }
    assert quality_table.parse_variant("plain=lecture") == ("plain", "lecture", {})
    with pytest.raises(ValueError, match="NAME=PRESET"):
        quality_table.parse_variant("no-equals-sign")
    with pytest.raises(ValueError, match="Expected key=value"):
        quality_table.parse_variant("x=dcgan:lr")


def _row(variant, seed, epoch, fid, wall):
    return {
        "variant": variant,
        "seed": seed,
        "epoch": epoch,
        "fid_clf": fid,
        "precision_clf": 0.5,
        "recall_clf": 0.25,
        "modes_covered_clf": 10.0,
        "train_wall_s": wall,
    }


def test_minutes_to_target_and_markdown_spread():
    rows = [
        _row("q", 0, 1, 60.0, 60.0),
        _row("q", 0, 2, 40.0, 120.0),
        _row("q", 1, 1, 50.0, 66.0),
        _row("q", 1, 2, 55.0, 132.0),
    ]
    assert quality_table.minutes_to(rows[:2], 45.0) == pytest.approx(2.0)
    assert quality_table.minutes_to(rows[2:], 45.0) is None
    table = quality_table.markdown(rows, target=45.0)
    lines = table.splitlines()
    assert lines[0].startswith("| variant | epoch | seeds | FID")
    # Epoch 2: median 47.5 of 40 and 55; seed 0 reached the target, seed 1 not.
    assert "| q | 2 | 2 | 47.5 [40-55] |" in table
    assert lines[-1].endswith("| 2.0 / - |")
    assert "| q | 1 | 2 | 55 [50-60] |" in table and lines[2].endswith("| - / - |")


def test_a_short_run_writes_rows_grids_and_the_floor(tmp_path, session_cache, mnist_classifier):
    out = tmp_path / "rows.json"
    quality_table.main(
        [
            "--dataset",
            "mnist_sample",
            "--presets",
            "lecture",
            "--variant",
            "aug=lecture:augment=translation;d_dropout=0",
            "--seeds",
            "0",
            "--epochs",
            "2",
            "--eval-at",
            "2",
            "--n",
            "64",
            "--train-images",
            "128",
            "--cache-dir",
            str(session_cache),
            "--json",
            str(out),
            "--grids",
            str(tmp_path / "grids"),
        ]
    )
    data = json.loads(out.read_text())
    assert [(r["variant"], r["epoch"]) for r in data["rows"]] == [("lecture", 2), ("aug", 2)]
    assert data["rows"][1]["overrides"] == {"augment": "translation", "d_dropout": 0}
    assert all(r["train_wall_s"] > 0 and r["fid_clf"] > 0 for r in data["rows"])
    assert 0 <= data["floor"]["fid_clf"] < data["rows"][0]["fid_clf"]
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == [
        "aug-s0-e2.png",
        "lecture-s0-e2.png",
    ]

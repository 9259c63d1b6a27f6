"""`keras-gan interpolate` on run directories holding a hand-saved tiny generator."""

import json

import numpy as np
import pytest
from PIL import Image

import keras

from keras_gan import cli
from keras_gan import options as options_lib
from tests.conftest import tiny_generator
from tests.test_interpolation import tiny_conditional_generator

pytestmark = pytest.mark.backends

# 2x3 strip, 2x2 GIF grid, 3 keypoints x 2 frames: small and fast.
SMALL = [
    "--rows",
    "2",
    "--steps",
    "3",
    "--points",
    "3",
    "--frames",
    "2",
    "--grid",
    "2",
    "--fps",
    "10",
]
# image_grid draws 8x8 images 8x larger (64 px cells) with 2 px padding.
CELL, PAD = 64, 2


def _size(rows, cols):
    return (cols * CELL + (cols + 1) * PAD, rows * CELL + (rows + 1) * PAD)


@pytest.fixture
def run_dir(tmp_path):
    keras.utils.set_random_seed(0)
    tiny_generator().save(tmp_path / options_lib.GENERATOR_FILE)
    return tmp_path


@pytest.fixture
def conditional_run_dir(tmp_path):
    tiny_conditional_generator().save(tmp_path / options_lib.GENERATOR_FILE)
    (tmp_path / options_lib.CLASS_NAMES_FILE).write_text(json.dumps(["shirt", "sneaker", "bag"]))
    return tmp_path


def test_writes_a_strip_and_a_looping_gif(run_dir, capsys):
    assert cli.main(["interpolate", "--run", str(run_dir), *SMALL]) == 0
    strip = run_dir / "samples" / "interpolation.png"
    gif = run_dir / "samples" / "interpolation.gif"
    assert capsys.readouterr().out.split() == [str(strip), str(gif)]
    with Image.open(strip) as im:
        assert im.size == _size(2, 3)
    with Image.open(gif) as im:
        # 3 keypoints x 2 frames each; the walk never repeats a frame, so
        # Pillow keeps all six.
        assert im.n_frames == 6 and im.is_animated
        assert im.size == _size(2, 2)
        assert im.info["loop"] == 0 and im.info["duration"] == 100
    assert not (run_dir / "samples" / "class_interpolation.png").exists()


def test_out_dir_and_seed(run_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for name, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        assert (
            cli.main(
                [
                    "interpolate",
                    "--run",
                    str(run_dir),
                    *SMALL,
                    "--seed",
                    seed,
                    "--out-dir",
                    str(out / name),
                ]
            )
            == 0
        )
    pixels = {name: Image.open(out / name / "interpolation.png").tobytes() for name in "abc"}
    assert pixels["a"] == pixels["b"] and pixels["a"] != pixels["c"]
    assert not (run_dir / "samples").exists()


def test_conditional_run_writes_a_class_interpolation(conditional_run_dir, capsys):
    code = cli.main(
        [
            "interpolate",
            "--run",
            str(conditional_run_dir),
            *SMALL,
            "--from-label",
            "Sneaker",
            "--to-label",
            "2",
        ]
    )
    assert code == 0
    samples = conditional_run_dir / "samples"
    assert capsys.readouterr().out.split() == [
        str(samples / name)
        for name in ("interpolation.png", "interpolation.gif", "class_interpolation.png")
    ]
    with Image.open(samples / "class_interpolation.png") as im:
        assert im.size == _size(2, 3)
    with Image.open(samples / "interpolation.png") as im:
        # The class names are written in a margin left of the rows.
        assert im.size[1] == _size(2, 3)[1] and im.size[0] > _size(2, 3)[0]
        margin = np.asarray(im.convert("L"))[:, : im.size[0] - _size(2, 3)[0]]
        assert margin.min() < 128  # dark text on the white margin
    with Image.open(samples / "interpolation.gif") as im:
        assert im.n_frames == 6


def test_conditional_run_refuses_an_unknown_class(conditional_run_dir, capsys):
    code = cli.main(
        [
            "interpolate",
            "--run",
            str(conditional_run_dir),
            *SMALL,
            "--from-label",
            "shoe",
            "--to-label",
            "bag",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "Unknown class 'shoe'" in err and "'shirt', 'sneaker', 'bag'" in err
    assert not (conditional_run_dir / "samples").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "1"], "--steps must be an int >= 2. Received: 1"),
        (["--rows", "0"], "--rows must be an int >= 1. Received: 0"),
        (["--points", "1"], "--points must be an int >= 2. Received: 1"),
        (["--frames", "0"], "--frames must be an int >= 1. Received: 0"),
        (["--grid", "0"], "--grid must be an int >= 1. Received: 0"),
        (["--fps", "0"], "--fps must be in (0, 100]. Received: 0.0"),
        (["--from-label", "1"], "--from-label and --to-label go together"),
        (["--from-label", "1", "--to-label", "2"], "need a conditional run"),
        (["--generator", "best"], "holds no generator_best.keras to interpolate"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(run_dir, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["interpolate", "--run", str(run_dir), *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (run_dir / "samples").exists()


def test_a_run_without_a_generator_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["interpolate", "--run", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "holds no generator.keras" in capsys.readouterr().err

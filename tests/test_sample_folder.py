"""Samples as PNG files (`keras-gan sample --out-dir`): seeded, resumable."""

import json
import os

import numpy as np
import pytest
from PIL import Image

import keras

from keras_gan import cli
from keras_gan import options as options_lib
from keras_gan.images import to_uint8
from keras_gan.sample_folder import write_samples
from keras_gan.saving import GeneratorSampler
from tests.conftest import tiny_generator
from tests.test_interpolation import tiny_conditional_generator

pytestmark = pytest.mark.backends

CLASSES = ["shirt", "sneaker", "bag"]


@pytest.fixture(scope="module")
def sampler():
    keras.utils.set_random_seed(0)
    return GeneratorSampler(tiny_generator())


def _pixels(folder, n):
    names = sorted(name for name in os.listdir(folder) if not name.startswith("."))
    assert names == [f"{i:06d}.png" for i in range(n)]
    return np.stack([np.asarray(Image.open(os.path.join(folder, name))) for name in names])


def test_file_i_is_image_i_of_generate(sampler, tmp_path, capsys):
    assert write_samples(sampler, tmp_path, n=20, seed=3, batch_size=8) == 20
    assert "20/20" in capsys.readouterr().out  # the progress bar
    with Image.open(tmp_path / "000000.png") as im:
        assert im.mode == "L" and im.size == (8, 8)
    expected = to_uint8(sampler.generate(n=20, seed=3))[..., 0]
    np.testing.assert_array_equal(_pixels(tmp_path, 20), expected)


def test_rgb_images_and_batching_does_not_matter(tmp_path):
    keras.utils.set_random_seed(1)
    rgb = GeneratorSampler(tiny_generator(image_shape=(8, 8, 3)))
    write_samples(rgb, tmp_path / "a", n=7, seed=0, batch_size=3, verbose=0)
    write_samples(rgb, tmp_path / "b", n=7, seed=0, batch_size=500, verbose=0)
    with Image.open(tmp_path / "a" / "000006.png") as im:
        assert im.mode == "RGB" and im.size == (8, 8)
    np.testing.assert_array_equal(_pixels(tmp_path / "a", 7), _pixels(tmp_path / "b", 7))
    np.testing.assert_array_equal(_pixels(tmp_path / "a", 7), to_uint8(rgb.generate(n=7, seed=0)))


class Interrupting:
    """A sampler interrupted (Ctrl-C) at its `calls`-th generator call."""

    def __init__(self, sampler, calls):
        self.sampler, self.calls = sampler, calls
        self.latent_dim = sampler.latent_dim

    def generate(self, **kwargs):
        self.calls -= 1
        if self.calls == 0:
            raise KeyboardInterrupt
        return self.sampler.generate(**kwargs)


def test_an_interrupted_folder_resumes_to_the_same_files(sampler, tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    write_samples(sampler, whole, n=20, seed=0, batch_size=8, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        write_samples(Interrupting(sampler, 2), part, n=20, seed=0, batch_size=8, verbose=0)
    assert sorted(os.listdir(part)) == [".keras_gan_samples.json"] + [
        f"{i:06d}.png" for i in range(8)
    ]
    # A file a killed process left half-written, and one already there
    # (a black square): the first is removed, the second kept as it is.
    (part / ".tmp-abc123.png").write_bytes(b"half a PNG")
    Image.fromarray(np.zeros((8, 8), np.uint8), mode="L").save(part / "000013.png")
    assert write_samples(sampler, part, n=20, seed=0, batch_size=8, verbose=0) == 11
    assert not (part / ".tmp-abc123.png").exists()
    resumed, expected = _pixels(part, 20), _pixels(whole, 20)
    assert not resumed[13].any()
    keep = np.arange(20) != 13
    np.testing.assert_array_equal(resumed[keep], expected[keep])
    # Nothing left to do: nothing written.
    assert write_samples(sampler, part, n=20, seed=0, verbose=0) == 0


def test_a_folder_of_another_seed_is_refused(sampler, tmp_path):
    write_samples(sampler, tmp_path, n=2, seed=0, verbose=0)
    with pytest.raises(ValueError, match="other settings"):
        write_samples(sampler, tmp_path, n=4, seed=1, verbose=0)
    assert len(os.listdir(tmp_path)) == 3


@pytest.mark.parametrize("n, batch_size", [(0, 8), (3, 0), (2.5, 8)])
def test_bad_counts_are_refused(sampler, tmp_path, n, batch_size):
    with pytest.raises(ValueError, match="int >= 1. Received"):
        write_samples(sampler, tmp_path / "x", n=n, batch_size=batch_size)
    assert not (tmp_path / "x").exists()


@pytest.fixture
def conditional_run(tmp_path):
    tiny_conditional_generator().save(tmp_path / options_lib.GENERATOR_FILE)
    (tmp_path / options_lib.CLASS_NAMES_FILE).write_text(json.dumps(CLASSES))
    return tmp_path


def test_cli_writes_a_conditional_folder(conditional_run, capsys):
    sampler = GeneratorSampler(tiny_conditional_generator(), CLASSES)
    out = conditional_run / "fid"
    argv = ["sample", "--run", str(conditional_run), "--n", "7", "--batch-size", "3"]
    assert cli.main([*argv, "--out-dir", str(out)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(out)
    # Image i has class i mod 3.
    expected = to_uint8(sampler.generate(n=7, seed=0))[..., 0]
    np.testing.assert_array_equal(_pixels(out, 7), expected)
    assert cli.main([*argv, "--label", "Sneaker", "--out-dir", str(out / "sneakers")]) == 0
    expected = to_uint8(sampler.generate(n=7, seed=0, labels="sneaker"))[..., 0]
    np.testing.assert_array_equal(_pixels(out / "sneakers", 7), expected)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--out", "x.png", "--out-dir", "OUT"], "not allowed with argument"),
        (["--n", "0", "--out-dir", "OUT"], "--n must be an int >= 1"),
        (["--batch-size", "0", "--out-dir", "OUT"], "--batch-size must be an int >= 1"),
        (["--label", "dog", "--out-dir", "OUT"], "Unknown class 'dog'"),
    ],
)
def test_cli_wrong_inputs_exit_2_and_write_nothing(
    conditional_run, tmp_path, capsys, argv, message
):
    before = sorted(os.listdir(conditional_run))
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    try:
        code = cli.main(["sample", "--run", str(conditional_run), *argv])
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2 and message in capsys.readouterr().err
    assert sorted(os.listdir(conditional_run)) == before and not (tmp_path / "out").exists()


def test_cli_label_needs_a_conditional_run(tmp_path, capsys):
    keras.utils.set_random_seed(0)
    tiny_generator().save(tmp_path / options_lib.GENERATOR_FILE)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(
            ["sample", "--run", str(tmp_path), "--label", "3", "--out-dir", str(tmp_path / "o")]
        )
    assert (
        exit_info.value.code == 2 and "--label needs a conditional run" in capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()

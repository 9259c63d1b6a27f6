"""`arch`: which networks the options build, and the `folder` preset."""

import json

import numpy as np
import pytest
from PIL import Image

import keras

from keras_gan import build
from keras_gan import cli
from keras_gan import options as options_lib


def _has_spectral_norm(model):
    return any(isinstance(layer, keras.layers.SpectralNormalization) for layer in model.layers)


def test_dcgan_stays_the_default_and_old_runs_load_as_dcgan(tmp_path):
    options = options_lib.resolve({})
    assert options["arch"] == "dcgan"
    generator, discriminator = build.networks(options, (28, 28, 1))
    assert (generator.count_params(), discriminator.count_params()) == (2_330_944, 212_865)
    # A run recorded before `arch` existed.
    saved = {k: v for k, v in options.items() if k not in ("arch", "channels")}
    (tmp_path / options_lib.OPTIONS_FILE).write_text(json.dumps(saved))
    assert options_lib.read_options(str(tmp_path))["arch"] == "dcgan"
    assert not _has_spectral_norm(build.networks(saved, (28, 28, 1))[1])


def test_resnet_arch_builds_the_residual_networks():
    options = options_lib.resolve({"arch": "resnet", "latent_dim": 8})
    generator, discriminator = build.networks(options, (32, 32, 3))
    assert generator.output_shape == (None, 32, 32, 3)
    assert _has_spectral_norm(discriminator)
    with pytest.raises(ValueError, match="Expected option `arch` to be one of"):
        options_lib.resolve({"arch": "stylegan"})
    with pytest.raises(ValueError, match=r"size in \[32, 64, 128\]"):
        build.networks(options, (28, 28, 1))


def test_folder_preset_combines_resnet_ada_ema_r1_and_ttur():
    options = options_lib.resolve({}, preset="folder")
    assert options["arch"] == "resnet" and options["augment"] == "ada"
    assert options["ema_kimg"] and options["r1"] > 0
    assert options["lr"] < options["d_lr"]
    # Explicit values win over the preset's.
    assert options_lib.resolve({"arch": "dcgan"}, preset="folder")["arch"] == "dcgan"


def _folder(root, count, side):
    root.mkdir()
    for i in range(count):
        Image.fromarray(np.full((side, side, 3), i % 250, "uint8")).save(root / f"{i}.png")
    return root


def test_width_sets_the_residual_networks_width():
    def params(width):
        options = options_lib.resolve({"arch": "resnet", "latent_dim": 8, "width": width})
        return [model.count_params() for model in build.networks(options, (32, 32, 3))]

    # Unset is SNGAN's 64; the count grows about with the width's square.
    assert params(None) == params(64)
    narrow, wide = params(16), params(32)
    assert all(3.5 < w / n < 4.1 for n, w in zip(narrow, wide))
    with pytest.raises(ValueError, match="Expected option `width`"):
        options_lib.resolve({"width": 0})


@pytest.mark.parametrize(
    "size, gpus, width", [(32, 0, 16), (64, 0, 16), (128, None, 8), (64, 1, 64), (128, 2, 64)]
)
def test_folder_width_is_narrower_without_a_gpu(size, gpus, width):
    chosen, reason = build.folder_width(size, gpus)
    assert chosen == width
    assert ("no GPU" in reason) == (not gpus)
    with pytest.raises(ValueError, match="Received: image_size=48"):
        build.folder_width(48, gpus)


def test_cli_folder_preset_says_what_it_chose_and_a_batch_that_works(tmp_path, capsys, monkeypatch):
    from keras_gan import hardware

    monkeypatch.setattr(hardware, "gpu_count", lambda: 0)
    folder = _folder(tmp_path / "photos", 30, 70)
    # Too big a batch, given explicitly: it is kept, then refused with a
    # batch that would work; the image size is picked and said.
    code = cli.main(
        [
            "train",
            "--dataset",
            str(folder),
            "--preset",
            "folder",
            "--batch-size",
            "64",
            "--logdir",
            str(tmp_path / "logs"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "Folder preset chose --image-size 32 (median image side 70 px" in out
    assert "not above it, at most 32 without a GPU)" in out
    assert "--batch-size" not in out.split("chose", 1)[1].split(";")[0]
    assert "Folder preset chose --width 16 (no GPU found: 1/16 of the cost" in out
    assert "Received batch_size=64 for 25 training images" in err
    # The folder preset's own pick for 25 images (tests/data/test_folder).
    assert "A batch that works: --batch-size 8." in err
    assert not (tmp_path / "logs").exists()

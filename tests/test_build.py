"""Options -> networks -> a compiled GAN (`keras_gan.build`)."""

import numpy as np
import pytest

from keras_gan import build
from keras_gan import options as options_lib
from keras_gan import presets


def test_build_gan_follows_the_options():
    opts = options_lib.resolve({"seed": 0, "d_lr": 3e-4, "latent_dim": 8}, preset="dcgan")
    gan = build.build_gan(opts, (8, 8, 1))
    assert gan.latent_dim == 8 and gan.generator.output_shape[1:] == (8, 8, 1)
    assert float(np.asarray(gan.g_optimizer.learning_rate)) == pytest.approx(2e-4)
    assert float(np.asarray(gan.d_optimizer.learning_rate)) == pytest.approx(3e-4)
    assert float(np.asarray(gan.g_optimizer.beta_1)) == pytest.approx(0.5)


def test_the_preset_builds_the_same_model_and_old_names_still_work():
    a = presets.get("dcgan").build((8, 8, 1), seed=0, latent_dim=8)
    b = build.build_gan(
        options_lib.resolve({"seed": 0, "latent_dim": 8}, preset="dcgan"), (8, 8, 1)
    )
    for x, y in zip(a.generator.get_weights(), b.generator.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert presets.build_gan is build.build_gan and presets.compile_kwargs is build.compile_kwargs
    assert presets.networks is build.networks and presets.jit_compile is build.jit_compile


def test_conditional_needs_class_names():
    opts = options_lib.resolve({"conditional": True, "latent_dim": 8})
    with pytest.raises(ValueError, match="at least 2 classes"):
        build.build_gan(opts, (8, 8, 1), class_names=["only"])
    gan = build.build_gan(opts, (8, 8, 1), class_names=["a", "b", "c"])
    assert gan.num_classes == 3 and tuple(gan.class_names) == ("a", "b", "c")


def test_folder_options_pick_what_is_not_given_and_keep_what_is(tmp_path):
    from PIL import Image

    for i in range(40):
        Image.new("RGB", (70, 90), (6 * i, 0, 0)).save(tmp_path / f"{i}.png")
    folder = options_lib.resolve({"dataset": str(tmp_path)}, preset="folder")
    picked, said = build.folder_options(folder, gpus=0)
    # Median shorter side 70 px: 64, but 32 without a GPU; 34 training
    # images: 8 (the smallest batch); no GPU: width 16.
    assert (picked["image_size"], picked["width"]) == (32, 16)
    assert picked["batch_size"] == 8 and len(said) == 2
    assert "at most 32 without a GPU" in said[0]
    on_gpu, said = build.folder_options(folder, gpus=1)
    assert (on_gpu["image_size"], on_gpu["width"]) == (64, 64) and "GPU" in said[1]
    kept, said = build.folder_options({**folder, "width": 24}, 1, image_size=32, batch_size=4)
    assert (kept["image_size"], kept["batch_size"], kept["width"]) == (32, 4, 24)
    assert said == ["Folder preset: using the --image-size and --batch-size given."]
    dcgan = options_lib.resolve({"dataset": str(tmp_path), "arch": "dcgan"}, preset="folder")
    assert build.folder_options(dcgan, gpus=0)[0]["width"] is None

"""Tests for keras_gan.presets and the preset recorded with a run."""

import json
import subprocess
import sys

import numpy as np
import pytest

import keras

from keras_gan import options as options_lib
from keras_gan import presets
from keras_gan import training


def test_presets_from_python():
    dcgan = presets.get("dcgan")
    assert dict(dcgan.overrides) == {"lr": 2e-4, "beta1": 0.5}
    assert dict(presets.get("lecture").overrides) == {}
    with pytest.raises(ValueError, match="Unknown preset 'fast'"):
        presets.get("fast")
    # The CLI's option table reads the same definition.
    assert options_lib.PRESETS == {k: dict(p.overrides) for k, p in presets.PRESETS.items()}
    opts = dcgan.options(epochs=5)
    assert (opts["preset"], opts["epochs"], opts["lr"], opts["beta1"]) == ("dcgan", 5, 2e-4, 0.5)
    assert opts == options_lib.resolve({"epochs": 5}, preset="dcgan")


def test_preset_builds_the_compiled_gan_the_cli_trains():
    gan = presets.get("dcgan").build((8, 8, 1), seed=0, latent_dim=8, ema_kimg=10)
    assert gan.latent_dim == 8 and gan.image_shape == (8, 8, 1)
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert float(opt.learning_rate) == np.float32(2e-4) and float(opt.beta_1) == 0.5
    assert gan.ema_kimg == 10.0 and gan.ema_rampup == 0.05
    same = training.build_gan(
        options_lib.resolve({"seed": 0, "latent_dim": 8, "ema_kimg": 10.0}, preset="dcgan"),
        (8, 8, 1),
    )
    for a, b in zip(gan.generator.weights, same.generator.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_lecture_preset_is_the_default_and_keeps_no_ema():
    opts = options_lib.resolve({})
    assert opts["preset"] == "lecture" and opts["ema_kimg"] is None
    assert opts == presets.get("lecture").options()
    kw = presets.compile_kwargs(opts)
    assert float(kw["g_optimizer"].learning_rate) == np.float32(1e-4)
    assert float(kw["g_optimizer"].beta_1) == 0.9
    assert presets.gan_kwargs(opts) == {"seed": None, "ema_kimg": None, "ema_rampup": 0.05}
    # The lecture's tf.function, without XLA, on TensorFlow.
    assert kw["jit_compile"] is False and opts["jit_compile"] is None


def test_unset_jit_compile_compiles_the_step_the_backends_own_way():
    # JAX runs a step op by op unless jax.jit is asked for; TensorFlow and
    # PyTorch keep their defaults (tf.function, eager); a set value wins.
    assert presets.jit_compile(None, "jax") is True
    assert presets.jit_compile(None, "tensorflow") is False
    assert presets.jit_compile(None, "torch") is False
    assert presets.jit_compile(False, "jax") is False
    assert presets.jit_compile(True, "tensorflow") is True


def test_preset_name_is_recorded_and_older_files_still_resume(tmp_path):
    options_lib.write_options(options_lib.resolve({"epochs": 2}, preset="dcgan"), tmp_path)
    saved = json.loads((tmp_path / options_lib.OPTIONS_FILE).read_text())
    assert saved["preset"] == "dcgan" and saved["lr"] == 2e-4
    assert options_lib.read_options(tmp_path)["preset"] == "dcgan"
    # A file from before presets (and EMA) were recorded: no such keys.
    old = {k: v for k, v in saved.items() if k not in ("preset", "ema_kimg", "ema_rampup")}
    (tmp_path / options_lib.OPTIONS_FILE).write_text(json.dumps(old))
    read = options_lib.read_options(tmp_path)
    assert read["preset"] is None  # not recorded: not claimed to be the lecture
    assert (read["lr"], read["beta1"], read["ema_kimg"]) == (2e-4, 0.5, None)
    with pytest.raises(ValueError, match="Two presets given"):
        options_lib.resolve({"preset": "lecture"}, preset="dcgan")
    with pytest.raises(ValueError, match="`ema_kimg` > 0"):
        options_lib.resolve({"ema_kimg": 0.0})


def test_resume_of_an_old_run_without_a_preset_key(tmp_path, capsys):
    from keras_gan import cli

    old = options_lib.resolve({"dataset": "mnist_sample"})
    old = {k: v for k, v in old.items() if k not in ("preset", "ema_kimg", "ema_rampup")}
    (tmp_path / options_lib.OPTIONS_FILE).write_text(json.dumps(old))
    args = cli.build_parser().parse_args(["train", "--resume", str(tmp_path), "--epochs", "3"])
    resumed = cli._resume_options(args)
    assert resumed["epochs"] == 3 and resumed["preset"] is None
    with pytest.raises(SystemExit):
        cli.main(["train", "--resume", str(tmp_path), "--preset", "dcgan"])
    assert "--preset cannot be combined with --resume" in capsys.readouterr().err


def test_metrics_runs_export_the_best_generator(tmp_path):
    opts = options_lib.resolve({"metrics_every": 1, "dataset": "mnist_sample"})
    metrics = training.default_callbacks(opts, str(tmp_path))[0]
    assert metrics.best_generator_path == str(tmp_path / training.BEST_GENERATOR_FILE)


def test_presets_module_does_not_load_keras():
    code = (
        "import sys; import keras_gan.presets, keras_gan.options, keras_gan.cli; "
        "keras_gan.cli.build_parser(); print('keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_a_preset_builds_a_conditional_gan_from_class_names():
    from keras_gan import ConditionalGAN
    from keras_gan import presets
    from keras_gan.data import class_names

    gan = presets.get("dcgan").build(
        (28, 28, 1), class_names=class_names("fashion_mnist"), conditional=True, seed=0
    )
    assert isinstance(gan, ConditionalGAN)
    assert gan.num_classes == 10 and gan.label_index("sneaker") == 7
    assert float(gan.g_optimizer.beta_1) == 0.5  # the preset's optimizer
    with pytest.raises(ValueError, match="at least 2 classes"):
        presets.get("lecture").build((28, 28, 1), conditional=True)


def test_quality_preset_builds_ttur_optimizers_and_a_dropout_free_discriminator():
    opts = presets.get("quality").options(seed=0)
    assert (opts["batch_size"], opts["ema_kimg"], opts["d_dropout"]) == (64, 10.0, 0.0)
    gan = presets.get("quality").build((8, 8, 1), seed=0, latent_dim=8)
    assert float(gan.g_optimizer.learning_rate) == np.float32(2e-4)
    assert float(gan.d_optimizer.learning_rate) == np.float32(4e-4)
    assert float(gan.d_optimizer.beta_1) == 0.5 and gan.ema_generator is not None
    kinds = {type(layer).__name__ for layer in gan.discriminator.layers}
    assert "Dropout" not in kinds and "Conv2D" in kinds
    # --d-lr unset: both networks keep --lr (the lecture and dcgan presets).
    lecture = presets.get("lecture").build((8, 8, 1), seed=0, latent_dim=8)
    assert float(lecture.d_optimizer.learning_rate) == float(lecture.g_optimizer.learning_rate)
    assert "Dropout" in {type(layer).__name__ for layer in lecture.discriminator.layers}

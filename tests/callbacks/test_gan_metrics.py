"""Tests for callbacks.gan_metrics."""

import json

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

import keras

from callbacks import GANCheckpoint
from callbacks import GANMetrics
from callbacks import latest_checkpoint
from keras_gan import GAN
from keras_gan.data import load_arrays
from keras_gan.data import scale_images
from tests.conftest import PixelExtractor
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator


class LogRecorder(keras.callbacks.Callback):
    """Copies the epoch logs it receives (it runs after GANMetrics)."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


# Shared, session-scoped classifier cache: see tests/conftest.py.
pytestmark = [pytest.mark.backends, pytest.mark.usefixtures("cache_env")]


def _scalar_tags(log_dir):
    acc = EventAccumulator(str(log_dir), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    # tf.summary.scalar in TF2 writes tensor events; older writers scalars.
    found = {}
    for tag in acc.Tags()["tensors"]:
        found[tag] = [
            (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)
        ]
    for tag in acc.Tags()["scalars"]:
        found[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    return found


def test_metrics_go_into_logs_history_and_tensorboard(tmp_path, tiny_gan, tiny_images):
    data = (tiny_images, np.arange(len(tiny_images)) % 2)
    metrics = GANMetrics(
        data,
        n=10,
        metrics=("fid", "kid", "modes"),
        extractor=PixelExtractor(),
        tensorboard_dir=tmp_path / "tb",
        floor=True,
        metric_kwargs={"kid": {"subsets": 3}},
    )
    recorder = LogRecorder()
    history = tiny_gan.fit(
        tiny_images,
        batch_size=32,
        epochs=2,
        verbose=0,
        callbacks=[metrics, recorder],
    )
    expected = {
        "fid_px",
        "kid_mean_px",
        "kid_std_px",
        "mode_kl_px",
        "modes_covered_px",
        "num_classes_px",
    }
    expected |= {f"floor_{k}" for k in expected}
    for logs in recorder.logs:
        assert expected <= set(logs)
        # Only scalars: no histograms, no metadata.
        assert not {"mode_histogram_px", "class_counts_px", "n", "notes"} & set(logs)
        assert "g_loss" in logs
    assert len(history.history["fid_px"]) == 2
    # The floor is computed once and repeated.
    assert recorder.logs[0]["floor_fid_px"] == recorder.logs[1]["floor_fid_px"]
    tags = _scalar_tags(tmp_path / "tb")
    assert set(tags) == expected
    assert [step for step, _ in tags["fid_px"]] == [0, 1]
    np.testing.assert_allclose(
        [value for _, value in tags["fid_px"]], history.history["fid_px"], rtol=1e-6
    )
    assert metrics.last_result["class_counts_px"]
    assert metrics.last_result["n"] == 10


def test_every_n_epochs(tiny_gan, tiny_images):
    recorder = LogRecorder()
    seen = []
    original = tiny_gan.generate

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return original(*args, **kwargs)

    tiny_gan.generate = spy
    metrics = GANMetrics(
        tiny_images, n=8, metrics="fid", every=2, seed=3, extractor=PixelExtractor()
    )
    tiny_gan.fit(tiny_images, batch_size=32, epochs=4, verbose=0, callbacks=[metrics, recorder])
    assert ["fid_px" in logs for logs in recorder.logs] == [False, True, False, True]
    # The protocol only: generate(n=..., seed=...) with the same seed each time.
    assert seen == [{"n": 8, "seed": 3}, {"n": 8, "seed": 3}]


def test_evaluate_outside_fit(tiny_gan, tiny_images, capsys):
    metrics = GANMetrics(tiny_images, n=8, metrics="fid", extractor=PixelExtractor(), verbose=1)
    metrics.set_model(tiny_gan)
    assert set(metrics.evaluate()) == {"fid_px"}
    logs = {}
    metrics.on_epoch_end(0, logs)
    assert set(logs) == {"fid_px"}
    assert "GANMetrics epoch 1: fid_px=" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kwargs, match",
    [({"every": 0}, "every"), ({"n": 1}, "n"), ({"every": 1.5}, "every")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GANMetrics("mnist_sample", **kwargs)


def test_needs_the_gan_protocol(tiny_images):
    inputs = keras.Input((4,))
    plain = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    metrics = GANMetrics(tiny_images, extractor=PixelExtractor())
    metrics.set_model(plain)
    with pytest.raises(ValueError, match="GANMetrics needs a GAN"):
        metrics.on_train_begin()


@pytest.mark.slow
def test_classifier_metrics_drive_a_best_checkpoint(tmp_path, mnist_classifier):
    keras.utils.set_random_seed(0)
    shape = (28, 28, 1)
    gan = GAN(tiny_generator(image_shape=shape), tiny_discriminator(shape), seed=0)
    gan.compile()
    images, _ = load_arrays("mnist_sample", split="train")
    metrics = GANMetrics(
        "mnist_sample",
        n=200,
        extractor=mnist_classifier,
        tensorboard_dir=tmp_path / "tb",
        metric_kwargs={"kid": {"subsets": 5}},
    )
    checkpoint = GANCheckpoint(tmp_path / "ckpt", monitor="fid_clf", mode="min")
    history = gan.fit(
        scale_images(images[:64]),
        batch_size=32,
        epochs=2,
        verbose=0,
        callbacks=[metrics, checkpoint],
    )
    fids = history.history["fid_clf"]
    assert len(fids) == 2 and all(f > 0 for f in fids)
    for key in (
        "kid_mean_clf",
        "is_mean_clf",
        "precision_clf",
        "coverage_clf",
        "modes_covered_clf",
    ):
        assert len(history.history[key]) == 2
    assert metrics.last_result["classifier_test_accuracy"] > 0.9
    with open(f"{latest_checkpoint(tmp_path / 'ckpt')}/meta.json") as f:
        meta = json.load(f)
    assert meta["monitor"] == "fid_clf"
    assert meta["monitor_value"] == pytest.approx(fids[-1])
    assert {"fid_clf", "is_mean_clf"} <= set(_scalar_tags(tmp_path / "tb"))


def test_best_generator_is_exported_when_fid_improves(tmp_path, tiny_gan, tiny_images, monkeypatch):
    best = tmp_path / "generator_best.keras"
    metrics = GANMetrics(
        tiny_images, n=8, metrics="fid", extractor=PixelExtractor(), best_generator_path=best
    )
    metrics.set_model(tiny_gan)
    metrics.on_train_begin()
    fids = iter([5.0, 3.0, 4.0, float("nan")])
    monkeypatch.setattr(metrics, "evaluate", lambda: {"fid_px": next(fids), "kid_mean_px": 0.1})
    z = tiny_gan.sample_noise(4, seed=0)
    images = []
    for epoch in range(4):
        # A different generator each epoch, as training would make.
        tiny_gan.generator.layers[1].kernel.assign(
            np.full(tiny_gan.generator.layers[1].kernel.shape, 0.01 * (epoch + 1), "float32")
        )
        images.append(tiny_gan.generate(z=z))
        metrics.on_epoch_end(epoch, {})
    record = json.loads((tmp_path / "generator_best.json").read_text())
    assert record == {"monitor": "fid_px", "value": 3.0, "epoch": 2}
    exported = keras.saving.load_model(best, safe_mode=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(exported(z, training=False)), images[1], atol=1e-6
    )
    assert np.abs(images[1] - images[2]).max() > 1e-3  # epochs 3, 4 not exported
    # A resumed run keeps the best so far: 3.5 is no improvement on 3.0.
    resumed = GANMetrics(
        tiny_images, n=8, metrics="fid", extractor=PixelExtractor(), best_generator_path=best
    )
    resumed.set_model(tiny_gan)
    resumed.on_train_begin()
    assert resumed.best == 3.0
    assert not resumed._maybe_export_best(4, {"fid_px": 3.5})
    assert resumed._maybe_export_best(4, {"fid_px": 2.5})
    assert json.loads((tmp_path / "generator_best.json").read_text())["epoch"] == 5


def test_best_generator_is_the_ema_generator(tmp_path, tiny_images):
    keras.utils.set_random_seed(0)
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0, ema_kimg=0.1, ema_rampup=0.0)
    gan.compile()
    metrics = GANMetrics(
        tiny_images,
        n=8,
        metrics="fid",
        extractor=PixelExtractor(),
        best_generator_path=tmp_path / "best.keras",
    )
    gan.fit(tiny_images, batch_size=32, epochs=1, verbose=0, callbacks=[metrics])
    exported = keras.saving.load_model(tmp_path / "best.keras", safe_mode=True)
    z = gan.sample_noise(4, seed=0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(exported(z, training=False)), gan.generate(z=z)
    )
    assert np.abs(gan.generate(z=z) - gan.generate(z=z, ema=False)).max() > 1e-4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"best_generator_path": "g.h5"}, "end in '.keras'"),
        ({"best_generator_path": "g.keras", "metrics": ("kid",)}, "Pass `best_monitor`"),
    ],
)
def test_best_generator_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GANMetrics("mnist_sample", **kwargs)


def test_sample_and_evaluate_pick_the_best_or_last_generator(tmp_path, tiny_gan, capsys):
    from keras_gan import cli
    from keras_gan import options as options_lib

    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    tiny_gan.generator.save(tmp_path / "generator.keras")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sample", "--run", str(tmp_path), "--generator", "best", "--n", "4"])
    assert exit_info.value.code == 2
    assert (
        "holds no generator_best.keras to sample from. It is written by runs trained "
        "with --metrics-every" in capsys.readouterr().err
    )
    # Best and last differ: each command reads the file it was asked for.
    keras.utils.set_random_seed(1)
    tiny_generator().save(tmp_path / "generator_best.keras")
    outs = {}
    for which in ("last", "best"):
        out = tmp_path / f"{which}.png"
        assert (
            cli.main(
                [
                    "sample",
                    "--run",
                    str(tmp_path),
                    "--generator",
                    which,
                    "--n",
                    "4",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        outs[which] = out.read_bytes()
    assert outs["last"] != outs["best"]

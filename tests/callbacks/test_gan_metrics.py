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
pytestmark = pytest.mark.usefixtures("cache_env")


def _scalar_tags(log_dir):
    acc = EventAccumulator(str(log_dir), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    # tf.summary.scalar in TF2 writes tensor events; older writers scalars.
    found = {}
    for tag in acc.Tags()["tensors"]:
        found[tag] = [
            (e.step, float(tensor_util.make_ndarray(e.tensor_proto)))
            for e in acc.Tensors(tag)
        ]
    for tag in acc.Tags()["scalars"]:
        found[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    return found


def test_metrics_go_into_logs_history_and_tensorboard(tmp_path, tiny_gan, tiny_images):
    data = (tiny_images, np.arange(len(tiny_images)) % 2)
    metrics = GANMetrics(
        data, n=10, metrics=("fid", "kid", "modes"), extractor=PixelExtractor(),
        tensorboard_dir=tmp_path / "tb", floor=True,
        metric_kwargs={"kid": {"subsets": 3}},
    )
    recorder = LogRecorder()
    history = tiny_gan.fit(
        tiny_images, batch_size=32, epochs=2, verbose=0,
        callbacks=[metrics, recorder],
    )
    expected = {
        "fid_px", "kid_mean_px", "kid_std_px", "mode_kl_px",
        "modes_covered_px", "num_classes_px",
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
    tiny_gan.fit(tiny_images, batch_size=32, epochs=4, verbose=0,
                 callbacks=[metrics, recorder])
    assert ["fid_px" in logs for logs in recorder.logs] == [False, True, False, True]
    # The protocol only: generate(n=..., seed=...) with the same seed each time.
    assert seen == [{"n": 8, "seed": 3}, {"n": 8, "seed": 3}]


def test_evaluate_outside_fit(tiny_gan, tiny_images, capsys):
    metrics = GANMetrics(tiny_images, n=8, metrics="fid", extractor=PixelExtractor(),
                         verbose=1)
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
        "mnist_sample", n=200, extractor=mnist_classifier,
        tensorboard_dir=tmp_path / "tb", metric_kwargs={"kid": {"subsets": 5}},
    )
    checkpoint = GANCheckpoint(tmp_path / "ckpt", monitor="fid_clf", mode="min")
    history = gan.fit(
        scale_images(images[:64]), batch_size=32, epochs=2, verbose=0,
        callbacks=[metrics, checkpoint],
    )
    fids = history.history["fid_clf"]
    assert len(fids) == 2 and all(f > 0 for f in fids)
    for key in ("kid_mean_clf", "is_mean_clf", "precision_clf", "coverage_clf",
                "modes_covered_clf"):
        assert len(history.history[key]) == 2
    assert metrics.last_result["classifier_test_accuracy"] > 0.9
    with open(f"{latest_checkpoint(tmp_path / 'ckpt')}/meta.json") as f:
        meta = json.load(f)
    assert meta["monitor"] == "fid_clf"
    assert meta["monitor_value"] == pytest.approx(fids[-1])
    assert {"fid_clf", "is_mean_clf"} <= set(_scalar_tags(tmp_path / "tb"))

"""Tests for keras_gan.evaluation."""

import numpy as np
import pytest

import keras
from keras import layers

from keras_gan import GAN
from keras_gan.evaluation import DEFAULT_METRICS
from keras_gan.evaluation import META_KEYS
from keras_gan.evaluation import evaluate_generator
from keras_gan.evaluation import metric_key
from keras_gan.evaluation import scalar_metrics
from tests.conftest import TINY_LATENT
from tests.conftest import PixelExtractor
from tests.conftest import tiny_discriminator


class FeaturesOnly(PixelExtractor):
    name = "fo"
    num_classes = None

    def features_and_probabilities(self, images, batch_size=None):
        return super().features_and_probabilities(images)[0], None


# Shared, session-scoped classifier cache: see tests/conftest.py.
pytestmark = pytest.mark.usefixtures("cache_env")


@pytest.fixture
def data():
    # 120 images of 4x4 in [-1, 1]: 100 train, 20 test (every sixth).
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(120, 4, 4, 1)).astype(np.float32)
    return images, np.arange(120) % 2


def _noise_generator(shape=(4, 4, 1), low=-1.0, high=1.0):
    calls = []

    def generate(n, seed):
        calls.append((n, seed))
        rng = np.random.default_rng(seed)
        return rng.uniform(low, high, size=(n,) + shape).astype(np.float32)

    generate.calls = calls
    return generate


def test_result_keys(data):
    generate = _noise_generator()
    result = evaluate_generator(
        generate,
        data,
        n=10,
        extractor=PixelExtractor(),
        seed=7,
        metric_kwargs={"kid": {"subsets": 5}},
    )
    assert generate.calls == [(10, 7)]
    metric_keys = [
        "fid",
        "kid_mean",
        "kid_std",
        "is_mean",
        "is_std",
        "precision",
        "recall",
        "density",
        "coverage",
        "mode_histogram",
        "mode_kl",
        "modes_covered",
        "num_classes",
        "class_counts",
    ]
    expected = {f"{k}_px" for k in metric_keys}
    expected |= {f"floor_{k}_px" for k in metric_keys}
    expected |= {"n", "n_requested", "dataset", "extractor", "notes", "seconds"}
    assert set(result) == expected
    assert (result["n"], result["n_requested"], result["extractor"]) == (10, 10, "px")
    assert result["notes"] == [] and result["dataset"] == "array"
    assert sum(result["class_counts_px"]) == 10
    assert sum(result["floor_class_counts_px"]) == 10
    assert "classifier_test_accuracy" not in result


def test_floor_false_and_metric_subset(data):
    result = evaluate_generator(
        _noise_generator(),
        data,
        n=10,
        metrics=["fid", "pr"],
        extractor=PixelExtractor(),
        floor=False,
    )
    assert set(scalar_metrics(result)) == {"fid_px", "precision_px", "recall_px"}
    assert result["class_counts_px"] and "floor_fid_px" not in result


def test_n_is_clipped_to_real_images(data):
    generate = _noise_generator()
    result = evaluate_generator(generate, data, n=500, metrics="fid", extractor=PixelExtractor())
    # 20 test images limit the floor, and the generated set follows.
    assert result["n"] == 20 and result["n_requested"] == 500
    assert generate.calls == [(20, 0)]
    assert "clipped to 20" in result["notes"][0]


def test_floor_of_real_images_beats_a_bad_generator(data):
    bad = _noise_generator(low=0.5, high=1.0)
    result = evaluate_generator(
        bad,
        data,
        n=20,
        metrics=("fid", "kid"),
        extractor=PixelExtractor(),
        metric_kwargs={"kid": {"subsets": 5}},
    )
    assert result["floor_fid_px"] < 0.5 * result["fid_px"]
    assert result["floor_kid_mean_px"] < 0.2 * result["kid_mean_px"]


def test_metric_key_and_scalar_metrics():
    assert metric_key("fid", "clf") == "fid_clf"
    assert metric_key("kid_std", "inception", floor=True) == "floor_kid_std_inception"
    result = {
        "fid_clf": 1,
        "floor_fid_clf": 0.5,
        "modes_covered_clf": 10,
        "mode_histogram_clf": [0.5, 0.5],
        "n": 10,
        "seconds": 3.0,
        "classifier_test_accuracy": 0.97,
        "extractor": "clf",
        "flag": True,
    }
    assert scalar_metrics(result) == {
        "fid_clf": 1.0,
        "floor_fid_clf": 0.5,
        "modes_covered_clf": 10.0,
    }
    assert "classifier_test_accuracy" in META_KEYS
    assert DEFAULT_METRICS == ("fid", "kid", "is", "pr", "dc", "modes")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 1}, r"^Expected `n` to be an int >= 2\. Received: 1$"),
        ({"n": True}, r"^Expected `n` to be an int >= 2\. Received: True$"),
        ({"n": 10.0}, r"^Expected `n` to be an int >= 2\. Received: 10\.0$"),
        ({"metrics": ["fid", "fid"]}, "unique"),
        ({"metrics": []}, "at least one"),
        ({"metrics": ["fud"]}, "Unknown metric 'fud'"),
        ({"metric_kwargs": {"kid": {}}, "metrics": ["fid"]}, "not requested"),
        ({"metric_kwargs": {"fid": {"x": 1}}, "metrics": ["fid"]}, "no options"),
        ({"extractor": "vgg"}, "extractor name"),
    ],
)
def test_bad_arguments(data, kwargs, match):
    kwargs = {"n": 10, "extractor": PixelExtractor(), **kwargs}
    with pytest.raises(ValueError, match=match):
        evaluate_generator(_noise_generator(), data, **kwargs)


def test_probability_metrics_need_probabilities(data):
    with pytest.raises(ValueError, match=r"\['is', 'modes'\] need class probabilities"):
        evaluate_generator(_noise_generator(), data, n=10, extractor=FeaturesOnly())
    result = evaluate_generator(
        _noise_generator(), data, n=10, metrics=("fid", "dc"), extractor=FeaturesOnly()
    )
    assert "class_counts_fo" not in result and "fid_fo" in result


@pytest.mark.parametrize(
    "generate, match",
    [
        (lambda n, seed: np.zeros((n, 5, 5, 1), np.float32), r"shape \(4, 4, 1\).*image_size"),
        (lambda n, seed: np.zeros((n - 1, 4, 4, 1), np.float32), "Expected `generate"),
        (lambda n, seed: np.full((n, 4, 4, 1), 9.0, np.float32), "max=9.0"),
        ("not callable", "callable"),
    ],
)
def test_bad_generated_images(data, generate, match):
    with pytest.raises(ValueError, match=match):
        evaluate_generator(generate, data, n=10, extractor=PixelExtractor())


def _constant_generator(image_shape):
    """A generator collapsed by construction: zero kernel, so every latent
    vector gives tanh(-20) = -1.0 in every pixel (a blank image)."""
    z = keras.Input((TINY_LATENT,))
    pixels = layers.Dense(
        int(np.prod(image_shape)),
        activation="tanh",
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(-20.0),
    )(z)
    return keras.Model(z, layers.Reshape(image_shape)(pixels))


@pytest.mark.slow
def test_collapsed_generator_is_far_above_the_real_floor(mnist_classifier):
    shape = (28, 28, 1)
    gan = GAN(_constant_generator(shape), tiny_discriminator(shape), seed=0)
    assert (gan.generate(3, seed=0) == -1.0).all()
    result = evaluate_generator(
        gan.generate,
        "mnist_sample",
        n=10000,
        extractor=mnist_classifier,
        metric_kwargs={"kid": {"subsets": 10}},
    )
    # mnist_sample has 1,000 test digits: n is clipped, and said so.
    assert result["n"] == 1000 and result["n_requested"] == 10000
    assert "clipped to 1000" in result["notes"][0]
    assert result["classifier_test_accuracy"] == mnist_classifier.test_accuracy
    # One image repeated: one predicted class for all 1000, by construction.
    counts = result["class_counts_clf"]
    assert sorted(counts)[-2:] == [0, 1000] and len(counts) == 10
    assert result["modes_covered_clf"] == 1
    # Its k-NN balls have radius 0 and no real digit is blank: recall is 0.
    # Identical class probabilities: the Inception Score is exactly 1.
    assert result["recall_clf"] == 0.0
    assert result["is_mean_clf"] == pytest.approx(1.0, abs=1e-9)
    # Real vs real (the floor) with a classifier of >= 0.93 accuracy: near
    # zero FID/KID, high precision/recall, all 10 modes. Measured: floor FID
    # 1.8, KID -0.017, precision/recall 0.89/0.88, mode KL 0.003; collapsed
    # FID 323, KID 36.9, mode KL 2.2 (-log of one class's share, ~log 10).
    # The collapsed set's FID is at least the trace of the real covariance
    # (its own covariance is 0), far above the floor.
    assert result["floor_fid_clf"] < 0.05 * result["fid_clf"]
    assert abs(result["floor_kid_mean_clf"]) < 0.05 * result["kid_mean_clf"]
    assert result["floor_precision_clf"] > 0.8 and result["floor_recall_clf"] > 0.8
    assert result["floor_modes_covered_clf"] == 10
    assert result["floor_mode_kl_clf"] < 0.01 < 1.0 < result["mode_kl_clf"]
    assert len(result["mode_histogram_clf"]) == 10
    # Everything the callback logs is a float.
    assert all(isinstance(v, float) for v in scalar_metrics(result).values())

"""Pure NumPy (float64) GAN evaluation metrics and a metric registry.

Each metric lives in its own module and is staged as small pure functions
(features -> statistics -> distance), in the style of torch-fidelity and
stylegan3's `metrics/`. Nothing here imports TensorFlow or Keras: feature
extraction (Inception, VGG, a classifier) happens elsewhere and these
functions take NumPy arrays.

Registered metrics (see `METRICS`, `get_metric`, `compute_metrics`):

- "fid": Fréchet Inception Distance -> `{"fid"}`.
- "kid": Kernel Inception Distance -> `{"kid_mean", "kid_std"}`.
- "is": Inception Score from `fake_probs` -> `{"is_mean", "is_std"}`.
- "pr": improved precision/recall -> `{"precision", "recall"}`.
- "dc": density/coverage -> `{"density", "coverage"}`.
- "modes": mode coverage from `fake_probs` and `real_labels` ->
  `{"mode_histogram", "mode_kl", "modes_covered", "num_classes"}`.

Each registered function has the signature `fn(inputs, **options) -> dict`,
`inputs` a `MetricInputs` (real and generated features, class
probabilities, real labels); unknown options raise `TypeError`.

The feature extractors and the cached reference statistics that were here
are in `keras_gan.evaluation` (`keras_gan.metrics.extractors` and
`keras_gan.metrics.reference` still work, with a DeprecationWarning).

Example:

>>> import numpy as np
>>> from keras_gan import metrics
>>> rng = np.random.default_rng(0)
>>> real, fake = rng.normal(size=(100, 8)), rng.normal(size=(100, 8))
>>> result = metrics.compute_metrics(
...     ["fid", "kid"], real, fake, metric_kwargs={"kid": {"subsets": 10}})
>>> sorted(result)
['fid', 'kid_mean', 'kid_std']
"""

from keras_gan.metrics._registry import METRICS
from keras_gan.metrics._registry import compute_metrics
from keras_gan.metrics._registry import get_metric
from keras_gan.metrics._registry import register_metric
from keras_gan.metrics.density_coverage import KEY_COVERAGE
from keras_gan.metrics.density_coverage import KEY_DENSITY
from keras_gan.metrics.density_coverage import density_coverage_from_features
from keras_gan.metrics.fid import KEY_FID
from keras_gan.metrics.fid import fid_features_to_statistics
from keras_gan.metrics.fid import fid_from_features
from keras_gan.metrics.fid import fid_statistics_to_metric
from keras_gan.metrics.inception_score import KEY_IS_MEAN
from keras_gan.metrics.inception_score import KEY_IS_STD
from keras_gan.metrics.inception_score import inception_score_from_probs
from keras_gan.metrics.inputs import MetricInputs
from keras_gan.metrics.kid import KEY_KID_MEAN
from keras_gan.metrics.kid import KEY_KID_STD
from keras_gan.metrics.kid import kid_features_to_metric
from keras_gan.metrics.mode_coverage import KEY_MODE_HISTOGRAM
from keras_gan.metrics.mode_coverage import KEY_MODE_KL
from keras_gan.metrics.mode_coverage import KEY_MODES_COVERED
from keras_gan.metrics.mode_coverage import KEY_NUM_CLASSES
from keras_gan.metrics.mode_coverage import mode_coverage_from_predictions
from keras_gan.metrics.mode_coverage import mode_histograms_to_metric
from keras_gan.metrics.mode_coverage import mode_labels_to_histogram
from keras_gan.metrics.precision_recall import KEY_PRECISION
from keras_gan.metrics.precision_recall import KEY_RECALL
from keras_gan.metrics.precision_recall import precision_recall_from_features

__all__ = [
    "KEY_COVERAGE",
    "KEY_DENSITY",
    "KEY_FID",
    "KEY_IS_MEAN",
    "KEY_IS_STD",
    "KEY_KID_MEAN",
    "KEY_KID_STD",
    "KEY_MODES_COVERED",
    "KEY_MODE_HISTOGRAM",
    "KEY_MODE_KL",
    "KEY_NUM_CLASSES",
    "KEY_PRECISION",
    "KEY_RECALL",
    "METRICS",
    "MetricInputs",
    "compute_metrics",
    "density_coverage_from_features",
    "fid_features_to_statistics",
    "fid_from_features",
    "fid_statistics_to_metric",
    "get_metric",
    "inception_score_from_probs",
    "kid_features_to_metric",
    "mode_coverage_from_predictions",
    "mode_histograms_to_metric",
    "mode_labels_to_histogram",
    "precision_recall_from_features",
    "register_metric",
]

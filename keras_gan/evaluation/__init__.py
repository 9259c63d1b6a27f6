"""Evaluating a generator: feature extractors, reference statistics, metrics.

The layer above the pure NumPy `keras_gan.metrics`: it turns images into
features (`extractors`: a classifier trained on the dataset, InceptionV3),
keeps the real data's statistics in the user cache (`reference`), and
`evaluate_generator` scores a generator against them, next to the
real-vs-real floor. `EvaluationSettings` holds how the real images are
loaded, the cache folder and the generated images' seed.

Example:

```python
from keras_gan.evaluation import EvaluationSettings, evaluate_generator

settings = EvaluationSettings(image_size=28)
result = evaluate_generator(gan.generate, "mnist_sample", n=1000, settings=settings)
result["fid_clf"], result["floor_fid_clf"]
```
"""

from keras_gan.evaluation.extractors import EXTRACTORS
from keras_gan.evaluation.extractors import ClassifierExtractor
from keras_gan.evaluation.extractors import FeatureExtractor
from keras_gan.evaluation.extractors import InceptionExtractor
from keras_gan.evaluation.extractors import get_extractor
from keras_gan.evaluation.generator import evaluate_generator
from keras_gan.evaluation.reference import ReferenceStatistics
from keras_gan.evaluation.reference import reference_statistics
from keras_gan.evaluation.results import DEFAULT_METRICS
from keras_gan.evaluation.results import FLOOR_PREFIX
from keras_gan.evaluation.results import KEY_CLASS_COUNTS
from keras_gan.evaluation.results import KEY_FID_PER_CLASS
from keras_gan.evaluation.results import META_KEYS
from keras_gan.evaluation.results import METRICS_WITH_PROBABILITIES
from keras_gan.evaluation.results import metric_key
from keras_gan.evaluation.results import scalar_metrics
from keras_gan.evaluation.settings import EvaluationSettings

__all__ = [
    "DEFAULT_METRICS",
    "EXTRACTORS",
    "FLOOR_PREFIX",
    "KEY_CLASS_COUNTS",
    "KEY_FID_PER_CLASS",
    "META_KEYS",
    "METRICS_WITH_PROBABILITIES",
    "ClassifierExtractor",
    "EvaluationSettings",
    "FeatureExtractor",
    "InceptionExtractor",
    "ReferenceStatistics",
    "evaluate_generator",
    "get_extractor",
    "metric_key",
    "reference_statistics",
    "scalar_metrics",
]

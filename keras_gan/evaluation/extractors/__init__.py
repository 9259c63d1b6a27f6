"""Feature extractors: images in [-1, 1] -> features and class probabilities.

Every extractor offers `name` (a short label appended to metric keys),
`features(images) -> (N, D) float64` and `probabilities(images) -> (N, K)
float64 or None`, taking NHWC float32 images in [-1, 1] and batching
internally (`features_and_probabilities` does both in one pass).

- `ClassifierExtractor` (`name="clf"`): a small CNN trained once, offline,
  on the labelled train split of the evaluated dataset and cached. The
  right judge for MNIST-like data.
- `InceptionExtractor` (`name="inception"`): Keras' ImageNet InceptionV3
  (needs its weights file). Not the TF-slim graph of published FIDs.

Unlike the pure NumPy `keras_gan.metrics`, this package loads Keras and
TensorFlow.

Example:

```python
from keras_gan.evaluation.extractors import get_extractor

extractor = get_extractor("classifier", dataset="mnist_sample")
features, probs = extractor.features_and_probabilities(images)
```
"""

from keras_gan.evaluation.extractors._base import FeatureExtractor
from keras_gan.evaluation.extractors.classifier import ClassifierExtractor
from keras_gan.evaluation.extractors.classifier import build_classifier
from keras_gan.evaluation.extractors.inception import INCEPTION_WEIGHTS_ENV
from keras_gan.evaluation.extractors.inception import InceptionExtractor
from keras_gan.evaluation.extractors.inception import InceptionWeightsUnavailableError

EXTRACTORS = ("classifier", "inception")


def get_extractor(name, dataset=None, settings=None, **kwargs):
    """Returns a feature extractor by name (or passes an extractor through).

    Args:
        name: `"classifier"` (needs `dataset`; calls
            `ClassifierExtractor.for_dataset(dataset, **kwargs)`),
            `"inception"` (`InceptionExtractor(**kwargs)`; `dataset` is
            ignored), or an existing `FeatureExtractor`, returned as is.
        dataset: the labelled `load_arrays` source the classifier is trained
            on. Defaults to None.
        settings: an `EvaluationSettings`: the classifier is trained on the
            real images as it loads them (`image_size`, `channels`) and
            cached in its `cache_dir`, unless `kwargs` say otherwise.
            Defaults to None.
        **kwargs: passed to the extractor's constructor (e.g. `image_size`,
            `epochs`, `cache_dir` for the classifier; `weights` for
            Inception).

    Returns:
        A `FeatureExtractor`.

    Raises:
        ValueError: for an unknown name, `"classifier"` without a dataset,
            or keyword arguments given with an extractor instance.
        InceptionWeightsUnavailableError: when Inception's weights cannot
            be loaded.

    Example:

    >>> extractor = get_extractor("classifier", "mnist_sample")  # doctest: +SKIP
    >>> extractor.name  # doctest: +SKIP
    'clf'
    """
    if isinstance(name, FeatureExtractor):
        if kwargs:
            raise ValueError(
                "Expected no keyword arguments with an extractor instance. "
                f"Received {sorted(kwargs)} with {name!r}."
            )
        return name
    if name == "classifier":
        if dataset is None:
            raise ValueError(
                "The 'classifier' extractor is trained on a labelled dataset: "
                "pass `dataset` (e.g. 'mnist_sample'). Received dataset=None."
            )
        if settings is not None:
            kwargs.setdefault("cache_dir", settings.cache_dir)
            for key, value in settings.real_images.items():
                kwargs.setdefault(key, value)
        return ClassifierExtractor.for_dataset(dataset, **kwargs)
    if name == "inception":
        return InceptionExtractor(**kwargs)
    raise ValueError(
        f"Expected an extractor name in {EXTRACTORS} or a FeatureExtractor. Received: {name!r}."
    )


__all__ = [
    "EXTRACTORS",
    "INCEPTION_WEIGHTS_ENV",
    "ClassifierExtractor",
    "FeatureExtractor",
    "InceptionExtractor",
    "InceptionWeightsUnavailableError",
    "build_classifier",
    "get_extractor",
]

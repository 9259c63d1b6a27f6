"""`evaluate_generator`: a generator's metrics next to the real-vs-real floor.

A metric value on its own says little: FID depends on the feature
extractor, the number of samples and the dataset. So every evaluation here
also reports the floor, the same metrics for held-out real images (the
"test" split) against the same training reference, with the same extractor
and the same number of images. A perfect generator reaches the floor, not
zero. The keys of the result are described in `keras_gan.evaluation.results`.
"""

import time

import numpy as np

from keras_gan._checks import check_int
from keras_gan.evaluation.extractors import get_extractor
from keras_gan.evaluation.extractors._base import prepare_images
from keras_gan.evaluation.reference import reference_statistics
from keras_gan.evaluation.results import DEFAULT_METRICS
from keras_gan.evaluation.results import KEY_CLASS_COUNTS
from keras_gan.evaluation.results import KEY_FID_PER_CLASS
from keras_gan.evaluation.results import METRICS_WITH_PROBABILITIES
from keras_gan.evaluation.results import metric_key
from keras_gan.evaluation.settings import EvaluationSettings
from keras_gan.metrics import MetricInputs
from keras_gan.metrics import compute_metrics
from keras_gan.metrics import fid_features_to_statistics
from keras_gan.metrics import fid_statistics_to_metric
from keras_gan.metrics import get_metric
from keras_gan.metrics._registry import check_metric_kwargs

# Real subsets are always drawn with this seed, so that the reference does
# not change with the seed of the generated images (and stays cached).
_REFERENCE_SEED = 0


def evaluate_generator(
    generate,
    dataset,
    n=10000,
    metrics=DEFAULT_METRICS,
    extractor="classifier",
    seed=0,
    floor=True,
    cache_dir=None,
    *,
    image_size=None,
    channels=None,
    metric_kwargs=None,
    conditional=False,
    settings=None,
    **kwargs,
):
    """Evaluates generated images against a dataset's training split.

    Draws `n` images with `generate(n=n, seed=seed)` and computes the
    chosen metrics against the reference statistics of the dataset's
    "train" split (cached, see `keras_gan.evaluation.reference`). With
    `floor=True` it also computes the real-vs-real floor: the same metrics
    for `n` held-out real images (the "test" split) against the same
    training reference, with the same extractor.

    The training reference, the generated images and the floor all hold
    the same number of images, because FID, precision/recall and
    density/coverage all depend on it: `n`, clipped to the number of real
    images in the train and test splits (`notes` says when that happened).
    Real subsets are random but fixed (seed 0), whatever `seed` is.

    Args:
        generate: callable `generate(n=..., seed=...)` returning `n` NHWC
            images in [-1, 1] (a `GAN`'s `generate` works).
        dataset: any `load_arrays` source, the one the GAN was trained on.
        n: number of generated (and floor) images, an int >= 2. Defaults to
            10000.
        metrics: registered metric names (see `keras_gan.metrics.METRICS`):
            "fid", "kid", "is", "pr", "dc", "modes". Defaults to all six.
        extractor: `"classifier"`, `"inception"` or a `FeatureExtractor`.
            Defaults to `"classifier"`.
        seed: seed passed to `generate` (`settings.seed`). Defaults to 0.
        floor: also compute the real-vs-real floor. Defaults to True.
        cache_dir: cache folder of the classifier and the reference
            statistics (`settings.cache_dir`). Defaults to None
            (`$KERAS_GAN_CACHE`, else `$XDG_CACHE_HOME/keras-gan`, else
            `~/.cache/keras-gan`).
        image_size: None, an int or `(H, W)` the real images are resized
            to (the GAN's image size; `settings.image_size`); see
            `load_arrays`. Defaults to None.
        channels: None, 1 or 3 (`settings.channels`); see `load_arrays`.
            Defaults to None.
        metric_kwargs: dict of per-metric options, e.g.
            `{"kid": {"subsets": 10}, "pr": {"k": 5}}`. KID's subsets hold
            `min(1000, n // 2)` images by default, so that they differ;
            an explicit `subset_size` larger than `n` raises. Defaults to
            None.
        conditional: evaluate a conditional generator: `generate` is
            called as `generate(n=..., seed=..., labels=labels)` with the
            classes 0, 1, ..., K-1 in turn (K: the dataset's classes), and
            the result adds the class accuracy and per-class FID (below).
            Defaults to False.
        settings: an `EvaluationSettings` holding `image_size`,
            `channels`, `cache_dir`, `seed` and the extractor's
            `batch_size`, instead of the keywords above (a keyword and
            `settings` may not give two different values). Defaults to
            None.
        **kwargs: passed to `get_extractor` when `extractor` is a name (e.g.
            `epochs=` for the classifier, `weights=` for Inception).

    Returns:
        A flat dict:

        - metric values `<key>_<name>`, e.g. `fid_clf`, `kid_mean_clf`,
          `kid_std_clf`, `is_mean_clf`, `is_std_clf`, `precision_clf`,
          `recall_clf`, `density_clf`, `coverage_clf`, `mode_kl_clf`,
          `modes_covered_clf`, `num_classes_clf`, `mode_histogram_clf`
          (a list), where `name` is the extractor's `name`;
        - `class_counts_<name>`: the generated images' class histogram (a
          list of ints, argmax of the probabilities), when the extractor
          has probabilities;
        - with `floor=True`, the same keys prefixed `floor_` for the real
          test images;
        - with `conditional=True`: `class_accuracy_<name>` (the fraction
          of generated images the dataset classifier assigns to the
          requested class; classifier extractor only), `fid_per_class_<name>`
          (a list: each class's generated images against the reference
          images of that class) and `fid_class_mean_<name>`, each with its
          floor (the held-out real images and their true labels);
        - `n` (images per set after clipping), `n_requested`, `dataset`,
          `extractor` (its name),
          `classifier_test_accuracy` (classifier only), `notes` (a list of
          strings, e.g. about clipping `n`) and `seconds`.

    Raises:
        ValueError: for a bad `n` or `settings`, an unknown metric, probability-based
            metrics with an extractor without probabilities, generated
            images of the wrong count, shape or range, or `conditional`
            for a dataset without labels.

    Example:

    ```python
    result = evaluate_generator(gan.generate, "mnist_sample", n=1000)
    result["fid_clf"], result["floor_fid_clf"]
    ```
    """
    start = time.perf_counter()
    if not callable(generate):
        raise ValueError(
            "Expected `generate` to be a callable generate(n=..., seed=...). "
            f"Received: {generate!r}."
        )
    n_requested = check_int("n", n, minimum=2)
    settings = EvaluationSettings.merge(
        settings,
        seed=seed,
        cache_dir=cache_dir,
        image_size=image_size,
        channels=channels,
    )
    metrics = _check_metrics(metrics)
    metric_kwargs = _check_metric_kwargs(metric_kwargs, metrics)
    extractor = get_extractor(extractor, dataset, settings=settings, **kwargs)
    needs_probs = [m for m in metrics if m in METRICS_WITH_PROBABILITIES]
    if needs_probs and extractor.num_classes is None:
        raise ValueError(
            f"Metrics {needs_probs} need class probabilities, which the "
            f"extractor {extractor!r} does not give. Received metrics={metrics}."
        )
    reference, held_out, notes = _references(extractor, dataset, n_requested, settings)
    n_eval = reference.n
    requested = _requested_classes(reference, n_eval) if conditional else None
    images = _generate_checked(
        generate,
        n_eval,
        settings.seed,
        reference.image_shape,
        reference.dataset,
        requested,
    )
    # An extractor of the user's may take no `batch_size`: passed only when set.
    batch = {} if settings.batch_size is None else {"batch_size": settings.batch_size}
    features, probs = extractor.features_and_probabilities(images, **batch)
    scores = _Scores(metrics, reference, extractor, metric_kwargs)
    result = scores.of(features, probs, requested, floor=False)
    if floor:
        real = held_out.subset(n_eval)
        result.update(
            scores.of(
                real.features,
                real.probabilities,
                real.labels if conditional else None,
                floor=True,
            )
        )
    result.update(
        n=n_eval,
        n_requested=n_requested,
        dataset=reference.dataset,
        extractor=extractor.name,
        notes=notes,
    )
    accuracy = getattr(extractor, "test_accuracy", None)
    if accuracy is not None:
        result["classifier_test_accuracy"] = float(accuracy)
    result["seconds"] = time.perf_counter() - start
    return result


class _Scores:
    """The metrics of one set of images against the training reference."""

    def __init__(self, names, reference, extractor, metric_kwargs):
        self.names = names
        self.reference = reference
        self.extractor = extractor
        self.metric_kwargs = metric_kwargs

    def of(self, features, probs, labels, floor):
        """The metric values; with `labels` (conditional), the class ones.

        For the generated images the class scores come first, for the
        floor last: the order of the result's keys is kept as it was.
        """
        values = self._metrics(features, probs)
        if labels is None:
            return self._keys(values, floor)
        per_class = self._class_metrics(features, probs, labels)
        if floor:
            return self._keys({**per_class, **values}, floor)
        return self._keys({**values, **per_class}, floor)

    def _keys(self, values, floor):
        name = self.extractor.name
        return {metric_key(key, name, floor): value for key, value in values.items()}

    def _metrics(self, features, probs):
        # FID uses the cached reference mean and covariance; the other
        # metrics need the reference's features, probabilities or labels.
        reference = self.reference
        values = {}
        if "fid" in self.names:
            mu, sigma = fid_features_to_statistics(features)
            values["fid"] = fid_statistics_to_metric(reference.mu, reference.sigma, mu, sigma)
        others = [name for name in self.names if name != "fid"]
        if others:
            inputs = MetricInputs(
                real_features=reference.features,
                fake_features=features,
                real_probs=reference.probabilities,
                fake_probs=probs,
                # The labels are only comparable with the probabilities of
                # a classifier over the dataset's own classes; for others,
                # "modes" falls back to the argmax of the real probabilities.
                real_labels=reference.labels if self.extractor.predicts_dataset_labels else None,
            )
            options = {k: v for k, v in self.metric_kwargs.items() if k in others}
            values.update(compute_metrics(others, inputs=inputs, metric_kwargs=options))
        if probs is not None:
            counts = np.bincount(np.argmax(probs, axis=1), minlength=probs.shape[1])
            values[KEY_CLASS_COUNTS] = [int(c) for c in counts]
        return values

    def _class_metrics(self, features, probs, labels):
        # A conditional generator's per-class scores: class accuracy (the
        # dataset classifier's agreement with the requested class) and the
        # FID of each class against the reference images of that class.
        reference = self.reference
        values = {}
        if probs is not None and self.extractor.predicts_dataset_labels:
            values["class_accuracy"] = float(np.mean(np.argmax(probs, axis=1) == labels))
        per_class = []
        for c in range(int(labels.max()) + 1):
            real = reference.features[reference.labels == c]
            fake = features[labels == c]
            if len(real) < 2 or len(fake) < 2:
                per_class.append(float("nan"))
                continue
            per_class.append(
                fid_statistics_to_metric(
                    *fid_features_to_statistics(real),
                    *fid_features_to_statistics(fake),
                )
            )
        values[KEY_FID_PER_CLASS] = per_class
        values["fid_class_mean"] = float(np.nanmean(per_class))
        return values


def _check_metrics(metrics):
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError(
            f"Expected at least one metric name, e.g. {DEFAULT_METRICS}. "
            "Received an empty sequence."
        )
    if len(set(metrics)) != len(metrics):
        raise ValueError(f"Expected unique metric names. Received: {metrics}.")
    for name in metrics:
        get_metric(name)  # Raises ValueError listing the known names.
    return metrics


def _check_metric_kwargs(metric_kwargs, metrics):
    metric_kwargs = check_metric_kwargs(metric_kwargs, metrics)
    if "fid" in metric_kwargs:
        raise ValueError(
            "The 'fid' metric takes no options. Received: "
            f"metric_kwargs['fid']={metric_kwargs['fid']!r}."
        )
    return metric_kwargs


def _generate_checked(generate, n, seed, shape, dataset, labels):
    kwargs = {} if labels is None else {"labels": labels}
    images = np.asarray(generate(n=n, seed=seed, **kwargs))
    if images.ndim != 4 or len(images) != n:
        raise ValueError(
            f"Expected `generate(n={n}, seed={seed})` to return "
            f"{n} images of shape {shape}. Received an "
            f"array of shape {images.shape}."
        )
    if tuple(images.shape[1:]) != shape:
        raise ValueError(
            f"Expected generated images of shape {shape}, "
            f"the shape of the real images of {dataset!r}. "
            f"Received shape {tuple(images.shape[1:])}; pass `image_size` "
            "(and `channels`) to load the real images at the GAN's size."
        )
    return prepare_images(images, what="generated images")


def _references(extractor, dataset, n_requested, settings):
    """The train reference cut to the evaluation's n, the held-out test
    statistics, and a note when n had to be clipped."""
    options = dict(
        settings.real_images,
        cache_dir=settings.cache_dir,
        batch_size=settings.batch_size,
    )
    reference = reference_statistics(
        extractor, dataset, "train", n_requested, seed=_REFERENCE_SEED, **options
    )
    held_out = reference_statistics(
        extractor, dataset, "test", n_requested, seed=_REFERENCE_SEED, **options
    )
    n_eval = min(n_requested, reference.n, held_out.n)
    # Precision/recall and density/coverage are asymmetric in the two
    # sample sizes, so the reference is cut to the same n as well.
    reference = reference.subset(n_eval)
    notes = []
    if n_eval < n_requested:
        notes.append(
            f"n={n_requested} clipped to {n_eval}: the {reference.dataset!r} "
            f"data has {reference.num_available} train and "
            f"{held_out.num_available} test images, and the generated "
            "images and the floor use the same n."
        )
    return reference, held_out, notes


def _requested_classes(reference, n):
    """Classes 0..K-1 in turn for n images of a conditional generator."""
    if reference.labels is None:
        raise ValueError(
            "Expected a dataset with class labels to evaluate a "
            f"conditional generator. Received {reference.dataset!r}, "
            "whose reference has none."
        )
    return np.arange(n) % (int(reference.labels.max()) + 1)

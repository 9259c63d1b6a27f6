"""Reference statistics of real data, computed once per extractor and cached.

Evaluating a generator compares its images with real ones; the real side
(features, class probabilities, labels and the FID mean/covariance of one
split) does not change between evaluations, so it is computed once and
stored as `<cache>/references/<label>-<hash>.npz` (no pickles, written
atomically). The hash covers the extractor's key, the dataset (name; or
absolute path with file sizes and mtimes; or a hash of in-memory arrays),
the split, `n`, the subset seed, `image_size`, `channels` and
`REFERENCE_VERSION`. An extractor whose `key` is None (random weights) is
never cached.

This is the role of the precomputed dataset statistics of the original FID
code (TTUR, https://github.com/bioinf-jku/TTUR, `fid_stats_*.npz` with `mu`
and `sigma`), of pytorch-fid's `--save-stats`
(https://github.com/mseitzer/pytorch-fid) and of torch-fidelity's feature
cache (https://github.com/toshas/torch-fidelity), here keyed by the
extractor too, since features of different extractors are not comparable.

Unlike the pure NumPy `keras_gan.metrics`, this module loads TensorFlow
(through `keras_gan.data`).
"""

import dataclasses
import json
import numbers
import zipfile

import numpy as np

from keras_gan import cache as cache_lib
from keras_gan._checks import check_int
from keras_gan.data import load_arrays
from keras_gan.data import scale_images
from keras_gan.evaluation import _cache
from keras_gan.metrics.fid import fid_features_to_statistics

# Bump when the content or layout of the cached files changes.
REFERENCE_VERSION = 1

_CHUNK = 4096


@dataclasses.dataclass(frozen=True, eq=False)
class ReferenceStatistics:
    """The real side of an evaluation: one split seen through one extractor.

    Rows are in a random order (a random subset when `n` is smaller than
    the split), so the first `k` rows are a random subset of `k`; see
    `subset`.

    Attributes:
        features: float64 `(n, D)` features.
        probabilities: float64 `(n, K)` class probabilities, or None.
        labels: int64 `(n,)` labels of the dataset, or None.
        mu: float64 `(D,)` feature mean.
        sigma: float64 `(D, D)` feature covariance (`ddof=1`).
        image_shape: `(H, W, C)` of the real images.
        split: `"train"` or `"test"`.
        n: number of images used.
        num_available: number of images in the split.
        dataset: a short label of the dataset.
        extractor: the extractor's `name`.
        from_cache: whether the statistics were read from the cache.
        path: the cache file, or None when not cached.
    """

    features: np.ndarray
    probabilities: object
    labels: object
    mu: np.ndarray
    sigma: np.ndarray
    image_shape: tuple
    split: str
    n: int
    num_available: int
    dataset: str
    extractor: str
    from_cache: bool = False
    path: object = None

    def subset(self, n):
        """Returns the statistics of the first `n` rows (a random subset).

        Args:
            n: an int in `[2, self.n]`.

        Returns:
            A `ReferenceStatistics` with `n` rows and recomputed `mu` and
            `sigma` (`self` when `n == self.n`).

        Raises:
            ValueError: for `n` outside `[2, self.n]`.
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 2 <= n <= self.n:
            raise ValueError(f"Expected `n` to be an int in [2, {self.n}]. Received: n={n!r}.")
        if n == self.n:
            return self
        features = self.features[:n]
        mu, sigma = fid_features_to_statistics(features)
        return dataclasses.replace(
            self,
            features=features,
            probabilities=None if self.probabilities is None else self.probabilities[:n],
            labels=None if self.labels is None else self.labels[:n],
            mu=mu,
            sigma=sigma,
            n=int(n),
        )


def reference_statistics(
    extractor,
    dataset,
    split="train",
    n=None,
    *,
    image_size=None,
    channels=None,
    seed=0,
    cache_dir=None,
    batch_size=None,
):
    """Computes (or loads from the cache) a split's reference statistics.

    Args:
        extractor: a `FeatureExtractor` (see
            `keras_gan.evaluation.extractors`).
        dataset: any `load_arrays` source.
        split: `"train"` or `"test"`. Defaults to `"train"`.
        n: number of images, an int >= 2: a random subset when the split is
            larger; clipped to the split's size (see `n` and `num_available`
            of the result). None uses the whole split. Defaults to None.
        image_size: None, an int or `(H, W)`; see `load_arrays`. When both
            this and `channels` are None and the extractor has a fixed
            `image_shape` (a classifier), the images are loaded at that
            shape. Defaults to None.
        channels: None, 1 or 3; see `load_arrays`. Defaults to None.
        seed: seed of the random subset and order. Defaults to 0.
        cache_dir: cache folder; None means `$KERAS_GAN_CACHE`, else
            `$XDG_CACHE_HOME/keras-gan`, else `~/.cache/keras-gan`.
            Defaults to None.
        batch_size: images per forward pass of the extractor; None uses
            the extractor's own. Defaults to None.

    Returns:
        A `ReferenceStatistics`.

    Raises:
        ValueError: for a bad `split` or `n`, fewer than 2 images, or
            images the extractor does not accept.
        DatasetUnavailableError: when a named dataset cannot be loaded.

    Example:

    ```python
    extractor = get_extractor("classifier", "mnist_sample")
    ref = reference_statistics(extractor, "mnist_sample", n=2000)
    ref.mu.shape, ref.sigma.shape  # (128,), (128, 128)
    ```
    """
    if split not in ("train", "test"):
        raise ValueError(f"Expected `split` to be 'train' or 'test'. Received: split={split!r}.")
    n = check_int("n", n, minimum=2, allow_none=True)
    seed = check_int("seed", seed, minimum=0)
    if image_size is None and channels is None and extractor.image_shape:
        image_size = tuple(extractor.image_shape[:2])
        channels = int(extractor.image_shape[2])
    label, fingerprint = _cache.source_fingerprint(dataset)
    key = None
    path = None
    if extractor.key is not None:
        key = _cache_key(extractor, fingerprint, split, n, seed, image_size, channels)
        digest = cache_lib.hash_key(key)
        folder = cache_lib.cache_directory(cache_dir) / "references"
        path = folder / f"{cache_lib.slug(label)}-{split}-{digest}.npz"
        cached = _load(path, key, label, extractor.name)
        if cached is not None:
            return cached

    images, labels = load_arrays(dataset, split=split, image_size=image_size, channels=channels)
    num_available = len(images)
    if num_available < 2:
        raise ValueError(
            f"Expected at least 2 images in the {split!r} split of {label!r} "
            f"for reference statistics. Received {num_available}."
        )
    count = num_available if n is None else min(n, num_available)
    order = np.random.default_rng(seed).permutation(num_available)[:count]
    images = images[order]
    labels = None if labels is None else labels[order]
    features, probs = _extract(extractor, images, batch_size)
    mu, sigma = fid_features_to_statistics(features)
    stats = ReferenceStatistics(
        features=features,
        probabilities=probs,
        labels=labels,
        mu=mu,
        sigma=sigma,
        image_shape=tuple(int(d) for d in images.shape[1:]),
        split=split,
        n=int(count),
        num_available=int(num_available),
        dataset=label,
        extractor=extractor.name,
        from_cache=False,
        path=path,
    )
    if path is not None:
        _save(path, key, stats)
    return stats


def _cache_key(extractor, fingerprint, split, n, seed, image_size, channels):
    # Everything that changes the statistics; the written files hold it, so
    # its layout is that of the files written before (they still load).
    return {
        "kind": "reference",
        "version": REFERENCE_VERSION,
        "extractor": extractor.key,
        "source": fingerprint,
        "split": split,
        "n": n,
        "seed": seed,
        "image_size": None
        if image_size is None
        else (
            [int(image_size)] * 2
            if isinstance(image_size, numbers.Integral)
            else [int(d) for d in image_size]
        ),
        "channels": channels,
    }


def _extract(extractor, images, batch_size):
    # Scaled chunk by chunk: extractors take float32 in [-1, 1], and a whole
    # uint8 dataset as float32 would need 4x its memory at once.
    batch = {} if batch_size is None else {"batch_size": batch_size}
    features, probs = [], []
    for start in range(0, len(images), _CHUNK):
        f, p = extractor.features_and_probabilities(
            scale_images(images[start : start + _CHUNK]), **batch
        )
        features.append(np.asarray(f, np.float64))
        probs.append(None if p is None else np.asarray(p, np.float64))
    if probs[0] is None:
        return np.concatenate(features), None
    return np.concatenate(features), np.concatenate(probs)


def _save(path, key, stats):
    meta = {
        "key": key,
        "image_shape": list(stats.image_shape),
        "num_available": stats.num_available,
    }
    arrays = {
        "features": stats.features,
        "mu": stats.mu,
        "sigma": stats.sigma,
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }
    if stats.probabilities is not None:
        arrays["probabilities"] = stats.probabilities
    if stats.labels is not None:
        arrays["labels"] = stats.labels
    _cache.atomic_save_npz(path, arrays)


def _load(path, key, label, extractor_name):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("key") != json.loads(json.dumps(key)):
                return None
            features = data["features"]
            stats = ReferenceStatistics(
                features=features,
                probabilities=data["probabilities"] if "probabilities" in data else None,
                labels=data["labels"] if "labels" in data else None,
                mu=data["mu"],
                sigma=data["sigma"],
                image_shape=tuple(meta["image_shape"]),
                split=key["split"],
                n=int(features.shape[0]),
                num_available=int(meta["num_available"]),
                dataset=label,
                extractor=extractor_name,
                from_cache=True,
                path=path,
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        # An unreadable or truncated file is recomputed and overwritten.
        return None
    return stats

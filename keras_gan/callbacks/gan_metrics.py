"""`GANMetrics`: FID, KID, ... of generated samples every N epochs."""

import json
import math
import os

import keras

from keras_gan._checks import check_int
from keras_gan.callbacks._protocol import check_gan
from keras_gan.callbacks._protocol import is_conditional
from keras_gan.checkpoints import write_generator
from keras_gan.files import atomic_path

# What the callback needs from `keras_gan.evaluation` is imported when
# training starts: it loads the metric and data packages.


class GANMetrics(keras.callbacks.Callback):
    """Computes GAN metrics every N epochs and adds them to the epoch logs.

    Every `every` epochs it draws `n` images with `model.generate(n=n,
    seed=seed)` (the same noise each time, so epochs are comparable) and
    runs `keras_gan.evaluation.evaluate_generator` against the training
    split of `dataset` (for a conditional model, every class in turn, with
    class accuracy and per-class FID added). The scalar results (e.g. `fid_clf`, `kid_mean_clf`,
    `precision_clf`; lists such as class histograms are left out) are added
    to the epoch `logs` dict in place, so callbacks after this one see
    them: `keras.callbacks.History`, `keras.callbacks.TensorBoard` (as
    `epoch_fid_clf`), or a checkpoint keeping the best model:

    ```python
    callbacks = [
        GANMetrics("mnist_sample", n=1000),  # must come first
        GANCheckpoint("logs/run/checkpoints", monitor="fid_clf", mode="min"),
    ]
    ```

    Order matters: Keras calls callbacks in list order, so `GANMetrics` must
    come before any callback that reads its keys. On epochs without an
    evaluation (`every > 1`) the keys are absent from the logs.

    With `tensorboard_dir` it also writes each value as a TensorBoard scalar
    (`tf.summary.scalar`, step = 0-based epoch, as Keras' own callback).
    The extractor (for `"classifier"`, training or loading the cached
    classifier) and the cached reference statistics are prepared when
    training starts. With `floor=True` the real-vs-real floor
    (`floor_fid_clf`, ...) is computed once, at the first evaluation, and
    added to the logs of every evaluated epoch.

    With `best_generator_path`, the generator (the EMA one when the model
    keeps one, as `GANCheckpoint` exports) is saved there whenever the
    `best_monitor` value improves (lower FID by default), and the value and
    epoch are kept beside it in a `.json` file of the same name, so a
    resumed run only replaces it with a better generator.

    Args:
        dataset: the `load_arrays` source the GAN is trained on.
        n: generated images per evaluation (clipped to the real images
            available; see `evaluate_generator`). Defaults to 1000.
        metrics: metric names, see `keras_gan.metrics.METRICS`. Defaults to
            all six: `("fid", "kid", "is", "pr", "dc", "modes")`.
        every: epochs between evaluations. Defaults to 1.
        extractor: `"classifier"`, `"inception"` or a `FeatureExtractor`.
            Defaults to `"classifier"`.
        settings: a `keras_gan.evaluation.EvaluationSettings`: the size
            and channels the real images are loaded at, the cache folder of
            the classifier and reference statistics, the seed of the
            generated noise (the same each evaluation) and the extractor's
            batch size. `seed=`, `cache_dir=`, `image_size=` and
            `channels=` are still accepted as keywords of their own.
            Defaults to None (`EvaluationSettings()`).
        tensorboard_dir: folder of a TensorBoard run to write scalars to.
            Defaults to None (no TensorBoard scalars).
        floor: also log the real-vs-real floor. Defaults to False.
        metric_kwargs: per-metric options, e.g. `{"kid": {"subsets": 10}}`.
            Defaults to None.
        verbose: print the scalar values after each evaluation. Defaults
            to 0.
        best_generator_path: a `.keras` path to export the best generator
            to. Defaults to None (no export).
        best_monitor: the result key that decides the best generator,
            lower is better. Defaults to None: the FID key (`fid_clf` for
            the classifier extractor); `"fid"` must then be among
            `metrics`.
        **extractor_kwargs: passed to `get_extractor` (e.g. `epochs=`).

    Attributes:
        last_result: the full dict of the last evaluation (with lists and
            metadata), or None.
        extractor: the extractor in use once training has started.

    Raises:
        ValueError: for a non-positive `every` or `n`, a
            `best_generator_path` not ending in `.keras`, a best generator
            without `best_monitor` when `"fid"` is not computed, or a model
            without the GAN protocol.

    Example:

    ```python
    gan.fit(ds, epochs=30, callbacks=[
        GANMetrics("mnist_sample", tensorboard_dir="logs/run/metrics")])
    ```
    """

    def __init__(
        self,
        dataset,
        n=1000,
        metrics=("fid", "kid", "is", "pr", "dc", "modes"),
        every=1,
        extractor="classifier",
        *,
        settings=None,
        tensorboard_dir=None,
        floor=False,
        metric_kwargs=None,
        verbose=0,
        best_generator_path=None,
        best_monitor=None,
        **extractor_kwargs,
    ):
        from keras_gan.evaluation.settings import EvaluationSettings

        super().__init__()
        # `seed`, `cache_dir`, `image_size` and `channels` as keywords of
        # their own still work: they are the settings' fields.
        self.settings = EvaluationSettings.merge(
            settings,
            **{
                name: extractor_kwargs.pop(name)
                for name in ("seed", "cache_dir", "image_size", "channels")
                if name in extractor_kwargs
            },
        )
        check_int("every", every, minimum=1)
        check_int("n", n, minimum=2)
        self.dataset = dataset
        self.n = int(n)
        self.metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
        if best_generator_path is not None:
            if not str(best_generator_path).endswith(".keras"):
                raise ValueError(
                    "Expected `best_generator_path` to end in '.keras'. "
                    f"Received: {best_generator_path!r}"
                )
            if best_monitor is None and "fid" not in self.metrics:
                raise ValueError(
                    "The best generator is chosen by FID by default, but "
                    f"'fid' is not in metrics={self.metrics!r}. Pass "
                    "`best_monitor`."
                )
        self.best_generator_path = (
            None if best_generator_path is None else os.fspath(best_generator_path)
        )
        self.best_monitor = best_monitor
        self.best = None
        self.every = int(every)
        self.extractor = extractor
        self.tensorboard_dir = tensorboard_dir
        self.floor = floor
        self.metric_kwargs = metric_kwargs
        self.verbose = verbose
        self.extractor_kwargs = extractor_kwargs
        self.last_result = None
        self._floor_values = None
        self._writer = None

    def _resolve_extractor(self):
        from keras_gan.evaluation import get_extractor

        if not isinstance(self.extractor, str):
            return
        # Resolved once, so a classifier is trained (or loaded) only once.
        self.extractor = get_extractor(
            self.extractor,
            self.dataset,
            settings=self.settings,
            **self.extractor_kwargs,
        )

    @property
    def best_record_path(self):
        """The `.json` file beside `best_generator_path` (value, epoch)."""
        if self.best_generator_path is None:
            return None
        return self.best_generator_path[: -len(".keras")] + ".json"

    def _read_best(self):
        # A resumed run continues from the best so far, not from scratch.
        path = self.best_record_path
        if path and os.path.isfile(path) and os.path.isfile(self.best_generator_path):
            with open(path) as f:
                self.best = json.load(f).get("value")

    def _monitor_key(self, values):
        if self.best_monitor is not None:
            return self.best_monitor
        keys = sorted(k for k in values if k.startswith("fid_"))
        return keys[0] if keys else "fid"

    def _maybe_export_best(self, epoch, values):
        key = self._monitor_key(values)
        value = values.get(key)
        if value is None or not math.isfinite(value):
            return False
        if self.best is not None and not value < self.best:
            return False
        write_generator(self.model, self.best_generator_path)
        with atomic_path(self.best_record_path) as tmp:
            with open(tmp, "w") as f:
                json.dump(
                    {"monitor": key, "value": float(value), "epoch": epoch + 1},
                    f,
                )
        self.best = float(value)
        return True

    def on_train_begin(self, logs=None):
        check_gan(self.model, type(self).__name__)
        if self.best_generator_path and self.best is None:
            self._read_best()
        self._resolve_extractor()
        if self.tensorboard_dir and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))

    def evaluate(self):
        """Evaluates the model now and returns the scalar metric values.

        Returns:
            A dict of the scalar results (see
            `keras_gan.evaluation.scalar_metrics`); the full result is kept
            in `last_result`.
        """
        from keras_gan.evaluation import evaluate_generator
        from keras_gan.evaluation import scalar_metrics

        check_gan(self.model, type(self).__name__)
        self._resolve_extractor()
        model = self.model
        want_floor = bool(self.floor) and self._floor_values is None
        conditional = is_conditional(model)
        result = evaluate_generator(
            # A conditional model is asked for every class in turn.
            (lambda n, seed, labels: model.generate(n=n, seed=seed, labels=labels))
            if conditional
            else (lambda n, seed: model.generate(n=n, seed=seed)),
            self.dataset,
            n=self.n,
            metrics=self.metrics,
            extractor=self.extractor,
            floor=want_floor,
            settings=self.settings,
            metric_kwargs=self.metric_kwargs,
            conditional=conditional,
        )
        if want_floor:
            # The floor does not depend on the generator: compute it once.
            self._floor_values = {k: v for k, v in result.items() if k.startswith("floor_")}
        if self._floor_values:
            result.update(self._floor_values)
        self.last_result = result
        return scalar_metrics(result)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        values = self.evaluate()
        if logs is not None:
            logs.update(values)
        if self.best_generator_path:
            self._maybe_export_best(epoch, values)
        if self._writer is not None:
            import tensorflow as tf

            with self._writer.as_default():
                for key, value in values.items():
                    tf.summary.scalar(key, value, step=epoch)
            self._writer.flush()
        if self.verbose:
            text = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
            print(f"GANMetrics epoch {epoch + 1}: {text}")

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

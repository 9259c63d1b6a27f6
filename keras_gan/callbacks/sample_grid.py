"""`SampleGrid`: a grid of generated images from fixed noise, every N epochs."""

import glob
import os

import numpy as np

import keras

from keras_gan._checks import check_int
from keras_gan.callbacks._protocol import check_gan
from keras_gan.callbacks._protocol import is_conditional
from keras_gan.files import atomic_path
from keras_gan.images import image_grid
from keras_gan.images import save_gif
from keras_gan.images import save_grid

NOISE_FILE = "noise.npy"


def grid_images(model, noise):
    """The images of a sample grid from fixed noise, and its row labels.

    An unconditional model draws one image per noise vector. A conditional
    one (with `num_classes` and `class_names`, e.g. a `ConditionalGAN`)
    draws one row per class, every row from the same noise, so a column
    shows one latent vector across the classes.

    Args:
        model: a GAN offering `generate(z=...)` (and `labels=` when
            conditional).
        noise: latent vectors `(n, latent_dim)`.

    Returns:
        `(images, grid_kwargs)`: the images and the `save_grid` arguments
        that lay them out (`rows`, `cols`, `row_labels` when conditional).
    """
    if not is_conditional(model):
        return model.generate(z=noise), {}
    k, n = model.num_classes, len(noise)
    images = model.generate(z=np.tile(noise, (k, 1)), labels=np.repeat(np.arange(k), n))
    names = getattr(model, "class_names", None) or [str(c) for c in range(k)]
    return images, {"rows": k, "cols": n, "row_labels": list(names)}


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of generated images from one fixed noise batch.

    The noise is drawn once (the lecture's 16 images, a 4x4 grid) and kept in
    `directory/noise.npy`, so every epoch's grid is comparable and a resumed
    run keeps drawing from the same noise. Every `every` epochs it writes
    `directory/epoch_0001.png` (1-based epoch numbers) and, when
    `tensorboard_dir` is given, logs the grid as the TensorBoard image
    `samples`. At the end of training it writes `directory/progress.gif`
    with one frame per grid. With `reals`, it writes `directory/reals.png`
    once, for comparison. For a conditional model (one offering
    `num_classes`, e.g. a `ConditionalGAN`), each grid has one row per
    class, labelled with its class name, every row drawn from the same
    `per_class` noise vectors.

    Args:
        directory: folder of the PNG files (created).
        num_images: images per grid. Defaults to 16.
        every: epochs between grids. Defaults to 1.
        seed: seed of the fixed noise. Defaults to 0.
        reals: optional real images in [-1, 1], `(n, h, w, c)`; the first
            `num_images` are written as `reals.png`.
        tensorboard_dir: folder of a TensorBoard run to log images to.
            Defaults to `None` (no TensorBoard images).
        gif: write `progress.gif` at the end of training. Defaults to True.
        per_class: images per class row for a conditional model. Defaults
            to 8.

    Raises:
        ValueError: for a non-positive `num_images` or `every`, or a model
            without the GAN protocol.

    Example:

    ```python
    gan.fit(ds, epochs=30, callbacks=[SampleGrid("logs/run/samples")])
    ```
    """

    def __init__(
        self,
        directory,
        num_images=16,
        every=1,
        seed=0,
        reals=None,
        tensorboard_dir=None,
        gif=True,
        per_class=8,
    ):
        super().__init__()
        for name, value in (("num_images", num_images), ("every", every), ("per_class", per_class)):
            check_int(name, value)
        self.directory = os.fspath(directory)
        self.num_images = num_images
        self.every = every
        self.seed = seed
        self.reals = reals
        self.tensorboard_dir = None if tensorboard_dir is None else os.fspath(tensorboard_dir)
        self.gif = gif
        self.per_class = per_class
        self.noise = None
        self._writer = None

    def _load_or_draw_noise(self, latent_dim):
        path = os.path.join(self.directory, NOISE_FILE)
        count = self.per_class if is_conditional(self.model) else self.num_images
        if os.path.exists(path):
            noise = np.load(path, allow_pickle=False)
            if noise.shape == (count, latent_dim):
                return noise
        noise = np.random.default_rng(self.seed).standard_normal(
            (count, latent_dim), dtype=np.float32
        )
        with atomic_path(path) as tmp:
            np.save(tmp, noise)
        return noise

    def on_train_begin(self, logs=None):
        check_gan(self.model, type(self).__name__)
        os.makedirs(self.directory, exist_ok=True)
        self.noise = self._load_or_draw_noise(self.model.latent_dim)
        reals_path = os.path.join(self.directory, "reals.png")
        if self.reals is not None and not os.path.exists(reals_path):
            save_grid(np.asarray(self.reals)[: self.num_images], reals_path)
        if self.tensorboard_dir and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)

    def grid_path(self, epoch):
        """The PNG path of a 0-based epoch index."""
        return os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images, layout = grid_images(self.model, self.noise)
        save_grid(images, self.grid_path(epoch), **layout)
        if self._writer is not None:
            import tensorflow as tf

            layout.pop("row_labels", None)
            grid = image_grid(images, **layout)[None]
            with self._writer.as_default():
                tf.summary.image("samples", grid, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        frames = sorted(glob.glob(os.path.join(self.directory, "epoch_*.png")))
        if self.gif and frames:
            save_gif(frames, os.path.join(self.directory, "progress.gif"))
        if self._writer is not None:
            self._writer.close()
            self._writer = None

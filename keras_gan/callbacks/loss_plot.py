"""`LossPlot`: the epoch loss curves as a PNG, refreshed every epoch."""

import json
import os

import keras

from keras_gan.files import atomic_path

DEFAULT_KEYS = ("g_loss", "d_loss", "d_real", "d_fake")


class LossPlot(keras.callbacks.Callback):
    """Plots the epoch logs to a PNG with matplotlib after every epoch.

    Losses (`g_loss`, `d_loss`) go in the top panel, the discriminator's
    mean outputs (`d_real`, `d_fake`) in the bottom one. The values are kept
    in a JSON file beside the PNG (`losses.json`), keyed by epoch, so a
    resumed run continues one history instead of starting a new one.

    Args:
        path: the PNG file. Defaults to `"losses.png"`.
        keys: the log keys to plot. Defaults to `g_loss`, `d_loss`,
            `d_real`, `d_fake`; other keys present in the logs (e.g. FID)
            get panels of their own.

    Example:

    ```python
    gan.fit(ds, epochs=30, callbacks=[LossPlot("logs/run/losses.png")])
    ```
    """

    def __init__(self, path="losses.png", keys=DEFAULT_KEYS):
        super().__init__()
        self.path = os.fspath(path)
        self.keys = tuple(keys)
        self.history_path = os.path.splitext(self.path)[0] + ".json"
        self.history = {}

    def on_train_begin(self, logs=None):
        if os.path.exists(self.history_path):
            with open(self.history_path) as f:
                self.history = {int(k): v for k, v in json.load(f).items()}

    def on_epoch_end(self, epoch, logs=None):
        self.history[epoch + 1] = {
            k: float(v)
            for k, v in (logs or {}).items()
            if isinstance(v, (int, float)) or hasattr(v, "__float__")
        }
        with atomic_path(self.history_path) as tmp:
            with open(tmp, "w") as f:
                json.dump(self.history, f, indent=1)
        self._plot()

    def _plot(self):
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        epochs = sorted(self.history)
        present = {k for e in epochs for k in self.history[e]}
        panels = [
            [k for k in ("g_loss", "d_loss") if k in self.keys and k in present],
            [k for k in ("d_real", "d_fake") if k in self.keys and k in present],
        ]
        panels += [
            [k]
            for k in self.keys
            if k in present and k not in ("g_loss", "d_loss", "d_real", "d_fake")
        ]
        panels = [p for p in panels if p]
        if not panels:
            return
        fig = Figure(figsize=(7, 2.6 * len(panels)), tight_layout=True)
        for i, keys in enumerate(panels):
            ax = fig.add_subplot(len(panels), 1, i + 1)
            for key in keys:
                xs = [e for e in epochs if key in self.history[e]]
                ax.plot(xs, [self.history[e][key] for e in xs], marker=".", label=key)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(loc="best")
            ax.grid(alpha=0.3)
        with atomic_path(self.path) as tmp:
            fig.savefig(tmp, dpi=100)

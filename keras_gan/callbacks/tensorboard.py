"""`GANTensorBoard`: Keras' TensorBoard callback, resume-safe and async-friendly."""

import keras


def _iterations(model):
    import numpy as np

    return int(np.asarray(keras.ops.convert_to_numpy(model.optimizer.iterations)))


class GANTensorBoard(keras.callbacks.TensorBoard):
    """Keras' `TensorBoard`, set up for GAN runs that stop and resume.

    Epoch curves come from the epoch logs (`epoch_g_loss`, `epoch_d_loss`,
    `epoch_d_real`, `epoch_d_fake`, each optimizer's learning rate). Two
    changes to Keras' callback:

    - Per-batch curves (`update_freq=N`) are stepped by the generator's
      update count, so a resumed run continues the same axis instead of
      restarting at 0 over the earlier points.
    - Logging per epoch only, it declares itself `async_safe`: Keras' batch
      hooks would otherwise turn off asynchronous dispatch for every
      callback, though they write nothing.

    Args:
        log_dir: the run's TensorBoard folder (`train/` is written inside).
        update_freq: `"epoch"`, or an int N to also log every N batches.
            Defaults to `"epoch"`.
        **kwargs: passed to `keras.callbacks.TensorBoard`; `write_graph`
            defaults to False (the graph of a GAN step is large and rarely
            read).

    Example:

    ```python
    gan.fit(ds, epochs=30, callbacks=[GANTensorBoard("logs/run/tensorboard")])
    ```
    """

    def __init__(self, log_dir, update_freq="epoch", **kwargs):
        kwargs.setdefault("write_graph", False)
        super().__init__(log_dir=str(log_dir), update_freq=update_freq, **kwargs)
        self.async_safe = (
            self.update_freq == "epoch"
            and not self._should_trace
            and not self.write_steps_per_second
            and not self.write_graph
        )

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        # Keras restarts its batch counter at 0 on every fit().
        self._global_train_batch = _iterations(self.model)

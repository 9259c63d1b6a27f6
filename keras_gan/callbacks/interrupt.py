"""`StopOnInterrupt`: Ctrl-C during `fit` stops at the next batch end."""

import contextlib
import signal
import threading

import keras


class StopOnInterrupt(keras.callbacks.Callback):
    """Turns Ctrl-C during `fit` into a `KeyboardInterrupt` at a batch end.

    Python raises `KeyboardInterrupt` wherever the main thread happens to
    be. One that lands in a destructor (TensorFlow frees the epoch's data
    iterator as an epoch ends, just when a checkpoint has appeared) is
    printed as "Exception ignored" and lost, and training goes on. Inside
    `installed()`, Ctrl-C during `fit` only sets a flag, and this callback
    raises `KeyboardInterrupt` at the next batch end, from ordinary code,
    so it always reaches the caller. Outside `fit` (loading data, building
    the model), or at a second Ctrl-C, it is raised at once as usual.

    Example:

    >>> stop = StopOnInterrupt()
    >>> with stop.installed():
    ...     gan.fit(dataset, epochs=30, callbacks=[stop])
    """

    def __init__(self):
        super().__init__()
        self.pending = False
        self.training = False

    def on_train_begin(self, logs=None):
        self.training = True

    def on_train_end(self, logs=None):
        self.training = False

    def on_train_batch_end(self, batch, logs=None):
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def handle(self, signum=signal.SIGINT, frame=None):
        """The SIGINT handler: defers the first Ctrl-C during `fit`."""
        if self.training and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self):
        """Installs `handle` for SIGINT while the block runs.

        Signal handlers can only be set from the main thread; elsewhere
        this does nothing and Ctrl-C behaves as usual.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self.handle)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)

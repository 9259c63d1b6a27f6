"""Runs `keras-gan train` with one fault injected; used by test_faults.py.

Usage: python -m tests._fault_driver KIND EPOCH -- keras-gan train arguments...
KIND is `step` (SIGKILL after the second step of 0-based epoch EPOCH),
`checkpoint` (SIGKILL halfway through writing the weights file of the
EPOCH-th checkpoint, 1-based) or `export` (SIGKILL halfway through exporting
generator.keras at the EPOCH-th checkpoint).
"""

import os
import signal
import sys


def _die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _truncate_and_die(path):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    _die()


def main(argv):
    kind, epoch = argv[0], int(argv[1])
    cli_args = argv[argv.index("--") + 1 :]

    import keras

    from keras_gan import cli
    from keras_gan import training
    from keras_gan.callbacks.gan_checkpoint import GANCheckpoint

    if kind == "step":
        defaults = training.default_callbacks

        class KillDuringStep(keras.callbacks.Callback):
            def on_epoch_begin(self, e, logs=None):
                self.epoch = e

            def on_train_batch_end(self, batch, logs=None):
                if self.epoch == epoch and batch == 1:
                    _die()

        training.default_callbacks = lambda *a, **k: defaults(*a, **k) + [KillDuringStep()]
    elif kind == "checkpoint":
        save_weights = keras.Model.save_weights
        calls = []

        def dying_save_weights(self, path, *a, **k):
            save_weights(self, path, *a, **k)
            calls.append(path)
            if len(calls) == epoch:
                _truncate_and_die(path)

        keras.Model.save_weights = dying_save_weights
    elif kind == "export":
        export = GANCheckpoint._export_generator
        save = keras.Model.save
        calls = []

        def dying_export(self):
            calls.append(1)
            if len(calls) == epoch:

                def dying_save(model, path, *a, **k):
                    save(model, path, *a, **k)
                    _truncate_and_die(path)

                keras.Model.save = dying_save
            export(self)

        GANCheckpoint._export_generator = dying_export
    else:
        raise SystemExit(f"unknown fault kind {kind!r}")
    return cli.main(cli_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

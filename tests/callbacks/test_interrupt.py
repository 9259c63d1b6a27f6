import os
import signal

import pytest

import keras

from callbacks import StopOnInterrupt
from keras_gan import GAN
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

pytestmark = pytest.mark.backends


def test_ctrl_c_during_fit_stops_at_the_next_batch_end(tiny_images):
    # A real SIGINT sent to this process from inside the first batch's
    # callback: fit finishes that batch, then stops before a second one.
    gan = GAN(tiny_generator(), tiny_discriminator(), seed=0)
    gan.compile()
    stop = StopOnInterrupt()

    class SendCtrlC(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with stop.installed():
            assert signal.getsignal(signal.SIGINT) == stop.handle
            gan.fit(tiny_images, batch_size=16, epochs=1, verbose=0, callbacks=[SendCtrlC(), stop])
    assert signal.getsignal(signal.SIGINT) == before  # restored
    assert int(gan.g_optimizer.iterations) == 1  # one batch of 64 / 16 = 4 ran
    assert not stop.pending


def test_ctrl_c_outside_fit_or_twice_raises_at_once():
    stop = StopOnInterrupt()
    with pytest.raises(KeyboardInterrupt):
        stop.handle()  # not training: loading data, building the model
    stop.on_train_begin()
    stop.handle()  # deferred to the batch end
    assert stop.pending
    with pytest.raises(KeyboardInterrupt):
        stop.handle()  # a second Ctrl-C does not wait
    with pytest.raises(KeyboardInterrupt):
        stop.on_train_batch_end(0)
    stop.on_train_batch_end(1)  # raised once only
    assert not stop.pending

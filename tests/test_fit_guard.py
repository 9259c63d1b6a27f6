"""Tests for keras_gan._fit_guard: fit's first-batch check and non-finite stop."""

import numpy as np
import pytest

import keras

import keras_gan
from keras_gan import GAN
from keras_gan import _fit_guard
from keras_gan import gan as gan_module
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator


def test_the_error_keeps_its_old_homes():
    assert gan_module.NonFiniteLossError is _fit_guard.NonFiniteLossError
    assert keras_gan.NonFiniteLossError is _fit_guard.NonFiniteLossError
    assert gan_module._check_first_batch is _fit_guard.check_first_batch


def test_logs_without_a_failure_pass_and_lose_the_private_keys():
    gan = GAN(tiny_generator(), tiny_discriminator())
    logs = {"g_loss": 1.0, "_non_finite_loss": np.int32(0), "_non_finite_step": np.int32(0)}
    _fit_guard.stop_if_non_finite(gan, logs)
    assert logs == {"g_loss": 1.0}


def test_a_failure_names_the_loss_and_steps_from_the_epoch_tracker():
    gan = GAN(tiny_generator(), tiny_discriminator())
    gan.compile()
    tracker = _fit_guard.EpochTracker()
    tracker.epoch, tracker.start_step = 2, 10
    gan._epoch_tracker = tracker
    logs = {"_non_finite_loss": np.int32(2), "_non_finite_step": np.int32(12)}
    with pytest.raises(
        _fit_guard.NonFiniteLossError, match=r"d_loss at epoch 3, step 3 \(global step 13\)"
    ):
        _fit_guard.stop_if_non_finite(gan, logs)
    assert logs == {}


def test_the_train_function_is_wrapped_once_and_fit_gets_a_tracker():
    wrapped = _fit_guard.guard_train_function(None, lambda *args: {})
    assert _fit_guard.guard_train_function(None, wrapped) is wrapped
    kwargs = {"callbacks": [keras.callbacks.History()]}
    tracker = _fit_guard.prepare_fit((np.zeros((4, 8, 8, 1), "float32"),), kwargs)
    assert kwargs["callbacks"][-1] is tracker and len(kwargs["callbacks"]) == 2
    with pytest.raises(ValueError, match="uint8 pixels with min=255, max=255"):
        _fit_guard.prepare_fit((np.full((4, 8, 8, 1), 255, "uint8"),), {})

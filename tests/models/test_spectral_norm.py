import numpy as np
import pytest

import keras

from keras_gan.models.spectral_norm import SpectralNormalization

pytestmark = pytest.mark.backends


def _largest_singular_value(layer):
    kernel = keras.ops.convert_to_numpy(layer.normalized_kernel())
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_power_iterations_bring_the_spectral_norm_to_one(kind):
    # Seeded kernels: how fast the power iteration converges depends on the
    # gap between the two largest singular values, so an unseeded kernel
    # (whatever the global RNG holds after the tests before) can need more
    # than a fixed number of steps. 200 steps reach 1e-3 for any gap ratio
    # up to about 0.98.
    init = keras.initializers.GlorotUniform(seed=0)
    inner = (
        keras.layers.Dense(5, kernel_initializer=init)
        if kind == "dense"
        else keras.layers.Conv2D(5, 3, kernel_initializer=init)
    )
    layer = SpectralNormalization(inner)
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype("float32")
    layer(x)
    inner.kernel.assign(inner.kernel * 10.0)
    for _ in range(200):
        layer(x, training=True)
    np.testing.assert_allclose(_largest_singular_value(layer), 1.0, rtol=1e-3)
    # The kernel variable itself is never written: only `u` moves.
    assert np.abs(keras.ops.convert_to_numpy(inner.kernel)).max() > 1.0


def test_gradient_flows_through_two_calls_before_the_backward_pass():
    # The GAN step calls the critic on reals and fakes before one backward
    # pass (where Keras' own layer fails on PyTorch: test_resnet's fit test).
    dense = keras.layers.Dense(1)
    layer = SpectralNormalization(dense)
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], keras.layers.Add()([layer(a), layer(b)]))
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 3), "float32")
    before = keras.ops.convert_to_numpy(dense.kernel).copy()
    model.fit([x, 2 * x], np.ones((4, 1), "float32"), epochs=1, verbose=0)
    assert not np.allclose(keras.ops.convert_to_numpy(dense.kernel), before)


def test_other_layers_are_refused():
    with pytest.raises(ValueError, match="Expected a keras.layers.Dense or a channels_last"):
        SpectralNormalization(keras.layers.Conv2DTranspose(2, 3))

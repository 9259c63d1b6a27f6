"""Spectral normalisation as a reparametrisation, on every backend.

`keras.layers.SpectralNormalization` divides its layer's kernel by the
spectral norm and assigns the result back to the kernel on each training
call. On PyTorch that assignment modifies, in place, a kernel that the
step's earlier discriminator call (real images, then generated ones) saved
for its backward pass, and autograd refuses it ("a variable needed for
gradient computation has been modified by an inplace operation"). This
subclass keeps the same variables, arguments and power iteration but never
writes the kernel: each call computes `kernel / sigma` and runs the wrapped
`Dense` or `Conv2D` with it, as Miyato et al. 2018 (and PyTorch's
`torch.nn.utils.spectral_norm`) define it. Only the power iteration's
vector `u` is assigned, in training calls, from values that carry no
gradient.
"""

import keras
from keras import ops


def _normalize(x):
    return x / (ops.sqrt(ops.sum(ops.square(x))) + 1e-12)


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    """Divides a `Dense` or `Conv2D` kernel by its spectral norm at each call.

    Args:
        layer: a `keras.layers.Dense` or `keras.layers.Conv2D`
            (`channels_last`).
        power_iterations: power iterations per training call. Defaults to 1.
        **kwargs: base layer keyword arguments (`name`, `dtype`).

    Raises:
        ValueError: for another kind of layer, or `power_iterations < 1`.

    Example:

    >>> dense = SpectralNormalization(keras.layers.Dense(4))
    >>> dense(keras.ops.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D)) or (
            getattr(layer, "data_format", "channels_last") != "channels_last"
        ):
            raise ValueError(
                "Expected a keras.layers.Dense or a channels_last "
                f"keras.layers.Conv2D. Received: layer={layer!r}"
            )
        super().__init__(layer, power_iterations=power_iterations, **kwargs)

    def call(self, inputs, training=False):
        kernel = self.normalized_kernel(training)
        layer = self.layer
        if isinstance(layer, keras.layers.Conv2D):
            outputs = layer.convolution_op(inputs, ops.cast(kernel, inputs.dtype))
        else:
            outputs = ops.matmul(inputs, ops.cast(kernel, inputs.dtype))
        if layer.use_bias:
            outputs = outputs + ops.cast(layer.bias, outputs.dtype)
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def normalized_kernel(self, training=False):
        """The kernel divided by its largest singular value's estimate.

        Args:
            training: run the power iteration and store its `u`. Defaults
                to False (use the stored `u`).

        Returns:
            A tensor shaped like the kernel.
        """
        kernel = self.kernel.value
        weights = ops.reshape(kernel, (-1, self.kernel_shape[-1]))
        # The iteration carries no gradient, so assigning `u` touches no
        # tensor a backward pass needs.
        frozen = ops.stop_gradient(weights)
        u = ops.stop_gradient(self.vector_u.value)
        for _ in range(self.power_iterations if training else 0):
            v = _normalize(ops.matmul(u, ops.transpose(frozen)))
            u = _normalize(ops.matmul(v, frozen))
        v = _normalize(ops.matmul(u, ops.transpose(frozen)))
        if training:
            self.vector_u.assign(u)
        sigma = ops.matmul(ops.matmul(v, weights), ops.transpose(u))
        return kernel / ops.reshape(sigma, ())

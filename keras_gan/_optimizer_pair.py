"""A container optimizer that holds a GAN's two optimizers as one.

Keras' trainers know one `model.optimizer`. Without a container, `compile()`
installs a default RMSprop that the GAN never uses: TensorBoard logs its
learning rate, mixed precision wraps it, and the JAX trainer threads only
its state (so the real optimizers' state would be lost). This container's
`variables` are both optimizers' variables, its `iterations` are the
generator's update count, and its `optimizers` list lets Keras' TensorBoard
callback log each learning rate.

Saving stores each optimizer's state once: the GAN's `g_optimizer` and
`d_optimizer` attributes save their own variables, so the container saves
only its own two (`iteration`, `learning_rate`). Files written before this
(keras-gan 0.1 layout) held all of `variables` under the container as well;
they still load, the copy is ignored.

`LossScaleOptimizer` (used for `mixed_float16`) wraps one optimizer the same
way, and saves only its own loss scale for the same reason.
"""

import warnings

import keras


class OptimizerPair(keras.optimizers.Optimizer):
    """Holds the generator's and the discriminator's optimizers.

    It never applies gradients itself: the GAN's `train_step` calls each
    inner optimizer on its own network's variables.

    Args:
        g_optimizer: the generator's optimizer.
        d_optimizer: the discriminator's optimizer.
        name: the container's name. Defaults to `"gan_optimizers"`.
    """

    def __init__(self, g_optimizer, d_optimizer, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    @property
    def optimizers(self):
        return [self.g_optimizer, self.d_optimizer]

    def build(self, var_list):
        # The inner optimizers are built on their own networks by
        # `GAN.compile`; the container only marks itself built.
        super().build([])

    @property
    def iterations(self):
        return self.g_optimizer.iterations

    @property
    def variables(self):
        return (
            self._variables[:] + list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        )

    def save_own_variables(self, store):
        # Only the container's own `iteration` and `learning_rate` (never
        # updated, kept so the layout stays stable): the inner optimizers are
        # attributes of the GAN too, and Keras' saver already stores each
        # under `g_optimizer/` and `d_optimizer/`. Saving `self.variables`
        # here would store both optimizers' state twice.
        save_own_only(self, store)

    def load_own_variables(self, store):
        load_own_only(self, store)

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError(
            "OptimizerPair does not apply gradients: call `g_optimizer` or "
            "`d_optimizer` on its own network's variables."
        )

    def get_config(self):
        return {
            "name": self.name,
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(
            keras.saving.deserialize_keras_object(config["g_optimizer"]),
            keras.saving.deserialize_keras_object(config["d_optimizer"]),
            name=config.get("name", "gan_optimizers"),
        )


def save_own_only(optimizer, store):
    """Saves a wrapping optimizer's own variables, not the wrapped ones'.

    Keras' saver also visits the wrapped optimizers (they are attributes),
    so storing `optimizer.variables` would store their state twice.
    """
    for i, variable in enumerate(optimizer._variables):
        store[str(i)] = keras.ops.convert_to_numpy(variable)


def load_own_only(optimizer, store):
    """Loads what `save_own_only` saved, or the older full layout.

    Older files hold the wrapper's own variables followed by a copy of the
    wrapped optimizers' (`len(optimizer.variables)` entries); the wrapped
    optimizers load the same values from their own groups, so only the
    first `len(own)` entries are read.
    """
    own = optimizer._variables
    count = len(store.keys())
    if count not in (len(own), len(optimizer.variables)):
        warnings.warn(
            f"Skipping variable loading for optimizer '{optimizer.name}': it "
            f"has {len(own)} own variables ({len(optimizer.variables)} with "
            f"the optimizers it wraps) whereas the saved one has {count}.",
            stacklevel=3,
        )
        return
    for i, variable in enumerate(own):
        variable.assign(store[str(i)])


@keras.saving.register_keras_serializable(package="keras_gan")
class LossScaleOptimizer(keras.optimizers.LossScaleOptimizer):
    """Keras' `LossScaleOptimizer`, saving its inner optimizer's state once.

    Keras' own class saves its `variables` (its loss scale and step counter
    followed by the inner optimizer's) and then the inner optimizer again
    under `inner_optimizer/`. This one saves only its own; files in Keras'
    layout still load. Same arguments as `keras.optimizers.LossScaleOptimizer`.
    """

    def save_own_variables(self, store):
        save_own_only(self, store)

    def load_own_variables(self, store):
        load_own_only(self, store)


def loss_scaled(optimizer):
    """Wraps `optimizer` in a `LossScaleOptimizer` that saves its state once.

    Args:
        optimizer: a Keras optimizer, possibly already a (Keras or keras-gan)
            `LossScaleOptimizer`.

    Returns:
        A keras-gan `LossScaleOptimizer`. A Keras one that is not yet built
        is re-wrapped with the same settings; a built one is returned as is
        (its state exists already).
    """
    if isinstance(optimizer, LossScaleOptimizer):
        return optimizer
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        if optimizer.built:
            return optimizer
        return LossScaleOptimizer(
            optimizer.inner_optimizer,
            initial_scale=optimizer.initial_scale,
            dynamic_growth_steps=optimizer.dynamic_growth_steps,
            name=optimizer.name,
        )
    return LossScaleOptimizer(optimizer)

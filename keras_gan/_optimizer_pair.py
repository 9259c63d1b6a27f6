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
            self._variables[:]
            + list(self.g_optimizer.variables)
            + list(self.d_optimizer.variables)
        )

    def _own_variables(self):
        # The container's own `iteration` and `learning_rate`, created by the
        # base class; never updated, kept so the saved layout stays stable.
        return self._variables[:]

    def save_own_variables(self, store):
        # Only the container's own variables: the inner optimizers are
        # attributes of the GAN too, and Keras' saver already stores each
        # under `g_optimizer/` and `d_optimizer/`. Saving `self.variables`
        # here would store both optimizers' state twice.
        for i, variable in enumerate(self._own_variables()):
            store[str(i)] = keras.ops.convert_to_numpy(variable)

    def load_own_variables(self, store):
        own = self._own_variables()
        count = len(store.keys())
        # Older files hold the container's own variables followed by a copy
        # of both optimizers' (`len(self.variables)` entries); the inner
        # optimizers load the same values from their own groups, so only the
        # first `len(own)` entries are read.
        if count not in (len(own), len(self.variables)):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}': it "
                f"has {len(own)} own variables ({len(self.variables)} with "
                f"both optimizers') whereas the saved one has {count}.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(own):
            variable.assign(store[str(i)])

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError(
            "OptimizerPair does not apply gradients: call `g_optimizer` or "
            "`d_optimizer` on its own network's variables."
        )

    def get_config(self):
        return {
            "name": self.name,
            "g_optimizer": keras.saving.serialize_keras_object(
                self.g_optimizer
            ),
            "d_optimizer": keras.saving.serialize_keras_object(
                self.d_optimizer
            ),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(
            keras.saving.deserialize_keras_object(config["g_optimizer"]),
            keras.saving.deserialize_keras_object(config["d_optimizer"]),
            name=config.get("name", "gan_optimizers"),
        )

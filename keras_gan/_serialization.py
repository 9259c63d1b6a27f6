"""What a GAN saves beyond Keras' defaults, and how older files load.

Keras saves a layer's own variables but not its `SeedGenerator`s' states;
the noise and dropout streams are part of the training state, so a resumed
run continues them instead of replaying step 0's. A file saved before ADA
was switched on lacks ADA's state: it loads with `p = 0`.
"""

import keras
from keras import ops

from keras_gan import _ada


def seed_generators(model):
    """The model's noise generator, then every layer's, in layer order.

    A stable order for saving and loading.
    """
    found = [model.seed_generator]
    for network in (model.generator, model.discriminator):
        for layer in network._flatten_layers(include_self=True):
            for generator in getattr(layer, "_seed_generators", []):
                if generator not in found:
                    found.append(generator)
    return found


def save_seed_states(model, store):
    """Adds each seed generator's state to `store` (`seed_state_<i>`)."""
    for i, generator in enumerate(seed_generators(model)):
        store[f"seed_state_{i}"] = ops.convert_to_numpy(generator.state)


def load_own_variables(model, store):
    """Loads the model's own variables and seed states from `store`.

    ADA's variables missing from the store (saved without ADA) start at 0.
    """
    own = model._trainable_variables + model._non_trainable_variables
    ada = {id(v) for v in _ada.ada_variables(model)}
    for i, variable in enumerate(own):
        if f"{i}" not in store and id(variable) in ada:
            variable.assign(0.0)
            continue
        variable.assign(store[f"{i}"])
    for i, generator in enumerate(seed_generators(model)):
        if f"seed_state_{i}" in store:
            generator.state.assign(store[f"seed_state_{i}"])


def networks_from_config(config, custom_objects=None):
    """`from_config`'s arguments: the config with both networks deserialised."""
    config = dict(config)
    for key in ("generator", "discriminator"):
        config[key] = keras.saving.deserialize_keras_object(
            config[key], custom_objects=custom_objects
        )
    return config

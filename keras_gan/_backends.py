"""The Keras backends keras-gan trains on: one list for the CLI and the step.

Imports nothing, so `keras-gan --help` can offer them without loading Keras.
"""

# Each backend's name, as `KERAS_BACKEND` spells it.
BACKENDS = ("tensorflow", "jax", "torch")

"""`GAN.fit`'s compiled JAX step does the hand-written loop's work, no more."""

import os
import sys

import pytest

import keras

from tests.conftest import TINY_LATENT
from tests.conftest import tiny_discriminator
from tests.conftest import tiny_generator

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(keras.backend.backend() != "jax", reason="XLA's cost analysis of JAX steps"),
]


def test_fit_step_costs_what_the_loop_costs():
    from jax_step_cost import step_costs

    costs = step_costs(tiny_generator, tiny_discriminator, 16, TINY_LATENT)
    # The guard, the trackers and the seed state add elementwise work over
    # the weights: +1.9% FLOPs and +0.6% bytes for these tiny networks,
    # +0.03% and +0.04% for the lecture's. A second forward or backward
    # pass would add 30-100%.
    assert costs["fit"]["flops"] >= costs["loop"]["flops"] > 0
    assert costs["fit"]["flops"] <= 1.05 * costs["loop"]["flops"], costs
    assert costs["fit"]["bytes"] <= 1.05 * costs["loop"]["bytes"], costs


def test_needs_the_jax_backend(monkeypatch):
    from jax_step_cost import step_costs

    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(ValueError, match="Expected the JAX backend"):
        step_costs(tiny_generator, tiny_discriminator, 16, TINY_LATENT)

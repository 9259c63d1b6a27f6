"""Terms added to the critic's loss: WGAN-GP's gradient penalty and R1.

A GAN's `critic_regularisers` is a tuple of `Regulariser` entries, made by
`compile` from `gradient_penalty` and `r1_penalty`; the critic's loss adds
each entry's term in order. A new penalty, or a lazy one applied every k
critic updates, is one more entry.
"""

import dataclasses
from collections.abc import Callable

import keras
from keras import ops

from keras_gan import _step


@dataclasses.dataclass(frozen=True)
class Regulariser:
    """One term of the critic's loss: `weight * penalty(model, real, fake, condition)`.

    Args:
        name: what it is, e.g. `"r1_penalty"`.
        weight: its factor in the critic's loss.
        penalty: `(model, real, fake, condition) -> scalar`, on the images
            the critic saw (augmented when the model augments).
        every: apply it every this many critic updates only, with its
            weight multiplied by as much (StyleGAN2's lazy regularisation).
            Defaults to 1 (every update).

    Example:

    >>> gan.critic_regularisers += (Regulariser("r1", 5.0, r1, every=16),)
    """

    name: str
    weight: float
    penalty: Callable
    every: int = 1

    def term(self, model, real, fake, condition):
        """The term added to the critic's loss in this update."""
        if self.every == 1:
            return self.weight * self.penalty(model, real, fake, condition)
        term = (self.weight * self.every) * self.penalty(model, real, fake, condition)
        due = ops.equal(ops.mod(model.d_optimizer.iterations, self.every), 0)
        return ops.where(due, term, ops.zeros_like(term))


def critic_input_gradient(model, images, condition):
    """d(critic score)/d(images), in float32, for the penalties."""
    return _step.backend().input_gradient(
        lambda x: ops.cast(model._critic(x, condition), "float32"),
        ops.cast(images, "float32"),
    )


def gradient_penalty(model, real, fake, condition):
    """WGAN-GP: the critic's gradient norm away from 1 (Gulrajani et al. 2017).

    Taken on random interpolates between real and fake images.
    """
    real = ops.cast(real, "float32")
    fake = ops.cast(fake, "float32")
    alpha = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=model.seed_generator)
    mixed = real + alpha * (fake - real)
    grads = critic_input_gradient(model, mixed, condition)
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=[1, 2, 3]) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def r1(model, real, fake, condition):
    """R1: the critic's squared gradient norm on real images (Mescheder et al. 2018)."""
    grads = critic_input_gradient(model, real, condition)
    return ops.mean(ops.sum(ops.square(grads), axis=[1, 2, 3]))


def critic_regularisers(gradient_penalty_weight, r1_weight):
    """The entries `compile` makes: the gradient penalty, then R1, if weighted.

    Args:
        gradient_penalty_weight: WGAN-GP's weight; 0 leaves it out.
        r1_weight: R1's gamma (the term is gamma / 2 times R1); 0 leaves
            it out.

    Returns:
        A tuple of `Regulariser`s.
    """
    entries = (
        Regulariser("gradient_penalty", gradient_penalty_weight, gradient_penalty),
        Regulariser("r1_penalty", 0.5 * r1_weight, r1),
    )
    return tuple(entry for entry in entries if entry.weight > 0)

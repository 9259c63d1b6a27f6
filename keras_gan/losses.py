"""Adversarial losses as plain functions, and a registry by name.

Every function takes discriminator *logits* (unbounded scores, not
probabilities) and returns a scalar. They use `keras.ops` only, so they run on
any backend and inside any compiled step. Logits are cast to float32 first:
under mixed precision the losses stay in full precision.

References:
- `minimax` and `non_saturating`: Goodfellow et al., "Generative Adversarial
  Nets", NeurIPS 2014 (the non-saturating generator loss is their practical
  recommendation, and the lecture's `BinaryCrossentropy(from_logits=True)`).
- `least_squares`: Mao et al., "Least Squares Generative Adversarial
  Networks", ICCV 2017 (a=0, b=c=1 coding).
- `hinge`: Lim & Ye, "Geometric GAN", 2017; Miyato et al., SN-GAN, ICLR 2018.
- `wasserstein`: Arjovsky et al., "Wasserstein GAN", ICML 2017, with the
  gradient penalty of Gulrajani et al., "Improved Training of Wasserstein
  GANs", NeurIPS 2017 (lambda=10, n_critic=5).
"""

import dataclasses
from collections.abc import Callable

from keras import ops


def _f32(x):
    return ops.cast(x, "float32")


def probability(logits):
    """The discriminator's probability that images are real: `sigmoid(D(x))`.

    What `d_real`/`d_fake` log for the cross-entropy losses (0.5 when the
    discriminator cannot tell real from fake).

    Args:
        logits: discriminator outputs.

    Returns:
        A float32 tensor of the same shape.
    """
    return ops.sigmoid(_f32(logits))


def raw_output(logits):
    """The discriminator's output itself, as float32.

    What `d_real`/`d_fake` log for the losses whose discriminator is not a
    classifier: least squares (regressed towards 1 on real and 0 on fake),
    hinge (pushed beyond +1 on real and below -1 on fake) and Wasserstein
    (a critic whose `d_real - d_fake` estimates the Wasserstein distance).

    Args:
        logits: discriminator outputs.

    Returns:
        A float32 tensor of the same shape.
    """
    return _f32(logits)


def _bce_ones(logits):
    # BinaryCrossentropy(from_logits=True) against label 1: softplus(-x).
    return ops.mean(ops.softplus(-_f32(logits)))


def _bce_zeros(logits):
    # BinaryCrossentropy(from_logits=True) against label 0: softplus(x).
    return ops.mean(ops.softplus(_f32(logits)))


def bce_discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy discriminator loss (reals 1, fakes 0).

    This is the lecture's `cross_entropy(ones, real) + cross_entropy(zeros,
    fake)`, shared by the `minimax` and `non_saturating` losses.

    Args:
        real_logits: discriminator logits for real images, shape `(N, 1)`.
        fake_logits: discriminator logits for generated images.

    Returns:
        A float32 scalar.
    """
    return _bce_ones(real_logits) + _bce_zeros(fake_logits)


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss: `-log D(G(z))`.

    Args:
        fake_logits: discriminator logits for generated images.

    Returns:
        A float32 scalar.
    """
    return _bce_ones(fake_logits)


def minimax_generator_loss(fake_logits):
    """Minimax generator loss of Goodfellow et al. (2014): `log(1 - D(G(z)))`.

    It saturates early in training (vanishing gradients when D wins); kept
    for teaching and comparison.

    Args:
        fake_logits: discriminator logits for generated images.

    Returns:
        A float32 scalar.
    """
    return -_bce_zeros(fake_logits)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """LSGAN discriminator loss: `0.5 E[(D(x) - 1)^2] + 0.5 E[D(G(z))^2]`.

    Args:
        real_logits: discriminator outputs for real images.
        fake_logits: discriminator outputs for generated images.

    Returns:
        A float32 scalar.
    """
    real, fake = _f32(real_logits), _f32(fake_logits)
    return 0.5 * ops.mean(ops.square(real - 1.0)) + 0.5 * ops.mean(ops.square(fake))


def least_squares_generator_loss(fake_logits):
    """LSGAN generator loss: `0.5 E[(D(G(z)) - 1)^2]`.

    Args:
        fake_logits: discriminator outputs for generated images.

    Returns:
        A float32 scalar.
    """
    return 0.5 * ops.mean(ops.square(_f32(fake_logits) - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss: `E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`.

    Args:
        real_logits: discriminator outputs for real images.
        fake_logits: discriminator outputs for generated images.

    Returns:
        A float32 scalar.
    """
    return ops.mean(ops.relu(1.0 - _f32(real_logits))) + ops.mean(ops.relu(1.0 + _f32(fake_logits)))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss: `E[D(G(z))] - E[D(x)]`.

    Args:
        real_logits: critic outputs for real images.
        fake_logits: critic outputs for generated images.

    Returns:
        A float32 scalar.
    """
    return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))


def negative_critic_generator_loss(fake_logits):
    """Generator loss of the hinge and Wasserstein GANs: `-E[D(G(z))]`.

    Args:
        fake_logits: critic outputs for generated images.

    Returns:
        A float32 scalar.
    """
    return -ops.mean(_f32(fake_logits))


@dataclasses.dataclass(frozen=True)
class AdversarialLoss:
    """A named pair of discriminator and generator losses.

    Args:
        name: the registry name.
        discriminator: `fn(real_logits, fake_logits) -> scalar`.
        generator: `fn(fake_logits) -> scalar`.
        gradient_penalty: default weight of the WGAN-GP gradient penalty
            (0 turns it off).
        d_steps: default number of discriminator updates per generator
            update.
        score: `fn(logits) -> tensor`, what the logged `d_real` and
            `d_fake` average for real and generated images: `probability`
            for the cross-entropy losses, `raw_output` (the default) for
            the others, whose outputs are not probabilities.
        boundary: the discriminator output between "real" and "fake":
            adaptive augmentation's overfitting signal is
            `E[sign(D(real) - boundary)]`. 0 for logits, hinge and the
            default; 0.5 for least squares (targets 1 and 0). A
            Wasserstein critic has no such boundary.
    """

    name: str
    discriminator: Callable
    generator: Callable
    gradient_penalty: float = 0.0
    d_steps: int = 1
    score: Callable = raw_output
    boundary: float = 0.0


LOSSES = {
    loss.name: loss
    for loss in (
        AdversarialLoss(
            "non_saturating",
            bce_discriminator_loss,
            non_saturating_generator_loss,
            score=probability,
        ),
        AdversarialLoss(
            "minimax",
            bce_discriminator_loss,
            minimax_generator_loss,
            score=probability,
        ),
        AdversarialLoss(
            "least_squares",
            least_squares_discriminator_loss,
            least_squares_generator_loss,
            boundary=0.5,
        ),
        AdversarialLoss("hinge", hinge_discriminator_loss, negative_critic_generator_loss),
        AdversarialLoss(
            "wasserstein",
            wasserstein_discriminator_loss,
            negative_critic_generator_loss,
            gradient_penalty=10.0,
            d_steps=5,
        ),
    )
}


def get(identifier):
    """Returns the `AdversarialLoss` registered under a name.

    Args:
        identifier: a registry name (`"non_saturating"`, `"minimax"`,
            `"least_squares"`, `"hinge"`, `"wasserstein"`) or an
            `AdversarialLoss` instance, returned as is.

    Returns:
        An `AdversarialLoss`.

    Raises:
        ValueError: if the name is not registered.

    Example:

    >>> get("hinge").d_steps
    1
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str) and identifier in LOSSES:
        return LOSSES[identifier]
    raise ValueError(
        f"Unknown GAN loss {identifier!r}. Expected one of "
        f"{sorted(LOSSES)} or an AdversarialLoss instance."
    )

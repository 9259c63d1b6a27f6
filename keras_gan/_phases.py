"""The GAN's train step as a list of phases.

A step is a list of updates, then the after-update phases:

- each `Update` runs one forward pass (`critic_pass` or `generator_pass`)
  and takes each of its `Objective`s' gradients from it, then applies
  them only if every loss of the update (and of the step so far) is
  finite. With `d_steps == 1` there is one update whose two losses update
  both networks (the lecture's step); with more, `d_steps` critic updates,
  each checked on its own, then the generator's;
- the critic's loss is the adversarial loss plus the model's
  `critic_regularisers` (`keras_gan._regularisers`);
- after the updates, the generator EMA and ADA's controller, each skipped
  for a model without it, and each moving nothing on a non-finite step.
"""

import dataclasses
from collections.abc import Callable

from keras import ops

from keras_gan import _ada
from keras_gan import _fit_guard
from keras_gan import _step
from keras_gan import augment as augment_lib
from keras_gan import ema as ema_lib
from keras_gan._fit_guard import NON_FINITE_LOSSES


@dataclasses.dataclass
class StepState:
    """What the phases of one step share.

    Attributes:
        real: the real images; `condition`: both networks' condition.
        replicas: the replica count.
        finite: whether every loss so far (and every earlier step of this
            epoch) was finite: updates are applied only while it holds.
        loss_finite: per loss name, whether it was finite in every update.
        logs: the losses and critic outputs to log (the last update's).
    """

    real: object
    condition: object
    replicas: object
    finite: object
    loss_finite: dict = dataclasses.field(default_factory=dict)
    logs: dict = dataclasses.field(default_factory=dict)


def augmented(model, images):
    """DiffAugment: real and fake images alike; with ADA, each with probability p."""
    if not model.augment:
        return images
    p = model.ada_p.value if model.adaptive_augment else None
    return augment_lib.diff_augment(images, model.augment, model.seed_generator, p=p)


def critic_objective(model, real, fake, condition):
    """The critic's loss (with its regularisers) and its real and fake logits."""
    real = augmented(model, real)
    fake = augmented(model, fake)
    real_logits = model._critic(real, condition)
    fake_logits = model._critic(fake, condition)
    d_loss = model.adversarial_loss.discriminator(real_logits, fake_logits)
    for regulariser in model.critic_regularisers:
        d_loss = d_loss + regulariser.term(model, real, fake, condition)
    return d_loss, real_logits, fake_logits


def critic_pass(model, real, condition):
    """Fresh fakes through the critic beside the real batch."""
    fake = model._fake(model._noise(real), condition)
    d_loss, real_logits, fake_logits = model._discriminator_objective(real, fake, condition)
    return {"d_loss": d_loss, "real_logits": real_logits, "fake_logits": fake_logits}


def generator_pass(model, real, condition):
    """Fresh fakes through the critic alone (the real batch sets the size)."""
    fake = model._fake(model._noise(real), condition)
    return {"fake_logits": model._critic(augmented(model, fake), condition)}


@dataclasses.dataclass(frozen=True)
class Objective:
    """One network's loss in an update, and what that update logs.

    Attributes:
        loss: its logged name (a name of `NON_FINITE_LOSSES`).
        network: the model's attribute holding the network it updates.
        optimizer: the model's attribute holding that network's optimizer.
        compute: `(model, outputs) -> loss` from the forward pass's outputs.
        logs: the forward pass's outputs logged after this update.
    """

    loss: str
    network: str
    optimizer: str
    compute: Callable
    logs: tuple = ()


GENERATOR = Objective(
    "g_loss",
    "generator",
    "g_optimizer",
    lambda model, outputs: model.adversarial_loss.generator(outputs["fake_logits"]),
)
CRITIC = Objective(
    "d_loss",
    "discriminator",
    "d_optimizer",
    lambda model, outputs: outputs["d_loss"],
    logs=("real_logits", "fake_logits"),
)


@dataclasses.dataclass(frozen=True)
class Update:
    """One forward pass, whose objectives' gradients are applied together."""

    forward: Callable
    objectives: tuple


def updates(d_steps):
    """The step's updates for `d_steps` critic updates per generator update."""
    if d_steps == 1:
        # The lecture's step: one forward pass whose losses update both.
        return [Update(critic_pass, (GENERATOR, CRITIC))]
    # WGAN-GP's n_critic: those before a failing critic update stay applied.
    return [Update(critic_pass, (CRITIC,))] * d_steps + [Update(generator_pass, (GENERATOR,))]


def scaled(optimizer, loss, replicas):
    """The loss whose gradient is applied.

    Divided by the replica count (gradients are summed across replicas)
    and, under mixed_float16, multiplied by the optimizer's loss scale
    (`apply` unscales).
    """
    loss = loss / replicas
    if hasattr(optimizer, "scale_loss"):
        loss = optimizer.scale_loss(loss)
    return loss


def run_update(model, backend, update, state):
    """Runs one update: its forward pass, gradients and guarded apply."""
    objectives = update.objectives

    def losses():
        outputs = update.forward(model, state.real, state.condition)
        values = tuple(o.compute(model, outputs) for o in objectives)
        applied = tuple(
            scaled(getattr(model, o.optimizer), value, state.replicas)
            for o, value in zip(objectives, values)
        )
        return applied, (values, outputs)

    variables = [getattr(model, o.network).trainable_variables for o in objectives]
    _, (values, outputs), grads = backend.losses_and_gradients(losses, variables)
    for objective, value in zip(objectives, values):
        finite = backend.agree(ops.all(ops.isfinite(value)))
        before = state.loss_finite.get(objective.loss)
        state.loss_finite[objective.loss] = (
            finite if before is None else ops.logical_and(before, finite)
        )
        state.finite = ops.logical_and(state.finite, finite)
        state.logs[objective.loss] = value
        state.logs.update({key: outputs[key] for key in objective.logs})
    backend.apply_if(
        state.finite,
        [
            (getattr(model, o.optimizer), g, variables[i])
            for i, (o, g) in enumerate(zip(objectives, grads))
        ],
    )


def ema_phase(model, state):
    """Moves the EMA generator towards the generator just updated.

    Every replica holds the same weights after the update, so each
    computes the same average; the batch counts all replicas.
    """
    batch = ops.cast(ops.shape(state.real)[0], "float32") * state.replicas
    beta = ema_lib.ema_beta(batch, model.ema_images_seen, model.ema_kimg, model.ema_rampup)
    ema_lib.update_ema(model.ema_generator, model.generator, beta, active=state.finite)
    model.ema_images_seen.assign(model.ema_images_seen + ops.where(state.finite, batch, 0.0))
    return {}


def ada_phase(model, state):
    """ADA's controller on the last critic update's real logits."""
    return _ada.update_ada(model, state.logs["real_logits"], state.replicas, state.finite)


def after_update_phases(model):
    """The phases after the updates, in order: the EMA, then ADA's."""
    phases = []
    if model.ema_generator is not None:
        phases.append(ema_phase)
    if model.adaptive_augment:
        phases.append(ada_phase)
    return phases


def train_step(model, data):
    """One training step of `model` on `data`, backend-neutral.

    Returns:
        The logs of `track`, with the step's non-finite code.

    Raises:
        ValueError: before `compile()`.
    """
    if model.adversarial_loss is None:
        raise ValueError("Call `compile()` before `fit()`.")
    backend = _step.backend()
    real, condition = model._unpack(data)
    # False once an earlier step of this epoch was non-finite: with several
    # steps per execution, nothing after it is applied.
    ok = ops.equal(model._non_finite.loss.value, 0)
    state = StepState(real, condition, backend.replica_count(), ok)
    for update in updates(model.d_steps):
        run_update(model, backend, update, state)
    extra = {}
    for phase in after_update_phases(model):
        extra.update(phase(model, state))
    # Which loss failed first in this step (0: none, or an earlier step
    # already failed and keeps its own code); d_loss's code wins.
    code = 0
    for value, name in sorted(NON_FINITE_LOSSES.items()):
        code = ops.where(ops.logical_not(state.loss_finite[name]), value, code)
    code = ops.where(ok, code, 0)
    logs = state.logs
    return track(
        model,
        logs["g_loss"],
        logs["d_loss"],
        logs["real_logits"],
        logs["fake_logits"],
        ops.cast(code, "int32"),
        extra=extra,
    )


def track(model, g_loss, d_loss, real_logits, fake_logits, code=None, extra=None):
    """Updates the model's trackers and returns the step's logs.

    Args:
        model: the GAN.
        g_loss, d_loss: the step's losses.
        real_logits, fake_logits: the critic's outputs.
        code: the train step's non-finite code (`NON_FINITE_LOSSES`), or
            `None` in the test step.
        extra: more logs (ADA's).

    Returns:
        A dict of logs; with `code`, also the non-finite flag under private
        keys that `_fit_guard.stop_if_non_finite` reads and removes.
    """
    model.g_loss_tracker.update_state(g_loss)
    model.d_loss_tracker.update_state(d_loss)
    # What the discriminator says of real and generated images, in the
    # loss's own terms (a probability only for the cross-entropy losses).
    score = model.adversarial_loss.score
    model.d_real_tracker.update_state(ops.mean(score(real_logits)))
    model.d_fake_tracker.update_state(ops.mean(score(fake_logits)))
    logs = {m.name: m.result() for m in model.metrics[:4]}
    logs.update(extra or {})
    if code is not None:
        model._non_finite.update_state(code, model.g_optimizer.iterations.value)
        logs["_non_finite_loss"] = ops.convert_to_tensor(model._non_finite.loss)
        logs["_non_finite_step"] = ops.convert_to_tensor(model._non_finite.step)
    if _fit_guard.multi_worker():
        # Keras reduces multi-worker step outputs with
        # strategy.reduce("MEAN", v, axis=0), which fails on scalars; a
        # leading axis of one reduces back to the same scalar.
        logs = {k: ops.reshape(v, (1,)) for k, v in logs.items()}
    return logs


def test_step(model, data):
    """One evaluation step: both losses on fresh noise, nothing updated.

    Its noise comes from the model's `eval_seed_generator`, so `evaluate()`
    never shifts the training noise stream.

    Raises:
        ValueError: before `compile()`.
    """
    if model.adversarial_loss is None:
        raise ValueError("Call `compile()` before `evaluate()`.")
    real, condition = model._unpack(data)
    noise = model._draw_noise(real, model.eval_seed_generator)
    fake = model._fake(noise, condition, training=False)
    real_logits = model._critic(real, condition, training=False)
    fake_logits = model._critic(fake, condition, training=False)
    d_loss = model.adversarial_loss.discriminator(real_logits, fake_logits)
    g_loss = model.adversarial_loss.generator(fake_logits)
    return track(model, g_loss, d_loss, real_logits, fake_logits)

import pytest

from callbacks import GANTensorBoard
from tests.callbacks._events import read_events

pytestmark = pytest.mark.backends


def test_epoch_tags_exactly_and_async_dispatch_kept(tmp_path, tiny_gan, tiny_images):
    board = GANTensorBoard(tmp_path)
    assert board.async_safe
    tiny_gan.fit(tiny_images, batch_size=32, epochs=2, verbose=0, callbacks=[board])
    events = read_events(tmp_path / "train")
    # Nothing else: no RMSprop learning rate of an unused default optimizer.
    assert events == {
        "epoch_g_loss": [0, 1],
        "epoch_d_loss": [0, 1],
        "epoch_d_real": [0, 1],
        "epoch_d_fake": [0, 1],
        "epoch_learning_rate_g_adam": [0, 1],
        "epoch_learning_rate_d_adam": [0, 1],
    }


def test_batch_curves_continue_across_a_resume(tmp_path, tiny_gan, tiny_images):
    assert not GANTensorBoard(tmp_path, update_freq=1).async_safe
    tiny_gan.fit(
        tiny_images,
        batch_size=32,
        epochs=1,
        verbose=0,
        callbacks=[GANTensorBoard(tmp_path, update_freq=1)],
    )
    tiny_gan.fit(
        tiny_images,
        batch_size=32,
        epochs=2,
        initial_epoch=1,
        verbose=0,
        callbacks=[GANTensorBoard(tmp_path, update_freq=1)],
    )
    events = read_events(tmp_path / "train")
    # Two steps per epoch: steps 1, 2 then 3, 4 — no restart at 0.
    assert sorted(events["batch_g_loss"]) == [1, 2, 3, 4]
    assert sorted(events["epoch_d_loss"]) == [0, 1]

import json

import pytest
from PIL import Image

from callbacks import LossPlot

pytestmark = pytest.mark.backends


def test_plot_and_history_continue_across_runs(tmp_path, tiny_gan, tiny_images):
    path = tmp_path / "losses.png"
    tiny_gan.fit(tiny_images, batch_size=32, epochs=2, verbose=0, callbacks=[LossPlot(path)])
    with Image.open(path) as im:
        assert im.size[0] > 300 and im.size[1] > 300
    # A resumed run (initial_epoch=2) appends to the same history.
    tiny_gan.fit(
        tiny_images, batch_size=32, epochs=3, initial_epoch=2, verbose=0, callbacks=[LossPlot(path)]
    )
    history = json.loads((tmp_path / "losses.json").read_text())
    assert sorted(history, key=int) == ["1", "2", "3"]
    assert set(history["3"]) == {"g_loss", "d_loss", "d_real", "d_fake"}

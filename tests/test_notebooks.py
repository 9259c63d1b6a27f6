"""The example notebooks run end to end in a real Jupyter kernel, on a tiny budget.

Each notebook is copied into a temporary folder and executed there by
nbclient with the "python3" kernel (ipykernel in this environment). Its
parameters cell reads `KERAS_GAN_NB_*` environment variables, which the
kernel inherits: 2 epochs of 2 steps, tiny evaluation sets.
"""

import math
import pathlib
import re
import shutil

import pytest
from PIL import Image

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
TINY = {
    "KERAS_GAN_NB_EPOCHS": "2",
    "KERAS_GAN_NB_STEPS": "2",
    "KERAS_GAN_NB_BATCH_SIZE": "16",
    "KERAS_GAN_NB_EVAL_N": "64",
    "KERAS_GAN_NB_DEMO_IMAGES": "48",
    "KERAS_GAN_NB_LOGDIR": "logs",
    # Not "mnist": online it would download MNIST and train its classifier.
    "KERAS_GAN_NB_DATASET": "mnist_sample",
}


def execute(name, folder, monkeypatch):
    """Runs examples/NAME in `folder`; returns all its text output."""
    for key, value in TINY.items():
        monkeypatch.setenv(key, value)
    for key in ("IMAGES", "IMAGE_SIZE", "RESUME_AT", "LR", "BETA_1", "SEED"):
        monkeypatch.delenv(f"KERAS_GAN_NB_{key}", raising=False)
    path = folder / name
    shutil.copy(EXAMPLES / name, path)
    notebook = nbformat.read(path, as_version=4)
    # Raises CellExecutionError, with the cell and its traceback, on any error.
    nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    text = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and output["name"] == "stdout":
                text.append(output["text"])
    return "".join(text)


def only_run(folder, prefix):
    runs = sorted((folder / "logs").glob(f"{prefix}-*"))
    assert len(runs) == 1, runs
    return runs[0]


def test_lecture_notebook(tmp_path, monkeypatch, cache_env):
    text = execute("lecture.ipynb", tmp_path, monkeypatch)

    assert "mnist_sample: 250 batches of 16 per epoch" in text
    assert "generator: 2,330,944 parameters" in text
    assert "discriminator: 212,865 parameters" in text
    assert "restored after epoch 1; draws the same images as before: True" in text
    assert re.search(r"^samples +epochs \[0, 1\]$", text, re.M)
    for key in ("fid_clf", "kid_mean_clf", "precision_clf", "recall_clf"):
        row = re.search(rf"^{key} +(\S+) +(\S+) +(\S+) ", text, re.M)
        assert row, key
        assert all(math.isfinite(float(value)) for value in row.groups()), row[0]

    run = only_run(tmp_path, "lecture")
    for epoch in (1, 2):
        with Image.open(run / "samples" / f"epoch_{epoch:04d}.png") as grid:
            # 4x4 cells of 28x28 digits drawn at 56x56, 2 pixels apart.
            assert grid.size == (234, 234)
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["ckpt-0001", "ckpt-0002"]
    assert (run / "checkpoints" / "ckpt-0002" / "state.weights.h5").is_file()
    assert (run / "generator.keras").is_file()
    assert list((run / "tensorboard" / "train").glob("events.out.tfevents.*"))


def test_own_images_notebook(tmp_path, monkeypatch):
    text = execute("own_images.ipynb", tmp_path, monkeypatch)

    assert "my_images: 48 files in" in text
    assert len(list((tmp_path / "my_images").rglob("*.png"))) == 48
    run = only_run(tmp_path, "own-images")
    with Image.open(run / "samples" / "epoch_0002.png") as grid:
        assert grid.mode == "RGB"
        # 4x4 cells of 28x28 colour images drawn at 56x56, 2 pixels apart.
        assert grid.size == (234, 234)
    assert (run / "checkpoints" / "ckpt-0002" / "state.weights.h5").is_file()
    assert (run / "generator.keras").is_file()

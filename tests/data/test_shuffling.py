"""Honest shuffling: unseeded runs draw (and record) their seed, resumed runs
replay it, and `shuffle_buffer` does what it says in the resumable pipeline."""

import json
import os

import numpy as np
import pytest

import keras

from keras_gan import options as options_lib
from keras_gan import training
from keras_gan.data import make_dataset
from tests.conftest import StopAt


def indices(n=50):
    """uint8 images whose pixels equal their index (0..n-1)."""
    return np.repeat(np.arange(n, dtype=np.uint8), 4).reshape(n, 2, 2, 1)


def epochs(dataset, count, steps):
    """The image indices of `count` epochs of `steps` batches each."""
    batches = list(dataset.take(count * steps))
    order = [np.rint((b.numpy()[:, 0, 0, 0] + 1) * 127.5).astype(int).tolist() for b in batches]
    return [sum(order[e * steps : (e + 1) * steps], []) for e in range(count)]


def test_unseeded_pipelines_differ_and_seeded_ones_repeat():
    images = indices()
    unseeded = [
        epochs(make_dataset(images, batch_size=10, epochs_from=0), 1, 5)[0] for _ in range(2)
    ]
    # 50! orders: two draws agree with probability ~1e-64.
    assert unseeded[0] != unseeded[1]
    assert sorted(unseeded[0]) == list(range(50))
    seeded = [
        epochs(make_dataset(images, batch_size=10, seed=3, epochs_from=0), 2, 5) for _ in range(2)
    ]
    assert seeded[0] == seeded[1]
    assert seeded[0][0] != seeded[0][1]  # a new order each epoch


@pytest.mark.parametrize("buffer", [4, 60000])
def test_resumed_epochs_equal_uninterrupted_ones(buffer):
    images = indices()
    whole = epochs(
        make_dataset(images, batch_size=10, seed=5, epochs_from=0, shuffle_buffer=buffer),
        3,
        5,
    )
    resumed = epochs(
        make_dataset(images, batch_size=10, seed=5, epochs_from=2, shuffle_buffer=buffer),
        1,
        5,
    )
    assert resumed[0] == whole[2]
    assert all(sorted(e) == list(range(50)) for e in whole)


def test_shuffle_buffer_is_honoured_in_the_resumable_pipeline():
    images = indices()

    def first_epoch(buffer):
        dataset = make_dataset(images, batch_size=10, seed=1, epochs_from=0, shuffle_buffer=buffer)
        return epochs(dataset, 1, 5)[0]

    # A buffer of one shuffles nothing; so it did before the buffer was
    # honoured, when every buffer size gave the same full permutation.
    assert first_epoch(1) == list(range(50))
    # With a buffer of 4, output position p draws from images 0..p+3 only:
    # no image comes out more than 3 places before its index.
    small = first_epoch(4)
    assert small != list(range(50))
    assert all(position >= index - 3 for position, index in enumerate(small))
    # A buffer covering the data: the full permutation (unchanged from
    # before, so seeded runs keep their orders).
    full = first_epoch(60000)
    assert full == first_epoch(50) and full != small
    assert any(position < index - 3 for position, index in enumerate(full))


def tiny_options(tmp_path, name, **overrides):
    return options_lib.resolve(
        {
            "dataset": "mnist_sample",
            "image_size": 8,
            "latent_dim": 8,
            "batch_size": 16,
            "steps_per_epoch": 2,
            "epochs": 2,
            "logdir": str(tmp_path),
            "run_name": name,
            "tensorboard": False,
            "sample_every": 0,
            "loss_plot": False,
            **overrides,
        }
    )


@pytest.fixture
def recorded_pipelines(monkeypatch):
    """Records the seed and first epoch of every training pipeline."""
    calls = []
    original = training.make_dataset

    def recording(images, **kwargs):
        calls.append((kwargs["seed"], kwargs["epochs_from"]))
        return original(images, **kwargs)

    monkeypatch.setattr(training, "make_dataset", recording)
    return calls


def test_unseeded_runs_draw_record_and_print_their_seed(tmp_path, capsys, recorded_pipelines):
    seeds = []
    for name in ("a", "b"):
        options = tiny_options(tmp_path, name, epochs=1)
        assert options["seed"] is None
        run_dir = training.new_run_dir(options)
        training.train(options, run_dir, verbose=1)
        recorded = options_lib.read_options(run_dir)["seed"]
        assert isinstance(recorded, int)
        assert f"Seed: {recorded} (drawn" in capsys.readouterr().out
        seeds.append(recorded)
    assert seeds[0] != seeds[1]  # two draws from 2**31
    # The pipelines shuffled with the recorded seeds: different orders.
    assert recorded_pipelines == [(seeds[0], 0), (seeds[1], 0)]


def test_resume_of_an_unseeded_run_replays_its_seed(tmp_path, recorded_pipelines):
    options = tiny_options(tmp_path, "r")
    run_dir = training.new_run_dir(options)
    with pytest.raises(KeyboardInterrupt):
        training.train(options, run_dir, callbacks=[StopAt(1)], verbose=0)
    seed = options_lib.read_options(run_dir)["seed"]
    gan, _ = training.train(options_lib.read_options(run_dir), run_dir, resume=True, verbose=0)
    # Epoch 2 of the resumed run is shuffled by (seed, 1): the batches of
    # an uninterrupted run (test_resumed_epochs_equal_uninterrupted_ones).
    assert recorded_pipelines == [(seed, 0), (seed, 1)]
    assert int(gan.g_optimizer.iterations) == 4


def test_old_runs_recorded_without_a_seed_resume_with_seed_0(tmp_path, recorded_pipelines):
    options = tiny_options(tmp_path, "old", seed=0)
    run_dir = training.new_run_dir(options)
    with pytest.raises(KeyboardInterrupt):
        training.train(options, run_dir, callbacks=[StopAt(1)], verbose=0)
    # As written before seeds were drawn: seed null, data shuffled with 0.
    path = os.path.join(run_dir, options_lib.OPTIONS_FILE)
    saved = json.load(open(path))
    saved["seed"] = None
    json.dump(saved, open(path, "w"))
    training.train(options_lib.read_options(run_dir), run_dir, resume=True, verbose=0)
    assert recorded_pipelines == [(0, 0), (0, 1)]
    assert options_lib.read_options(run_dir)["seed"] is None


def test_multiworker_needs_a_seed(tmp_path):
    options = tiny_options(tmp_path, "mw")
    with pytest.raises(ValueError, match=r"seed for --distribute multiworker"):
        training._resolve_seed({**options, "distribute": "multiworker"}, False)


def test_partial_shuffle_works_under_a_global_seed_of_zero():
    # `--seed 0` sets TensorFlow's global seed to 0, under which a tensor
    # seed for `Dataset.shuffle` fails ("symbolic tf.Tensor as a Python
    # bool"): the resumable pipeline must not depend on it.
    keras.utils.set_random_seed(0)
    images = indices()
    dataset = make_dataset(images, batch_size=10, seed=0, epochs_from=0, shuffle_buffer=4)
    first = epochs(dataset, 2, 5)
    assert all(sorted(e) == list(range(50)) for e in first)
    assert first[0] != first[1] and first[0] != list(range(50))

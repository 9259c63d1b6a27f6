"""The callbacks live in `keras_gan.callbacks`; top-level `callbacks` re-exports them.

A user's own `callbacks.py` beside their script comes first on `sys.path`
and shadows the top-level `callbacks` package; keras-gan must not care.
"""

import os
import subprocess
import sys
import textwrap

import pytest

import callbacks
import keras_gan.callbacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_top_level_callbacks_re_exports_the_library_package():
    assert callbacks.__all__ == keras_gan.callbacks.__all__
    for name in callbacks.__all__:
        assert getattr(callbacks, name) is getattr(keras_gan.callbacks, name), name


def test_a_users_own_callbacks_module_does_not_shadow_training(tmp_path):
    # The user's folder, as sys.path[0] of their script: a `callbacks.py`
    # that fails on import, so anything inside keras-gan importing the
    # top-level name `callbacks` fails the run.
    (tmp_path / "callbacks.py").write_text(
        'raise ImportError("the user\'s own callbacks.py was imported")\n'
    )
    (tmp_path / "train.py").write_text(
        textwrap.dedent(
            """
        import sys

        from keras_gan import cli

        sys.exit(cli.main([
            "train", "--dataset", "mnist_sample", "--image-size", "8",
            "--latent-dim", "8", "--batch-size", "16", "--steps-per-epoch", "2",
            "--epochs", "1", "--seed", "0", "--no-tensorboard",
            "--logdir", "logs", "--run-name", "mine",
        ]))
        """
        )
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    run = subprocess.run(
        [sys.executable, "train.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    run_dir = tmp_path / "logs" / "mine"
    for name in ("generator.keras", "samples.png", "checkpoints/ckpt-0001/meta.json"):
        assert (run_dir / name).exists(), name


def test_old_submodule_paths_still_work_with_a_deprecation_warning():
    import callbacks.checkpoint
    import callbacks.sample_grid
    from keras_gan import checkpoints
    from keras_gan.callbacks.gan_checkpoint import GANCheckpoint
    from keras_gan.callbacks.sample_grid import SampleGrid

    with pytest.warns(DeprecationWarning, match="keras_gan.callbacks.sample_grid.SampleGrid"):
        assert callbacks.sample_grid.SampleGrid is SampleGrid
    with pytest.warns(DeprecationWarning, match="keras_gan.checkpoints.write_generator"):
        assert callbacks.checkpoint.export_generator is checkpoints.write_generator
    with pytest.warns(DeprecationWarning):
        assert callbacks.checkpoint.GANCheckpoint is GANCheckpoint
    with pytest.warns(DeprecationWarning):
        assert callbacks.checkpoint.latest_checkpoint is checkpoints.latest_checkpoint
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        callbacks.sample_grid.nope  # noqa: B018

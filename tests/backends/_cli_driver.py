"""Drives `keras-gan` through one backend for tests/backends/test_cli_backends.py.

Run as `python _cli_driver.py BACKEND WORK_DIR` in a fresh process with
KERAS_BACKEND unset: the first command's `--backend` must set the backend
before Keras loads (asserted below). Every later command runs in the same
process (one start-up per backend), through `cli.main` as the console
script calls it. Prints one line `REPORT <json>`; the test asserts on it
and on the files left in WORK_DIR.
"""

import contextlib
import io
import json
import os
import sys

from keras_gan import cli

# mnist_sample at 8x8 with 8 latent dimensions: small enough for seconds per
# epoch on a CPU; with the DCGAN paper's Adam at lr 1e-3, 24 steps take FID
# from about 75 to about 57 (measured on TensorFlow). Sample-quality metrics
# each epoch on 100 images (the GANMetrics callback; a few seconds).
COMMON = [
    "--dataset",
    "mnist_sample",
    "--image-size",
    "8",
    "--latent-dim",
    "8",
    "--preset",
    "dcgan",
    "--lr",
    "1e-3",
    "--batch-size",
    "32",
    "--steps-per-epoch",
    "12",
    "--seed",
    "0",
    "--keep-checkpoints",
    "5",
    "--metrics-every",
    "1",
    "--metrics-n",
    "100",
]
EPOCHS = 2
EVALUATE = ["--metrics", "fid", "--n", "500", "--no-floor", "--json"]


def _main(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    if code != 0:
        raise SystemExit(f"keras-gan {' '.join(argv)} exited with {code}")
    return out.getvalue()


def _untrained_run(options, run_dir):
    # The run's generator before any step: its options, its seed, saved as a
    # run directory that `keras-gan evaluate` reads.
    from keras_gan import options as options_lib
    from keras_gan import training

    gan = training.build_gan(options, (8, 8, 1))
    os.makedirs(run_dir)
    options_lib.write_options(options, run_dir)
    training.save_generator(gan, run_dir)


def main(backend, work):
    assert "keras" not in sys.modules and "KERAS_BACKEND" not in os.environ
    logdir = ["--logdir", work]
    _main(
        [
            "train",
            "--backend",
            backend,
            *COMMON,
            *logdir,
            "--epochs",
            str(EPOCHS),
            "--run-name",
            "full",
        ]
    )
    import keras

    loaded = keras.backend.backend()
    # Interrupted after epoch 1 and resumed without --backend: the recorded
    # backend is used (Keras already runs on it, so the CLI accepts it).
    _main(["train", "--backend", backend, *COMMON, *logdir, "--epochs", "1", "--run-name", "split"])
    _main(["train", "--resume", os.path.join(work, "split"), "--epochs", str(EPOCHS)])
    sample = _main(
        [
            "sample",
            "--run",
            os.path.join(work, "full"),
            "--n",
            "9",
            "--out",
            os.path.join(work, "sample.png"),
        ]
    )

    from keras_gan import options as options_lib

    _untrained_run(
        options_lib.read_options(os.path.join(work, "full")), os.path.join(work, "untrained")
    )
    fid = {
        name: json.loads(_main(["evaluate", "--run", os.path.join(work, name), *EVALUATE]))[
            "fid_clf"
        ]
        for name in ("untrained", "full")
    }
    # Another backend in this process: refused, nothing trained.
    other = "torch" if backend != "torch" else "jax"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        refused = cli.main(["sample", "--run", os.path.join(work, "full"), "--backend", other])
    print(
        "REPORT "
        + json.dumps(
            {
                "backend": backend,
                "loaded": loaded,
                "sample_out": sample.strip(),
                "fid": fid,
                "refused": [refused, err.getvalue()],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

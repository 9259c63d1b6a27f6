"""The `keras-gan train` arguments of a tiny run, for the tests that launch one."""


def tiny_train_args(logdir, run_name, *, epochs=2, batch_size=16, tensorboard=False):
    """Arguments after `train` for 2 steps an epoch on 8x8 `mnist_sample` images.

    Seconds a run: what these tests check (replicas, faults, which process
    writes) does not depend on the network's size.
    """
    args = [
        "--dataset",
        "mnist_sample",
        "--image-size",
        "8",
        "--latent-dim",
        "8",
        "--batch-size",
        str(batch_size),
        "--steps-per-epoch",
        "2",
        "--epochs",
        str(epochs),
        "--seed",
        "0",
        "--logdir",
        str(logdir),
        "--run-name",
        run_name,
    ]
    return args if tensorboard else [*args, "--no-tensorboard"]

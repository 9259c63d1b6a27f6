"""One worker of a MultiWorkerMirroredStrategy run (TF_CONFIG set by caller).

Usage: python -m tests._multiworker step INIT.npz OUT.npz
       python -m tests._multiworker cli -- keras-gan train arguments...
`step` trains FixedNoiseGAN from the weights in INIT.npz for one epoch of
`tests._distributed.images()` in global batches of 16; the chief saves the
weights and logs to OUT.npz. `cli` runs `keras-gan train`.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv):
    if argv[0] == "cli":
        from keras_gan import cli

        return cli.main(argv[argv.index("--") + 1 :])
    from keras_gan.distribute import is_chief
    from keras_gan.distribute import make_strategy

    strategy = make_strategy("multiworker")  # before any other TF work

    import numpy as np
    import tensorflow as tf

    from tests._distributed import build
    from tests._distributed import images
    from tests._distributed import snapshot

    init = np.load(argv[1], allow_pickle=False)
    with strategy.scope():
        gan = build([init[f"w{i}"] for i in range(len(init.files))])
    dataset = tf.data.Dataset.from_tensor_slices(images()).batch(16)
    history = gan.fit(dataset, epochs=1, verbose=0, shuffle=False).history
    if is_chief(strategy):
        weights = snapshot(gan)
        np.savez(
            argv[2],
            replicas=strategy.num_replicas_in_sync,
            g_loss=history["g_loss"][0],
            d_loss=history["d_loss"][0],
            **{f"w{i}": w for i, w in enumerate(weights)},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

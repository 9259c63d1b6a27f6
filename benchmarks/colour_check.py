"""Colour stability check: RGB crops to train on, and a spread test of the result.

`crops` writes random 64x64 RGB crops of three photos that ship with
installed packages (scikit-learn's two `load_sample_images()` and
matplotlib's `grace_hopper.jpg`) as one `.npy`, so a colour run needs no
network. `check` reads a finished run and prints, as JSON, whether its
samples are finite and their diversity: the mean pairwise L2 distance of
256 samples against the same measure on 256 real crops resized alike (a
collapse to one image gives about 0).

    python benchmarks/colour_check.py crops crops.npy
    keras-gan train --dataset crops.npy --image-size 32 --preset quality \\
        --epochs 20 --steps-per-epoch 100 --seed 0 --run-name c32
    python benchmarks/colour_check.py check logs/c32 --dataset crops.npy
"""

import argparse
import json
import os
import sys

import numpy as np

CROP = 64


def photos():
    """The three RGB photos as uint8 arrays (scikit-learn and matplotlib's own files).

    Returns:
        A list of `(height, width, 3)` uint8 arrays.

    Raises:
        ImportError: if scikit-learn or matplotlib is missing (`pip install
            -e ".[dev]"` installs both).
    """
    import matplotlib.cbook
    import matplotlib.image
    from sklearn.datasets import load_sample_images

    hopper = matplotlib.image.imread(matplotlib.cbook.get_sample_data("grace_hopper.jpg"))
    return [*load_sample_images().images, np.asarray(hopper, np.uint8)[..., :3]]


def random_crops(images, n, size=CROP, seed=0):
    """`n` random `size`x`size` crops, each from a photo drawn uniformly.

    Args:
        images: a list of `(height, width, 3)` arrays, each at least `size`
            on both sides.
        n: how many crops.
        size: the crops' side in pixels.
        seed: seed of the NumPy generator that picks photos and corners.

    Returns:
        A `(n, size, size, 3)` array of the images' dtype.

    Raises:
        ValueError: if `n` < 1, or a photo is smaller than `size`.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    for image in images:
        if image.shape[0] < size or image.shape[1] < size:
            raise ValueError(f"a {image.shape} photo is smaller than the {size}x{size} crop")
    rng = np.random.default_rng(seed)
    out = np.empty((n, size, size, 3), images[0].dtype)
    for i in range(n):
        image = images[rng.integers(len(images))]
        top = rng.integers(image.shape[0] - size + 1)
        left = rng.integers(image.shape[1] - size + 1)
        out[i] = image[top : top + size, left : left + size, :3]
    return out


def spread(images):
    """Mean pairwise L2 distance between flattened images.

    Args:
        images: an array of `n >= 2` images of one shape.

    Returns:
        The mean over the `n * (n - 1) / 2` pairs, as a float.
    """
    from keras_gan.metrics._neighbours import pairwise_distances

    x = np.asarray(images, np.float64).reshape(len(images), -1)
    return float(pairwise_distances(x, x)[np.triu_indices(len(x), 1)].mean())


def check(run_dir, dataset, n=256, seed=0):
    """Finiteness and diversity of a run's generator against real crops.

    Args:
        run_dir: a run directory holding `generator.keras`.
        dataset: the `.npy` the run trained on.
        n: samples and real images compared.
        seed: noise seed, and the seed that picks the real images.

    Returns:
        A dict: `finite`, `fake_spread`, `real_spread`, `image_size`.
    """
    from keras_gan.data import load_arrays
    from keras_gan.data.scaling import scale_images
    from keras_gan.saving import GeneratorSampler
    from keras_gan.saving import load_generator

    sampler = GeneratorSampler(load_generator(os.path.join(run_dir, "generator.keras")))
    fake = np.asarray(sampler.generate(n, seed=seed))
    size = fake.shape[1]
    real, _ = load_arrays(dataset, image_size=size)
    real = real[np.random.default_rng(seed).choice(len(real), n, replace=False)]
    real = np.asarray(scale_images(real))
    return {
        "finite": bool(np.isfinite(fake).all()),
        "fake_spread": spread(fake),
        "real_spread": spread(real),
        "image_size": int(size),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    crops = sub.add_parser("crops", help="write random 64x64 RGB crops as a .npy")
    crops.add_argument("out")
    crops.add_argument("--n", type=int, default=6000)
    crops.add_argument("--seed", type=int, default=0)
    run = sub.add_parser("check", help="finite samples and their spread against real crops")
    run.add_argument("run_dir")
    run.add_argument("--dataset", required=True)
    run.add_argument("--n", type=int, default=256)
    args = parser.parse_args(argv)
    if args.command == "crops":
        images = random_crops(photos(), args.n, seed=args.seed)
        np.save(args.out, images)
        print(f"{args.out}: {images.shape} {images.dtype}")
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        print(json.dumps(check(args.run_dir, args.dataset, n=args.n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""A colour folder of recognisable objects, built offline: Fashion-MNIST in colour at 64x64.

Each image is one Fashion-MNIST training item, upsampled to `--size` px
(bicubic), painted in a random saturated colour on a background of another
random colour (a vertical gradient between two shades of it), and saved as a
PNG under a sub-folder named after its class (`T-shirt_top/00012.png`). The
first `--per-class` items of each class are used, in the IDX file's order,
and the colours come from `--seed`: the same command rebuilds the same
folder, which keras-gan reads like any folder of a user's photos:

    python benchmarks/colour_folder.py data/colour64 --per-class 300
    keras-gan train --dataset data/colour64 --preset folder

The items are the objects: the folder's classifier (the library's
`ClassifierExtractor`, trained on the folder) tells them apart by shape
whatever their colours, which is what class coverage measures.
"""

import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def _hsv_to_rgb(h, s, v):
    import colorsys

    return np.array(colorsys.hsv_to_rgb(h, s, v)) * 255.0


def colourise(item, rng, size):
    """One 28x28 uint8 grey item -> a `(size, size, 3)` uint8 colour image."""
    from PIL import Image

    mask = (
        np.asarray(Image.fromarray(item).resize((size, size), Image.BICUBIC), np.float64)[..., None]
        / 255.0
    )
    hue = rng.uniform()
    # The background's hue at least a third of the circle away from the item's.
    back_hue = (hue + rng.uniform(1 / 3, 2 / 3)) % 1.0
    fore = _hsv_to_rgb(hue, rng.uniform(0.6, 1.0), rng.uniform(0.7, 1.0))
    top = _hsv_to_rgb(back_hue, rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.6))
    bottom = _hsv_to_rgb(back_hue, rng.uniform(0.3, 0.8), rng.uniform(0.5, 0.9))
    ramp = np.linspace(0.0, 1.0, size)[:, None, None]
    back = top * (1 - ramp) + bottom * ramp
    # The item's own shading (its grey levels) kept as brightness.
    image = back * (1 - mask) + fore * mask * (0.5 + 0.5 * mask)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def build(out_dir, per_class=300, size=64, seed=0):
    """Writes the folder; returns the number of images written."""
    from PIL import Image

    from keras_gan.data import load_arrays
    from keras_gan.data.class_names import class_names

    images, labels = load_arrays("fashion_mnist")
    names = [n.replace("/", "_").replace(" ", "_") for n in class_names("fashion_mnist")]
    rng = np.random.default_rng(seed)
    count = 0
    for label, name in enumerate(names):
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        for index in np.flatnonzero(np.asarray(labels) == label)[:per_class]:
            image = colourise(np.asarray(images[index]).squeeze(-1), rng, size)
            Image.fromarray(image).save(os.path.join(folder, f"{index:05d}.png"))
            count += 1
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    count = build(args.out_dir, args.per_class, args.size, args.seed)
    print(f"wrote {count} images to {args.out_dir}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Small data: FID on fixed Fashion-MNIST subsets, without and with augmentation.

Trains a preset's DCGAN (`--preset`, the lecture's by default) on a fixed
subset of Fashion-MNIST's training split (the first `K` images of each
class, in the IDX file's order: anyone can rebuild the subset), with equal
steps for every setting, and reports:

- FID from the library's classifier features (`ClassifierExtractor`,
  trained on the full training split) between `--n` generated images and
  the full test split; the real-vs-real floor is `--n` training images
  from outside the subset against the same test split;
- classes covered: how many of the 10 classes the classifier finds among
  the generated images (`mode_coverage_from_predictions`, the library's
  `modes` metric);
- memorisation: each of 1,000 generated images' nearest-neighbour distance
  (pixels, L2 in [-1, 1]) to the training subset, against the same for
  1,000 held-out real test images. A generator that copies its training
  images sits far below the held-out real images; `copies` counts the
  generated images closer to the subset than the 1st percentile of the
  held-out real images' distances.

    python benchmarks/small_data.py --subset 1000 --settings none,diffaugment,ada \\
        --seeds 0,1,2 --steps 1000 --ada-kimg 32 --json docs/measurements/small_data_1k.json

One training at a time: two on the same cores slow each other down.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

DIFFAUGMENT = "color,translation,cutout"
NUM_CLASSES = 10


def subset_indices(labels, per_class):
    """The first `per_class` indices of each class, in file order (sorted)."""
    picks = [np.flatnonzero(labels == c)[:per_class] for c in range(NUM_CLASSES)]
    return np.sort(np.concatenate(picks))


def settings(args):
    """Setting name -> the options (`augment`, `ada_*`) it sets over the preset's."""
    table = {
        "none": {},
        "diffaugment": {"augment": DIFFAUGMENT},
        "ada": {"augment": "ada", "ada_kimg": args.ada_kimg, "ada_target": args.ada_target},
    }
    unknown = set(args.settings) - set(table)
    if unknown:
        raise ValueError(f"Unknown settings {sorted(unknown)}; known: {sorted(table)}")
    return {name: table[name] for name in args.settings}


def build(seed, overrides, preset="lecture"):
    """A preset's GAN for 28x28x1 images with a setting's options, seeded.

    `lecture` (the default) is the lecture's networks, Adam(1e-4) each and
    loss; `quality` adds its TTUR, EMA and critic without dropout.
    """
    from keras_gan import build as build_lib
    from keras_gan import options as options_lib

    options = options_lib.resolve({"seed": seed, **overrides}, preset=preset)
    return build_lib.build_gan(options, (28, 28, 1))


def nearest_distances(queries, pool):
    """L2 distance (pixels) from each query image to its nearest pool image."""
    from keras_gan.metrics._neighbours import nearest_distances as nearest

    flat = lambda x: x.reshape(len(x), -1).astype(np.float64)  # noqa: E731
    return nearest(flat(queries), flat(pool))


def memorisation(fake, train, held_out):
    """Nearest-neighbour distances of fakes and held-out reals to `train`."""
    fake_d = nearest_distances(fake[:1000], train)
    real_d = nearest_distances(held_out[:1000], train)
    threshold = np.percentile(real_d, 1)
    return {
        "nn_fake_median": float(np.median(fake_d)),
        "nn_real_median": float(np.median(real_d)),
        "nn_ratio": float(np.median(fake_d) / np.median(real_d)),
        "copies": int((fake_d < threshold).sum()),
    }


class Evaluator:
    """FID, classes covered and memorisation against fixed real images."""

    def __init__(self, args, train_subset, floor_images, test_images, test_labels):
        from keras_gan.evaluation.extractors import get_extractor
        from keras_gan.metrics import fid_features_to_statistics

        self.extractor = get_extractor(
            "classifier", dataset="fashion_mnist", cache_dir=args.cache_dir
        )
        self.n = args.n
        self.train_subset = train_subset
        self.test_images = test_images
        self.test_labels = test_labels
        self.test_stats = fid_features_to_statistics(self.extractor.features(test_images))
        self.floor = self.fid(floor_images[: self.n])

    def fid(self, images):
        from keras_gan.metrics import fid_features_to_statistics
        from keras_gan.metrics import fid_statistics_to_metric

        mu, sigma = fid_features_to_statistics(self.extractor.features(images))
        return float(fid_statistics_to_metric(mu, sigma, *self.test_stats))

    def __call__(self, gan):
        from keras_gan.metrics import fid_features_to_statistics
        from keras_gan.metrics import fid_statistics_to_metric
        from keras_gan.metrics import mode_coverage_from_predictions

        fake = np.asarray(gan.generate(self.n, seed=0))
        features, probs = self.extractor.features_and_probabilities(fake)
        mu, sigma = fid_features_to_statistics(features)
        modes = mode_coverage_from_predictions(probs, self.test_labels, num_classes=NUM_CLASSES)
        return {
            "fid": float(fid_statistics_to_metric(mu, sigma, *self.test_stats)),
            "classes": int(modes["modes_covered"]),
            **memorisation(fake, self.train_subset, self.test_images),
        }, fake


def train_one(name, overrides, seed, images, args, evaluate):
    """Trains one run for `args.steps` steps; returns its row."""
    import keras

    gan = build(seed, overrides, args.preset)
    steps_per_epoch = max(1, len(images) // args.batch_size)
    epochs = -(-args.steps // steps_per_epoch)
    start = time.perf_counter()
    history = gan.fit(
        images,
        batch_size=args.batch_size,
        epochs=epochs,
        shuffle=True,
        steps_per_epoch=None,
        verbose=0,
    )
    wall = time.perf_counter() - start
    result, fake = evaluate(gan)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    row = {
        "setting": name,
        "preset": args.preset,
        "seed": seed,
        "subset": len(images),
        "steps": epochs * steps_per_epoch,
        "batch_size": args.batch_size,
        "train_wall_s": round(wall, 1),
        "final_logs": logs,
        **result,
    }
    if args.grids:
        from keras_gan.images import save_grid

        save_grid(fake[:16], os.path.join(args.grids, f"small{len(images)}-{name}-s{seed}.png"))
    keras.backend.clear_session()
    return row


def _spread(values, fmt="{:.3g}"):
    if len(values) == 1:
        return fmt.format(values[0])
    return (
        f"{fmt.format(statistics.median(values))} "
        f"[{fmt.format(min(values))}-{fmt.format(max(values))}]"
    )


def markdown(rows, floor):
    """Medians [min-max] over seeds, per subset size and setting."""
    lines = [
        f"real-vs-real floor (FID): {floor:.3g}",
        "",
        "| images | setting | seeds | FID | vs none | classes | NN fake / held-out "
        "| copies | final ada_p | train min |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for subset in sorted({r["subset"] for r in rows}):
        mine = [r for r in rows if r["subset"] == subset]
        base = [r["fid"] for r in mine if r["setting"] == "none"]
        for setting in dict.fromkeys(r["setting"] for r in mine):
            at = [r for r in mine if r["setting"] == setting]
            fid = [r["fid"] for r in at]
            change = (
                f"{100 * (statistics.median(fid) / statistics.median(base) - 1):+.0f}%"
                if base
                else "-"
            )
            p = [r["final_logs"].get("ada_p") for r in at]
            lines.append(
                f"| {subset} | {setting} | {len(at)} | {_spread(fid)} | {change} | "
                f"{_spread([r['classes'] for r in at], '{:.0f}')} | "
                f"{_spread([r['nn_ratio'] for r in at], '{:.2f}')} | "
                f"{_spread([r['copies'] for r in at], '{:.0f}')} | "
                f"{_spread(p, '{:.2f}') if None not in p else '-'} | "
                f"{_spread([r['train_wall_s'] / 60 for r in at], '{:.1f}')} |"
            )
    return "\n".join(lines)


def load(args):
    """The subset, floor images (outside it), and the test split, in [-1, 1]."""
    from keras_gan.data import load_arrays
    from keras_gan.data.scaling import scale_images

    train, train_labels = load_arrays("fashion_mnist")
    test, test_labels = load_arrays("fashion_mnist", split="test")
    per_class = args.subset // NUM_CLASSES
    picked = subset_indices(np.asarray(train_labels), per_class)
    outside = np.setdiff1d(np.arange(len(train)), picked)
    rng = np.random.default_rng(0)
    floor = rng.choice(outside, size=min(args.n, len(outside)), replace=False)
    return (
        picked,
        scale_images(train[picked]),
        scale_images(train[floor]),
        scale_images(test),
        np.asarray(test_labels),
    )


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--subset",
        type=int,
        default=1000,
        help="training images: the first subset/10 of each class",
    )
    parser.add_argument("--settings", default="none,diffaugment,ada")
    parser.add_argument(
        "--preset",
        default="lecture",
        help="the options every setting starts from (lecture: the lecture's GAN)",
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--ada-kimg", type=float, default=32.0)
    parser.add_argument("--ada-target", type=float, default=0.6)
    parser.add_argument(
        "--n", type=int, default=5000, help="generated images (and floor images) for FID"
    )
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--grids", default=None)
    args = parser.parse_args(argv)
    args.settings = args.settings.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    return args


def main(argv=None):
    args = parse(argv)
    from benchmarks.quality_table import machine

    picked, images, floor_images, test, test_labels = load(args)
    evaluate = Evaluator(args, images, floor_images, test, test_labels)
    if args.grids:
        os.makedirs(args.grids, exist_ok=True)
    print(machine(), f"| subset {len(images)} | floor FID {evaluate.floor:.3f}", flush=True)
    rows = []
    # Seed by seed, every setting at each: a run cut short stays balanced.
    for seed in args.seeds:
        for name, kwargs in settings(args).items():
            rows.append(train_one(name, kwargs, seed, images, args, evaluate))
            print(json.dumps(rows[-1]), flush=True)
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(
                        {
                            "machine": machine(),
                            "command": sys.argv,
                            "subset_indices": picked.tolist(),
                            "floor_fid": evaluate.floor,
                            "rows": rows,
                        },
                        f,
                    )
    print()
    print(markdown(rows, evaluate.floor))


if __name__ == "__main__":
    main()

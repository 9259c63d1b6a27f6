#!/usr/bin/env python
"""Colour at 64x64: presets compared at equal wall time on a folder, through the CLI.

Builds (once) the colour folder of `benchmarks/colour_folder.py`:
Fashion-MNIST items at 64x64, a random colour on a background of another,
`--per-class` PNGs in each of 10 class sub-folders. Then, for each preset
and seed:

1. measures the preset's seconds per training step on the folder's images
   (the networks, batch and width `keras-gan train` would use; median of
   `--probe-steps` steps after 3 warm-up steps), and from it the epochs
   that fill `--minutes` of training;
2. trains through the CLI, `keras-gan train --dataset FOLDER --preset P
   --epochs E --seed S` (the `folder` preset picks its image size, batch
   and width and says so);
3. scores the run with `keras-gan evaluate RUN --metrics fid modes --n N`:
   FID from the folder's classifier (trained once on the folder's training
   split, cached) with the real-vs-real floor, and the classes covered
   (the classifier's `modes`), and copies the run's final sample grid.

    python benchmarks/colour_table.py --folder data/colour64 --presets quality,folder \\
        --seeds 0 --minutes 15 --json docs/measurements/colour64.json \\
        --grids docs/images/colour64

One training at a time: two on the same cores slow each other down.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

# The table's image size, passed to every preset (on a CPU the folder
# preset would pick 32 px by itself).
SIZE = 64
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def ensure_folder(folder, per_class, seed):
    """Builds the colour folder unless it is there; returns its image count."""
    from benchmarks import colour_folder
    from benchmarks.folder_benchmark import COMPLETE

    done = os.path.join(folder, COMPLETE)
    if not os.path.exists(done):
        shutil.rmtree(folder, ignore_errors=True)
        colour_folder.build(folder, per_class=per_class, size=SIZE, seed=seed)
        open(done, "w").close()
    return sum(len(files) for _, _, files in os.walk(folder)) - 1


def cli_choices(folder, preset):
    """The image size, batch and width `keras-gan train --preset P` would use."""
    from keras_gan import build
    from keras_gan import options as options_lib
    from keras_gan.hardware import gpu_count

    options = options_lib.resolve({"dataset": folder}, preset=preset)
    if preset == "folder":
        return build.folder_options(options, gpu_count(), image_size=SIZE)[0]
    return {**options, "image_size": SIZE}


def step_seconds(folder, options, steps):
    """Median seconds of one training step of `options`' model on the folder."""
    import keras

    from keras_gan import presets
    from keras_gan.data import load_arrays
    from keras_gan.data.scaling import scale_images

    images, _ = load_arrays(folder, image_size=options["image_size"])
    batch = options["batch_size"]
    x = scale_images(np.asarray(images[: batch * (steps + 3)]))
    overrides = {k: v for k, v in options.items() if k != "preset"}
    gan = presets.get(options["preset"]).build(x.shape[1:], **overrides)
    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    gan.fit(x, batch_size=batch, epochs=1, verbose=0, callbacks=[Clock()])
    keras.backend.clear_session()
    return statistics.median(times[3:])


def keras_gan(*args):
    """Runs the CLI in a fresh process; returns its stdout and seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "keras_gan.cli", *args], capture_output=True, text=True, cwd=REPO
    )
    if done.returncode:
        raise RuntimeError(f"keras-gan {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout, time.perf_counter() - start


def run_one(args, preset, seed, images):
    """Probes, trains and scores one preset and seed; returns its row."""
    options = cli_choices(args.folder, preset)
    seconds = step_seconds(args.folder, options, args.probe_steps)
    steps_per_epoch = (images * 5 // 6) // options["batch_size"]
    epochs = max(1, round(args.minutes * 60 / seconds / steps_per_epoch))
    name = f"colour64-{preset}-s{seed}"
    out, wall = keras_gan(
        "train",
        "--dataset",
        args.folder,
        "--preset",
        preset,
        "--epochs",
        str(epochs),
        "--seed",
        str(seed),
        "--logdir",
        args.logdir,
        "--run-name",
        name,
        "--image-size",
        str(SIZE),
    )
    said = [line for line in out.splitlines() if line.startswith("Folder preset")]
    run = os.path.join(args.logdir, name)
    scores, _ = keras_gan(
        "evaluate", "--run", run, "--metrics", "fid", "modes", "--n", str(args.n), "--json"
    )
    result = json.loads(scores)
    if args.grids:
        from keras_gan.run import RunDirectory

        shutil.copyfile(
            RunDirectory(run).grid_file, os.path.join(args.grids, f"{preset}-s{seed}.png")
        )
    return {
        "preset": preset,
        "seed": seed,
        "image_size": options["image_size"],
        "batch_size": options["batch_size"],
        "width": options.get("width"),
        "probe_s_per_step": round(seconds, 3),
        "epochs": epochs,
        "steps": epochs * steps_per_epoch,
        "cli_wall_s": round(wall, 1),
        "cli_said": said,
        "scores": result,
    }


def markdown(rows, baseline="quality"):
    """FID and classes, median [min-max] over seeds, per preset, vs `baseline`.

    Steps, seconds per step and minutes are medians over the seeds: each
    run's steps fill the same minutes at the speed its own probe measured.
    """
    lines = [
        "| preset | seeds | width | batch | steps | s/step | CLI min | FID (floor) | classes "
        f"| vs {baseline} |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    fids = {}
    for row in rows:
        fids.setdefault(row["preset"], []).append(row["scores"]["fid_clf"])
    base = statistics.median(fids[baseline]) if baseline in fids else None
    for preset, fid in fids.items():
        at = [r for r in rows if r["preset"] == preset]
        floor = at[0]["scores"].get("floor_fid_clf")
        classes = [r["scores"]["modes_covered_clf"] for r in at]
        change = "-" if base is None else f"{100 * (statistics.median(fid) / base - 1):+.0f}%"
        lines.append(
            f"| {preset} | {len(at)} | {at[0]['width'] or '-'} | {at[0]['batch_size']} | "
            f"{statistics.median(r['steps'] for r in at):.0f} | "
            f"{statistics.median(r['probe_s_per_step'] for r in at):.2f} | "
            f"{statistics.median(r['cli_wall_s'] for r in at) / 60:.1f} | "
            f"{statistics.median(fid):.1f} [{min(fid):.1f}-{max(fid):.1f}] "
            f"({floor if floor is None else round(floor, 2)}) | "
            f"{statistics.median(classes):.0f} | {change} |"
        )
    accuracy = rows[0]["scores"].get("classifier_test_accuracy") if rows else None
    if accuracy is not None:
        lines.append("")
        lines.append(f"The folder's classifier: test accuracy {accuracy:.3f}.")
    return "\n".join(lines)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=os.path.join(REPO, "data", "colour64"))
    parser.add_argument("--per-class", type=int, default=300)
    parser.add_argument("--presets", default="quality,folder")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--minutes", type=float, default=15.0, help="training per run")
    parser.add_argument("--probe-steps", type=int, default=8)
    parser.add_argument("--n", type=int, default=2000, help="generated images for FID")
    parser.add_argument("--logdir", default=os.path.join(REPO, "logs"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--grids", default=None)
    args = parser.parse_args(argv)
    args.presets = args.presets.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    return args


def main(argv=None):
    args = parse(argv)
    from benchmarks.quality_table import machine

    images = ensure_folder(args.folder, args.per_class, seed=0)
    if args.grids:
        os.makedirs(args.grids, exist_ok=True)
    print(machine(), f"| {images} images in {args.folder}", flush=True)
    rows = []
    for seed in args.seeds:
        for preset in args.presets:
            rows.append(run_one(args, preset, seed, images))
            print(json.dumps(rows[-1]), flush=True)
            if args.json:
                with open(args.json, "w") as f:
                    json.dump({"machine": machine(), "command": sys.argv, "rows": rows}, f)
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()

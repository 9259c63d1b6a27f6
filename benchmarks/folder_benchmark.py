"""Benchmark: `keras-gan train` on large image folders (streamed, cached).

Generates folders of N 64x64 RGB PNGs (smooth random colour fields with a
little grain, so the PNGs have a realistic size), then runs

    keras-gan train --dataset FOLDER --image-size 64 --epochs 1
        --steps-per-epoch 50 --batch-size 64 --seed 0 --sample-every 0 ...

in a fresh process per measurement, once with an empty folder cache (cold:
the run decodes the folder) and once with the cache in place (warm), and
reports for each:

- peak RSS of the training process (`os.wait4`'s `ru_maxrss`);
- seconds from launching the process to the start and the end of the first
  training step (the first step includes tracing the train step);
- data wait: the seconds the input pipeline alone needs for the epoch's
  steps (read from the cache, scaled), as a fraction of the training
  steps' seconds; an upper bound, as the pipeline prefetches while the
  model trains.

Usage:

    python benchmarks/folder_benchmark.py --sizes 10000 100000 \\
        --folders /tmp/folders --json out.json

Targets (issue 14): peak RSS at 100k at most 1.5x that at 10k; first step
within 30 s with a warm cache; data wait under 5% of the epoch.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

COMPLETE = ".complete"  # hidden: image folders ignore it


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def synthetic_image(index, size=64, seed=0):
    """One smooth random RGB image: a bicubic-upsampled 6x6 colour field.

    Args:
        index: the image's number (the content is a function of it).
        size: side in pixels. Defaults to 64.
        seed: base seed. Defaults to 0.

    Returns:
        A uint8 `(size, size, 3)` array.
    """
    from PIL import Image

    rng = np.random.default_rng([seed, index])
    field = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    image = Image.fromarray(field).resize((size, size), Image.Resampling.BICUBIC)
    array = np.asarray(image, dtype=np.int16)
    grain = rng.integers(-3, 4, array.shape, dtype=np.int16)
    return np.clip(array + grain, 0, 255).astype(np.uint8)


def _write_range(args):
    from PIL import Image

    folder, start, stop, size = args
    for i in range(start, stop):
        Image.fromarray(synthetic_image(i, size)).save(os.path.join(folder, f"img_{i:06d}.png"))
    return stop - start


def generate_folder(folder, num_images, size=64, workers=None):
    """Writes `num_images` PNGs into `folder` once (reused when complete).

    Returns:
        The folder as a `pathlib.Path`.
    """
    import multiprocessing

    folder = pathlib.Path(folder)
    if (folder / COMPLETE).exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    step = 1000
    jobs = [(str(folder), s, min(s + step, num_images), size) for s in range(0, num_images, step)]
    with multiprocessing.Pool(workers or os.cpu_count()) as pool:
        for _ in pool.imap_unordered(_write_range, jobs):
            pass
    (folder / COMPLETE).write_text(f"{num_images}\n")
    return folder


# --------------------------------------------------------------------------
# One training process
# --------------------------------------------------------------------------


def _child(timing_path, argv):
    """Runs `keras-gan train argv` with a callback timing the first step."""
    import keras

    from keras_gan import cli
    from keras_gan import training

    marks = {}

    class FirstStep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            marks.setdefault("first_step_begin", time.time())

        def on_train_batch_end(self, batch, logs=None):
            marks.setdefault("first_step_end", time.time())
            marks["last_step_end"] = time.time()
            marks["steps"] = marks.get("steps", 0) + 1

    defaults = training.default_callbacks

    def with_timer(*args, **kwargs):
        return defaults(*args, **kwargs) + [FirstStep()]

    training.default_callbacks = with_timer
    code = cli.main(argv)
    with open(timing_path, "w") as f:
        json.dump(marks, f)
    return code


def train_once(folder, cache_dir, steps, batch_size, logdir):
    """Runs one `keras-gan train` process; returns its measurements."""
    argv = [
        "train",
        "--dataset",
        str(folder),
        "--image-size",
        "64",
        "--epochs",
        "1",
        "--steps-per-epoch",
        str(steps),
        "--batch-size",
        str(batch_size),
        "--seed",
        "0",
        "--sample-every",
        "0",
        "--checkpoint-every",
        "0",
        "--no-loss-plot",
        "--no-tensorboard",
        "--logdir",
        str(logdir),
    ]
    env = dict(os.environ, KERAS_GAN_CACHE=str(cache_dir), TF_CPP_MIN_LOG_LEVEL="2")
    with tempfile.TemporaryDirectory() as tmp:
        timing = os.path.join(tmp, "timing.json")
        launch = time.time()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", timing, "--"] + argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        end = time.time()
        stderr = proc.stderr.read().decode(errors="replace")
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 or not os.path.exists(timing):
            raise RuntimeError(f"train failed ({proc.returncode}):\n{stderr[-3000:]}")
        with open(timing) as f:
            marks = json.load(f)
    step_s = (marks["last_step_end"] - marks["first_step_end"]) / max(marks["steps"] - 1, 1)
    return {
        "peak_rss_mb": usage.ru_maxrss / 1024.0,
        "to_first_step_begin_s": marks["first_step_begin"] - launch,
        "to_first_step_end_s": marks["first_step_end"] - launch,
        "train_step_s": step_s,
        "wall_s": end - launch,
    }


def data_seconds_per_step(folder, cache_dir, steps, batch_size):
    """Seconds per batch of the input pipeline alone (warm cache)."""
    os.environ["KERAS_GAN_CACHE"] = str(cache_dir)
    from keras_gan.data import make_dataset
    from keras_gan.data import open_arrays

    images, _ = open_arrays(str(folder), image_size=64)
    dataset = make_dataset(
        images,
        batch_size=batch_size,
        seed=0,
        epochs_from=0,
        steps_per_epoch=steps,
    )
    iterator = iter(dataset)
    next(iterator)  # the first batch includes building the pipeline
    start = time.perf_counter()
    for _ in range(steps - 1):
        next(iterator)
    return (time.perf_counter() - start) / (steps - 1)


def ratio(a, b):
    """`a / b`, or None when `b` is 0 or missing."""
    return None if not b else a / b


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10000, 100000],
        help="images per generated folder (default: 10000 100000)",
    )
    parser.add_argument(
        "--folders",
        default="/tmp/keras_gan_folders",
        help="where the PNG folders are generated once and reused "
        "(default: /tmp/keras_gan_folders)",
    )
    parser.add_argument(
        "--steps", type=int, default=50, help="training steps per run (default: 50)"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="images per step (default: 64)")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)

    import benchmark  # the sibling benchmarks/benchmark.py

    machine = benchmark.machine_info()
    print("Machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(
        f"Settings: --image-size 64 --batch-size {args.batch_size} "
        f"--steps-per-epoch {args.steps} --epochs 1 --seed 0",
        flush=True,
    )
    results = {}
    for n in args.sizes:
        folder = pathlib.Path(args.folders) / f"png64_{n}"
        start = time.time()
        generate_folder(folder, n)
        print(f"[{n}] folder ready ({time.time() - start:.0f} s)", flush=True)
        work = pathlib.Path(tempfile.mkdtemp(prefix=f"folder_bench_{n}_"))
        cache = work / "cache"
        try:
            cold = train_once(folder, cache, args.steps, args.batch_size, work / "runs")
            print(f"[{n}] cold: {json.dumps(cold)}", flush=True)
            warm = train_once(folder, cache, args.steps, args.batch_size, work / "runs")
            print(f"[{n}] warm: {json.dumps(warm)}", flush=True)
            data_s = data_seconds_per_step(folder, cache, args.steps, args.batch_size)
            frac = ratio(data_s, warm["train_step_s"])
            print(
                f"[{n}] data: {data_s * 1000:.2f} ms/step = {100 * frac:.2f}% of a training step",
                flush=True,
            )
            cache_mb = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 2**20
            results[n] = {
                "cold": cold,
                "warm": warm,
                "data_s_per_step": data_s,
                "data_frac": frac,
                "cache_mb": cache_mb,
            }
        finally:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(
        f"{'images':>8} {'cache':>8} | {'RSS cold':>9} {'RSS warm':>9} | "
        f"{'1st step cold':>13} {'1st step warm':>13} | {'data wait':>9}"
    )
    for n, r in results.items():
        print(
            f"{n:>8} {r['cache_mb']:>6.0f}MB | "
            f"{r['cold']['peak_rss_mb']:>7.0f}MB {r['warm']['peak_rss_mb']:>7.0f}MB | "
            f"{r['cold']['to_first_step_end_s']:>12.1f}s "
            f"{r['warm']['to_first_step_end_s']:>12.1f}s | "
            f"{100 * r['data_frac']:>8.2f}%"
        )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = results[sizes[0]], results[sizes[-1]]
        for kind in ("cold", "warm"):
            growth = ratio(large[kind]["peak_rss_mb"], small[kind]["peak_rss_mb"])
            print(f"Peak RSS {sizes[-1]} / {sizes[0]} ({kind}): {growth:.2f}x (target <= 1.5x)")
    for n, r in results.items():
        print(
            f"[{n}] warm first step {r['warm']['to_first_step_end_s']:.1f} s "
            f"(target <= 30 s); data wait {100 * r['data_frac']:.2f}% "
            f"(target < 5%)"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.exit(_child(sys.argv[2], sys.argv[4:]))
    sys.exit(main())

#!/usr/bin/env python
"""Sample quality per preset, epoch and seed: the table in README.

Trains each preset (or variant) once per seed on a dataset, evaluates the
generator at chosen epochs with `keras_gan.evaluate_generator` (the
library's classifier features, FID, precision/recall, modes covered) and
prints a markdown table of medians with the spread over seeds, plus the
training minutes each run needed to reach a target FID (by default the
`lecture` preset's median FID at its last epoch).

    python benchmarks/quality_table.py --presets lecture,dcgan,quality \\
        --seeds 0,1,2 --epochs 30 --eval-at 1,5,30 --json quality.json

    # screening a variant: a preset plus option overrides
    python benchmarks/quality_table.py --presets dcgan \\
        --variant "ttur=dcgan:d_lr=4e-4;augment=translation,cutout" --epochs 5 --eval-at 5

Training time counts `fit`'s epochs only (not the evaluations), as wall
seconds and as this process's CPU seconds. Each run trains on the images as
a NumPy array through `fit(..., shuffle=True)` (a full shuffle each epoch,
like the CLI's default shuffle buffer), so the script needs no tf.data and
runs on every backend (`KERAS_BACKEND`). Run one at a time: two trainings
on the same cores slow each other down.
"""

import argparse
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

METRICS = ("fid", "pr", "modes")
COLUMNS = ("fid_clf", "precision_clf", "recall_clf", "modes_covered_clf")


def parse_variant(text):
    """Parses `NAME=PRESET:key=value;key=value` into (name, preset, overrides).

    Values are read as JSON where they parse (numbers, true/false, null),
    else kept as strings.
    """
    try:
        name, rest = text.split("=", 1)
        preset, _, pairs = rest.partition(":")
    except ValueError:
        raise ValueError(
            f"Expected a variant as NAME=PRESET:key=value;... Received: {text!r}"
        ) from None
    overrides = {}
    for pair in filter(None, pairs.split(";")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"Expected key=value in {text!r}. Received: {pair!r}")
        try:
            overrides[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.strip()] = value
    return name.strip(), preset.strip(), overrides


def _evaluation_callback(args, record, run_name):
    """A Keras callback: times each epoch and evaluates at `args.eval_at`."""
    import keras

    from keras_gan import evaluate_generator

    class Evaluate(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.wall = self.cpu = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            self.wall += time.perf_counter() - self._start[0]
            self.cpu += time.process_time() - self._start[1]
            if epoch + 1 not in args.eval_at:
                return
            # The real-vs-real floor once per table: it does not depend on
            # the run.
            floor = args.floor is None
            result = evaluate_generator(
                self.model.generate,
                args.dataset,
                n=args.n,
                metrics=METRICS,
                seed=0,
                floor=floor,
                cache_dir=args.cache_dir,
            )
            if floor:
                args.floor = {k: float(result["floor_" + k]) for k in COLUMNS}
            if args.grids:
                # 16 samples from fixed noise (seed 0): grids compare alike.
                from keras_gan.images import save_grid

                save_grid(
                    self.model.generate(16, seed=0),
                    os.path.join(args.grids, f"{run_name}-e{epoch + 1}.png"),
                )
            record(epoch + 1, self.wall, self.cpu, logs or {}, result)

    return Evaluate()


def train_and_evaluate(name, preset, overrides, seed, args, images):
    """Trains one run and returns its evaluations, one dict per eval epoch."""
    import keras

    from keras_gan import presets

    options = presets.get(preset).options(
        **{"dataset": args.dataset, "epochs": args.epochs, "seed": seed, **overrides}
    )
    gan = presets.build_gan(options, images.shape[1:])
    rows = []

    def record(epoch, wall, cpu, logs, result):
        row = {
            "variant": name,
            "preset": preset,
            "overrides": overrides,
            "seed": seed,
            "epoch": epoch,
            "train_wall_s": wall,
            "train_cpu_s": cpu,
            "losses": {k: float(v) for k, v in logs.items()},
            **{k: float(result[k]) for k in COLUMNS},
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    gan.fit(
        images,
        batch_size=options["batch_size"],
        shuffle=True,
        epochs=args.epochs,
        verbose=0,
        callbacks=[_evaluation_callback(args, record, f"{name}-s{seed}")],
    )
    keras.backend.clear_session()
    return rows


def _spread(values):
    if len(values) == 1:
        return f"{values[0]:.3g}"
    return f"{statistics.median(values):.3g} [{min(values):.3g}-{max(values):.3g}]"


def minutes_to(rows, target):
    """Training minutes at the first evaluation with FID <= target, or None."""
    for row in sorted(rows, key=lambda r: r["epoch"]):
        if row["fid_clf"] <= target:
            return row["train_wall_s"] / 60
    return None


def markdown(rows, target):
    """The README table: medians [min-max] over seeds per variant and epoch."""
    lines = [
        "| variant | epoch | seeds | FID | precision | recall | modes | "
        "train min | min to target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    for variant in variants:
        mine = [r for r in rows if r["variant"] == variant]
        for epoch in sorted({r["epoch"] for r in mine}):
            at = [r for r in mine if r["epoch"] == epoch]
            reach = []
            if target is not None:
                for seed in sorted({r["seed"] for r in mine}):
                    m = minutes_to(
                        [r for r in mine if r["seed"] == seed and r["epoch"] <= epoch], target
                    )
                    reach.append("-" if m is None else f"{m:.1f}")
            lines.append(
                f"| {variant} | {epoch} | {len(at)} | "
                f"{_spread([r['fid_clf'] for r in at])} | "
                f"{_spread([r['precision_clf'] for r in at])} | "
                f"{_spread([r['recall_clf'] for r in at])} | "
                f"{_spread([r['modes_covered_clf'] for r in at])} | "
                f"{_spread([r['train_wall_s'] / 60 for r in at])} | "
                f"{' / '.join(reach) or '-'} |"
            )
    return "\n".join(lines)


def machine():
    """One line naming the backend, the CPU with its flags, and the GPUs."""
    import keras

    from benchmarks.benchmark import machine_info
    from keras_gan import hardware

    info = machine_info()
    return (
        f"backend {keras.backend.backend()}, keras {info['keras']}, "
        f"{info['cpu']}, {info['cores']} CPUs, {info['cpu_flags']}, "
        f"GPUs: {hardware.gpu_count()}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument(
        "--presets",
        default="lecture,dcgan,quality",
        help="comma-separated preset names ('' for none)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME=PRESET:key=value;key=value... (repeatable)",
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eval-at", default="1,5,30", help="epochs to evaluate at, or 'all'")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument(
        "--target-fid",
        type=float,
        default=None,
        help="FID for 'min to target' (default: the lecture "
        "preset's median FID at the last epoch, if it ran)",
    )
    parser.add_argument(
        "--train-images",
        type=int,
        default=None,
        help="train on the first N images only (smoke tests)",
    )
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--json", default=None, help="write every row here")
    parser.add_argument(
        "--grids",
        default=None,
        help="folder for a 4x4 sample grid per run and evaluated epoch (NAME-sSEED-eEPOCH.png)",
    )
    args = parser.parse_args(argv)
    args.eval_at = (
        set(range(1, args.epochs + 1))
        if args.eval_at == "all"
        else {int(e) for e in args.eval_at.split(",")} & set(range(1, args.epochs + 1))
    )
    if args.grids:
        os.makedirs(args.grids, exist_ok=True)
    runs = [(p, p, {}) for p in filter(None, args.presets.split(","))]
    runs += [parse_variant(v) for v in args.variant]
    seeds = [int(s) for s in args.seeds.split(",")]

    from keras_gan.data import load_arrays
    from keras_gan.data.scaling import scale_images

    images, _ = load_arrays(args.dataset)
    images = scale_images(images[: args.train_images])
    print(machine(), flush=True)
    rows, args.floor = [], None
    for name, preset, overrides in runs:
        for seed in seeds:
            rows += train_and_evaluate(name, preset, overrides, seed, args, images)
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(
                        {"machine": machine(), "floor": args.floor, "rows": rows},
                        f,
                        indent=1,
                    )
    target = args.target_fid
    if target is None:
        last = [
            r["fid_clf"] for r in rows if r["variant"] == "lecture" and r["epoch"] == args.epochs
        ]
        target = statistics.median(last) if last else None
    print(f"\ntarget FID: {target}; real-vs-real floor: {args.floor}\n")
    print(markdown(rows, target))


if __name__ == "__main__":
    main()

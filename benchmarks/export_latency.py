"""File sizes and CPU latency of a generator exported to each format.

Exports a generator (a run's `generator.keras`, or by default the
lecture's 28x28 DCGAN generator, untrained: latency and size do not
depend on the weights' values) to SavedModel, ONNX and TFLite with
`keras_gan.export`, runs each file with its own runtime (TensorFlow,
onnxruntime, the LiteRT interpreter) beside the Keras model, and prints
the machine, the sizes, the largest difference from Keras and the median
latency per image at batch 1 and batch 64.

    python benchmarks/export_latency.py                  # the lecture's DCGAN
    python benchmarks/export_latency.py --conditional    # its conditional twin
    python benchmarks/export_latency.py --run logs/RUN --repeats 50

Each timing is the median of `--repeats` calls after 3 warm-up calls, in
one process, on however many cores the runtimes take by default.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

BATCHES = (1, 64)


def _size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def _runner(fmt, path):
    # A function from a feed dict to the images, for each runtime.
    if fmt == "keras":
        import keras

        model = path  # the serving model itself

        def run(feed):
            return keras.ops.convert_to_numpy(model(feed, training=False)["images"])

        return run
    if fmt == "savedmodel":
        import tensorflow as tf

        serve = tf.saved_model.load(path).signatures["serving_default"]
        return lambda feed: serve(**{k: tf.constant(v) for k, v in feed.items()})["images"].numpy()
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        return lambda feed: session.run(["images"], feed)[0]
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=path).get_signature_runner()
    return lambda feed: runner(**feed)["images"]


def _median_ms(run, feed, repeats):
    for _ in range(3):
        run(feed)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(feed)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="a run directory (default: the lecture's DCGAN, untrained)")
    parser.add_argument(
        "--conditional",
        action="store_true",
        help="without --run: the conditional DCGAN (10 classes)",
    )
    parser.add_argument(
        "--repeats", type=int, default=30, help="timed calls per figure (default: 30)"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    import keras

    from benchmarks.benchmark import machine_info
    from keras_gan import export as export_lib
    from keras_gan.models import dcgan_generator

    if args.run:
        generator = export_lib.resolve_generator(args.run)
        source = args.run
    else:
        keras.utils.set_random_seed(0)
        generator = dcgan_generator(num_classes=10 if args.conditional else None)
        source = "dcgan_generator(" + ("num_classes=10" if args.conditional else "") + ")"
    info = machine_info()
    serving = export_lib.serving_model(generator)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = {"keras": serving}
        for fmt in export_lib.FORMATS:
            path = os.path.join(
                tmp, "generator" + {"savedmodel": "", "onnx": ".onnx", "tflite": ".tflite"}[fmt]
            )
            start = time.perf_counter()
            export_lib.export_generator(generator, path, format=fmt)
            paths[fmt] = path
            rows.append(
                {"format": fmt, "export_s": time.perf_counter() - start, "bytes": _size(path)}
            )
        keras_file = os.path.join(tmp, "generator.keras")
        generator.save(keras_file)
        rows.insert(0, {"format": "keras", "export_s": None, "bytes": _size(keras_file)})
        rng = np.random.default_rng(0)
        feeds = {}
        for batch in (*BATCHES, 16):
            feed = {
                "noise": rng.standard_normal(
                    (batch, generator.inputs[0].shape[-1]), dtype=np.float32
                )
            }
            if len(generator.inputs) == 2:
                k = generator.inputs[1].shape[-1]
                feed["class_weights"] = np.eye(k, dtype=np.float32)[np.arange(batch) % k]
            feeds[batch] = feed
        reference = _runner("keras", serving)(feeds[16])
        for row in rows:
            run = _runner(row["format"], paths[row["format"]])
            row["max_abs_diff"] = float(np.abs(run(feeds[16]) - reference).max())
            for batch in BATCHES:
                row[f"ms_per_image_batch_{batch}"] = (
                    _median_ms(run, feeds[batch], args.repeats) / batch
                )
    info["loadavg_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
    print(
        f"machine: {info['cpu']}, {info['usable_cores']} usable cores "
        f"({info['cpu_flags']}); load {info['loadavg_start']} -> {info['loadavg_end']}"
    )
    print(
        f"tensorflow {info['tensorflow']}, keras {info['keras']}; generator: {source}, "
        f"{generator.count_params():,} parameters, output {generator.output_shape[1:]}"
    )
    print(f"median of {args.repeats} calls after 3 warm-up calls\n")
    print(
        "| runtime | file | size | max abs diff vs Keras (batch 16) "
        "| ms/image, batch 1 | ms/image, batch 64 |"
    )
    print("|---|---|---|---|---|---|")
    names = {
        "keras": ("Keras (model call)", "generator.keras"),
        "savedmodel": ("TensorFlow SavedModel", "generator_savedmodel/"),
        "onnx": ("onnxruntime", "generator.onnx"),
        "tflite": ("LiteRT interpreter", "generator.tflite"),
    }
    for row in rows:
        runtime, file = names[row["format"]]
        print(
            f"| {runtime} | `{file}` | {row['bytes'] / 2**20:.2f} MiB "
            f"| {row['max_abs_diff']:.1e} | {row['ms_per_image_batch_1']:.3f} "
            f"| {row['ms_per_image_batch_64']:.3f} |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"machine": info, "source": source, "repeats": args.repeats, "rows": rows},
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()

"""`keras-gan`: a thin command line over the library.

It parses, validates, writes the run directory's options, and calls
`keras_gan.training`. No training logic lives here.
"""

import argparse
import importlib.util
import os
import sys

from keras_gan import options as options_lib
from keras_gan import presets as presets_lib
from keras_gan import run as run_lib
from keras_gan.build import folder_options
from keras_gan.run import OPTIONS_FILE
from keras_gan.run import RunDirectory

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
RUN_HELP = "a run directory written by `keras-gan train`"
# The run directory's generator files, by --generator (`keras_gan.run`'s).
GENERATOR_FILES = run_lib.GENERATOR_FILES
GENERATOR_HELP = (
    "which generator: last (generator.keras, the end of training) or best "
    "(generator_best.keras, the lowest FID, written with --metrics-every) "
    "(default: last)"
)
# Options with a flag of their own (or none): not generated from OPTIONS.
_OWN_FLAGS = ("preset",)
# What --help adds to the `backend` option's own words.
BACKEND_NOTE = (
    "; set as KERAS_BACKEND before Keras loads, recorded in "
    "training_options.json, and used by --resume unless --backend is "
    "given. Keras fixes its backend when it is first imported: main() "
    "called in a Python process where Keras is already loaded with another "
    "backend refuses (run keras-gan in a new process)"
)
RUN_BACKEND_HELP = (
    "Keras backend to run the generator on: tensorflow, jax or torch (a "
    ".keras generator loads under any of them), set as KERAS_BACKEND "
    "before Keras loads (default: the backend in force: $KERAS_BACKEND, "
    "else keras.json's, else tensorflow)"
)


def _flag(name):
    return "--" + name.replace("_", "-")


def _option_help(option):
    # A nullable option's help says what its None default means; argparse's
    # own default is always None here (to tell explicit flags apart).
    if "(default:" in option.help:
        return option.help
    if option.type is bool:
        return f"{option.help} (default: {'on' if option.default else 'off'})"
    return f"{option.help} (default: {option.default})"


def _add_training_options(parser):
    for option in options_lib.OPTIONS:
        if option.name in _OWN_FLAGS:
            continue
        text = _option_help(option)
        if option.name == "backend":
            text = text.replace(" (default:", BACKEND_NOTE + " (default:", 1)
        kwargs = {
            "default": None,
            "dest": option.name,
            "help": text.replace("%", "%%"),
        }
        if option.type is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = option.type
            if option.choices:
                kwargs["choices"] = option.choices
        parser.add_argument(_flag(option.name), **kwargs)


def _add_run_options(parser):
    # The options of every command that reads a run's generator.
    parser.add_argument("--run", required=True, metavar="RUN_DIR", help=RUN_HELP)
    parser.add_argument(
        "--generator",
        choices=tuple(GENERATOR_FILES),
        default="last",
        help=GENERATOR_HELP,
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    parser.add_argument(
        "--backend",
        choices=options_lib.BACKENDS,
        default=None,
        help=RUN_BACKEND_HELP,
    )


def build_parser():
    """Builds the `keras-gan` argument parser."""
    parser = argparse.ArgumentParser(
        prog="keras-gan",
        description="Train, sample and evaluate GANs with Keras 3.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_train_command(sub)
    _add_sample_command(sub)
    _add_evaluate_command(sub)
    _add_interpolate_command(sub)
    _add_export_command(sub)
    return parser


def _add_train_command(sub):
    """The `train` command: --preset, --resume and one flag per option."""
    train = sub.add_parser(
        "train",
        help="train a DCGAN (the lecture's by default)",
        description="Train a DCGAN. Defaults reproduce the lecture: MNIST, "
        "30 epochs, batch 256, noise 100, Adam(1e-4) for each network.",
    )
    train.add_argument(
        "--preset",
        choices=sorted(presets_lib.PRESETS),
        help="named settings applied before explicit flags, recorded in "
        "training_options.json ("
        + "; ".join(f"{p.name}: {p.description}" for p in presets_lib.PRESETS.values()).replace(
            "%", "%%"
        )
        + f") (default: {presets_lib.DEFAULT_PRESET})",
    )
    train.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue a run from its latest checkpoint (give --epochs to "
        "extend it, --backend to continue on another backend)",
    )
    _add_training_options(train)


def _add_sample_command(sub):
    """The `sample` command: a grid, or a folder of PNGs with --out-dir."""
    sample = sub.add_parser("sample", help="write a grid of images from a run's generator")
    _add_run_options(sample)
    sample.add_argument(
        "--n",
        type=int,
        default=None,
        help="number of images; for a conditional run without --label, "
        "images in each class row, 8 unless given (default: 16)",
    )
    sample.add_argument(
        "--label",
        help="a conditional run's class: a number or a class name from "
        "RUN_DIR/class_names.json (e.g. 7 or sneaker) (default: one row per "
        "class)",
    )
    where = sample.add_mutually_exclusive_group()
    where.add_argument("--out", help="PNG path (default: RUN_DIR/samples/sample.png)")
    where.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write one PNG per image into DIR instead of a grid (000000.png, "
        "000001.png, ...; grey or RGB at the training images' size), for "
        "clean-fid or torch-fidelity; resumable: files already in DIR are "
        "skipped. --n counts all images; a conditional run's image i has "
        "class i mod the number of classes unless --label is given",
    )
    sample.add_argument(
        "--batch-size",
        type=int,
        default=500,
        help="images per generator call with --out-dir (default: 500)",
    )


def _add_evaluate_command(sub):
    """The `evaluate` command: metrics with their real-vs-real floor."""
    evaluate = sub.add_parser(
        "evaluate",
        help="score a run's generator: FID, KID, IS, precision/recall, "
        "density/coverage, modes, with the real-vs-real floor",
    )
    _add_run_options(evaluate)
    evaluate.add_argument(
        "--n",
        type=int,
        default=10000,
        help="generated images (and real images for the floor; clipped to "
        "the real data available) (default: 10000)",
    )
    evaluate.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help="metric names (default: fid kid is pr dc modes)",
    )
    evaluate.add_argument(
        "--dataset",
        default=None,
        help="the real images to score against, resized to the run's size: "
        "for example a larger folder of the same kind of images than the "
        "run trained on (default: the run's dataset)",
    )
    evaluate.add_argument(
        "--extractor",
        default="classifier",
        choices=("classifier", "inception"),
        help="feature extractor: a classifier trained on the run's dataset "
        "(offline, cached) or Keras' ImageNet InceptionV3 (default: "
        "classifier)",
    )
    evaluate.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the real-vs-real floor",
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON")


# long: one add_argument call per flag of `keras-gan interpolate`, as argparse reads them
def _add_interpolate_command(sub):
    """The `interpolate` command: slerp strips, a GIF walk, class mixes."""
    interpolate = sub.add_parser(
        "interpolate",
        help="write spherical interpolations between random latent vectors "
        "(a PNG strip and a looping GIF), and between two classes of a "
        "conditional run",
        description="Write RUN_DIR/samples/interpolation.png (each row a "
        "slerp from one random noise vector to another), interpolation.gif "
        "(a grid of images walking a loop through latent space) and, with "
        "--from-label and --to-label, class_interpolation.png (fixed noise, "
        "the label mixing from one class to the other).",
    )
    _add_run_options(interpolate)
    interpolate.add_argument(
        "--rows",
        type=int,
        default=4,
        help="rows of the PNG strips, each with its own noise; for a "
        "conditional run row i shows class i mod the number of classes "
        "(default: 4)",
    )
    interpolate.add_argument(
        "--steps",
        type=int,
        default=8,
        help="images per row of the PNG strips, both ends included (default: 8)",
    )
    interpolate.add_argument(
        "--points",
        type=int,
        default=4,
        help="random keypoints the GIF loops through (default: 4)",
    )
    interpolate.add_argument(
        "--frames",
        type=int,
        default=12,
        help="GIF frames from one keypoint to the next (default: 12)",
    )
    interpolate.add_argument(
        "--fps",
        type=float,
        default=12.0,
        help="GIF frames per second (default: 12)",
    )
    interpolate.add_argument(
        "--grid",
        type=int,
        default=4,
        help="the GIF shows a GRID x GRID grid of images walking together; "
        "for a conditional run image i keeps class i mod the number of "
        "classes (default: 4)",
    )
    interpolate.add_argument("--out-dir", help="folder for the files (default: RUN_DIR/samples)")
    interpolate.add_argument(
        "--from-label",
        metavar="LABEL",
        help="conditional runs: the first class of class_interpolation.png, "
        "a number or a class name (give --to-label too)",
    )
    interpolate.add_argument(
        "--to-label",
        metavar="LABEL",
        help="conditional runs: the last class of class_interpolation.png",
    )


def _add_export_command(sub):
    """The `export` command: SavedModel, ONNX or TFLite."""
    export = sub.add_parser(
        "export",
        help="export a run's generator to a SavedModel folder, an ONNX or a TFLite file",
        description="Export the generator that samples (the EMA one when the "
        "run keeps one) with inputs `noise` (float32, batch x latent_dim) "
        "and, for a conditional run, `class_weights` (float32, batch x "
        "classes, one-hot), and output `images` (float32 in [-1, 1], or "
        "uint8 in [0, 255] with --pixels uint8), any batch size. Runs on "
        "the TensorFlow backend, whatever backend trained the run. ONNX "
        'needs the export extra: pip install "keras-gan[export]".',
    )
    export.add_argument("--run", required=True, metavar="RUN_DIR", help=RUN_HELP)
    export.add_argument(
        "--generator",
        choices=tuple(GENERATOR_FILES),
        default="last",
        help=GENERATOR_HELP,
    )
    export.add_argument(
        "--format",
        required=True,
        choices=("savedmodel", "onnx", "tflite"),
        help="savedmodel (a folder for TensorFlow / TF Serving), onnx (for "
        "onnxruntime) or tflite (for the LiteRT interpreter)",
    )
    export.add_argument(
        "--pixels",
        choices=("signed", "uint8"),
        default="signed",
        help="output images as float32 in [-1, 1] (signed) or uint8 in [0, 255] (default: signed)",
    )
    export.add_argument(
        "--out",
        metavar="PATH",
        help="where to write: a folder for savedmodel, a .onnx or .tflite "
        "file (default: RUN_DIR/export/generator_savedmodel, "
        "generator.onnx or generator.tflite)",
    )


def _explicit(args):
    return {
        o.name: getattr(args, o.name)
        for o in options_lib.OPTIONS
        if o.name not in _OWN_FLAGS and getattr(args, o.name) is not None
    }


def _resume_options(args):
    saved = options_lib.read_options(args.resume)
    requested = _explicit(args)
    requested.pop("epochs", None)
    # The recorded backend unless --backend names another: checkpoints load
    # under every backend (the numbers then differ by float rounding).
    if "backend" in requested:
        saved = {**saved, "backend": requested.pop("backend")}
    clashes = {k: (saved[k], v) for k, v in requested.items() if saved[k] != v}
    if clashes:
        detail = ", ".join(f"{k}: saved {s!r}, requested {r!r}" for k, (s, r) in clashes.items())
        raise ValueError(
            f"Cannot resume {args.resume!r} with different options ({detail}). "
            "Only --epochs and --backend may change on resume."
        )
    if args.epochs is not None:
        # The preset stays as recorded (None for runs that predate it).
        saved = {
            **options_lib.resolve({**saved, "epochs": args.epochs}),
            "preset": saved["preset"],
        }
    return saved


def _folder_options(options, args):
    """The folder preset's picks (image size, batch, width), each said in a line."""
    from keras_gan.hardware import gpu_count  # late: hardware may look at TensorFlow

    options, messages = folder_options(options, gpu_count(), args.image_size, args.batch_size)
    print("\n".join(messages), flush=True)
    return options


def _train(args, parser):
    try:
        if args.resume:
            if args.preset:
                raise ValueError("--preset cannot be combined with --resume.")
            options = _resume_options(args)
        else:
            options = options_lib.resolve(_explicit(args), preset=args.preset)
            if options["preset"] == "folder" and os.path.isdir(
                os.path.expanduser(options["dataset"])
            ):
                options = _folder_options(options, args)
    except ValueError as err:
        parser.error(str(err))
    # Imported late so `keras-gan --help` answers without loading TensorFlow.
    from keras_gan.hardware import speed_warnings

    # After TensorFlow is loaded (it is needed anyway) so that its view of
    # the GPUs decides; before the run directory exists.
    for message in speed_warnings(
        options["precision"],
        options["jit_compile"],
        options["steps_per_execution"],
        warn=False,
    ):
        print(f"keras-gan: warning: {message}", file=sys.stderr, flush=True)
    failed, run_dir = _run_training(options, args.resume)
    if failed is not None:
        return failed
    run = RunDirectory(run_dir)
    best = run.best_generator_file
    print(
        f"Done. Generator: {run.generator_file}"
        + (f" (lowest FID: {best})" if os.path.isfile(best) else "")
        + f"; samples: {run.grid_file}",
        flush=True,
    )
    return 0


def _run_training(options, resume):
    """Trains into a new run (or `resume`): `(exit code or None, run_dir)`."""
    from keras_gan import training
    from keras_gan.callbacks import StopOnInterrupt
    from keras_gan.checkpoints import latest_checkpoint
    from keras_gan.data import DatasetUnavailableError
    from keras_gan.gan import NonFiniteLossError

    run_dir = resume
    # Ctrl-C during fit stops at the next batch end (a KeyboardInterrupt
    # raised inside a destructor would be lost; see StopOnInterrupt).
    stop = StopOnInterrupt()
    try:
        with stop.installed():
            if not resume:
                run_dir = training.new_run_dir(options)
            training.train(options, run_dir, resume=bool(resume), callbacks=[stop])
    except DatasetUnavailableError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_FAILURE, run_dir
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE, run_dir
    except NonFiniteLossError as err:
        last = latest_checkpoint(RunDirectory(run_dir).checkpoints_dir)
        print(
            f"keras-gan: error: {err}\nLast good checkpoint: {last or 'none'}. "
            "Lower --lr, or train with --on-nan rollback.",
            file=sys.stderr,
        )
        return EXIT_FAILURE, run_dir
    except KeyboardInterrupt:
        last = latest_checkpoint(RunDirectory(run_dir).checkpoints_dir)
        print(
            f"\nInterrupted. Last completed epoch saved: {last or 'none'}.\n"
            f"Resume with: keras-gan train --resume {run_dir}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED, run_dir
    return None, run_dir


def _generator_path(args, parser, purpose):
    try:
        return RunDirectory(args.run).generator_path(args.generator, purpose)
    except ValueError as err:
        parser.error(str(err))


def _sampler(args, parser, purpose):
    # The run's generator as a GAN-protocol object (generate(), and labels
    # with class names for a conditional run).
    from keras_gan.saving import GeneratorSampler
    from keras_gan.saving import load_generator

    path = _generator_path(args, parser, purpose)
    try:
        names = RunDirectory(args.run).read_class_names()
        return GeneratorSampler(load_generator(path), names)
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return None


def _sample(args, parser):
    _check_int_flags(
        parser,
        (
            ("--n", 1 if args.n is None else args.n, 1),
            ("--batch-size", args.batch_size, 1),
        ),
    )
    sampler = _sampler(args, parser, "sample from")
    if sampler is None:
        return EXIT_USAGE
    if args.label is not None and sampler.num_classes is None:
        parser.error(
            f"--label needs a conditional run (trained with --conditional); "
            f"{args.run!r} is not one."
        )
    if args.out_dir is not None:
        return _sample_folder(args, sampler)
    from keras_gan.callbacks.sample_grid import grid_images
    from keras_gan.images import save_grid
    from keras_gan.sampling import latents

    try:
        if sampler.num_classes is not None and args.label is None:
            noise = latents(args.n or 8, sampler.latent_dim, args.seed)
            images, layout = grid_images(sampler, noise)
        else:
            images = sampler.generate(n=args.n or 16, seed=args.seed, labels=args.label)
            layout = {}
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or RunDirectory(args.run).sample_file
    save_grid(images, out, **layout)
    print(out)
    return 0


def _sample_folder(args, sampler):
    from keras_gan.sample_folder import write_samples

    n = args.n or 16
    try:
        written = write_samples(
            sampler,
            args.out_dir,
            n,
            seed=args.seed,
            labels=args.label,
            batch_size=args.batch_size,
        )
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            f"\nInterrupted. Run the same command again to write the rest of "
            f"{args.out_dir}: files already there are kept.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if written < n:
        print(f"{n - written} of {n} files were already in {args.out_dir}.", file=sys.stderr)
    print(args.out_dir)
    return 0


def _export(args, parser):
    from keras_gan import export as export_lib

    path = args.out or export_lib.default_export_path(
        args.run, args.format, args.generator, args.pixels
    )
    # The run is checked before TensorFlow loads: a wrong run fails fast.
    _generator_path(args, parser, "export")
    try:
        export_lib.export_generator(
            args.run,
            path,
            format=args.format,
            pixels=args.pixels,
            generator=args.generator,
        )
    except (ValueError, ImportError) as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(path)
    return 0


def _format_table(result):
    from keras_gan.evaluation import scalar_metrics

    scalars = scalar_metrics(result)
    rows = [
        (key, value, scalars.get(f"floor_{key}"))
        for key, value in scalars.items()
        if not key.startswith("floor_")
    ]
    width = max(len(key) for key, _, _ in rows) if rows else 10
    lines = [
        f"{result['n']} generated vs {result['n']} real images of "
        f"{result['dataset']!r}, extractor {result['extractor']!r}"
        + (
            f" (test accuracy {result['classifier_test_accuracy']:.3f})"
            if result.get("classifier_test_accuracy") is not None
            else ""
        ),
        f"{'metric':<{width}}  {'generated':>12}  {'real floor':>12}",
    ]
    for key, value, floor in rows:
        floor_text = "" if floor is None else f"{floor:12.4f}"
        lines.append(f"{key:<{width}}  {value:12.4f}  {floor_text:>12}")
    for key, value in result.items():
        if key.startswith("class_counts_"):
            lines.append(f"{key}: {value}")
        elif key.startswith("fid_per_class_"):
            lines.append(f"{key}: [{', '.join(f'{v:.1f}' for v in value)}]")
    lines.extend(f"note: {note}" for note in result.get("notes", []))
    return "\n".join(lines)


def _evaluate(args, parser):
    _check_int_flags(parser, (("--n", args.n, 2),))
    try:
        options = options_lib.read_options(args.run)
    except ValueError as err:
        parser.error(str(err))
    sampler = _sampler(args, parser, "evaluate")
    if sampler is None:
        return EXIT_USAGE
    import json

    from keras_gan.evaluation import DEFAULT_METRICS
    from keras_gan.evaluation import evaluate_generator

    try:
        result = evaluate_generator(
            sampler.generate,
            args.dataset or options["dataset"],
            n=args.n,
            metrics=tuple(args.metrics or DEFAULT_METRICS),
            extractor=args.extractor,
            seed=args.seed,
            floor=args.floor,
            image_size=options["image_size"],
            conditional=sampler.num_classes is not None,
        )
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(result, indent=2) if args.json else _format_table(result))
    return 0


def _check_int_flags(parser, flags):
    """Refuses, as a usage error, any `(flag, value, minimum)` below its minimum."""
    for flag, value, minimum in flags:
        if value < minimum:
            parser.error(f"{flag} must be an int >= {minimum}. Received: {value}")


def _check_interpolate_args(args, parser):
    _check_int_flags(
        parser,
        (
            ("--rows", args.rows, 1),
            ("--steps", args.steps, 2),
            ("--points", args.points, 2),
            ("--frames", args.frames, 1),
            ("--grid", args.grid, 1),
        ),
    )
    # GIF timing is kept in hundredths of a second: 100 fps is the fastest.
    if not 0 < args.fps <= 100:
        parser.error(f"--fps must be in (0, 100]. Received: {args.fps}")
    if (args.from_label is None) != (args.to_label is None):
        parser.error(
            "--from-label and --to-label go together. Received: "
            f"--from-label {args.from_label}, --to-label {args.to_label}"
        )


def _interpolate(args, parser):
    _check_interpolate_args(args, parser)
    try:
        class_names = RunDirectory(args.run).read_class_names()
    except ValueError as err:
        parser.error(str(err))
    path = _generator_path(args, parser, "interpolate")
    from keras_gan import interpolation
    from keras_gan.saving import load_generator

    try:
        generator = load_generator(path)
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.from_label is not None and not interpolation.is_conditional(generator):
        parser.error(
            f"--from-label and --to-label need a conditional run; {args.run!r} "
            f"is unconditional (its {os.path.basename(path)} takes noise only)."
        )
    try:
        images = _interpolation_images(args, generator, class_names)
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for written_path in _write_interpolations(args, *images):
        print(written_path)
    return 0


def _interpolation_images(args, generator, class_names):
    """`(strip, row names, GIF frames, class mix or None)` for the files."""
    from keras_gan import interpolation

    # Classes first: a label that names no class is refused at once.
    classes = None
    if args.from_label is not None:
        classes = interpolation.class_interpolation(
            generator,
            args.from_label,
            args.to_label,
            args.steps,
            seed=args.seed,
            rows=args.rows,
            class_names=class_names,
        )
    strip = interpolation.interpolation_strip(generator, args.rows, args.steps, seed=args.seed)
    # A conditional strip's row i shows class i mod k: named beside the row.
    names = interpolation.row_names(generator, args.rows, class_names)
    frames = interpolation.walk_frames(
        generator,
        args.points,
        args.frames,
        walkers=args.grid**2,
        seed=args.seed,
    )
    return strip, names, frames, classes


def _write_interpolations(args, strip, row_names, frames, classes):
    """Writes the strip, the GIF and the class mix; returns their paths."""
    from keras_gan.images import save_grid
    from keras_gan.images import save_grid_gif

    out_dir = args.out_dir or RunDirectory(args.run).samples_dir
    grid = {"rows": args.rows, "cols": args.steps}
    written = [
        save_grid(
            strip.reshape(-1, *strip.shape[2:]),
            os.path.join(out_dir, "interpolation.png"),
            row_labels=row_names,
            **grid,
        ),
        save_grid_gif(
            frames,
            os.path.join(out_dir, "interpolation.gif"),
            duration_ms=round(1000 / args.fps),
            rows=args.grid,
            cols=args.grid,
        ),
    ]
    if classes is not None:
        written.append(
            save_grid(
                classes.reshape(-1, *classes.shape[2:]),
                os.path.join(out_dir, "class_interpolation.png"),
                **grid,
            )
        )
    return written


def _tf_log_level(environ):
    """TF_CPP_MIN_LOG_LEVEL for this machine, before TensorFlow loads."""
    from keras_gan.hardware import nvidia_driver_present

    # 2 drops TensorFlow's C++ INFO and WARNING lines; 3 would drop its
    # errors too. The one error printed at every start on a machine without
    # an NVIDIA driver is "failed call to cuInit" (the CUDA-enabled wheel
    # probing for a GPU), so only there is 3 safe. With a driver, that
    # error is the clue to why a GPU went unused; under TF_CONFIG,
    # multi-worker gRPC errors are the clue to a worker that cannot connect.
    if nvidia_driver_present() is False and "TF_CONFIG" not in environ:
        return "3"
    return "2"


def _requested_backend(args):
    # train: --backend, else the resumed run's record, else the one in
    # force; export: TensorFlow (Keras' exporters run there, and a .keras
    # generator from any backend loads there); the other commands:
    # --backend, else the one in force.
    if args.command == "export":
        return "tensorflow", "keras-gan export"
    if args.backend is not None:
        return args.backend, "--backend"
    if args.command == "train" and args.resume:
        try:
            recorded = options_lib.read_options(args.resume)["backend"]
        except ValueError:
            pass  # _train reports the unreadable run
        else:
            return recorded, f"{args.resume}/{OPTIONS_FILE}"
    return options_lib.backend_in_force(), "the backend in force"


def select_backend(backend, source="--backend"):
    """Makes `backend` the Keras backend of this process, before Keras loads.

    Sets `KERAS_BACKEND`. Keras fixes its backend when it is first imported,
    so in a process where Keras is already loaded with another backend
    (`main()` called from Python) this refuses rather than re-executing the
    command behind the caller's back.

    Args:
        backend: `"tensorflow"`, `"jax"` or `"torch"`.
        source: where the name came from, for error messages. Defaults to
            `"--backend"`.

    Returns:
        The backend's name.

    Raises:
        ValueError: for an unknown backend, or Keras already loaded with
            another one.
        ImportError: if the backend's package is not installed (the message
            names the pip extra that installs it).

    Example:

    >>> select_backend("jax")  # before Keras is imported
    'jax'
    """
    if backend not in options_lib.BACKENDS:
        raise ValueError(
            f"Expected a Keras backend in {list(options_lib.BACKENDS)}. "
            f"Received: {backend!r} ({source})."
        )
    package = options_lib.BACKEND_PACKAGES[backend]
    if importlib.util.find_spec(package) is None:
        install = (
            "pip install tensorflow"
            if backend == "tensorflow"
            else f'pip install -e ".[{backend}]" (from a keras-gan checkout)'
        )
        raise ImportError(
            f"The {backend} backend ({source}) needs the {package} package, "
            f"which is not installed: {install}."
        )
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        loaded = keras.backend.backend()
        if loaded != backend:
            raise ValueError(
                f"The {backend} backend ({source}) cannot be used here: Keras "
                f"is already loaded in this process with the {loaded} "
                "backend, and Keras fixes its backend when it is first "
                f"imported. Run `keras-gan` in a new process (it then sets "
                f"KERAS_BACKEND={backend} before Keras loads)."
            )
        return backend
    os.environ["KERAS_BACKEND"] = backend
    return backend


def main(argv=None):
    """Runs the `keras-gan` command line; returns the exit code."""
    # TensorFlow's C++ start-up chatter hides the progress bar; users who
    # want it set TF_CPP_MIN_LOG_LEVEL themselves. The lines it prints
    # before reading this variable (oneDNN, "Could not find cuda drivers")
    # cannot be turned off from here.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", _tf_log_level(os.environ))
    parser = build_parser()
    args = parser.parse_args(argv)
    # Before anything imports Keras.
    try:
        select_backend(*_requested_backend(args))
    except ImportError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_FAILURE
    except ValueError as err:
        print(f"keras-gan: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "train":
        return _train(args, parser)
    if args.command == "evaluate":
        return _evaluate(args, parser)
    if args.command == "interpolate":
        return _interpolate(args, parser)
    if args.command == "export":
        return _export(args, parser)
    return _sample(args, parser)


if __name__ == "__main__":
    sys.exit(main())

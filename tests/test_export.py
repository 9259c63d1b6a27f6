"""`keras-gan export`: each format run by its own runtime against Keras.

One tiny `mnist_sample` run of each kind (unconditional with an EMA, and
conditional) is trained once for the module and exported to every format;
TensorFlow runs the SavedModel, onnxruntime the ONNX file and the LiteRT
interpreter the TFLite file, on the same noise as the Keras generator.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import keras

from keras_gan import cli
from keras_gan import export as export_lib
from keras_gan import options as options_lib
from keras_gan import training
from keras_gan.conditional import one_hot
from keras_gan.saving import load_generator

pytestmark = pytest.mark.slow

FORMATS = export_lib.FORMATS
# Largest |exported - Keras| allowed for images in [-1, 1]. The SavedModel
# runs TensorFlow's own kernels on the same graph: measured identical, 1e-6
# leaves room for a kernel chosen per batch size. onnxruntime and TFLite
# (XNNPACK) run their own kernels, which sum the convolutions' and Dense
# layers' products in another order: float32 rounding (eps 1.2e-7) over
# sums of a few hundred terms, measured below 1e-7 here and below 2e-6 on
# the lecture's 28x28 DCGAN (docs/export.md); 1e-5 is a few times that.
TOLERANCE = {"savedmodel": 1e-6, "onnx": 1e-5, "tflite": 1e-5}
TINY = {
    "dataset": "mnist_sample",
    "image_size": 8,
    "latent_dim": 8,
    "batch_size": 16,
    "steps_per_epoch": 2,
    "seed": 0,
    "epochs": 1,
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two trained runs: `plain` (EMA generator) and `conditional`."""
    logdir = tmp_path_factory.mktemp("runs")
    result = {}
    for name, extra in (("plain", {"ema_kimg": 0.01}), ("conditional", {"conditional": True})):
        options = options_lib.resolve({**TINY, **extra, "logdir": str(logdir), "run_name": name})
        run_dir = training.new_run_dir(options)
        gan, _ = training.train(options, run_dir, verbose=0)
        result[name] = (run_dir, gan)
    return result


@pytest.fixture(scope="module")
def exports(runs):
    """Every run in every format ([-1, 1]), and the plain run in uint8."""
    paths = {}
    for name, (run_dir, _) in runs.items():
        for fmt in FORMATS:
            paths[name, fmt, "signed"] = export_lib.export_generator(run_dir, format=fmt)
    for fmt in FORMATS:
        # Through the CLI: the same function, under the default path.
        run_dir = runs["plain"][0]
        assert cli.main(["export", "--run", run_dir, "--format", fmt, "--pixels", "uint8"]) == 0
        paths["plain", fmt, "uint8"] = export_lib.default_export_path(run_dir, fmt, pixels="uint8")
    return paths


def run_exported(fmt, path, feed):
    """Runs an exported generator with its own runtime; returns `images`."""
    if fmt == "savedmodel":
        import tensorflow as tf

        serve = tf.saved_model.load(path).signatures["serving_default"]
        return serve(**{k: tf.constant(v) for k, v in feed.items()})["images"].numpy()
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        return session.run(["images"], feed)[0]
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=path).get_signature_runner()(**feed)["images"]


def _feed(run_dir, batch):
    generator = load_generator(os.path.join(run_dir, "generator.keras"))
    feed = {"noise": np.random.default_rng(batch).standard_normal((batch, 8), dtype=np.float32)}
    if len(generator.inputs) == 2:
        feed["class_weights"] = one_hot(np.arange(batch) % 10, 10)
    inputs = [feed["noise"], feed["class_weights"]] if len(feed) == 2 else feed["noise"]
    expected = keras.ops.convert_to_numpy(generator(inputs, training=False))
    return feed, expected


@pytest.mark.parametrize("batch", [1, 16])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["plain", "conditional"])
def test_each_runtime_reproduces_the_keras_generator(runs, exports, kind, fmt, batch):
    feed, expected = _feed(runs[kind][0], batch)
    images = run_exported(fmt, exports[kind, fmt, "signed"], feed)
    assert images.dtype == np.float32 and images.shape == (batch, 8, 8, 1)
    np.testing.assert_allclose(images, expected, rtol=0, atol=TOLERANCE[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_uint8_pixels_round_like_the_pngs(runs, exports, fmt):
    from keras_gan.images import to_uint8

    feed, expected = _feed(runs["plain"][0], 16)
    pixels = run_exported(fmt, exports["plain", fmt, "uint8"], feed)
    assert pixels.dtype == np.uint8
    # A value within the tolerance of a rounding boundary may round the
    # other way: one level at most, and rarely.
    diff = np.abs(pixels.astype(int) - to_uint8(expected).astype(int))
    assert diff.max() <= (0 if fmt == "savedmodel" else 1) and diff.mean() < 0.01


def test_input_and_output_names(exports):
    import onnxruntime

    session = onnxruntime.InferenceSession(
        exports["conditional", "onnx", "signed"], providers=["CPUExecutionProvider"]
    )
    assert sorted(x.name for x in session.get_inputs()) == ["class_weights", "noise"]
    assert [x.name for x in session.get_outputs()] == ["images"]
    from ai_edge_litert.interpreter import Interpreter

    signature = Interpreter(model_path=exports["plain", "tflite", "signed"]).get_signature_list()
    assert signature == {"serving_default": {"inputs": ["noise"], "outputs": ["images"]}}


def test_a_gan_exports_its_ema_generator(runs, tmp_path):
    run_dir, gan = runs["plain"]
    assert gan.ema_generator is not None
    assert export_lib.resolve_generator(gan) is gan.ema_generator
    path = export_lib.export_generator(gan, tmp_path / "gan.onnx", format="onnx")
    feed, expected = _feed(run_dir, 4)  # generator.keras holds the EMA generator
    np.testing.assert_allclose(run_exported("onnx", path, feed), expected, atol=1e-5)


def _tree(path):
    return sorted(
        os.path.relpath(os.path.join(d, f), path) for d, _, files in os.walk(path) for f in files
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--format", "onnx", "--pixels", "float"], "invalid choice: 'float'"),
        (["--format", "tflite", "--out", "OUT/generator.onnx"], "ending in '.tflite'"),
        (["--format", "savedmodel", "--out", "OUT/generator.onnx"], "a folder path"),
        (["--format", "onnx", "--generator", "best"], "no generator_best.keras"),
    ],
)
def test_wrong_inputs_exit_2_and_write_nothing(runs, tmp_path, capsys, argv, message):
    run_dir = runs["plain"][0]
    before = _tree(run_dir)
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    try:
        code = cli.main(["export", "--run", run_dir, *argv])
    except SystemExit as exit_info:
        code = exit_info.code
    assert code == 2
    assert message in capsys.readouterr().err
    assert _tree(run_dir) == before and not (tmp_path / "out").exists()


def test_a_run_without_a_generator_exits_2(tmp_path, capsys):
    options_lib.write_options(options_lib.resolve({"dataset": "mnist_sample"}), tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["export", "--run", str(tmp_path), "--format", "savedmodel"])
    assert exit_info.value.code == 2
    assert "holds no generator.keras to export" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["training_options.json"]


def test_a_missing_extra_names_it_and_writes_nothing(runs, monkeypatch, capsys):
    run_dir = runs["conditional"][0]
    before = _tree(run_dir)
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import tf2onnx fails
    out = os.path.join(run_dir, "export", "missing.onnx")
    assert cli.main(["export", "--run", run_dir, "--format", "onnx", "--out", out]) == 2
    err = capsys.readouterr().err
    assert "needs tf2onnx" in err and 'pip install "keras-gan[export]"' in err
    assert _tree(run_dir) == before


def test_a_failed_export_leaves_nothing(runs, tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("converter crashed")

    monkeypatch.setattr(keras.Model, "export", fail)
    for fmt, name in (("savedmodel", "sm"), ("tflite", "g.tflite")):
        with pytest.raises(RuntimeError, match="converter crashed"):
            export_lib.export_generator(runs["plain"][0], tmp_path / "new" / name, format=fmt)
        assert os.listdir(tmp_path) == []


def test_library_errors_name_the_received_value(runs, tmp_path):
    run_dir = runs["plain"][0]
    with pytest.raises(ValueError, match="Expected `format` in .*Received: 'pdf'"):
        export_lib.export_generator(run_dir, format="pdf")
    with pytest.raises(ValueError, match="Expected `pixels` in .*Received: 'float'"):
        export_lib.export_generator(run_dir, format="onnx", pixels="float")
    with pytest.raises(ValueError, match="Expected a `path`"):
        export_lib.export_generator(load_generator(os.path.join(run_dir, "generator.keras")))
    with pytest.raises(ValueError, match="to hold a generator"):
        export_lib.export_generator(
            keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]),
            tmp_path / "x",
            format="savedmodel",
        )


def test_export_runs_on_tensorflow_whatever_backend_is_in_force(monkeypatch):
    # Told to use JAX, `keras-gan export` still selects TensorFlow (before
    # Keras loads, in its own process): Keras' exporters run there, and a
    # .keras generator from any backend loads there
    # (tests/backends/test_cross_backend_saving.py).
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    args = cli.build_parser().parse_args(["export", "--run", "r", "--format", "onnx"])
    assert cli._requested_backend(args) == ("tensorflow", "keras-gan export")


def test_generator_keras_loads_with_keras_alone(runs, tmp_path):
    # A `keras_gan.py` that refuses to import, ahead of the installed
    # package on the path: the process cannot import keras_gan.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "keras_gan.py").write_text("raise ImportError('keras_gan is not installed')\n")
    for kind in ("plain", "conditional"):
        run_dir = runs[kind][0]
        feed, expected = _feed(run_dir, 4)
        np.savez(tmp_path / f"{kind}.npz", expected=expected, **feed)
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import keras
        try:
            import keras_gan
        except ImportError:
            pass
        else:
            raise SystemExit("keras_gan was importable")
        for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
            data = np.load(f"{kind}.npz")
            generator = keras.saving.load_model(path)  # safe_mode, no custom objects
            inputs = [data["noise"]] + ([data["class_weights"]] if "class_weights" in data else [])
            images = keras.ops.convert_to_numpy(generator(inputs, training=False))
            np.testing.assert_allclose(images, data["expected"], atol=1e-6)
        assert not any(name.startswith(("keras_gan", "callbacks")) for name in sys.modules)
        print("ok")
        """
    )
    args = []
    for kind in ("plain", "conditional"):
        args += [kind, os.path.join(runs[kind][0], "generator.keras")]
    env = dict(
        os.environ, PYTHONPATH=str(shadow), TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]

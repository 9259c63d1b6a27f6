#!/usr/bin/env python
"""Training-throughput benchmark: keras-gan's `fit` against the lecture's loop.

Runs each configuration in its own subprocess (so peak resident memory and
time to the first step belong to that configuration alone), interleaved
round-robin over the repeats so that noise from a shared machine hits every
configuration alike, and prints a markdown table plus the project's targets.

    python benchmarks/benchmark.py --quick            # a few minutes
    python benchmarks/benchmark.py                    # full: fashion_mnist
    python benchmarks/benchmark.py --json out.json    # also keep raw runs
    python benchmarks/benchmark.py --backends tensorflow,jax,torch

Configurations:

- `lecture`: TensorFlow's DCGAN tutorial loop written out here (float32
  array -> `from_tensor_slices` -> `shuffle(60000)` -> `batch(256)`, a
  `@tf.function` train step with two tapes, two `Adam(1e-4)`s, a Python loop
  over epochs and batches). The reference.
- `fit`: `build_gan(resolve(...))` + the library's `load_dataset` +
  `gan.fit`, default options, no callbacks.
- `fit+callbacks`: the same with the CLI's `default_callbacks` (checkpoint +
  generator export, sample grid + TensorBoard image, loss plot, TensorBoard)
  at their default frequency (every epoch), into a temporary run directory.
- `fit+bf16`, `fit+xla`, `fit+spe8`: precision `mixed_bfloat16`,
  `jit_compile=True`, `steps_per_execution=8`. `fit+fp16`
  (`mixed_float16`) only when a GPU is present.
- `fit+2replicas`, `fit+conditional`: `MirroredStrategy` over 2 logical
  CPUs; a `ConditionalGAN` on images and labels.
- Per backend (`--backends`, each run with `KERAS_BACKEND` set): the
  lecture's step hand-written on that backend in the keras-io guides' style
  (`backend_loops`) against that backend's `fit`. TensorFlow: `lecture` and
  `fit`; JAX: `jax:loop` (`jax.jit` + `stateless_call`) and `jax:fit`
  (default options, which jit the step on JAX) and `jax:fit+xla`
  (`jit_compile=True` set explicitly, to check that default); PyTorch: `torch:loop`
  (eager autograd) and `torch:fit`.

See `benchmarks/README.md` for what each column means.
"""

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT_PREFIX = "KGB_RESULT "
LAUNCH_ENV = "KGB_LAUNCH_TIME"

# Name -> option overrides for `keras_gan.options.resolve` (None: the
# lecture's own loop, which uses no options).
CONFIGS = {
    "lecture": None,
    "fit": {},
    "fit+callbacks": {},
    "fit+bf16": {"precision": "mixed_bfloat16"},
    "fit+xla": {"jit_compile": True},
    "fit+spe8": {"steps_per_execution": 8},
    "fit+fp16": {"precision": "mixed_float16"},
    # MirroredStrategy over 2 logical CPU devices sharing this machine's
    # cores: the tf.distribute path, not a speed-up on one CPU.
    "fit+2replicas": {},
    # ConditionalGAN on (images, labels): the label joins the noise and a
    # projection discriminator (issue 15's target: <= 1.10x a fit step).
    "fit+conditional": {"conditional": True},
    # Each backend's `fit` against the lecture's step hand-written on that
    # backend (`backend_loops`); "BACKEND:" names run with KERAS_BACKEND
    # set to BACKEND, the others with TensorFlow.
    "jax:loop": None,
    "jax:fit": {},
    # `fit` with jit_compile=True set explicitly: the same as the library's
    # default on JAX (presets.jit_compile), kept to check that default.
    "jax:fit+xla": {"jit_compile": True},
    "torch:loop": None,
    "torch:fit": {},
}
# Configurations trained under MirroredStrategy over N logical CPU devices.
REPLICAS = {"fit+2replicas": 2}
GPU_ONLY = ("fit+fp16",)
# Backend -> its hand-written loop, its default `fit`, then other `fit`s
# compared with the same loop: what `--backends` runs.
BACKEND_CONFIGS = {
    "tensorflow": ("lecture", "fit"),
    "jax": ("jax:loop", "jax:fit", "jax:fit+xla"),
    "torch": ("torch:loop", "torch:fit"),
}
# The importable package of each backend, for a clear refusal when missing.
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
# The least paired img/s of `fit` over its own loop, per backend (issue 13).
BACKEND_TARGETS = {"tensorflow": 1.00, "jax": 0.95, "torch": 0.95}
WITH_CALLBACKS = ("fit+callbacks",)

# Settings of each mode; command-line flags override them.
MODES = {
    "full": {
        "dataset": "fashion_mnist",
        "epochs": 3,
        "steps": 8,
        "repeats": 3,
        "batch_size": 256,
        "matmul_n": 4096,
        "configs": None,
    },
    "quick": {
        "dataset": "mnist_sample",
        "epochs": 2,
        "steps": 5,
        "repeats": 1,
        "batch_size": 256,
        "matmul_n": 4096,
        "configs": None,
    },
    # The test suite's setting: exercises the machinery, measures nothing.
    "smoke": {
        "dataset": "synthetic",
        "epochs": 1,
        "steps": 2,
        "repeats": 1,
        "batch_size": 32,
        "matmul_n": 256,
        "configs": "lecture,fit",
    },
}

# Keys of one run (one configuration in one subprocess).
RUN_KEYS = (
    "config",
    "repeat",
    "dataset",
    "batch_size",
    "batches_per_pass",
    "steps_per_epoch",
    "images_per_epoch",
    "warmup_epochs",
    "epoch_s",
    "epoch_s_median",
    "steps_per_s",
    "images_per_s",
    "cpu_s_per_step",
    "train_flops_per_image",
    "first_step_s",
    "peak_rss_mb",
    "data_fill_s",
    "data_s",
    "data_frac",
    "traces_total",
    "retraces_after_warmup",
)

# Keys of one configuration's summary over its repeats.
SUMMARY_KEYS = (
    "runs",
    "errors",
    "epoch_s",
    "steps_per_s",
    "images_per_s",
    "images_per_s_min",
    "images_per_s_max",
    "vs_lecture",
    "cpu_s_per_step",
    "vs_lecture_cpu",
    "gflops",
    "gflops_per_cpu_s",
    "pct_peak",
    "first_step_s",
    "peak_rss_mb",
    "data_pct",
    "traces",
    "retraces",
    "callbacks_s",
)

# (summary key, column header, format) of the printed table.
TABLE_COLUMNS = (
    ("epoch_s", "epoch s", "{:.2f}"),
    ("steps_per_s", "steps/s", "{:.3f}"),
    ("images_per_s", "img/s", "{:.0f}"),
    ("images_per_s_range", "img/s min-max", "{}"),
    ("vs_lecture", "vs lecture", "{:.2f}x"),
    ("cpu_s_per_step", "CPU s/step", "{:.2f}"),
    ("vs_lecture_cpu", "vs lecture (CPU)", "{:.2f}x"),
    ("gflops", "GFLOP/s", "{:.1f}"),
    ("gflops_per_cpu_s", "GFLOP/CPU-s", "{:.1f}"),
    ("pct_peak", "% matmul peak (per CPU-s)", "{:.0f}%"),
    ("first_step_s", "first step s", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("data_pct", "data pull % of epoch", "{:.1f}%"),
    ("traces", "traces", "{}"),
    ("retraces", "retraces after epoch 1", "{}"),
)


def config_backend(config):
    """The Keras backend a configuration runs on ("BACKEND:..." or TensorFlow)."""
    backend, sep, _ = config.partition(":")
    return backend if sep else "tensorflow"


FLOPS_METHOD = (
    "analytic: forward multiply-accumulates of every Conv2D, "
    "Conv2DTranspose and Dense layer from its shapes, x2 FLOPs per MAC, x3 "
    "for forward + backward; per image the generator runs once and the "
    "discriminator twice (real + fake); BatchNorm/activations/Adam not "
    "counted"
)


# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------


def _cpu_model():
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model in ("unknown", "", "x86_64"):
                    return value.strip()
    except OSError:
        pass
    return model


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def _version(package):
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info():
    """Describes this machine: CPU, cores, versions, BF16 support, GPUs."""
    import keras

    from keras_gan import hardware

    try:
        import tensorflow as tf
    except ImportError:  # a JAX or PyTorch machine without TensorFlow
        tf = None
    model = _cpu_model()
    flags = hardware.cpu_flags()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    gpus = [
        tf.config.experimental.get_device_details(d).get("device_name", d.name)
        for d in (tf.config.list_physical_devices("GPU") if tf else ())
    ]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu_flags": hardware.describe_cpu(flags),
        "avx512_bf16": "avx512_bf16" in (flags or ()),
        "amx_bf16": "amx_bf16" in (flags or ()),
        "bfloat16_native": hardware.bfloat16_support()[0],
        "python": platform.python_version(),
        "tensorflow": tf.__version__ if tf else None,
        "keras": keras.__version__,
        # The other backends' versions without importing them (None when
        # not installed).
        "jax": _version("jax"),
        "torch": _version("torch"),
        "gpus": gpus,
        "loadavg_start": _loadavg(),
    }


def config_speed_warnings(configs, gpus):
    """`keras_gan.hardware.speed_warnings` about the configurations' precisions.

    Only precisions: a bfloat16 figure from a CPU that emulates it is not
    the speed-up the option is for. (XLA and `steps_per_execution` are
    here to be measured on any machine.)

    Args:
        configs: configuration names (keys of `CONFIGS`).
        gpus: the number of GPUs TensorFlow sees.

    Returns:
        The warnings' one-line messages, each once.
    """
    from keras_gan import hardware

    messages = []
    for config in configs:
        precision = (CONFIGS[config] or {}).get("precision", "float32")
        for message in hardware.speed_warnings(precision, gpus=gpus, warn=False):
            if message not in messages:
                messages.append(message)
    return messages


def matmul_peak(n=4096, trials=5):
    """Float32 `tf.linalg.matmul` rates of n x n matrices, best of `trials`.

    Returns:
        `(gflops, gflops_per_cpu_s)`: FLOPs per wall-clock second, and per
        CPU second of this process (all threads). The second is what a
        shared machine disturbs least: other processes take cores away,
        they do not make a core's work slower (much).
    """
    import tensorflow as tf

    a = tf.random.normal((n, n), dtype=tf.float32)
    b = tf.random.normal((n, n), dtype=tf.float32)
    tf.linalg.matmul(a, b)[0, 0].numpy()  # warm-up
    best_wall = best_cpu = float("inf")
    for _ in range(trials):
        start, cpu = time.perf_counter(), _cpu_s()
        tf.linalg.matmul(a, b)[0, 0].numpy()
        best_wall = min(best_wall, time.perf_counter() - start)
        best_cpu = min(best_cpu, _cpu_s() - cpu)
    flops = 2.0 * n**3
    return flops / best_wall / 1e9, flops / max(best_cpu, 1e-9) / 1e9


# --------------------------------------------------------------------------
# Worker: one configuration, in its own process
# --------------------------------------------------------------------------


def forward_macs(model):
    """Multiply-accumulates of one image through a model's conv/dense layers."""
    from keras import layers

    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            # Every input pixel scatters a k x k x out x in kernel.
            _, h, w, _ = layer.input.shape
            total += h * w * math.prod(layer.kernel.shape)
        elif isinstance(layer, layers.Conv2D):
            _, h, w, _ = layer.output.shape
            total += h * w * math.prod(layer.kernel.shape)
        elif isinstance(layer, layers.Dense):
            total += math.prod(layer.kernel.shape)
        elif hasattr(layer, "layers"):
            total += forward_macs(layer)
    return total


def train_flops_per_image(generator, discriminator):
    """Training FLOPs per image of the lecture's step (see FLOPS_METHOD)."""
    forward = forward_macs(generator) + 2 * forward_macs(discriminator)
    return 2 * 3 * forward


def synthetic_images(n=640, shape=(28, 28, 1)):
    """Random uint8 images: the smoke test's offline, dependency-free data."""
    import numpy as np

    return np.random.default_rng(0).integers(0, 256, (n,) + shape, "uint8")


def _source(dataset, labels=False):
    if dataset != "synthetic":
        return dataset
    images = synthetic_images()
    if not labels:
        return images
    import numpy as np

    # Ten balanced classes, as in MNIST.
    return images, np.arange(len(images)) % 10


def _find_tf_functions(obj, seen=None):
    """The `tf.function`s reachable through closures from a callable."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    found = []
    if hasattr(obj, "experimental_get_tracing_count"):
        found.append(obj)
        obj = getattr(obj, "python_function", None)
    for cell in getattr(obj, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if callable(value) and not isinstance(value, type):
            found.extend(_find_tf_functions(value, seen))
    return found


def _batch_len(batch):
    # Images in a batch of images or of (images, labels).
    return int((batch[0] if isinstance(batch, tuple) else batch).shape[0])


def _measure_data(dataset, steps_per_epoch, capped):
    """Seconds to pull one epoch of batches from the dataset alone.

    Whole epochs start a fresh iterator each epoch (shuffle buffer refill
    included); capped epochs read on from one iterator (steady state, after
    the first batch has filled the buffer).

    Returns:
        `(fill_s, data_s, images)`: seconds to the first batch of a fresh
        iterator, seconds for one epoch's batches, images in those batches.
    """
    iterator = iter(dataset.repeat() if capped else dataset)
    start = time.perf_counter()
    first = next(iterator)
    fill = time.perf_counter() - start
    images = 0 if capped else _batch_len(first)
    pulls = steps_per_epoch if capped else steps_per_epoch - 1
    start = time.perf_counter()
    for _ in range(pulls):
        images += _batch_len(next(iterator))
    data = time.perf_counter() - start
    if not capped:
        data += fill
    return fill, data, images


def _cpu_s():
    # User + system CPU seconds of this process, all threads.
    t = os.times()
    return t.user + t.system


def _peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _finish(result, epoch_s, epoch_cpu_s, warmup, steps_per_epoch, images_per_epoch):
    timed = epoch_s[warmup:] or epoch_s[-1:]
    median = statistics.median(timed)
    cpu = epoch_cpu_s[warmup:] or epoch_cpu_s[-1:]
    result.update(
        epoch_cpu_s=epoch_cpu_s,
        cpu_s_per_step=statistics.median(cpu) / steps_per_epoch,
        epoch_s=epoch_s,
        epoch_s_median=median,
        steps_per_epoch=steps_per_epoch,
        images_per_epoch=images_per_epoch,
        steps_per_s=steps_per_epoch / median,
        images_per_s=images_per_epoch / median,
    )
    result["data_frac"] = result["data_s"] / median
    return result


def run_loop(backend, dataset, batch_size, epochs, steps, warmup, launch):
    """The lecture's loop on one backend, timed per epoch.

    TensorFlow's DCGAN tutorial: float32 images in [-1, 1] ->
    `from_tensor_slices` -> `shuffle(60000)` -> `batch`, the lecture's
    networks, and a Python loop over epochs and batches calling a train
    step hand-written for `backend` (see `backend_loops`).

    Args:
        backend: the Keras backend of this process ("tensorflow", "jax" or
            "torch").
        dataset, batch_size, epochs, steps, warmup, launch: as in
            `run_config`.

    Returns:
        A dict with the keys of `RUN_KEYS`.
    """
    import tensorflow as tf

    import keras

    from benchmarks import backend_loops
    from keras_gan.data import load_arrays
    from keras_gan.models import dcgan_discriminator
    from keras_gan.models import dcgan_generator

    BUFFER_SIZE = 60000
    BATCH_SIZE = batch_size
    noise_dim = 100

    keras.utils.set_random_seed(0)
    train_images, _ = load_arrays(_source(dataset))
    train_images = train_images.astype("float32")
    train_images = (train_images - 127.5) / 127.5  # Normalize to [-1, 1]
    train_dataset = (
        tf.data.Dataset.from_tensor_slices(train_images).shuffle(BUFFER_SIZE).batch(BATCH_SIZE)
    )
    image_shape = tuple(train_images.shape[1:])
    generator = dcgan_generator(image_shape, noise_dim)
    discriminator = dcgan_discriminator(image_shape)
    loop = backend_loops.MAKERS[backend](generator, discriminator, BATCH_SIZE, noise_dim)

    batches_per_pass = int(train_dataset.cardinality())
    capped = bool(steps)
    if capped:
        # A capped epoch reads on from one iterator, as `fit` does with
        # `steps_per_epoch` on a repeated dataset.
        stream = iter(train_dataset.repeat())

        def epoch_batches():
            for _ in range(steps):
                yield next(stream)

    else:

        def epoch_batches():
            return train_dataset

    first_step = None
    epoch_s, epoch_cpu_s = [], []
    traces_after_warmup_start = None
    for epoch in range(warmup + epochs):
        start, cpu_start = time.perf_counter(), _cpu_s()
        for image_batch in epoch_batches():
            loop.step(image_batch)
            if first_step is None:
                loop.sync()
                first_step = time.time() - launch
        loop.sync()
        epoch_s.append(time.perf_counter() - start)
        epoch_cpu_s.append(_cpu_s() - cpu_start)
        if epoch == warmup - 1:
            traces_after_warmup_start = loop.traces()
    traces = loop.traces()
    result = {
        "batches_per_pass": batches_per_pass,
        "train_flops_per_image": train_flops_per_image(generator, discriminator),
        "first_step_s": first_step,
        "peak_rss_mb": _peak_rss_mb(),
        "updates": loop.updates(),
        # None where the step is not traced (PyTorch runs eagerly).
        "traces_total": traces,
        "retraces_after_warmup": (
            None if traces is None else traces - (traces_after_warmup_start or 0)
        ),
    }
    if capped:
        del stream
    steps_per_epoch = steps if capped else batches_per_pass
    fill, data, images = _measure_data(train_dataset, steps_per_epoch, capped)
    result.update(data_fill_s=fill, data_s=data)
    images_per_epoch = steps * BATCH_SIZE if capped else images
    return _finish(result, epoch_s, epoch_cpu_s, warmup, steps_per_epoch, images_per_epoch)


def _epoch_timer(launch, count_traces, sync=None):
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Wall-clock per epoch, and the first finished step.

        Epoch i's time runs from the end of epoch i-1 (this callback is the
        last user callback, so earlier callbacks' end-of-epoch work is
        inside) to the end of epoch i. The first step is caught when the
        second train call begins (or at the end of epoch 1), after which the
        batch hook is disarmed; `on_train_batch_begin` does not disable
        Keras' asynchronous batch-end dispatch. `sync`, when given, waits
        for the dispatched work before a mark is taken (JAX).
        """

        def __init__(self):
            super().__init__()
            self.start = None
            self.ends = []
            self.cpu_marks = []
            self.traces = []
            self.first_step = None
            self.calls = 0

        def on_epoch_begin(self, epoch, logs=None):
            if self.start is None:
                self.start = time.perf_counter()
                self.cpu_marks.append(_cpu_s())

        def on_train_batch_begin(self, batch, logs=None):
            self.calls += 1
            if self.calls == 2:
                if sync:
                    sync()
                self.first_step = time.time() - launch
                self.on_train_batch_begin = _noop

        def on_epoch_end(self, epoch, logs=None):
            if sync:
                sync()
            self.ends.append(time.perf_counter())
            self.cpu_marks.append(_cpu_s())
            if self.first_step is None:
                self.first_step = time.time() - launch
            self.traces.append(count_traces())

        def epoch_seconds(self):
            marks = [self.start] + self.ends
            return [b - a for a, b in zip(marks, marks[1:])]

        def epoch_cpu_seconds(self):
            marks = self.cpu_marks
            return [b - a for a, b in zip(marks, marks[1:])]

    return EpochTimer()


def _noop(*args, **kwargs):
    return None


def _time_epoch_end(callback, seconds):
    """Times each call of one callback's `on_epoch_end` (an epoch-level hook)."""
    name = type(callback).__name__
    while name in seconds:
        name += "'"
    seconds[name] = []
    inner = callback.on_epoch_end

    def timed(epoch, logs=None):
        start = time.perf_counter()
        try:
            return inner(epoch, logs)
        finally:
            seconds[name].append(time.perf_counter() - start)

    callback.on_epoch_end = timed


def run_fit(config, dataset, batch_size, epochs, steps, warmup, launch):
    """`gan.fit` on the library's pipeline with one configuration's options."""
    import keras

    from keras_gan import options as options_lib
    from keras_gan import training
    from keras_gan.data import class_names
    from keras_gan.data import load_dataset

    overrides = dict(CONFIGS[config])
    overrides.update(
        dataset=dataset,
        batch_size=batch_size,
        epochs=warmup + epochs,
        steps_per_epoch=steps or None,
    )
    logdir = None
    if config in WITH_CALLBACKS:
        logdir = tempfile.mkdtemp(prefix="keras-gan-bench-")
        overrides["logdir"] = logdir
    options = options_lib.resolve(overrides)
    conditional = options["conditional"]
    data = load_dataset(
        _source(dataset, labels=conditional),
        batch_size=options["batch_size"],
        image_size=options["image_size"],
        shuffle_buffer=options["shuffle_buffer"],
        seed=options["seed"],
        labels=conditional,
    )
    spec = data.element_spec[0] if conditional else data.element_spec
    image_shape = tuple(spec.shape[1:])
    names = class_names(dataset, 10) if conditional else None
    replicas = REPLICAS.get(config, 1)
    if replicas > 1:
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
        with strategy.scope():
            gan = training.build_gan(options, image_shape, names)
    else:
        gan = training.build_gan(options, image_shape, names)

    python_traces = [0]
    train_step = gan.train_step

    def counted_train_step(*args):
        # Runs once per trace of a compiled step function, never per step
        # (JAX calls `train_step(state, data)`, the others
        # `train_step(data)`).
        python_traces[0] += 1
        return train_step(*args)

    gan.train_step = counted_train_step
    backend = config_backend(config)

    def count_traces():
        if not _step_is_traced(gan, backend):
            return None  # eager: the counter above would count every step
        functions = _find_tf_functions(gan.train_function)
        tf_count = sum(f.experimental_get_tracing_count() for f in functions)
        return max(tf_count, python_traces[0])

    callbacks = []
    callback_s = {}
    result = {"batches_per_pass": int(data.cardinality())}
    try:
        if config in WITH_CALLBACKS:
            # A run directory and 16 real images for the sample grid.
            run_dir = training.new_run_dir(options)
            options_lib.write_options(options, run_dir)
            start = time.perf_counter()
            reals = next(iter(data.take(1)))
            reals = (reals[0] if conditional else reals)[: options["num_samples"]]
            reals = keras.ops.convert_to_numpy(reals)
            result["reals_s"] = time.perf_counter() - start
            callbacks = training.default_callbacks(options, run_dir, reals)
            for callback in callbacks:
                _time_epoch_end(callback, callback_s)
        capped = bool(options["steps_per_epoch"])
        timer = _epoch_timer(launch, count_traces, sync=_fit_sync(gan, backend))
        gan.fit(
            data.repeat() if capped else data,
            epochs=options["epochs"],
            steps_per_epoch=options["steps_per_epoch"],
            callbacks=callbacks + [timer],
            verbose=0,
            shuffle=False,
        )
        result["peak_rss_mb"] = _peak_rss_mb()
    finally:
        if logdir:
            shutil.rmtree(logdir, ignore_errors=True)
    spe = options["steps_per_execution"]
    if capped:
        # Keras runs whole executions: ceil(steps / spe) of spe steps each.
        steps_per_epoch = math.ceil(steps / spe) * spe
    else:
        steps_per_epoch = result["batches_per_pass"]
    traces = timer.traces
    result.update(
        train_flops_per_image=train_flops_per_image(gan.generator, gan.discriminator),
        first_step_s=timer.first_step,
        traces_total=traces[-1],
        retraces_after_warmup=(None if traces[-1] is None else traces[-1] - traces[warmup - 1]),
        step_mode=_step_mode(gan, backend),
        updates=[
            int(keras.ops.convert_to_numpy(o.iterations))
            for o in (gan.g_optimizer, gan.d_optimizer)
        ],
    )
    fill, data_s, images = _measure_data(data, steps_per_epoch, capped)
    result.update(data_fill_s=fill, data_s=data_s)
    images_per_epoch = steps_per_epoch * batch_size if capped else images
    if callback_s:
        per_epoch = [sum(v[i] for v in callback_s.values()) for i in range(len(timer.ends))]
        result["callbacks_s_per_epoch"] = statistics.median(per_epoch[warmup:] or per_epoch)
        result["callback_epoch_s"] = {
            name: statistics.median(v[warmup:] or v) for name, v in callback_s.items()
        }
    return _finish(
        result,
        timer.epoch_seconds(),
        timer.epoch_cpu_seconds(),
        warmup,
        steps_per_epoch,
        images_per_epoch,
    )


def _step_is_traced(gan, backend):
    # TensorFlow traces a tf.function even without XLA; JAX jits the step
    # only with `jit_compile` (Keras runs it op by op otherwise); PyTorch's
    # default is eager (`jit_compile=True` there is torch.compile).
    if gan.run_eagerly:
        return False
    return backend == "tensorflow" or bool(gan.jit_compile)


def _step_mode(gan, backend):
    """How a model's train step runs, in words: 'tf.function', 'XLA', 'eager'..."""
    if not _step_is_traced(gan, backend):
        return "eager"
    if backend == "tensorflow":
        return "tf.function+XLA" if gan.jit_compile else "tf.function"
    return "jax.jit" if backend == "jax" else "torch.compile"


def _fit_sync(gan, backend):
    # JAX dispatches asynchronously: a step or an epoch ends when its work
    # is done. During `fit` Keras' JAX trainer keeps the state it threads
    # through the step in `_jax_state` (the variables are emptied until the
    # epoch ends), so that is what is waited for.
    if backend != "jax":
        return None
    import jax

    return lambda: jax.block_until_ready(getattr(gan, "_jax_state", None))


LOOP_STEP_MODES = {"tensorflow": "tf.function", "jax": "jax.jit", "torch": "eager"}


def run_config(config, dataset, batch_size, epochs, steps, warmup=1, launch=None):
    """Measures one configuration in this process.

    Args:
        config: a name of `CONFIGS`.
        dataset: a named source of `keras_gan.data`, or `"synthetic"`.
        batch_size: images per step.
        epochs: timed epochs (after the warm-up).
        steps: steps per epoch, or 0 for whole epochs.
        warmup: untimed epochs first (tracing, buffer fill). Defaults to 1.
        launch: `time.time()` when the process was started, for the time
            to the first step. Defaults to now.

    Returns:
        A dict with the keys of `RUN_KEYS` (more for some configurations).
    """
    if config not in CONFIGS:
        raise ValueError(f"Unknown config {config!r}. Expected one of {list(CONFIGS)}.")
    if warmup < 1:
        raise ValueError(f"Expected warmup >= 1. Received: {warmup!r}")
    launch = time.time() if launch is None else launch
    common = dict(
        dataset=dataset,
        batch_size=batch_size,
        epochs=epochs,
        steps=steps,
        warmup=warmup,
        launch=launch,
    )
    import keras

    backend = config_backend(config)
    if keras.backend.backend() != backend:
        raise ValueError(
            f"Config {config!r} runs on the {backend} backend, but Keras runs "
            f"on {keras.backend.backend()!r}. Set KERAS_BACKEND={backend} "
            "before Keras is imported."
        )
    if CONFIGS[config] is None:
        result = run_loop(backend, **common)
        result["step_mode"] = LOOP_STEP_MODES[backend]
    else:
        result = run_fit(config, **common)
    result.update(
        config=config,
        backend=backend,
        dataset=dataset,
        batch_size=batch_size,
        warmup_epochs=warmup,
    )
    return result


def _worker_main(args):
    # The configuration decides the backend, before Keras is imported.
    os.environ["KERAS_BACKEND"] = config_backend(args.worker)
    if REPO not in sys.path:
        # `benchmarks.backend_loops` when run as a script by hand.
        sys.path.insert(0, REPO)
    replicas = REPLICAS.get(args.worker, 1)
    if replicas > 1:
        # Logical devices must exist before TensorFlow initialises.
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * replicas
        )
    launch = float(os.environ.get(LAUNCH_ENV, time.time()))
    result = run_config(
        args.worker,
        dataset=args.dataset,
        batch_size=args.batch_size,
        epochs=args.epochs,
        steps=args.steps,
        warmup=args.warmup,
        launch=launch,
    )
    result["repeat"] = args.repeat_index
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


# --------------------------------------------------------------------------
# Parent: orchestration, summary, report
# --------------------------------------------------------------------------


def spawn(config, repeat, settings, timeout=3600):
    """Runs one configuration in a fresh Python process; returns its run dict."""
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        config,
        "--repeat-index",
        str(repeat),
        "--dataset",
        settings["dataset"],
        "--epochs",
        str(settings["epochs"]),
        "--steps",
        str(settings["steps"]),
        "--warmup",
        str(settings["warmup"]),
        "--batch-size",
        str(settings["batch_size"]),
    ]
    env = dict(os.environ)
    env["KERAS_BACKEND"] = config_backend(config)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
    env[LAUNCH_ENV] = repr(time.time())
    try:
        proc = subprocess.run(
            cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"config": config, "repeat": repeat, "error": f"timed out after {timeout}s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = (proc.stderr or proc.stdout or "")[-2000:]
    return {
        "config": config,
        "repeat": repeat,
        "error": f"exit status {proc.returncode}: {tail}",
    }


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _max(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _paired(runs, config, reference, key, op):
    """Median over repeats of op(config's run, reference's run of that repeat)."""
    ref = {r["repeat"]: r for r in runs if r["config"] == reference and "error" not in r}
    values = [
        op(r[key], ref[r["repeat"]][key])
        for r in runs
        if r["config"] == config and "error" not in r and r["repeat"] in ref
    ]
    return _median(values)


def summarize(runs, peak_gflops, peak_gflops_per_cpu_s=None):
    """Aggregates runs per configuration (medians over repeats).

    Ratios to the lecture are paired: each run is divided by the lecture's
    run of the same repeat (same stretch of machine time), then the median
    of those ratios is taken.

    Args:
        runs: run dicts (`RUN_KEYS`), possibly with `error` entries.
        peak_gflops: the measured float32 matmul rate (wall clock).
        peak_gflops_per_cpu_s: the matmul's FLOPs per CPU second; when
            given, `pct_peak` compares FLOPs per CPU second (robust on a
            shared machine) instead of wall-clock rates.

    Returns:
        A dict of config name -> dict with the keys of `SUMMARY_KEYS`.
    """
    order = [c for c in CONFIGS if any(r["config"] == c for r in runs)]
    summary = {}
    for config in order:
        ok = [r for r in runs if r["config"] == config and "error" not in r]
        errors = [r for r in runs if r["config"] == config and "error" in r]
        s = dict.fromkeys(SUMMARY_KEYS)
        s.update(runs=len(ok), errors=len(errors))
        if errors:
            s["error"] = errors[0]["error"]
        if ok:
            images = [r["images_per_s"] for r in ok]
            s.update(
                epoch_s=_median(r["epoch_s_median"] for r in ok),
                steps_per_s=_median(r["steps_per_s"] for r in ok),
                images_per_s=_median(images),
                images_per_s_min=min(images),
                images_per_s_max=max(images),
                first_step_s=_median(r["first_step_s"] for r in ok),
                peak_rss_mb=_median(r["peak_rss_mb"] for r in ok),
                data_pct=_median(100.0 * r["data_frac"] for r in ok),
                # The worst repeat; None where the step is not traced.
                traces=_max(r["traces_total"] for r in ok),
                retraces=_max(r["retraces_after_warmup"] for r in ok),
                cpu_s_per_step=_median(r["cpu_s_per_step"] for r in ok),
                callbacks_s=_median(r.get("callbacks_s_per_epoch") for r in ok),
            )
            flops = _median(r["train_flops_per_image"] for r in ok)
            s["gflops"] = s["images_per_s"] * flops / 1e9
            s["gflops_per_cpu_s"] = (
                flops / 1e9 * s["images_per_s"] / s["steps_per_s"] / s["cpu_s_per_step"]
            )
            if peak_gflops_per_cpu_s:
                s["pct_peak"] = 100.0 * s["gflops_per_cpu_s"] / peak_gflops_per_cpu_s
            elif peak_gflops:
                s["pct_peak"] = 100.0 * s["gflops"] / peak_gflops
            s["vs_lecture"] = _paired(runs, config, "lecture", "images_per_s", lambda a, b: a / b)
            # Lecture CPU seconds per image over this config's: > 1 is faster.
            s["vs_lecture_cpu"] = _paired(
                runs,
                config,
                "lecture",
                "cpu_s_per_step",
                lambda a, b: b / a,
            )
        summary[config] = s
    return summary


def _status(ok):
    if ok is None:
        return "n/a"
    return "PASS" if ok else "FAIL"


def evaluate_targets(summary, runs, settings):
    """Checks the project's targets; returns a list of dicts (target, measured, status)."""
    targets = []

    def get(config, key):
        return (summary.get(config) or {}).get(key)

    def with_cpu(config, ratio):
        if ratio is None:
            return "n/a"
        cpu = get(config, "vs_lecture_cpu")
        extra = "" if cpu is None else f" ({cpu:.2f}x by CPU-s/step)"
        return f"{ratio:.2f}x{extra}"

    ratio = get("fit", "vs_lecture")
    targets.append(
        {
            "target": "default fit >= 1.00x lecture images/s (fp32)",
            "measured": with_cpu("fit", ratio),
            "status": _status(None if ratio is None else ratio >= 1.00),
        }
    )

    # Two views: the paired difference of whole measured epochs (includes
    # everything, but two noisy numbers), and the callbacks' own
    # on_epoch_end seconds timed directly (little noise). The status uses
    # the direct one, as a share of a whole epoch (projected when --steps
    # caps the measured epochs).
    overhead = _paired(runs, "fit+callbacks", "fit", "epoch_s_median", lambda a, b: a / b - 1)
    extra_s = _paired(runs, "fit+callbacks", "fit", "epoch_s_median", lambda a, b: a - b)
    direct_s = get("fit+callbacks", "callbacks_s")
    fit_epoch = get("fit", "epoch_s")
    parts, value = [], None
    if overhead is not None:
        parts.append(f"{100 * overhead:+.1f}% ({extra_s:+.2f} s) paired epoch difference")
        value = overhead
    if direct_s is not None and fit_epoch:
        value = direct_s / fit_epoch
        parts.append(
            f"callbacks' on_epoch_end {direct_s:.2f} s/epoch = "
            f"{100 * value:.1f}% of a measured fit epoch"
        )
        fit_runs = [r for r in runs if r["config"] == "fit" and "error" not in r]
        if settings["steps"] and fit_runs and get("fit", "steps_per_s"):
            full_steps = _median(r["batches_per_pass"] for r in fit_runs)
            full_epoch = full_steps / get("fit", "steps_per_s")
            value = direct_s / full_epoch
            parts.append(
                f"{100 * value:.1f}% of a whole epoch ({full_steps:.0f} steps, ~{full_epoch:.0f} s)"
            )
    targets.append(
        {
            "target": "fit+callbacks epoch time within 5% of fit",
            "measured": "; ".join(parts) or "n/a",
            "status": _status(None if value is None else value <= 0.05),
        }
    )

    ratio = get("fit+bf16", "vs_lecture")
    targets.append(
        {
            "target": "fit+bf16 >= 1.25x lecture images/s",
            "measured": with_cpu("fit+bf16", ratio),
            "status": _status(None if ratio is None else ratio >= 1.25),
        }
    )

    # The library's configurations: the hand-written loops are not judged.
    retracing = {
        c: s["retraces"]
        for c, s in summary.items()
        if CONFIGS.get(c) is not None and s.get("retraces") is not None
    }
    offenders = {c: n for c, n in retracing.items() if n}
    measured = (
        "none in " + ", ".join(retracing)
        if retracing and not offenders
        else ", ".join(f"{c}: {n}" for c, n in offenders.items()) or "n/a"
    )
    lecture = get("lecture", "retraces")
    if lecture is not None:
        measured += f" (lecture loop: {lecture})"
    targets.append(
        {
            "target": "no retracing after the first epoch (library configs)",
            "measured": measured,
            "status": _status(None if not retracing else not offenders),
        }
    )

    ratio = _paired(runs, "fit+conditional", "fit", "images_per_s", lambda a, b: b / a)
    targets.append(
        {
            "target": "fit+conditional step <= 1.10x fit step (paired)",
            "measured": "n/a" if ratio is None else f"{ratio:.2f}x",
            "status": _status(None if ratio is None else ratio <= 1.10),
        }
    )

    for backend in ("jax", "torch"):
        loop, fit = BACKEND_CONFIGS[backend][:2]
        ratio = _paired(runs, fit, loop, "images_per_s", lambda a, b: a / b)
        least = BACKEND_TARGETS[backend]
        targets.append(
            {
                "target": f"{fit} >= {least:.2f}x {loop} images/s (paired)",
                "measured": "n/a" if ratio is None else f"{ratio:.2f}x",
                "status": _status(None if ratio is None else ratio >= least),
            }
        )

    ratio = _paired(runs, "fit+callbacks", "lecture", "peak_rss_mb", lambda a, b: a / b)
    note = ""
    if settings["dataset"] != "fashion_mnist":
        note = f" (on {settings['dataset']}; the target is set on fashion_mnist)"
    targets.append(
        {
            "target": "peak RSS of fit+callbacks <= 1.25x lecture loop's (fashion_mnist)",
            "measured": ("n/a" if ratio is None else f"{ratio:.2f}x") + note,
            "status": _status(None if ratio is None else ratio <= 1.25),
        }
    )
    return targets


def backend_comparison(summary, runs):
    """Each backend's `fit` against its own hand-written loop.

    Args:
        summary: `summarize`'s result.
        runs: the run dicts it was made from.

    Returns:
        A list of dicts, one per `fit` configuration of `BACKEND_CONFIGS`
        that ran: `backend`, `config`, `loop`,
        `step` (how each step ran, e.g. "jax.jit / eager"), `loop_images_per_s`,
        `fit_images_per_s` (medians), `vs_loop` (paired img/s ratio),
        `vs_loop_cpu` (paired ratio of the loop's CPU s/step to fit's),
        `target` (the least `vs_loop` the project asks for, None for the
        extra configurations) and `status`.
    """

    def mode(config):
        modes = {r.get("step_mode") for r in runs if r["config"] == config and "error" not in r}
        return "/".join(sorted(m for m in modes if m)) or "-"

    rows = []
    for backend, (loop, *fits) in BACKEND_CONFIGS.items():
        for i, fit in enumerate(fits):
            if fit not in summary:
                continue
            ratio = _paired(runs, fit, loop, "images_per_s", lambda a, b: a / b)
            target = BACKEND_TARGETS[backend] if i == 0 else None
            rows.append(
                {
                    "backend": backend,
                    "config": fit,
                    "loop": loop,
                    "step": f"{mode(loop)} / {mode(fit)}",
                    "loop_images_per_s": (summary.get(loop) or {}).get("images_per_s"),
                    "fit_images_per_s": (summary.get(fit) or {}).get("images_per_s"),
                    "vs_loop": ratio,
                    "vs_loop_cpu": _paired(runs, fit, loop, "cpu_s_per_step", lambda a, b: b / a),
                    "target": target,
                    "status": _status(None if ratio is None or target is None else ratio >= target),
                }
            )
    return rows


def format_backends(rows):
    """The markdown table of `backend_comparison`'s rows."""
    lines = [
        "| backend | fit config | loop | step (loop / fit) | loop img/s | "
        "fit img/s | fit / loop (paired) | fit / loop (CPU) | target | status |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|",
    ]

    def num(value, fmt):
        return "-" if value is None else fmt.format(value)

    for row in rows:
        lines.append(
            f"| {row['backend']} | {row['config']} | {row['loop']} | {row['step']} | "
            f"{num(row['loop_images_per_s'], '{:.0f}')} | "
            f"{num(row['fit_images_per_s'], '{:.0f}')} | "
            f"{num(row['vs_loop'], '{:.2f}x')} | {num(row['vs_loop_cpu'], '{:.2f}x')} | "
            f"{num(row['target'], '>= {:.2f}x')} | {row['status']} |"
        )
    return "\n".join(lines)


def _cell(summary_row, key, fmt):
    if key == "images_per_s_range":
        lo, hi = summary_row.get("images_per_s_min"), summary_row.get("images_per_s_max")
        return "-" if lo is None else f"{lo:.0f}-{hi:.0f}"
    value = summary_row.get(key)
    return "-" if value is None else fmt.format(value)


def format_table(summary):
    """The markdown table of a summary (one row per configuration)."""
    header = ["config"] + [h for _, h, _ in TABLE_COLUMNS]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(TABLE_COLUMNS)) + "|",
    ]
    for config, row in summary.items():
        name = config if not row.get("errors") else f"{config} ({row['errors']} failed)"
        cells = [name] + [_cell(row, k, f) for k, _, f in TABLE_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_targets(targets):
    lines = ["| target | measured | status |", "|---|---|---|"]
    for t in targets:
        lines.append(f"| {t['target']} | {t['measured']} | {t['status']} |")
    return "\n".join(lines)


def format_report(machine, settings, peak, summary, targets, wall_s, backends=None):
    """The whole printed report: machine, settings, tables, targets.

    `backends` is `backend_comparison`'s rows; the per-backend table is
    printed when any backend other than TensorFlow ran.
    """
    gpus = ", ".join(machine["gpus"]) or "none"
    steps = settings["steps"]
    epoch = f"epochs of {steps} steps (--steps)" if steps else "whole epochs"
    lines = [
        "## keras-gan training benchmark",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores "
        f"({machine['usable_cores']} usable), GPU: {gpus}",
        f"- CPU flags: {machine.get('cpu_flags', 'unknown')}; bfloat16: "
        + {True: "native", False: "emulated", None: "unknown"}[machine.get("bfloat16_native")],
    ]
    lines += [f"- **Warning**: {message}" for message in machine.get("speed_warnings", ())]
    lines += [
        f"- Software: Python {machine['python']}, TensorFlow "
        f"{machine['tensorflow']}, Keras {machine['keras']}"
        + "".join(
            f", {name} {machine[key]}"
            for key, name in (("jax", "JAX"), ("torch", "PyTorch"))
            if machine.get(key)
        ),
        f"- Load average (1/5/15 min) at start: {machine['loadavg_start']}; "
        f"at end: {machine.get('loadavg_end', 'n/a')}",
        f"- Data: {settings['dataset']}, batch {settings['batch_size']}; "
        f"{settings['warmup']} warm-up + {settings['epochs']} timed {epoch}; "
        f"{settings['repeats']} repeat(s), configurations interleaved "
        "round-robin, one subprocess per run; figures are medians",
        f"- Matmul peak: {peak:.1f} GFLOP/s wall clock, "
        f"{settings.get('matmul_peak_gflops_per_cpu_s', 0):.1f} GFLOP per CPU-second "
        f"(best of 5 float32 {settings['matmul_n']}x{settings['matmul_n']} "
        "tf.linalg.matmul, before and after the runs)",
        f"- FLOPs per training image: {_flops_line(summary, settings)} ({FLOPS_METHOD})",
        f"- Wall time: {wall_s / 60:.1f} min",
        "",
        format_table(summary),
        "",
        format_targets(targets),
        "",
    ]
    if backends and any(row["backend"] != "tensorflow" for row in backends):
        lines += [
            "Each backend's `fit` against the lecture's step hand-written on "
            "that backend (TensorFlow: the lecture loop, tf.function + "
            "GradientTape; JAX: jax.jit + stateless_call; PyTorch: eager "
            "autograd over the Keras layers); same networks, batch, loss and "
            "Adam(1e-4), runs interleaved, one subprocess per run with "
            "KERAS_BACKEND set:",
            "",
            format_backends(backends),
            "",
        ]
    lines += [
        "Wall-clock columns move with the machine's load; the CPU-second "
        "columns (work per step, whatever share of the cores the run got) "
        "are the steadier comparison on a shared machine. Statuses use the "
        "paired wall-clock medians as the targets are stated.",
    ]
    errors = [f"- {c}: {s['error']}" for c, s in summary.items() if s.get("error")]
    if errors:
        lines += ["", "Failures:"] + errors
    return "\n".join(lines)


def _flops_line(summary, settings):
    flops = settings.get("train_flops_per_image")
    if not flops:
        return "n/a"
    return (
        f"{flops / 1e6:.0f} MFLOP, {flops * settings['batch_size'] / 1e9:.1f} "
        f"GFLOP per step of {settings['batch_size']}"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", action="store_true", help="mnist_sample, 2 timed epochs of 5 steps, 1 repeat"
    )
    mode.add_argument(
        "--smoke", action="store_true", help="tiny synthetic run that only checks the machinery"
    )
    parser.add_argument("--dataset", help="a named source of keras_gan.data, or 'synthetic'")
    parser.add_argument("--epochs", type=int, help="timed epochs per run (after the warm-up)")
    parser.add_argument(
        "--steps", type=int, help="steps per epoch; 0 = whole epochs (full: 8, quick: 5)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first (default 1)")
    parser.add_argument("--repeats", type=int, help="runs per configuration")
    parser.add_argument("--batch-size", type=int, help="images per step (default 256)")
    parser.add_argument("--configs", help="comma-separated subset of: " + ", ".join(CONFIGS))
    parser.add_argument(
        "--backends",
        help="comma-separated Keras backends of: "
        + ", ".join(BACKEND_CONFIGS)
        + "; runs each one's fit against the lecture's step hand-written on "
        "that backend ("
        + "; ".join(f"{b}: {', '.join(c)}" for b, c in BACKEND_CONFIGS.items())
        + "), each in a subprocess with KERAS_BACKEND set, and prints a "
        "table per backend. Alone it runs only these; with --configs, "
        "these are added to them",
    )
    parser.add_argument("--matmul-n", type=int, help="matrix side of the matmul peak")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per run")
    parser.add_argument("--json", help="write runs, summary and targets to this file")
    # Internal: run one configuration and print its result line.
    parser.add_argument("--worker", choices=list(CONFIGS), help=argparse.SUPPRESS)
    parser.add_argument("--repeat-index", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    name = "smoke" if args.smoke else "quick" if args.quick else "full"
    for key, value in MODES[name].items():
        if key == "configs" and args.backends:
            continue  # --backends alone runs only the backends' pairs
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.mode = name
    return args


def _backends(text):
    names = [b.strip() for b in (text or "").split(",") if b.strip()]
    unknown = [b for b in names if b not in BACKEND_CONFIGS]
    if unknown:
        raise SystemExit(f"Unknown backends {unknown}. Expected some of {list(BACKEND_CONFIGS)}.")
    return names


def _configs(args, has_gpu):
    """The configurations to run: --configs, plus --backends' pairs.

    Without either, every TensorFlow configuration (those needing a GPU
    only with one).

    Raises:
        SystemExit: for an unknown configuration or backend, or a backend
            whose package is not installed.
    """
    import importlib.util

    backends = _backends(getattr(args, "backends", None))
    missing = [b for b in backends if importlib.util.find_spec(BACKEND_PACKAGES[b]) is None]
    if missing:
        raise SystemExit(
            f"Backends {missing} are not installed: pip install -e "
            + " ".join(f'".[{b}]"' for b in missing)
        )
    if args.configs:
        names = [c.strip() for c in args.configs.split(",") if c.strip()]
        unknown = [c for c in names if c not in CONFIGS]
        if unknown:
            raise SystemExit(f"Unknown configs {unknown}. Expected some of {list(CONFIGS)}.")
    elif backends:
        names = []
    else:
        return [
            c
            for c in CONFIGS
            if config_backend(c) == "tensorflow" and (has_gpu or c not in GPU_ONLY)
        ]
    for backend in backends:
        names += [c for c in BACKEND_CONFIGS[backend] if c not in names]
    return names


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return _worker_main(args)
    wall_start = time.perf_counter()
    machine = machine_info()
    configs = _configs(args, bool(machine["gpus"]))
    machine["speed_warnings"] = config_speed_warnings(configs, len(machine["gpus"]))
    for message in machine["speed_warnings"]:
        print(f"warning: {message}", file=sys.stderr)
    settings = {
        "mode": args.mode,
        "dataset": args.dataset,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "steps": args.steps,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "configs": configs,
        "backends": _backends(args.backends),
        "matmul_n": args.matmul_n,
    }
    print(f"machine: {json.dumps(machine)}", file=sys.stderr)
    peaks = [matmul_peak(args.matmul_n)]
    print(f"matmul peak: {peaks[0][0]:.1f} GFLOP/s, {peaks[0][1]:.1f} GFLOP/CPU-s", file=sys.stderr)
    runs = []
    for repeat in range(args.repeats):
        shift = repeat % len(configs)
        for config in configs[shift:] + configs[:shift]:
            start = time.perf_counter()
            run = spawn(config, repeat, settings, timeout=args.timeout)
            runs.append(run)
            what = run.get("error", "")[:300] or (
                f"{run['images_per_s']:.0f} img/s, epochs "
                + ", ".join(f"{s:.2f}" for s in run["epoch_s"])
                + f" s, first step {run['first_step_s']:.1f} s, "
                f"RSS {run['peak_rss_mb']:.0f} MB"
                + (
                    f", reals {run['reals_s']:.2f} s, callbacks "
                    + json.dumps({k: round(v, 2) for k, v in run["callback_epoch_s"].items()})
                    if "callback_epoch_s" in run
                    else ""
                )
            )
            print(
                f"[{repeat + 1}/{args.repeats}] {config}: {what} "
                f"({time.perf_counter() - start:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    peaks.append(matmul_peak(args.matmul_n))
    peak = max(p[0] for p in peaks)
    peak_cpu = max(p[1] for p in peaks)
    flops = [r["train_flops_per_image"] for r in runs if "error" not in r]
    settings["train_flops_per_image"] = _median(flops)
    settings["matmul_peak_gflops"] = peak
    settings["matmul_peak_gflops_per_cpu_s"] = peak_cpu
    settings["matmul_measurements"] = peaks
    summary = summarize(runs, peak, peak_cpu)
    targets = evaluate_targets(summary, runs, settings)
    backends = backend_comparison(summary, runs)
    machine["loadavg_end"] = _loadavg()
    wall = time.perf_counter() - wall_start
    print(format_report(machine, settings, peak, summary, targets, wall, backends))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "machine": machine,
                    "settings": settings,
                    "flops_method": FLOPS_METHOD,
                    "wall_s": wall,
                    "runs": runs,
                    "summary": summary,
                    "targets": targets,
                    "backends": backends,
                },
                f,
                indent=1,
            )
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())

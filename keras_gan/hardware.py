"""What this machine runs fast: bfloat16, XLA and `steps_per_execution`.

`mixed_bfloat16`, `jit_compile` and `steps_per_execution > 1` are speed-ups
on GPUs and, for bfloat16, on CPUs with bfloat16 instructions. Elsewhere
they slow training down; `speed_warnings()` says so before a run starts.

Nothing here runs at import time, and nothing imports TensorFlow: the GPU
check asks TensorFlow only when it is already imported, and otherwise looks
for an NVIDIA driver.
"""

import os
import sys
import warnings

from keras_gan.options import PRECISIONS

# CPU flags (Linux /proc/cpuinfo names) with bfloat16 dot products: x86's
# AVX512-BF16 and AMX-BF16, ARM's BF16 extension.
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")
# The flags the benchmark and `describe_cpu` report: Linux name -> the
# vendors' name.
REPORTED_CPU_FLAGS = {
    "avx2": "AVX2",
    "avx512f": "AVX512F",
    "avx512_bf16": "AVX512-BF16",
    "amx_bf16": "AMX-BF16",
}
# ONEDNN_MAX_CPU_ISA values that stop oneDNN below its bfloat16 kernels
# (https://uxlfoundation.github.io/oneDNN/dev_guide_cpu_dispatcher_control.html).
# Other values (ALL, DEFAULT, AVX512_CORE_BF16 and above) leave them on.
ONEDNN_ISAS_WITHOUT_BF16 = (
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
)
# Measured with benchmarks/benchmark.py without a GPU, in images/s against
# float32 `fit`: bfloat16 on a CPU without bfloat16 instructions; XLA and
# steps_per_execution on the README's 2-core AVX512-BF16 CPU.
BF16_EMULATED_SLOWDOWN = "11x slower than float32 (12 against 125 img/s)"
XLA_CPU_SPEED = "0.59x"
SPE_CPU_SPEED = "0.91x with 8"


class SpeedWarning(UserWarning):
    """An option that makes training slower on this machine."""


def _read_cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return None


def cpu_flags(cpuinfo=None):
    """Returns the CPU's feature flags, as Linux lists them.

    Args:
        cpuinfo: the text of `/proc/cpuinfo`. Defaults to `None`: read this
            machine's.

    Returns:
        A frozenset of lower-case flag names (`"avx2"`, `"avx512_bf16"`,
        ...) from the first `flags` (x86) or `Features` (ARM) line, or
        `None` when they are unknown (no `/proc/cpuinfo`, e.g. macOS or
        Windows, or no such line).

    Example:

    >>> sorted(cpu_flags("processor : 0\\nflags : fpu avx2 avx512f\\n"))
    ['avx2', 'avx512f', 'fpu']
    """
    if cpuinfo is None:
        cpuinfo = _read_cpuinfo()
    if cpuinfo is None:
        return None
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("flags", "features"):
            return frozenset(value.lower().split())
    return None


def describe_cpu(flags):
    """Says which of `REPORTED_CPU_FLAGS` a CPU has, for a report's header.

    Args:
        flags: a set of flag names from `cpu_flags()`, or `None`.

    Returns:
        A string such as `"AVX2 yes, AVX512F yes, AVX512-BF16 no, AMX-BF16
        no"`, or `"CPU flags unknown"`.
    """
    if flags is None:
        return "CPU flags unknown"
    return ", ".join(
        f"{shown} {'yes' if name in flags else 'no'}" for name, shown in REPORTED_CPU_FLAGS.items()
    )


def gpu_count():
    """Counts this machine's GPUs without loading TensorFlow.

    When TensorFlow is already imported, returns what it sees (its view is
    the one that matters: a CPU-only build ignores a GPU). Otherwise counts
    the NVIDIA driver's GPUs, or returns 0 when `CUDA_VISIBLE_DEVICES`
    hides them all.

    Returns:
        The number of GPUs, or `None` when unknown (TensorFlow not
        imported and not Linux).
    """
    tf = sys.modules.get("tensorflow")
    if tf is not None and hasattr(tf, "config"):
        return len(tf.config.list_physical_devices("GPU"))
    if os.environ.get("CUDA_VISIBLE_DEVICES", "unset").strip() in ("", "-1"):
        return 0
    if not sys.platform.startswith("linux"):
        return None
    try:
        return len(os.listdir("/proc/driver/nvidia/gpus"))
    except OSError:
        # WSL2 exposes GPUs through /dev/dxg, without a count.
        return 1 if os.path.exists("/dev/dxg") else 0


def nvidia_driver_present():
    """Says whether an NVIDIA driver is loaded, without loading TensorFlow.

    Returns:
        `True` on Linux with `/proc/driver/nvidia` or `/dev/nvidiactl`, or
        on WSL2 (`/dev/dxg`); `False` on Linux without them; `None`
        elsewhere (unknown).
    """
    if not sys.platform.startswith("linux"):
        return None
    return any(
        os.path.exists(path) for path in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg")
    )


def bfloat16_support(cpuinfo=None, environ=None):
    """Says whether this CPU computes bfloat16 natively, and why not.

    Native means the CPU has bfloat16 dot products (`BF16_CPU_FLAGS`) and
    `ONEDNN_MAX_CPU_ISA`, if set, lets oneDNN (TensorFlow's CPU kernels)
    use them. Without them bfloat16 is converted to float32 and back
    around every operation.

    Args:
        cpuinfo: the text of `/proc/cpuinfo`. Defaults to `None`: read this
            machine's.
        environ: the environment to read `ONEDNN_MAX_CPU_ISA` from.
            Defaults to `None`: `os.environ`.

    Returns:
        `(native, reason)`: `native` is `True`, `False`, or `None` when the
        CPU's flags are unknown; `reason` says why it is not native (empty
        otherwise).

    Example:

    >>> bfloat16_support("flags : avx2 avx512f\\n", environ={})
    (False, 'no avx512_bf16, amx_bf16 or bf16 CPU flag')
    """
    environ = os.environ if environ is None else environ
    flags = cpu_flags(cpuinfo)
    if flags is None:
        return None, ""
    if not flags & set(BF16_CPU_FLAGS):
        return False, (f"no {', '.join(BF16_CPU_FLAGS[:-1])} or {BF16_CPU_FLAGS[-1]} CPU flag")
    isa = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if isa in ONEDNN_ISAS_WITHOUT_BF16:
        return False, (
            f"ONEDNN_MAX_CPU_ISA={isa} keeps oneDNN off this CPU's bfloat16 instructions"
        )
    return True, ""


def _crash_note(environ):
    isa = (os.environ if environ is None else environ).get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if isa in ONEDNN_ISAS_WITHOUT_BF16 and not isa.startswith("AVX512"):
        # Seen with TensorFlow 2.21 on an AMX CPU capped at AVX2: its
        # bfloat16 kernels still take the native path, which oneDNN refuses.
        return " (Below AVX512_CORE, bfloat16 matmul and conv crashed TensorFlow 2.21 in a test.)"
    return ""


def speed_warnings(
    precision="float32",
    jit_compile=False,
    steps_per_execution=1,
    *,
    cpuinfo=None,
    gpus=None,
    environ=None,
    warn=True,
):
    """Checks speed options against this machine; warns about slow ones.

    With a GPU every option is fine. On a CPU alone: `mixed_bfloat16`
    without native bfloat16 (see `bfloat16_support`) was measured 11x
    slower than float32; `mixed_float16` is for GPUs; XLA (`jit_compile`)
    measured 0.59x and `steps_per_execution=8` 0.91x the default's speed.
    When the machine is unknown (no GPU count, no CPU flags), nothing is
    said.

    Args:
        precision: the dtype policy name. Defaults to `"float32"`.
        jit_compile: whether the train step is compiled with XLA.
            Defaults to `False`.
        steps_per_execution: train steps per compiled call. Defaults to 1.
        cpuinfo: the text of `/proc/cpuinfo`. Defaults to `None`: read this
            machine's.
        gpus: the number of GPUs. Defaults to `None`: `gpu_count()`.
        environ: the environment (`ONEDNN_MAX_CPU_ISA`). Defaults to
            `None`: `os.environ`.
        warn: also issue each message as a `SpeedWarning` with
            `warnings.warn`. Defaults to `True`.

    Returns:
        A list of one-line messages, empty when every option suits the
        machine.

    Raises:
        ValueError: for a precision not in `keras_gan.options.PRECISIONS`.

    Example:

    >>> speed_warnings("mixed_bfloat16", cpuinfo="flags : avx2\\n", gpus=0,
    ...                environ={}, warn=False)[0][:40]
    'mixed_bfloat16 is emulated on this CPU ('
    """
    if precision not in PRECISIONS:
        raise ValueError(
            f"Expected precision to be one of {list(PRECISIONS)}. Received: {precision!r}"
        )
    gpus = gpu_count() if gpus is None else gpus
    if gpus is None or gpus > 0:
        return []
    messages = []
    if precision == "mixed_bfloat16":
        native, reason = bfloat16_support(cpuinfo, environ)
        if native is False and reason.startswith("ONEDNN_MAX_CPU_ISA"):
            messages.append(
                f"mixed_bfloat16 is emulated here ({reason}); a CPU without "
                f"them measured {BF16_EMULATED_SLOWDOWN}; unset "
                "ONEDNN_MAX_CPU_ISA or use float32." + _crash_note(environ)
            )
        elif native is False:
            messages.append(
                f"mixed_bfloat16 is emulated on this CPU ({reason}): "
                f"measured {BF16_EMULATED_SLOWDOWN}; use float32 here."
            )
    elif precision == "mixed_float16":
        messages.append(
            "mixed_float16 is for GPUs, and this machine has none; use "
            "float32 (or mixed_bfloat16 on a CPU with avx512_bf16 or "
            "amx_bf16)."
        )
    if jit_compile:
        messages.append(
            "jit_compile (XLA) is for GPUs, and this machine has none: "
            f"measured {XLA_CPU_SPEED} the speed without it on a CPU."
        )
    if steps_per_execution > 1:
        messages.append(
            "steps_per_execution > 1 is for GPUs, and this machine has none: "
            f"measured {SPE_CPU_SPEED} on a CPU."
        )
    if warn:
        for message in messages:
            warnings.warn(message, SpeedWarning, stacklevel=2)
    return messages

"""Tests of `keras_gan.hardware` and of the CLI's warnings and help texts.

Every CPU here is a fake `/proc/cpuinfo` text, so the tests say the same on
any machine; the GPU count is passed in or patched.
"""

import sys

import pytest

from keras_gan import cli
from keras_gan import hardware
from keras_gan import options as options_lib

AVX2_CPU = (
    "processor\t: 0\nmodel name\t: AVX2 CPU\n"
    "flags\t\t: fpu sse4_2 avx avx2 fma\n\n"
    "processor\t: 1\nflags\t\t: fpu sse4_2 avx avx2 fma\n"
)
AMX_CPU = (
    "processor\t: 0\nmodel name\t: AMX CPU\n"
    "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
)
ARM_BF16_CPU = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n"
NO_FLAGS = "processor\t: 0\nmodel name\t: something\n"


def test_cpu_flags_reads_x86_and_arm_lines_and_says_when_unknown():
    assert hardware.cpu_flags(AVX2_CPU) == {"fpu", "sse4_2", "avx", "avx2", "fma"}
    assert "bf16" in hardware.cpu_flags(ARM_BF16_CPU)
    assert hardware.cpu_flags(NO_FLAGS) is None
    assert hardware.cpu_flags("") is None


def test_describe_cpu_names_each_reported_flag():
    assert hardware.describe_cpu(hardware.cpu_flags(AVX2_CPU)) == (
        "AVX2 yes, AVX512F no, AVX512-BF16 no, AMX-BF16 no"
    )
    assert hardware.describe_cpu(hardware.cpu_flags(AMX_CPU)) == (
        "AVX2 yes, AVX512F yes, AVX512-BF16 yes, AMX-BF16 yes"
    )
    assert hardware.describe_cpu(None) == "CPU flags unknown"


@pytest.mark.parametrize(
    "cpuinfo, environ, native",
    [
        (AVX2_CPU, {}, False),
        (AMX_CPU, {}, True),
        (ARM_BF16_CPU, {}, True),
        (NO_FLAGS, {}, None),
        # oneDNN capped below its bfloat16 kernels: not native, whatever
        # the CPU has; a cap that includes them changes nothing.
        (AMX_CPU, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, False),
        (AMX_CPU, {"ONEDNN_MAX_CPU_ISA": "avx512_core"}, False),
        (AMX_CPU, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"}, True),
        (AMX_CPU, {"ONEDNN_MAX_CPU_ISA": "ALL"}, True),
    ],
)
def test_bfloat16_support(cpuinfo, environ, native):
    got, reason = hardware.bfloat16_support(cpuinfo, environ=environ)
    assert got is native
    assert bool(reason) == (native is False)


def test_bfloat16_reasons_name_the_missing_flags_or_the_variable():
    _, reason = hardware.bfloat16_support(AVX2_CPU, environ={})
    assert "avx512_bf16" in reason and "amx_bf16" in reason
    _, reason = hardware.bfloat16_support(AMX_CPU, environ={"ONEDNN_MAX_CPU_ISA": "avx2"})
    assert "ONEDNN_MAX_CPU_ISA=AVX2" in reason


def _warnings(precision="float32", jit=False, spe=1, cpuinfo=AVX2_CPU, gpus=0, environ=None):
    return hardware.speed_warnings(
        precision,
        jit,
        spe,
        cpuinfo=cpuinfo,
        gpus=gpus,
        environ={} if environ is None else environ,
        warn=False,
    )


def test_bfloat16_without_native_support_warns_with_the_measured_slowdown():
    (message,) = _warnings("mixed_bfloat16")
    assert message.startswith("mixed_bfloat16 is emulated on this CPU")
    assert "avx512_bf16" in message and "11x" in message
    assert "use float32" in message
    assert "\n" not in message


def test_bfloat16_is_quiet_where_native_or_unknown_or_on_a_gpu():
    assert _warnings("mixed_bfloat16", cpuinfo=AMX_CPU) == []
    assert _warnings("mixed_bfloat16", cpuinfo=NO_FLAGS) == []
    assert _warnings("mixed_bfloat16", jit=True, spe=8, gpus=1) == []


def test_onednn_cap_warns_on_a_bfloat16_cpu():
    (message,) = _warnings(
        "mixed_bfloat16",
        cpuinfo=AMX_CPU,
        environ={"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
    )
    assert "ONEDNN_MAX_CPU_ISA=AVX512_CORE" in message
    assert "crashed" not in message
    (message,) = _warnings(
        "mixed_bfloat16", cpuinfo=AMX_CPU, environ={"ONEDNN_MAX_CPU_ISA": "AVX2"}
    )
    assert "crashed TensorFlow" in message


def test_gpu_options_on_a_cpu_warn_once_each():
    messages = _warnings("mixed_float16", jit=True, spe=8, cpuinfo=AMX_CPU)
    assert [m.split()[0] for m in messages] == [
        "mixed_float16",
        "jit_compile",
        "steps_per_execution",
    ]
    assert "0.59x" in messages[1] and "0.91x" in messages[2]
    assert _warnings() == []
    assert _warnings(spe=2) != []


def test_unknown_machine_says_nothing(monkeypatch):
    monkeypatch.setattr(hardware, "gpu_count", lambda: None)
    assert hardware.speed_warnings("mixed_bfloat16", True, 8, cpuinfo=AVX2_CPU, warn=False) == []


def test_warn_issues_speed_warnings():
    with pytest.warns(hardware.SpeedWarning, match="jit_compile"):
        messages = hardware.speed_warnings(jit_compile=True, cpuinfo=AMX_CPU, gpus=0, environ={})
    assert len(messages) == 1


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="Received: 'bfloat16'"):
        hardware.speed_warnings("bfloat16", gpus=0)


def test_gpu_count_without_tensorflow_honours_cuda_visible_devices(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert hardware.gpu_count() == 0
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert hardware.gpu_count() == 0


def test_gpu_count_asks_tensorflow_when_imported(monkeypatch):
    class FakeConfig:
        @staticmethod
        def list_physical_devices(kind):
            return ["gpu0", "gpu1"] if kind == "GPU" else []

    fake_tf = type(sys)("tensorflow")
    fake_tf.config = FakeConfig
    monkeypatch.setitem(sys.modules, "tensorflow", fake_tf)
    assert hardware.gpu_count() == 2


# --------------------------------------------------------------------------
# The CLI: one warning line before the run directory; help texts
# --------------------------------------------------------------------------


def test_train_prints_the_bfloat16_warning_before_the_run_directory(monkeypatch, capsys, tmp_path):
    from keras_gan import training

    monkeypatch.setattr(hardware, "gpu_count", lambda: 0)
    monkeypatch.setattr(hardware, "_read_cpuinfo", lambda: AVX2_CPU)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    seen = {}

    def new_run_dir(options):
        seen["err_before_run_dir"] = capsys.readouterr().err
        return str(tmp_path / "run")

    monkeypatch.setattr(training, "new_run_dir", new_run_dir)
    monkeypatch.setattr(
        training,
        "train",
        lambda options, run_dir, resume, **kwargs: seen.setdefault(
            "precision", options["precision"]
        ),
    )
    code = cli.main(["train", "--precision", "mixed_bfloat16", "--logdir", str(tmp_path)])
    assert code == 0
    # A warning, not a refusal: training still ran, in bfloat16.
    assert seen["precision"] == "mixed_bfloat16"
    lines = [
        line
        for line in seen["err_before_run_dir"].splitlines()
        if line.startswith("keras-gan: warning:")
    ]
    assert len(lines) == 1
    assert "mixed_bfloat16 is emulated on this CPU" in lines[0]
    assert "11x" in lines[0]


def _subparser(name):
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.choices and name in a.choices]
    return sub.choices[name]


def _helps(name):
    return {a.dest: a.help for a in _subparser(name)._actions if a.dest != "help"}


def test_train_help_states_each_default_once():
    helps = _helps("train")
    for option in options_lib.OPTIONS:
        text = helps[option.name]
        assert text.count("(default:") == 1, text
        assert "(default: None)" not in text, text
    assert "(default: off)" in helps["conditional"]
    assert "(default: on)" in helps["tensorboard"]
    assert "(default: 30)" in helps["epochs"]


def test_every_nullable_option_says_what_none_means():
    # The CLI prints a nullable option's own words for its None default.
    for option in options_lib.OPTIONS:
        if option.nullable:
            assert "(default:" in option.help, option.name


@pytest.mark.parametrize("command, n", [("sample", "16"), ("evaluate", "10000")])
def test_sample_and_evaluate_help(command, n):
    helps = _helps(command)
    assert f"(default: {n})" in helps["n"]
    assert helps["run"]
    assert "(default: 0)" in helps["seed"]


def test_help_renders(capsys):
    for command in ("train", "sample", "evaluate"):
        with pytest.raises(SystemExit) as exit_info:
            cli.main([command, "--help"])
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "(default: None)" not in out
    assert "a run directory written by `keras-gan train`" in out


@pytest.mark.parametrize(
    "driver, environ, level",
    [
        (False, {}, "3"),  # no NVIDIA driver: the cuInit error is noise
        (True, {}, "2"),  # with a driver it may explain a missing GPU
        (None, {}, "2"),  # unknown platform: keep errors
        (False, {"TF_CONFIG": "{}"}, "2"),  # multi-worker: keep gRPC errors
    ],
)
def test_tensorflow_log_level_hides_errors_only_without_a_driver(
    monkeypatch, driver, environ, level
):
    monkeypatch.setattr(hardware, "nvidia_driver_present", lambda: driver)
    assert cli._tf_log_level(environ) == level


def test_main_keeps_the_users_log_level(monkeypatch):
    monkeypatch.setattr(hardware, "nvidia_driver_present", lambda: False)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert cli.os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert cli.os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_nvidia_driver_is_unknown_off_linux(monkeypatch):
    monkeypatch.setattr(hardware.sys, "platform", "darwin")
    assert hardware.nvidia_driver_present() is None
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert hardware.gpu_count() is None


# --------------------------------------------------------------------------
# The benchmark's header
# --------------------------------------------------------------------------


def test_benchmark_warns_about_emulated_bfloat16_only(monkeypatch):
    from benchmarks import benchmark

    monkeypatch.setattr(hardware, "_read_cpuinfo", lambda: AVX2_CPU)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    configs = ["lecture", "fit", "fit+bf16", "fit+xla", "fit+spe8"]
    (message,) = benchmark.config_speed_warnings(configs, gpus=0)
    assert message.startswith("mixed_bfloat16 is emulated")
    assert benchmark.config_speed_warnings(configs, gpus=1) == []
    monkeypatch.setattr(hardware, "_read_cpuinfo", lambda: AMX_CPU)
    assert benchmark.config_speed_warnings(configs, gpus=0) == []


def test_benchmark_header_names_the_cpu_flags_and_the_warning():
    from benchmarks import benchmark

    machine = {
        "cpu": "AVX2 CPU",
        "cores": 2,
        "usable_cores": 2,
        "gpus": [],
        "cpu_flags": hardware.describe_cpu(hardware.cpu_flags(AVX2_CPU)),
        "bfloat16_native": False,
        "speed_warnings": ["mixed_bfloat16 is emulated on this CPU (...)"],
        "python": "3",
        "tensorflow": "2",
        "keras": "3",
        "loadavg_start": "0",
    }
    settings = {
        "steps": 8,
        "dataset": "synthetic",
        "batch_size": 256,
        "warmup": 1,
        "epochs": 3,
        "repeats": 1,
        "matmul_n": 256,
    }
    report = benchmark.format_report(machine, settings, 1.0, {}, [], 60.0)
    lines = report.splitlines()
    assert (
        "- CPU flags: AVX2 yes, AVX512F no, AVX512-BF16 no, AMX-BF16 no; bfloat16: emulated"
    ) in lines
    assert "- **Warning**: mixed_bfloat16 is emulated on this CPU (...)" in lines


def test_public_names():
    import keras_gan

    assert keras_gan.speed_warnings is hardware.speed_warnings
    assert keras_gan.SpeedWarning is hardware.SpeedWarning
    assert {"speed_warnings", "SpeedWarning"} <= set(keras_gan.__all__)

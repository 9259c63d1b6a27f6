"""Smoke tests of `benchmarks/benchmark.py`: its machinery, never its timings."""

import json
import os
import subprocess
import sys

import pytest

import keras

from benchmarks import benchmark

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "benchmarks", "benchmark.py")


def _fake_run(config, repeat, images_per_s):
    run = dict.fromkeys(benchmark.RUN_KEYS, 1.0)
    run.update(
        config=config,
        repeat=repeat,
        dataset="synthetic",
        batches_per_pass=10,
        epoch_s=[2.0, 1.0],
        epoch_s_median=1.0,
        images_per_s=images_per_s,
        data_frac=0.1,
        traces_total=2,
        retraces_after_warmup=0,
    )
    if config == "fit+callbacks":
        run["callbacks_s_per_epoch"] = 0.01
    return run


def test_summary_table_and_targets_have_every_column():
    runs = [
        _fake_run(c, r, v)
        for r in range(2)
        for c, v in (("lecture", 100.0), ("fit", 110.0), ("fit+callbacks", 105.0))
    ]
    runs.append({"config": "fit+bf16", "repeat": 0, "error": "boom"})
    summary = benchmark.summarize(runs, peak_gflops=100.0)
    assert list(summary) == ["lecture", "fit", "fit+callbacks", "fit+bf16"]
    for row in summary.values():
        assert set(benchmark.SUMMARY_KEYS) <= set(row)
    assert summary["fit+bf16"]["errors"] == 1
    assert summary["fit+bf16"]["runs"] == 0 and summary["fit+bf16"]["error"] == "boom"
    table = benchmark.format_table(summary)
    for _, header, _ in benchmark.TABLE_COLUMNS:
        assert header in table.splitlines()[0]
    assert len(table.splitlines()) == 2 + len(summary)
    assert "| fit+bf16 (1 failed) |" in table
    settings = {"dataset": "synthetic", "steps": 2}
    targets = benchmark.evaluate_targets(summary, runs, settings)
    assert len(targets) == 8
    for target in targets:
        assert set(target) == {"target", "measured", "status"}
    # fit 1.10x, callbacks 0.01 s of a 10-step epoch at 1 step/s, bf16 failed
    # (no ratio), no retraces, no conditional run, no JAX or PyTorch run,
    # equal peak RSS.
    assert [t["status"] for t in targets] == [
        "PASS",
        "PASS",
        "n/a",
        "PASS",
        "n/a",
        "n/a",
        "n/a",
        "PASS",
    ]
    assert targets[0]["measured"] == "1.10x (1.00x by CPU-s/step)"


def _run(config, repeat, **values):
    run = _fake_run(config, repeat, values.pop("images_per_s", 100.0))
    run.update(values)
    return run


def test_finish_takes_medians_after_the_warmup():
    result = benchmark._finish(
        {"data_s": 0.6},
        epoch_s=[10.0, 2.0, 4.0, 3.0],  # the 10 s warm-up is left out
        epoch_cpu_s=[30.0, 4.0, 8.0, 6.0],
        warmup=1,
        steps_per_epoch=10,
        images_per_epoch=640,
    )
    assert result["epoch_s_median"] == 3.0
    assert result["steps_per_s"] == pytest.approx(10 / 3)
    assert result["images_per_s"] == pytest.approx(640 / 3)
    assert result["cpu_s_per_step"] == pytest.approx(0.6)  # median 6 s / 10
    assert result["data_frac"] == pytest.approx(0.2)  # 0.6 s of 3 s
    # Only warm-up epochs: the last one is timed rather than none.
    only = benchmark._finish(
        {"data_s": 1.0},
        [10.0, 2.0],
        [1.0, 1.0],
        warmup=2,
        steps_per_epoch=4,
        images_per_epoch=8,
    )
    assert only["epoch_s_median"] == 2.0 and only["images_per_s"] == 4.0


def test_summarize_computes_paired_ratios_and_rates():
    # Repeat 0 ran on a slow stretch of machine time, repeat 1 on a fast one.
    # Paired ratios: 110/100 and 180/200, median 1.0; the ratio of medians
    # would be 145/150 = 0.97.
    runs = [
        _run(
            "lecture",
            0,
            images_per_s=100.0,
            steps_per_s=100 / 64,
            cpu_s_per_step=0.4,
            peak_rss_mb=1000.0,
        ),
        _run(
            "lecture",
            1,
            images_per_s=200.0,
            steps_per_s=200 / 64,
            cpu_s_per_step=0.6,
            peak_rss_mb=1000.0,
        ),
        _run(
            "fit",
            0,
            images_per_s=110.0,
            steps_per_s=110 / 64,
            cpu_s_per_step=0.2,
            train_flops_per_image=1e9,
            data_frac=0.01,
            traces_total=2,
            retraces_after_warmup=0,
        ),
        _run(
            "fit",
            1,
            images_per_s=180.0,
            steps_per_s=180 / 64,
            cpu_s_per_step=0.3,
            train_flops_per_image=1e9,
            data_frac=0.03,
            traces_total=3,
            retraces_after_warmup=1,
        ),
    ]
    fit = benchmark.summarize(runs, peak_gflops=290.0)["fit"]
    assert fit["runs"] == 2 and fit["errors"] == 0
    assert fit["vs_lecture"] == pytest.approx(1.0)
    assert fit["images_per_s"] == pytest.approx(145.0)
    assert (fit["images_per_s_min"], fit["images_per_s_max"]) == (110.0, 180.0)
    # Lecture CPU s over fit's: 0.4/0.2 and 0.6/0.3, both 2x less work.
    assert fit["vs_lecture_cpu"] == pytest.approx(2.0)
    assert fit["cpu_s_per_step"] == pytest.approx(0.25)
    # 145 img/s x 1 GFLOP = 145 GFLOP/s, half the 290 GFLOP/s peak; per CPU
    # second: 64 images per step x 1 GFLOP / 0.25 CPU-s = 256.
    assert fit["gflops"] == pytest.approx(145.0)
    assert fit["pct_peak"] == pytest.approx(50.0)
    assert fit["gflops_per_cpu_s"] == pytest.approx(256.0)
    per_cpu = benchmark.summarize(runs, 290.0, peak_gflops_per_cpu_s=1024.0)["fit"]
    assert per_cpu["pct_peak"] == pytest.approx(25.0)
    assert fit["data_pct"] == pytest.approx(2.0)  # median of 1% and 3%
    assert (fit["traces"], fit["retraces"]) == (3, 1)  # the worst repeat
    # A repeat whose lecture run failed is left out of the pairing.
    runs[1] = {"config": "lecture", "repeat": 1, "error": "killed"}
    assert benchmark.summarize(runs, 290.0)["fit"]["vs_lecture"] == pytest.approx(1.1)


def _targets(conditional_images_per_s=None, **fit_values):
    runs = [
        _run("lecture", 0, images_per_s=100.0, peak_rss_mb=1000.0),
        _run("fit", 0, **{"images_per_s": 100.0, "epoch_s_median": 2.0, **fit_values}),
        _run("fit+callbacks", 0, images_per_s=100.0, epoch_s_median=2.0, peak_rss_mb=1300.0),
    ]
    runs[2]["callbacks_s_per_epoch"] = 0.5
    if conditional_images_per_s:
        runs.append(_run("fit+conditional", 0, images_per_s=conditional_images_per_s))
    summary = benchmark.summarize(runs, peak_gflops=100.0)
    settings = {"dataset": "fashion_mnist", "steps": None}
    return {
        t["target"].split(" ")[0]: t for t in benchmark.evaluate_targets(summary, runs, settings)
    }


def test_targets_pass_and_fail_on_their_thresholds():
    equal = _targets(images_per_s=100.0)
    assert equal["default"]["status"] == "PASS"  # >= 1.00x
    assert _targets(images_per_s=99.0)["default"]["status"] == "FAIL"
    # Callbacks: 0.5 s of a 2 s epoch is 25% > 5%.
    callbacks = equal["fit+callbacks"]
    assert (
        callbacks["status"] == "FAIL" and "25.0% of a measured fit epoch" in callbacks["measured"]
    )
    # Peak RSS 1300 / 1000 MB = 1.30x > 1.25x.
    rss = equal["peak"]
    assert rss["status"] == "FAIL" and rss["measured"] == "1.30x"
    assert equal["fit+bf16"]["status"] == "n/a"  # not run
    assert equal["no"]["status"] == "PASS"
    assert equal["fit+conditional"]["status"] == "n/a"  # not run
    # A conditional step: 100 / 95 images/s = 1.05x a fit step; 100 / 90 = 1.11x.
    assert _targets(conditional_images_per_s=95.0)["fit+conditional"]["status"] == "PASS"
    slow = _targets(conditional_images_per_s=90.0)["fit+conditional"]
    assert slow["status"] == "FAIL" and slow["measured"] == "1.11x"
    retracing = _targets(retraces_after_warmup=2)["no"]
    assert retracing["status"] == "FAIL" and retracing["measured"].startswith("fit: 2")


def test_flops_of_known_layers():
    from tests.conftest import tiny_discriminator
    from tests.conftest import tiny_generator

    # Discriminator: Conv2D 3x3, 1->8, 4x4 outputs = 16 * 72 MACs; Dense
    # 128 -> 1 = 128. Generator: Dense 8 -> 128 = 1024; Conv2DTranspose
    # 3x3, 8->1 scattered from 4x4 inputs = 16 * 72.
    generator, discriminator = tiny_generator(), tiny_discriminator()
    assert benchmark.forward_macs(discriminator) == 16 * 72 + 128
    assert benchmark.forward_macs(generator) == 1024 + 16 * 72
    # Nested models are counted through.
    inputs = keras.Input((8,))
    nested = keras.Model(inputs, discriminator(generator(inputs)))
    assert benchmark.forward_macs(nested) == 1024 + 16 * 72 + 16 * 72 + 128
    # x2 FLOPs per MAC, x3 forward + backward; D runs twice (real + fake).
    assert benchmark.train_flops_per_image(generator, discriminator) == 6 * (
        1024 + 16 * 72 + 2 * (16 * 72 + 128)
    )


def test_retrace_counting_finds_tf_functions_and_epoch_timer_records(monkeypatch):
    import tensorflow as tf

    step = tf.function(lambda x: x * 2.0)

    def train_function(x):
        return step(x)

    found = benchmark._find_tf_functions(train_function)
    assert found == [step]
    step(tf.constant(1.0))
    step(tf.constant(2.0))  # Same signature: no new trace.
    step(tf.constant([1.0, 2.0]))  # New shape: a retrace.
    assert found[0].experimental_get_tracing_count() == 2

    clock = iter([0.0, 5.0, 7.0, 10.0])
    monkeypatch.setattr(benchmark.time, "perf_counter", lambda: next(clock))
    cpu = iter([0.0, 8.0, 10.0, 13.0])
    monkeypatch.setattr(benchmark, "_cpu_s", lambda: next(cpu))
    traces = iter([2, 2, 3])
    timer = benchmark._epoch_timer(launch=0.0, count_traces=lambda: next(traces))
    for epoch in range(3):
        timer.on_epoch_begin(epoch)
        timer.on_epoch_end(epoch)
    assert timer.epoch_seconds() == [5.0, 2.0, 3.0]
    assert timer.epoch_cpu_seconds() == [8.0, 2.0, 3.0]
    assert timer.traces == [2, 2, 3]


def test_backend_comparison_pairs_each_fit_with_its_own_loop():
    # Two repeats. TF: fit 1.00x then 0.98x its loop (median 0.99x < 1.00);
    # JAX: fit 0.95x and 0.97x (median 0.96x >= 0.95), fit+xla 1.20x;
    # PyTorch: fit 0.90x and 0.94x (median 0.92x < 0.95). PyTorch runs
    # eagerly: no traces (None), which must not upset the summary.
    rates = {
        "lecture": (100.0, 200.0),
        "fit": (100.0, 196.0),
        "jax:loop": (50.0, 100.0),
        "jax:fit": (47.5, 97.0),
        "jax:fit+xla": (60.0, 120.0),
        "torch:loop": (10.0, 50.0),
        "torch:fit": (9.0, 47.0),
    }
    runs = []
    for repeat in range(2):
        for config, values in rates.items():
            run = _run(
                config,
                repeat,
                images_per_s=values[repeat],
                cpu_s_per_step=2.0 if config == "torch:fit" else 1.0,
            )
            run["step_mode"] = "eager" if config.startswith("torch") else "jit"
            if config.startswith("torch"):
                run.update(traces_total=None, retraces_after_warmup=None)
            runs.append(run)
    summary = benchmark.summarize(runs, peak_gflops=100.0)
    assert summary["torch:fit"]["traces"] is None and summary["jax:fit"]["traces"] == 2
    rows = benchmark.backend_comparison(summary, runs)
    by_config = {row["config"]: row for row in rows}
    assert list(by_config) == ["fit", "jax:fit", "jax:fit+xla", "torch:fit"]
    assert [by_config[c]["loop"] for c in by_config] == [
        "lecture",
        "jax:loop",
        "jax:loop",
        "torch:loop",
    ]
    assert by_config["fit"]["vs_loop"] == pytest.approx(0.99)
    assert by_config["jax:fit"]["vs_loop"] == pytest.approx(0.96)
    assert by_config["torch:fit"]["vs_loop"] == pytest.approx(0.92)
    # Twice the loop's CPU seconds per step: 0.5x by CPU.
    assert by_config["torch:fit"]["vs_loop_cpu"] == pytest.approx(0.5)
    assert [by_config[c]["status"] for c in by_config] == ["FAIL", "PASS", "n/a", "FAIL"]
    assert [by_config[c]["target"] for c in by_config] == [1.00, 0.95, None, 0.95]
    assert by_config["jax:fit"]["loop_images_per_s"] == pytest.approx(75.0)
    assert by_config["torch:fit"]["step"] == "eager / eager"
    table = benchmark.format_backends(rows).splitlines()
    assert len(table) == 2 + 4
    assert table[2].startswith("| tensorflow | fit | lecture | jit / jit | 150 | 148 | 0.99x |")
    assert table[3].endswith("| 0.96x | 1.00x | >= 0.95x | PASS |")
    # The project's targets carry the JAX and PyTorch ratios too.
    targets = {
        t["target"]: t
        for t in benchmark.evaluate_targets(summary, runs, {"dataset": "synthetic", "steps": 2})
    }
    jax = targets["jax:fit >= 0.95x jax:loop images/s (paired)"]
    torch = targets["torch:fit >= 0.95x torch:loop images/s (paired)"]
    assert (jax["measured"], jax["status"]) == ("0.96x", "PASS")
    assert (torch["measured"], torch["status"]) == ("0.92x", "FAIL")
    # The report prints the backend table when another backend ran.
    machine = {
        "cpu": "x",
        "cores": 2,
        "usable_cores": 2,
        "gpus": [],
        "python": "3",
        "tensorflow": "2",
        "keras": "3",
        "jax": "0.1",
        "torch": None,
        "loadavg_start": "0",
    }
    settings = {
        "dataset": "synthetic",
        "steps": 2,
        "batch_size": 32,
        "warmup": 1,
        "epochs": 1,
        "repeats": 2,
        "matmul_n": 8,
    }
    report = benchmark.format_report(machine, settings, 1.0, summary, [], 60.0, rows)
    assert "JAX 0.1" in report and "PyTorch" not in report.split("\n\n")[1]
    assert "| jax | jax:fit | jax:loop |" in report
    only_tf = benchmark.format_report(machine, settings, 1.0, summary, [], 60.0, rows[:1])
    assert "| backend |" not in only_tf


def test_configs_follow_backends_and_configs(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())

    def configs(*argv):
        return benchmark._configs(benchmark.parse_args(list(argv)), has_gpu=False)

    # Default: every TensorFlow configuration that needs no GPU.
    default = configs()
    assert "fit+fp16" not in default and default[:2] == ["lecture", "fit"]
    assert all(benchmark.config_backend(c) == "tensorflow" for c in default)
    # --backends alone: only its pairs, also in a mode whose default
    # configurations are others (smoke: lecture,fit).
    assert configs("--smoke", "--backends", "jax,torch") == [
        "jax:loop",
        "jax:fit",
        "jax:fit+xla",
        "torch:loop",
        "torch:fit",
    ]
    assert configs("--smoke") == ["lecture", "fit"]
    # With --configs the pairs are added once.
    assert configs("--configs", "fit+bf16,lecture", "--backends", "tensorflow,torch") == [
        "fit+bf16",
        "lecture",
        "fit",
        "torch:loop",
        "torch:fit",
    ]
    with pytest.raises(SystemExit, match="Unknown backends \\['numpy'\\]"):
        configs("--backends", "jax,numpy")
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "jax" else object()
    )
    with pytest.raises(
        SystemExit, match=r"\['jax'\] are not installed: pip install -e \".\[jax\]\""
    ):
        configs("--backends", "jax")


def test_config_backends_and_help(capsys):
    assert benchmark.config_backend("fit+bf16") == "tensorflow"
    assert benchmark.config_backend("lecture") == "tensorflow"
    assert benchmark.config_backend("jax:fit+xla") == "jax"
    assert benchmark.config_backend("torch:loop") == "torch"
    # Every backend's configurations exist, loop first (no options).
    for backend, (loop, *fits) in benchmark.BACKEND_CONFIGS.items():
        assert benchmark.CONFIGS[loop] is None
        assert all(benchmark.CONFIGS[f] is not None for f in fits)
        assert {benchmark.config_backend(c) for c in (loop, *fits)} == {backend}
    with pytest.raises(SystemExit):
        benchmark.parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--backends BACKENDS" in help_text
    assert "Keras backends of: tensorflow, jax, torch" in help_text


def test_run_config_refuses_another_backend():
    # This process runs TensorFlow; a JAX configuration must not silently
    # run on it.
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the test process runs TensorFlow")
    with pytest.raises(ValueError, match="KERAS_BACKEND=jax"):
        benchmark.run_config("jax:loop", "synthetic", 32, epochs=1, steps=1)


@pytest.mark.slow
def test_smoke_run_of_every_backend_reports_every_key(tmp_path):
    # One benchmark process for TensorFlow's configurations (the lecture's
    # loop, fit, fit with callbacks), JAX's jitted loop and fit, and the
    # PyTorch pair through --backends (the eager JAX fit adds a minute and
    # nothing the others do not test). Each configuration runs in a
    # subprocess of its own either way; one run instead of two saves the
    # parent's start-up and matmul peaks, which were the same code path.
    import importlib.util

    missing = [b for b in ("jax", "torch") if importlib.util.find_spec(b) is None]
    if missing:
        pytest.skip(f'{missing} not installed: pip install -e ".[jax,torch]"')
    out = tmp_path / "bench.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [
            sys.executable,
            SCRIPT,
            "--smoke",
            "--configs",
            "lecture,fit,fit+callbacks,jax:loop,jax:fit+xla",
            "--backends",
            "torch",
            "--json",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = "| config | " + " | ".join(h for _, h, _ in benchmark.TABLE_COLUMNS)
    assert header in proc.stdout
    for text in ("Machine:", "AVX512-BF16", "Matmul peak", "| target |"):
        assert text in proc.stdout

    report = json.loads(out.read_text())
    assert set(report) >= {"machine", "settings", "runs", "summary", "targets"}
    expected = [
        "lecture",
        "fit",
        "fit+callbacks",
        "jax:loop",
        "jax:fit+xla",
        "torch:loop",
        "torch:fit",
    ]
    assert [r["config"] for r in report["runs"]] == expected
    # The lecture's DCGAN, by hand: G = Dense 100->12544 (1,254,400 MACs)
    # + ConvT 5x5 256->128 on 7x7 (40,140,800) + ConvT 5x5 128->64 on 7x7
    # (10,035,200) + ConvT 5x5 64->1 on 14x14 (313,600); D = Conv 5x5 1->64
    # to 14x14 (313,600) + Conv 5x5 64->128 to 7x7 (10,035,200) + Dense
    # 6272->1 (6,272). 6 * (G + 2 D) FLOPs per image.
    dcgan_flops = 6 * (51_744_000 + 2 * 10_355_072)
    for run in report["runs"]:
        assert "error" not in run, run.get("error")
        assert set(benchmark.RUN_KEYS) <= set(run)
        assert run["backend"] == benchmark.config_backend(run["config"])
        assert len(run["epoch_s"]) == 2  # 1 warm-up + 1 timed
        # Smoke: 2 steps of 32 per epoch; rates follow from the timed epoch.
        # Both networks updated 4 times, by the hand-written loops as by fit.
        assert (run["steps_per_epoch"], run["images_per_epoch"]) == (2, 64)
        assert run["updates"] == [4, 4], run["config"]
        assert run["epoch_s_median"] == run["epoch_s"][1]
        assert run["images_per_s"] == pytest.approx(64 / run["epoch_s_median"])
        assert run["steps_per_s"] == pytest.approx(2 / run["epoch_s_median"])
        assert run["train_flops_per_image"] == dcgan_flops, run["config"]
        assert run["batches_per_pass"] >= 2
    for config in expected:
        assert set(benchmark.SUMMARY_KEYS) <= set(report["summary"][config])
    assert report["summary"]["fit+callbacks"]["callbacks_s"] is not None
    assert len(report["targets"]) == 8

    modes = {r["config"]: r["step_mode"] for r in report["runs"]}
    traces = {r["config"]: r["retraces_after_warmup"] for r in report["runs"]}
    # The library's step is traced once, in the warm-up epoch (TensorFlow's
    # and JAX's); PyTorch runs eagerly, nothing traced.
    assert traces["fit"] == traces["fit+callbacks"] == 0
    assert all(r["traces_total"] >= 1 for r in report["runs"] if r["backend"] == "tensorflow")
    assert modes["jax:loop"] == modes["jax:fit+xla"] == "jax.jit"
    assert traces["jax:loop"] == traces["jax:fit+xla"] == 0
    assert modes["torch:loop"] == modes["torch:fit"] == "eager"
    assert traces["torch:loop"] is None and traces["torch:fit"] is None
    rows = {r["config"]: r for r in report["backends"]}
    assert list(rows) == ["fit", "jax:fit+xla", "torch:fit"]  # jax:fit did not run
    assert rows["jax:fit+xla"]["status"] == "n/a"  # the target is jax:fit's
    for config in ("fit", "torch:fit"):
        assert rows[config]["vs_loop"] > 0 and rows[config]["status"] in ("PASS", "FAIL")
    assert "| torch | torch:fit | torch:loop | eager / eager |" in proc.stdout

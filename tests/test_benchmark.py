"""Smoke tests of `benchmarks/benchmark.py`: its machinery, never its timings."""

import json
import os
import subprocess
import sys

import pytest

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
    table = benchmark.format_table(summary)
    for _, header, _ in benchmark.TABLE_COLUMNS:
        assert header in table.splitlines()[0]
    assert len(table.splitlines()) == 2 + len(summary)
    settings = {"dataset": "synthetic", "steps": 2}
    targets = benchmark.evaluate_targets(summary, runs, settings)
    assert len(targets) == 5
    for target in targets:
        assert set(target) == {"target", "measured", "status"}
        assert target["status"] in ("PASS", "FAIL", "n/a")


@pytest.mark.slow
def test_smoke_run_reports_every_key(tmp_path):
    out = tmp_path / "bench.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [
            sys.executable,
            SCRIPT,
            "--smoke",
            "--configs",
            "lecture,fit,fit+callbacks",
            "--json",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    header = "| config | " + " | ".join(h for _, h, _ in benchmark.TABLE_COLUMNS)
    assert header in proc.stdout
    for text in ("Machine:", "AVX512-BF16", "Matmul peak", "| target |"):
        assert text in proc.stdout

    report = json.loads(out.read_text())
    assert set(report) >= {"machine", "settings", "runs", "summary", "targets"}
    assert len(report["runs"]) == 3
    for run in report["runs"]:
        assert "error" not in run, run.get("error")
        assert set(benchmark.RUN_KEYS) <= set(run)
        assert len(run["epoch_s"]) == 2  # 1 warm-up + 1 timed
    for config in ("lecture", "fit", "fit+callbacks"):
        assert set(benchmark.SUMMARY_KEYS) <= set(report["summary"][config])
    assert report["summary"]["fit+callbacks"]["callbacks_s"] is not None
    assert len(report["targets"]) == 5

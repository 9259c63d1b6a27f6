"""A pytest plugin that writes every test's outcome to a JSON file.

`test_suite_on_backends.py` loads it into the nested JAX and PyTorch runs
(`-p tests.backends._outcomes`, the file named by `KERAS_GAN_OUTCOMES`) and
asserts on the file: which tests passed, which skipped and why, which were
deselected, and how long each took. Written when the session ends:

    {"collected": [node id, ...],          # after deselection
     "deselected": [node id, ...],
     "outcomes": {node id: {"outcome": outcome, "reason": skip reason or None,
                            "seconds": setup, call and teardown together}}}

An outcome is "passed", "skipped", "failed" (the test), "error" (its
setup or teardown), "xfailed" or "xpassed".
"""

import json
import os

_collected, _deselected, _outcomes = [], [], {}


def pytest_deselected(items):
    _deselected.extend(item.nodeid for item in items)


def pytest_collection_finish(session):
    _collected.extend(item.nodeid for item in session.items)


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(
        report.nodeid, {"outcome": "passed", "reason": None, "seconds": 0.0}
    )
    entry["seconds"] += report.duration
    if hasattr(report, "wasxfail"):
        entry.update(outcome="xfailed" if report.skipped else "xpassed", reason=report.wasxfail)
    elif report.skipped and report.when != "teardown":
        # longrepr is (file, line, "Skipped: reason") for a skip.
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        entry.update(outcome="skipped", reason=reason.removeprefix("Skipped: "))
    elif report.failed:
        entry["outcome"] = "failed" if report.when == "call" else "error"


def pytest_sessionfinish(session):
    path = os.environ.get("KERAS_GAN_OUTCOMES")
    if path:
        with open(path, "w") as f:
            json.dump(
                {"collected": _collected, "deselected": _deselected, "outcomes": _outcomes},
                f,
                indent=1,
            )

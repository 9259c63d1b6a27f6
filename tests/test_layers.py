"""The import layers: pyproject.toml's contract is the source, the docs draw it."""

import pathlib
import re

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_architecture_doc_draws_the_contracts_layers():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    doc = (ROOT / "docs" / "architecture.md").read_text()
    section = doc[doc.index("### Which way the imports point") :]
    drawn = re.search(r"```\n(.*?)```", section, re.S).group(1).splitlines()
    assert drawn == layers

"""Every magic and widget is documented in ``docs/notebook.md`` and exercised by a test;
the front end's version is the package's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import opik_jupyter
from opik_jupyter.magics import OpikMagics

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "notebook.md").read_text()
TESTS = "\n".join(
    p.read_text() for p in Path(__file__).parent.glob("test_*.py") if p.name != "test_docs.py"
)
MAGICS = [f"%%{name}" for name in OpikMagics.magics["cell"]] + [
    f"%{name}" for name in OpikMagics.magics["line"]
]


@pytest.mark.parametrize("magic", MAGICS)
def test_magic__is_documented_and_tested(magic: str) -> None:
    assert f"`{magic}" in DOC
    name = magic.lstrip("%")
    assert magic in TESTS or f'"{name}"' in TESTS


@pytest.mark.parametrize("name", ["TraceTree", "TracesTable", "show_trace", "PromptHistory"])
def test_widget__is_exported_documented_and_tested(name: str) -> None:
    assert name in opik_jupyter.__all__
    assert f"`{name}" in DOC or f"{name}(" in DOC
    assert name in TESTS


def test_front_end_version__matches_the_package() -> None:
    package = json.loads((ROOT / "frontend" / "package.json").read_text())
    assert package["version"] == opik_jupyter.__version__

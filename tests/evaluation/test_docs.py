"""Every public name of the evaluation API is documented in ``docs/evaluation.md`` and used
by a test; the bundles the widgets load are built and listed for the wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import opik_jupyter
import opik_jupyter.evaluation

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "evaluation.md").read_text()
TESTS = "\n".join(
    p.read_text() for p in Path(__file__).parent.glob("test_*.py") if p.name != "test_docs.py"
)
NAMES = sorted({*opik_jupyter.evaluation.__all__, "ExperimentTable", "ScoreChart"})
BUNDLES = ["experiment_table.js", "score_chart.js", "evaluation.css"]


@pytest.mark.parametrize("name", NAMES)
def test_name__is_documented_and_tested(name: str) -> None:
    assert f"`{name}" in DOC
    assert name in TESTS


def test_top_level_exports__are_the_documented_ones() -> None:
    exported = {
        "Dataset",
        "EvaluationResult",
        "ExperimentTable",
        "ScoreChart",
        "compare_experiments",
        "evaluate",
        "evaluate_async",
    }
    assert exported <= set(opik_jupyter.__all__)
    for name in exported:
        assert f"`{name}`" in DOC.split("## Public API")[1].split("|")[0]


@pytest.mark.parametrize("bundle", BUNDLES)
def test_bundle__is_built_and_shipped(bundle: str) -> None:
    assert (ROOT / "opik_jupyter" / "widgets" / "static" / bundle).is_file()
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    targets = settings["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]["ensured-targets"]
    assert f"opik_jupyter/widgets/static/{bundle}" in targets

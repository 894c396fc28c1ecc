"""The trace view model is built twice, in Python for the widgets and in TypeScript for the
JupyterLab panel; both must make the same of one stored trace. The fixture is shared with
``frontend/src/__tests__/view_model_contract.test.ts``."""

from __future__ import annotations

import json
from pathlib import Path

from opik_jupyter.widgets._trace_view_model import from_stored

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "trace_view_model.json"


def test_from_stored__matches_the_shared_contract() -> None:
    contract = json.loads(FIXTURE.read_text(encoding="utf-8"))
    given = contract["input"]
    stored = {**given["trace"], "project_name": given["project_name"], "spans": given["spans"]}
    assert from_stored(stored) == contract["expected"]


def test_the_contract_covers_what_the_views_show() -> None:
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["expected"]
    types = {span["type"] for span in expected["spans"]}
    assert {"llm", "tool"} <= types
    assert any(span["error"] for span in expected["spans"])
    assert expected["trace"]["scores"]
    assert expected["trace"]["total_cost"]

"""The experiment comparison marks regressions twice, in Python for the static HTML table and
in TypeScript for the widget; both must mark alike. The fixture is shared with
``frontend/src/__tests__/regression_marks_contract.test.ts``."""

from __future__ import annotations

import json
from pathlib import Path

from opik_jupyter.evaluation.views._html import classify

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "regression_marks.json"


def test_classify__matches_the_shared_contract() -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
    made = [[*case[:4], classify(*case[:4])] for case in cases]
    assert made == cases


def test_the_contract_covers_every_mark_both_ways() -> None:
    cases = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
    marks = {(lower_is_better, mark) for _, _, lower_is_better, _, mark in cases}
    assert {(False, "regression"), (True, "regression"), (False, "improvement")} <= marks
    assert any(threshold > 0 and mark == "" for *_, threshold, mark in cases)
    assert any(value is None for value, *_ in cases)

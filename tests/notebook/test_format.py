"""Costs are written by one rule in Python and TypeScript; the fixture is shared with
``frontend/src/__tests__/format.test.ts``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opik_jupyter.widgets._format import cost_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cost_format.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("value", "text"), [(c["value"], c["text"]) for c in CASES])
def test_cost_text__follows_the_shared_rule(value: float | None, text: str) -> None:
    assert cost_text(value) == text


def test_cost_text__keeps_tiny_costs_visible_and_leaves_non_numbers_blank() -> None:
    assert cost_text(0.000027) == "$0.000027"
    assert cost_text(float("nan")) == ""
    assert cost_text("0.1") == ""
    assert cost_text(True) == ""

"""The one warn-once helper: each kind of problem is logged once, until it is re-armed."""

from __future__ import annotations

import logging

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk._warn_once import WarnOnce


def test_warn_once__logs_each_kind_once_until_rearmed(caplog: pytest.LogCaptureFixture) -> None:
    warn = WarnOnce()
    with caplog.at_level(logging.WARNING, logger="opik_jupyter"):
        assert warn("down", "backend down: %s", "refused")
        assert not warn("down", "backend down: %s", "again")
        assert warn("full", "queue full")
        warn.rearm("down")
        assert warn("down", "backend down: %s", "after recovery")
    assert [r.getMessage() for r in caplog.records] == [
        "backend down: refused",
        "queue full",
        "backend down: after recovery",
    ]


def test_tracing_problems__are_logged_once_per_kind(
    traced: oj.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="opik_jupyter"):
        for _ in range(3):
            assert not oj.update_current_span(name="x")
            assert not oj.log_feedback_score("s", "not a number")  # type: ignore[arg-type]
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "outside of a span" in messages[0]

"""Small builders for request bodies, so tests say only what matters to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import uuid6

T0 = dt.datetime(2026, 11, 26, 12, 0, 0, tzinfo=dt.UTC)


def new_id() -> str:
    return str(uuid6.uuid7())


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def at(seconds: float) -> str:
    """A timestamp ``seconds`` after a fixed origin."""
    return iso(T0 + dt.timedelta(seconds=seconds))


def trace(project: str = "p", **fields: Any) -> dict[str, Any]:
    body = {
        "id": new_id(),
        "project_name": project,
        "name": "trace",
        "start_time": at(0),
        "end_time": at(1),
    }
    body.update(fields)
    return body


def span(trace_id: str, project: str = "p", **fields: Any) -> dict[str, Any]:
    body = {
        "id": new_id(),
        "trace_id": trace_id,
        "project_name": project,
        "name": "span",
        "type": "general",
        "start_time": at(0),
        "end_time": at(0.5),
    }
    body.update(fields)
    return body


def trace_batch(trace_id: str, name: str, project: str = "proxy") -> dict[str, Any]:
    """A ``POST /v1/private/traces/batch`` body with one trace that just finished."""
    now = dt.datetime.now(dt.UTC)
    return {
        "traces": [
            {
                "id": trace_id,
                "name": name,
                "project_name": project,
                "start_time": iso(now - dt.timedelta(seconds=1)),
                "end_time": iso(now),
                "input": {"q": name},
                "output": {"a": "ok"},
            }
        ]
    }

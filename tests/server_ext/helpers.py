"""Small builders for the server-extension tests."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from uuid6 import uuid7 as _uuid7


def uuid7() -> str:
    return str(_uuid7())


def trace_batch(trace_id: str, name: str, project: str = "proxy") -> dict[str, Any]:
    """A ``POST /v1/private/traces/batch`` body with one finished trace."""
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    return {"traces": [{"id": trace_id, "name": name, "project_name": project,
                        "start_time": start, "end_time": now.isoformat().replace("+00:00", "Z"),
                        "input": {"q": name}, "output": {"a": "ok"}}]}


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

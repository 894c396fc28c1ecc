"""Thread status, as Opik keeps it: ``active`` until closed, ``inactive`` once closed.

A thread is closed by ``PUT /traces/threads/close`` or by being idle (no new trace) for
:data:`INACTIVE_AFTER_MINUTES`; ``PUT /traces/threads/open`` or a new trace reopens it.
The hand-set states live in ClickHouse (``thread_states``, newest per thread wins); the
status is computed when threads are read, from those states and the threads' last activity.
"""

from __future__ import annotations

from collections.abc import Sequence

from .clickhouse import ClickHouse
from .rows import now

INACTIVE_AFTER_MINUTES = 15
COLUMNS = (
    "workspace_id",
    "project_id",
    "thread_id",
    "status",
    "last_updated_at",
    "last_updated_by",
)
STATES = (
    "SELECT thread_id, argMax(status, last_updated_at) AS state,"
    " max(last_updated_at) AS state_at FROM thread_states"
    " WHERE workspace_id = {ws:String} AND project_id = {project_id:String} GROUP BY thread_id"
)


def status_sql(last_activity: str) -> str:
    """SQL for a thread's status from ``state``/``state_at`` (of :data:`STATES`, joined;
    empty when none) and the SQL of its last activity."""
    closed = f"state = 'inactive' AND state_at >= {last_activity}"
    idle = (
        f"greatest({last_activity}, if(state = 'active', state_at, {last_activity}))"
        f" < now64(6) - INTERVAL {INACTIVE_AFTER_MINUTES} MINUTE"
    )
    return f"if(({closed}) OR ({idle}), 'inactive', 'active')"


class ThreadStates:
    """Close and open threads by hand."""

    def __init__(self, ch: ClickHouse) -> None:
        self._ch = ch

    def set(
        self, workspace: str, project_id: str, thread_ids: Sequence[str], status: str, user: str
    ) -> None:
        """Record ``status`` (active or inactive) for each thread, now."""
        stamp = now()
        self._ch.insert_json(
            "thread_states",
            COLUMNS,
            [
                {
                    "workspace_id": workspace,
                    "project_id": project_id,
                    "thread_id": thread_id,
                    "status": status,
                    "last_updated_at": stamp,
                    "last_updated_by": user,
                }
                for thread_id in thread_ids
            ],
        )

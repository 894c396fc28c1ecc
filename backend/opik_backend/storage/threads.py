"""Threads (conversations): traces grouped by ``thread_id``, aggregated at read time.

Each thread also has a ``thread_model_id`` (a UUID v7, ``thread_models``, given the first
time the thread is read), the id its comments, ``PATCH`` and annotation queues name, and
may have tags of its own (``thread_tags``, set by ``PATCH``; else its traces' tags).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ids import new_id
from .clickhouse import ClickHouse
from .filter_sql import Compiler, Filter
from .reads import Public, Reads, aware, json_value, latest_rows
from .rows import SPANS, TRACES, Row, now
from .shapes import compact
from .stats import _percentiles
from .threads_status import STATES, status_sql

_SCOPE = "workspace_id = {ws:String} AND project_id = {project_id:String}"
_TRACE_COLUMNS = (
    "id",
    "thread_id",
    "project_id",
    "start_time",
    "end_time",
    "input",
    "output",
    "tags",
    "environment",
    "created_at",
    "last_updated_at",
)
_THREADS = (
    "SELECT thread_id AS id, any(project_id) AS project_id, count() AS number_of_messages,"
    " min(start_time) AS start_time, max(ifNull(end_time, start_time)) AS end_time,"
    " dateDiff('microsecond', min(start_time), max(ifNull(end_time, start_time))) / 1000.0"
    " AS duration, argMin(input, start_time) AS first_message,"
    " argMax(output, start_time) AS last_message, min(created_at) AS created_at,"
    " max(last_updated_at) AS last_updated_at,"
    " arrayDistinct(arrayFlatten(groupArray(tags))) AS tags, any(environment) AS environment"
    " FROM ({traces}) WHERE thread_id != '' GROUP BY thread_id"
)


_OWN_TAGS = (
    "SELECT thread_id, argMax(tags, last_updated_at) AS own_tags FROM thread_tags"
    f" WHERE {_SCOPE} GROUP BY thread_id"
)
_MODEL_IDS = (
    "SELECT thread_id, min(id) AS model_id FROM thread_models WHERE {where} GROUP BY thread_id"
)


def _with_status(threads: str) -> str:
    """The threads with their status (see :mod:`.threads_status`) and their own tags."""
    return (
        f"SELECT t.* EXCEPT (tags), {status_sql('t.last_updated_at')} AS status,"
        f" if(g.thread_id != '', g.own_tags, t.tags) AS tags FROM ({threads}) AS t"
        f" LEFT JOIN ({STATES}) AS s ON s.thread_id = t.id"
        f" LEFT JOIN ({_OWN_TAGS}) AS g ON g.thread_id = t.id"
    )


class Threads:
    """Thread pages, search and lookups of one project."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads

    def _source(
        self, workspace: str, project_id: str, filters: list[Filter]
    ) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {"ws": workspace, "project_id": project_id}
        threads = _with_status(_THREADS.format(traces=latest_rows(TRACES, _SCOPE, _TRACE_COLUMNS)))
        where = Compiler("threads", params).where(filters)
        return f"SELECT * FROM ({threads}) WHERE {where}", params

    def page(
        self, workspace: str, project_id: str, filters: list[Filter], page: int, size: int
    ) -> tuple[list[Public], int]:
        """Threads newest activity first."""
        source, params = self._source(workspace, project_id, filters)
        params.update(limit=size, offset=(page - 1) * size)
        rows = self._ch.query_dicts(
            f"{source} ORDER BY last_updated_at DESC, id LIMIT {{limit:UInt32}} "
            "OFFSET {offset:UInt64}",
            params,
        )
        total = self._ch.query(f"SELECT count() FROM ({source})", params)[0][0]
        return self._public(workspace, project_id, rows), int(total)

    def after(
        self,
        workspace: str,
        project_id: str,
        filters: list[Filter],
        last_id: str | None,
        limit: int,
    ) -> list[Public]:
        """Threads in id order after ``last_id`` (the search stream's cursor)."""
        source, params = self._source(workspace, project_id, filters)
        params.update(limit=limit, last_id=last_id or "")
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({source}) WHERE id > {{last_id:String}} ORDER BY id "
            "LIMIT {limit:UInt32}",
            params,
        )
        return self._public(workspace, project_id, rows)

    def get(self, workspace: str, project_id: str, thread_id: str) -> Public | None:
        found = self.after(
            workspace, project_id, [Filter(field="id", operator="=", value=thread_id)], None, 1
        )
        return found[0] if found else None

    def model_ids(
        self, workspace: str, project_id: str, thread_ids: Sequence[str]
    ) -> dict[str, str]:
        """The ``thread_model_id`` of each thread, given now to those that have none."""
        params = {"ws": workspace, "project_id": project_id, "threads": list(thread_ids)}
        where = f"{_SCOPE} AND thread_id IN {{threads:Array(String)}}"
        found = dict(self._ch.query(_MODEL_IDS.format(where=where), params))
        missing = [t for t in thread_ids if t not in found]
        if missing:
            stamp = now()
            self._ch.insert_json(
                "thread_models",
                ("workspace_id", "project_id", "thread_id", "id", "created_at"),
                [
                    {
                        "workspace_id": workspace,
                        "project_id": project_id,
                        "thread_id": thread_id,
                        "id": new_id(),
                        "created_at": stamp,
                    }
                    for thread_id in missing
                ],
            )
            found = dict(self._ch.query(_MODEL_IDS.format(where=where), params))
        return {str(k): str(v) for k, v in found.items()}

    def by_model_id(self, workspace: str, model_id: str) -> tuple[str, str] | None:
        """The ``(project_id, thread_id)`` of a thread_model_id, or None."""
        rows = self._ch.query(
            "SELECT project_id, thread_id FROM thread_models WHERE workspace_id = {ws:String}"
            " AND id = {id:String} LIMIT 1",
            {"ws": workspace, "id": model_id},
        )
        if not rows:
            return None
        project_id, thread_id = rows[0]
        # the smallest id of the thread is its id; a racing reader's larger one is not
        if self.model_ids(workspace, str(project_id), [str(thread_id)]).get(thread_id) != model_id:
            return None
        return str(project_id), str(thread_id)

    def set_tags(
        self, workspace: str, project_id: str, tags: dict[str, list[str]], user: str
    ) -> None:
        """Give threads (by thread id) these tags, replacing the ones they show."""
        stamp = now()
        self._ch.insert_json(
            "thread_tags",
            (
                "workspace_id",
                "project_id",
                "thread_id",
                "tags",
                "last_updated_at",
                "last_updated_by",
            ),
            [
                {
                    "workspace_id": workspace,
                    "project_id": project_id,
                    "thread_id": thread_id,
                    "tags": thread_tags,
                    "last_updated_at": stamp,
                    "last_updated_by": user,
                }
                for thread_id, thread_tags in tags.items()
            ],
        )

    def stats(self, workspace: str, project_id: str, filters: list[Filter]) -> list[Public]:
        """Count, duration percentiles, turns, cost, usage and score averages of the
        matching threads (Opik's ``ProjectStats``)."""
        source, params = self._source(workspace, project_id, filters)
        (row,) = self._ch.query_dicts(
            "SELECT count() AS n, avg(number_of_messages) AS turns,"
            " quantiles(0.5, 0.9, 0.99)(duration) AS duration,"
            f" groupArray(id) AS ids FROM ({source})",
            params,
        )
        count, ids = int(row["n"]), list(row["ids"])
        costs = self._costs(workspace, project_id, ids) if ids else {}
        cost = sum(float(c["cost"] or 0) for c in costs.values())
        usage: dict[str, int] = {}
        for c in costs.values():
            for key, value in (c["usage"] or {}).items():
                usage[key] = usage.get(key, 0) + int(value)
        per = max(count, 1)
        stats: list[Public] = [
            {"name": "thread_count", "type": "COUNT", "value": count},
            {"name": "number_of_messages", "type": "AVG", "value": float(row["turns"] or 0)},
            {"name": "total_estimated_cost", "type": "AVG", "value": cost / per},
            # Opik's stat types are COUNT, AVG and PERCENTAGE only: a sum goes as AVG
            {"name": "total_estimated_cost_sum", "type": "AVG", "value": cost},
            *(
                {"name": f"usage.{k}", "type": "AVG", "value": v / per}
                for k, v in sorted(usage.items())
            ),
        ]
        if (duration := _percentiles(row["duration"])) is not None:
            stats.insert(1, {"name": "duration", "type": "PERCENTAGE", "value": duration})
        averages: dict[str, list[float]] = {}
        for scores in self._reads.scores(workspace, "thread", ids, project_id).values():
            for score in scores:
                averages.setdefault(score["name"], []).append(float(score["value"]))
        stats += [
            {"name": f"feedback_scores.{name}", "type": "AVG", "value": sum(v) / len(v)}
            for name, v in sorted(averages.items())
        ]
        return stats

    def trace_ids(self, workspace: str, project_id: str, thread_ids: list[str]) -> list[str]:
        rows = self._ch.query(
            f"SELECT DISTINCT id FROM traces WHERE {_SCOPE} AND thread_id IN "
            "{threads:Array(String)}",
            {"ws": workspace, "project_id": project_id, "threads": thread_ids},
        )
        return [str(row[0]) for row in rows]

    def _public(self, workspace: str, project_id: str, rows: list[Row]) -> list[Public]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        costs = self._costs(workspace, project_id, ids)
        scores = self._reads.scores(workspace, "thread", ids, project_id)
        model_ids = self.model_ids(workspace, project_id, ids)
        comments = self._reads.comments.of(workspace, "thread", list(model_ids.values()))
        return [
            thread_public(
                {**row, "model_id": model_ids[row["id"]]},
                costs.get(row["id"]),
                scores.get(row["id"], []),
                comments.get(model_ids[row["id"]], []),
            )
            for row in rows
        ]

    def _costs(self, workspace: str, project_id: str, thread_ids: list[str]) -> dict[str, Row]:
        traces = (
            f"SELECT DISTINCT id, thread_id FROM traces WHERE {_SCOPE} "
            "AND thread_id IN {threads:Array(String)}"
        )
        spans = latest_rows(
            SPANS,
            f"{_SCOPE} AND trace_id IN (SELECT id FROM ({traces}))",
            ("trace_id", "id", "usage", "total_estimated_cost"),
        )
        rows = self._ch.query_dicts(
            "SELECT t.thread_id AS thread_id, sumMap(s.usage) AS usage,"
            " sum(s.total_estimated_cost) AS cost, countIf(s.total_estimated_cost IS NOT NULL)"
            f" AS priced FROM ({spans}) AS s INNER JOIN ({traces}) AS t ON s.trace_id = t.id"
            " GROUP BY t.thread_id",
            {"ws": workspace, "project_id": project_id, "threads": thread_ids},
        )
        return {row["thread_id"]: row for row in rows}


def thread_public(
    row: Row, costs: Row | None, scores: list[Public], comments: list[Public]
) -> Public:
    """A thread as ``/traces/threads`` returns it."""
    out: Public = {
        "id": row["id"],
        "thread_model_id": row["model_id"],
        "project_id": row["project_id"],
        "start_time": aware(row["start_time"]),
        "end_time": aware(row["end_time"]),
        "duration": row["duration"],
        "first_message": json_value(row["first_message"]),
        "last_message": json_value(row["last_message"]),
        "number_of_messages": int(row["number_of_messages"]),
        "status": row["status"],
        "tags": row["tags"],
        "created_at": aware(row["created_at"]),
        "last_updated_at": aware(row["last_updated_at"]),
        "feedback_scores": scores,
        "comments": comments,
        "environment": row["environment"] or None,
        "usage": {k: int(v) for k, v in ((costs or {}).get("usage") or {}).items()},
    }
    if costs and costs["priced"]:
        out["total_estimated_cost"] = float(costs["cost"])
    return compact(out)

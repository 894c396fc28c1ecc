"""What experiments computed: trace counts, score averages, and the comparison view.

Everything is read at query time from the experiment items and the traces, spans and
feedback scores they point to, so a score posted after an experiment finished counts.
The comparison view has one row per dataset item that any of the compared experiments ran,
each with every experiment's item: its trace's input, output, duration, cost and scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import msgspec

from .clickhouse import ClickHouse
from .datasets import DATASET_ITEMS, item_public
from .experiments import EXPERIMENT_ITEMS
from .filter_sql import DURATION_MS, Compiler, Filter
from .reads import Public, Reads, aware, json_value, latest_rows
from .rows import SPANS, TRACES, Row
from .shapes import compact

_ITEMS = "workspace_id = {ws:String} AND experiment_id IN {ids:Array(String)}"
_PAIRS = "SELECT DISTINCT experiment_id, trace_id FROM ({items})"


class Comparisons:
    """Read-side aggregates of experiments."""

    def __init__(self, ch: ClickHouse, reads: Reads) -> None:
        self._ch = ch
        self._reads = reads

    def experiments(self, workspace: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per experiment: trace and item counts, score averages, duration and cost."""
        out: dict[str, dict[str, Any]] = {
            i: {"trace_count": 0, "dataset_item_count": 0, "feedback_scores": []} for i in ids
        }
        if not ids:
            return out
        params = {"ws": workspace, "ids": list(ids)}
        items = latest_rows(
            EXPERIMENT_ITEMS, _ITEMS, ("experiment_id", "id", "dataset_item_id", "trace_id")
        )
        for row in self._ch.query_dicts(
            "SELECT experiment_id, uniqExact(trace_id) AS traces,"
            f" uniqExact(dataset_item_id) AS dataset_items FROM ({items})"
            " GROUP BY experiment_id",
            params,
        ):
            out[row["experiment_id"]].update(
                trace_count=int(row["traces"]), dataset_item_count=int(row["dataset_items"])
            )
        for experiment_id, name, value in self._ch.query(
            "SELECT i.experiment_id, s.name, avg(s.value) FROM"
            f" ({_latest_scores(items)}) AS s INNER JOIN ({_PAIRS.format(items=items)}) AS i"
            " ON s.entity_id = toString(i.trace_id)"
            " GROUP BY i.experiment_id, s.name ORDER BY s.name",
            params,
        ):
            out[experiment_id]["feedback_scores"].append({"name": name, "value": value})
        for row in self._ch.query_dicts(
            "SELECT i.experiment_id AS experiment_id,"
            " quantiles(0.5, 0.9, 0.99)(t.duration) AS duration,"
            " sumIf(t.cost, t.priced > 0) AS cost, countIf(t.priced > 0) AS priced FROM"
            f" ({_PAIRS.format(items=items)}) AS i INNER JOIN ({_traces(items)}) AS t"
            " ON t.id = i.trace_id GROUP BY i.experiment_id",
            params,
        ):
            out[row["experiment_id"]].update(_costs(row))
        return out

    def compare(
        self,
        workspace: str,
        dataset_id: str,
        experiment_ids: Sequence[str],
        page: int,
        size: int,
        filters: Sequence[Filter] = (),
        search: str | None = None,
    ) -> tuple[list[Public], int]:
        """A page of the dataset items the experiments ran, each with their items. Filters
        on ``feedback_scores`` and on a run's trace (``output``, ``duration``,
        ``total_estimated_cost``, ``usage.total_tokens``, ``input.*``, ``output.*``,
        ``metadata.*``) keep the items with a run that matches; the others (``data.*``
        too) apply to the dataset items' own fields; ``search`` finds any of its words in
        the items' data."""
        params: dict[str, Any] = {
            "ws": workspace,
            "ids": list(experiment_ids),
            "dataset_id": dataset_id,
        }
        items = latest_rows(EXPERIMENT_ITEMS, _ITEMS, EXPERIMENT_ITEMS.columns)
        scope = (
            "workspace_id = {ws:String} AND dataset_id = {dataset_id:String} AND id IN "
            f"(SELECT dataset_item_id FROM ({items}))"
        )
        scored, on_runs, others = _split(filters)
        if scored:
            traced = f"SELECT dataset_item_id, toString(trace_id) AS id FROM ({items})"
            condition = Compiler("traces", params).where(scored)
            scope += f" AND id IN (SELECT dataset_item_id FROM ({traced}) WHERE {condition})"
        if on_runs:
            condition = Compiler("experiment_runs", params).where(on_runs)
            scope += (
                f" AND id IN (SELECT i.dataset_item_id FROM ({items}) AS i INNER JOIN"
                f" (SELECT * FROM ({_traces(items)}) WHERE {condition}) AS t ON t.id = i.trace_id)"
            )
        where = Compiler("dataset_items", params).where(others)
        if search:
            params["search"] = search.split()
            where += " AND multiSearchAnyCaseInsensitiveUTF8(data, {search:Array(String)})"
        source = (
            f"SELECT * FROM ({latest_rows(DATASET_ITEMS, scope, DATASET_ITEMS.columns)}) "
            f"WHERE {where}"
        )
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({source}) ORDER BY id DESC LIMIT {{limit:UInt32}} "
            "OFFSET {offset:UInt64}",
            {**params, "limit": size, "offset": (page - 1) * size},
        )
        total = (
            len(rows)
            if page == 1 and len(rows) < size
            else int(self._ch.query(f"SELECT count() FROM ({source})", params)[0][0])
        )
        runs = self._runs(params, items, [row["id"] for row in rows])
        return [
            {**item_public(row), "experiment_items": runs.get(row["id"], [])} for row in rows
        ], total

    def _runs(
        self, params: dict[str, Any], items: str, dataset_item_ids: list[str]
    ) -> dict[str, list[Public]]:
        """The experiment items of the given dataset items, with their traces, by item id."""
        if not dataset_item_ids:
            return {}
        rows = self._ch.query_dicts(
            f"SELECT * FROM ({items}) WHERE dataset_item_id IN {{items:Array(String)}} "
            "ORDER BY experiment_id, id",
            {**params, "items": dataset_item_ids},
        )
        trace_ids = sorted({row["trace_id"] for row in rows})
        traces = {
            row["id"]: row
            for row in self._ch.query_dicts(
                f"SELECT * FROM ({_traces(None)})", {"ws": params["ws"], "traces": trace_ids}
            )
        }
        scores = self._reads.scores(params["ws"], "trace", trace_ids)
        found: dict[str, list[Public]] = {}
        for row in rows:
            run = _run_public(row, traces.get(row["trace_id"]), scores.get(row["trace_id"], []))
            found.setdefault(row["dataset_item_id"], []).append(run)
        return found


_RUN_FIELDS = frozenset(("output", "duration", "total_estimated_cost", "usage.total_tokens"))
_RUN_PREFIXES = {"input.": "input", "output.": "output_json", "metadata.": "metadata"}


def _split(filters: Sequence[Filter]) -> tuple[list[Filter], list[Filter], list[Filter]]:
    """Filters on scores, on the runs' traces, and on the dataset items, as Opik splits
    them; a dotted field (``output.answer``, ``data.topic``) becomes a keyed filter."""
    scored, runs, items = [], [], []
    for flt in filters:
        head, dot, rest = flt.field.partition(".")
        key = f"{rest}.{flt.key}" if flt.key and rest else rest or flt.key
        if flt.field == "feedback_scores":
            scored.append(flt)
        elif flt.field in _RUN_FIELDS:
            runs.append(flt)
        elif dot and f"{head}." in _RUN_PREFIXES:
            field = _RUN_PREFIXES[f"{head}."]
            runs.append(msgspec.structs.replace(flt, field=field, key=key))
        elif dot and head == "data":
            items.append(msgspec.structs.replace(flt, field="data", key=key))
        else:
            items.append(flt)
    return scored, runs, items


def _latest_scores(items: str) -> str:
    """The current trace scores of the experiment items' traces."""
    return (
        "SELECT entity_id, name, value FROM feedback_scores WHERE workspace_id = {ws:String}"
        " AND entity_type = 'trace' AND entity_id IN"
        f" (SELECT toString(trace_id) FROM ({items}))"
        " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name"
    )


def _traces(items: str | None) -> str:
    """Per trace of the experiment items (or of ``{traces}``): fields, duration and cost."""
    ids = f"(SELECT trace_id FROM ({items}))" if items else "{traces:Array(String)}"
    traces = latest_rows(
        TRACES,
        f"workspace_id = {{ws:String}} AND id IN {ids}",
        (
            "id",
            "project_id",
            "start_time",
            "end_time",
            "input",
            "output",
            "metadata",
            "created_at",
            "last_updated_at",
        ),
    )
    spans = latest_rows(
        SPANS,
        f"workspace_id = {{ws:String}} AND trace_id IN {ids}",
        ("id", "trace_id", "usage", "total_estimated_cost"),
    )
    return (
        f"SELECT t.*, {DURATION_MS} AS duration, c.cost AS cost, c.priced AS priced,"
        f" c.usage AS usage FROM ({traces}) AS t LEFT JOIN (SELECT trace_id,"
        " sum(total_estimated_cost) AS cost, countIf(total_estimated_cost IS NOT NULL)"
        f" AS priced, sumMap(usage) AS usage FROM ({spans}) GROUP BY trace_id) AS c"
        " ON c.trace_id = t.id"
    )


def _costs(row: Row) -> dict[str, Any]:
    durations = row["duration"]
    out: dict[str, Any] = {}
    if durations and not any(math.isnan(v) for v in durations):
        out["duration"] = dict(zip(("p50", "p90", "p99"), map(float, durations), strict=True))
    if row["priced"]:
        out["total_estimated_cost"] = float(row["cost"])
        out["total_estimated_cost_avg"] = float(row["cost"]) / int(row["priced"])
    return out


def _run_public(item: Row, trace: Row | None, scores: list[Public]) -> Public:
    """One experiment item in the comparison view (``ExperimentItemCompare``)."""
    out: Public = {
        "id": item["id"],
        "experiment_id": item["experiment_id"],
        "dataset_item_id": item["dataset_item_id"],
        "trace_id": item["trace_id"],
        "project_id": item["project_id"],
        "feedback_scores": scores,
        "created_at": aware(item["created_at"]),
        "last_updated_at": aware(item["last_updated_at"]),
    }
    if trace is not None:
        out.update(
            input=json_value(trace["input"]),
            output=json_value(trace["output"]),
            trace_metadata=json_value(trace["metadata"]),
            duration=trace["duration"],
            usage={k: int(v) for k, v in (trace["usage"] or {}).items()},
            total_estimated_cost=trace["cost"] if trace["priced"] else None,
        )
    return compact(out)

"""Experiments grouped by dataset, project, tag or a metadata key (Opik's ``experiments/
groups`` and ``groups/aggregations``): nested groups, their labels, order and totals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from ..errors import BadRequest
from ..ids import check_v7
from ..storage.experiments import Experiment, ExperimentQuery
from ..storage.reads import Public
from .base import Route, operation
from .experiments import BASE, ExperimentHandler

MAX_GROUPED = 10_000
"""Experiments one grouping reads (the newest)."""
DELETED = "__DELETED"  # Opik's label of a group whose dataset or project is gone
FIELD_TYPES = {
    "dataset_id": "string",
    "project_id": "string",
    "metadata": "dictionary",
    "tags": "list",
}
_KEY = re.compile(r"^\$?(?:\.?[A-Za-z0-9_]+|\[\d+\])+$")
QUERY = ("groups", "types", "name", "project_id", "filters")


class GroupBy(msgspec.Struct, forbid_unknown_fields=False):
    field: str
    key: str | None = None
    type: str | None = None


@dataclasses.dataclass(frozen=True)
class Row:
    """One experiment under one combination of group values (a tag makes one per tag)."""

    values: tuple[str, ...]
    experiment: Experiment
    public: Public


def parse_groups(raw: str | None) -> list[GroupBy]:
    """The ``groups`` query parameter, checked as Opik checks it (400 otherwise)."""
    if not raw:
        raise BadRequest('groups: required, a JSON list such as [{"field": "dataset_id"}]')
    try:
        groups = msgspec.json.decode(raw, type=list[GroupBy])
    except msgspec.MsgspecError as exc:
        raise BadRequest(f"groups: not a JSON list of {{field, key, type}}: {exc}") from None
    if not groups:
        raise BadRequest("groups: give at least one grouping field")
    for n, group in enumerate(groups):
        expected = FIELD_TYPES.get(group.field)
        if expected is None:
            raise BadRequest(f"groups[{n}].field: {group.field!r}; use one of {list(FIELD_TYPES)}")
        if group.type is not None and group.type.lower() != expected:
            raise BadRequest(f"groups[{n}].type: {group.type!r} is not valid for {group.field}")
        if expected == "dictionary" and not (group.key or "").strip():
            raise BadRequest(f"groups[{n}].key: a metadata grouping needs the key to group by")
    return groups


def _metadata_value(metadata: Any, key: str) -> str:
    """The scalar at a JSON path (``a.b``, ``$.a[0]``) as text; '' when absent or not scalar."""
    if not _KEY.match(key):
        return ""
    value = metadata
    for part in re.findall(r"[A-Za-z0-9_]+|\[\d+\]", key.lstrip("$")):
        if part.startswith("[") and isinstance(value, list) and int(part[1:-1]) < len(value):
            value = value[int(part[1:-1])]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _values(group: GroupBy, experiment: Experiment) -> list[str]:
    if group.field == "dataset_id":
        return [experiment.dataset_id]
    if group.field == "project_id":
        return [experiment.project_id or ""]
    if group.field == "tags":
        return json.loads(experiment.tags) or [""]
    metadata = json.loads(experiment.metadata) if experiment.metadata else None
    return [_metadata_value(metadata, group.key or "")]


def rows_of(
    groups: Sequence[GroupBy], experiments: Iterable[tuple[Experiment, Public]]
) -> list[Row]:
    rows = []
    for experiment, public in experiments:
        combos: list[tuple[str, ...]] = [()]
        for group in groups:
            combos = [(*c, v) for c in combos for v in dict.fromkeys(_values(group, experiment))]
        rows += [Row(values, experiment, public) for values in combos]
    return rows


def _label(group: GroupBy, value: str, experiment: Experiment) -> str:
    if group.field == "dataset_id":
        return experiment.dataset_name or DELETED
    if group.field == "project_id":
        return experiment.project_name or DELETED if value else DELETED
    return value


def group_tree(groups: Sequence[GroupBy], rows: Sequence[Row]) -> Public:
    """``ExperimentGroupResponse``: nested groups (a label only where it differs from the
    value) and, per level, the labels newest first by their last experiment."""
    content: dict[str, Any] = {}
    newest: list[dict[str, dt.datetime]] = [{} for _ in groups]
    for row in rows:
        level = content
        for depth, (group, value) in enumerate(zip(groups, row.values, strict=True)):
            label = _label(group, value, row.experiment)
            node = level.setdefault(
                value, {"groups": {}} | ({} if label == value else {"label": label})
            )
            level = node["groups"]
            seen = newest[depth].get(label)
            if seen is None or row.experiment.created_at > seen:
                newest[depth][label] = row.experiment.created_at
    details = [
        {"group_sorting": sorted(times, key=lambda name: (-times[name].timestamp(), name))}
        for times in newest
    ]
    return {"content": content, "details": {"groups_details": details}}


def aggregation_tree(groups: Sequence[GroupBy], rows: Sequence[Row]) -> Public:
    """``ExperimentGroupAggregationsResponse``: each leaf totals its experiments; a parent
    totals its children, averages weighted by their experiment counts (as Opik does)."""
    leaves: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        leaves[row.values].append(row)
    content: dict[str, Any] = {}
    for values, members in leaves.items():
        level = content
        for depth, (group, value) in enumerate(zip(groups, values, strict=True)):
            label = _label(group, value, members[0].experiment)
            node = level.setdefault(value, {"label": label, "groups": {}})
            if depth == len(groups) - 1:
                node["aggregations"] = _leaf([m.public for m in members])
            level = node["groups"]
    for node in content.values():
        _roll_up(node)
    return {"content": content}


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _score_means(experiments: Sequence[Public], field: str) -> list[Public]:
    by_name: dict[str, list[float]] = defaultdict(list)
    for experiment in experiments:
        for score in experiment.get(field) or []:
            by_name[score["name"]].append(float(score["value"]))
    return [{"name": name, "value": sum(v) / len(v)} for name, v in sorted(by_name.items())]


def _leaf(experiments: Sequence[Public]) -> Public:
    """The totals of one group's experiments."""
    costs = [float(e["total_estimated_cost"]) for e in experiments if e.get("total_estimated_cost")]
    averages = [
        float(e["total_estimated_cost_avg"])
        for e in experiments
        if e.get("total_estimated_cost_avg")
    ]
    durations = [e["duration"] for e in experiments if e.get("duration")]
    out: Public = {
        "experiment_count": len(experiments),
        "trace_count": sum(int(e.get("trace_count") or 0) for e in experiments),
        "total_estimated_cost": sum(costs) if costs else None,
        "total_estimated_cost_avg": _mean(averages),
        "duration": {p: _mean([float(d[p]) for d in durations]) for p in ("p50", "p90", "p99")}
        if durations
        else None,
        "feedback_scores": _score_means(experiments, "feedback_scores") or None,
        "experiment_scores": _score_means(experiments, "experiment_scores") or None,
    }
    return {k: v for k, v in out.items() if v is not None}


def _weighted(children: Sequence[Public], pick: Any) -> float | None:
    pairs = [(pick(c), c["experiment_count"]) for c in children if pick(c) is not None]
    weight = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / weight if weight else None


def _roll_up(node: Public) -> Public:
    """Fill a parent's aggregations from its children's (leaves are already filled)."""
    if not node["groups"]:
        return node["aggregations"]
    children = [_roll_up(child) for child in node["groups"].values()]
    count = sum(c["experiment_count"] for c in children)
    out: Public = {
        "experiment_count": count,
        "trace_count": sum(c["trace_count"] for c in children),
        "total_estimated_cost": sum(c.get("total_estimated_cost", 0) for c in children),
        "total_estimated_cost_avg": _weighted(children, lambda c: c.get("total_estimated_cost_avg"))
        or 0,
    }
    if any("duration" in c for c in children):
        out["duration"] = {
            p: _weighted(children, lambda c, p=p: (c.get("duration") or {}).get(p))
            for p in ("p50", "p90", "p99")
        }
    for field in ("feedback_scores", "experiment_scores"):
        names = sorted({s["name"] for c in children for s in c.get(field, [])})
        out[field] = [
            {"name": name, "value": _weighted(children, lambda c, n=name, f=field: _score(c, f, n))}
            for name in names
        ]
    node["aggregations"] = out
    return out


def _score(aggregations: Public, field: str, name: str) -> float | None:
    return next((s["value"] for s in aggregations.get(field, []) if s["name"] == name), None)


class GroupsHandler(ExperimentHandler):
    """Reads the matching experiments and their computed fields, grouped by ``groups``."""

    async def grouped(self) -> tuple[list[GroupBy], list[Row]]:
        groups = parse_groups(self.str_arg("groups"))
        filters = self.str_arg("filters")
        if filters and filters.strip() not in ("[]", ""):
            raise BadRequest("filters: filtering experiment groups is not supported yet")
        project_id = self.str_arg("project_id")
        query = ExperimentQuery(
            self.workspace,
            name=self.str_arg("name"),
            types=self.list_arg("types"),
            project_id=check_v7(project_id, "project_id") if project_id else None,
        )
        experiments, _ = await self.blocking(self.services.experiments.page, query, 1, MAX_GROUPED)
        publics = await self.with_computed(experiments)
        return groups, rows_of(groups, zip(experiments, publics, strict=True))


class ExperimentGroupsHandler(GroupsHandler):
    path = BASE + "/groups"

    @operation("Experiments' groups by dataset_id, project_id, tags or a metadata key", query=QUERY)
    async def get(self) -> None:
        groups, rows = await self.grouped()
        self.send_json(group_tree(groups, rows))


class ExperimentGroupAggregationsHandler(GroupsHandler):
    path = BASE + "/groups/aggregations"

    @operation(
        "Experiments' groups with experiment and trace counts, cost, duration and score means",
        query=QUERY,
    )
    async def get(self) -> None:
        groups, rows = await self.grouped()
        self.send_json(aggregation_tree(groups, rows))


def routes() -> list[Route]:
    return [
        (cls.path, cls) for cls in (ExperimentGroupsHandler, ExperimentGroupAggregationsHandler)
    ]

"""The filter language of trace, span, thread and dataset item queries, compiled to SQL.

A filter is ``{"field", "operator", "key"?, "value"}``; a list of them is a conjunction.
Each compiles to a boolean SQL expression over one deduplicated row of the entity, with
every value bound as a query parameter. Queries that use the result bind ``ws`` (the
workspace) and ``project_id`` themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec

from ..errors import BadRequest

Entity = Literal["traces", "spans", "threads", "dataset_items", "experiment_runs"]
Kind = Literal[
    "string",
    "number",
    "date_time",
    "dictionary",
    "list",
    "feedback_scores",
    "error",
    "enum",
    "span_aggregate",
]

_COMPARE = {"=": "=", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_EMPTY = ("is_empty", "is_not_empty")
OPERATORS: dict[Kind, tuple[str, ...]] = {
    "string": (
        "=",
        "!=",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        ">",
        "<",
        *_EMPTY,
    ),
    "number": tuple(_COMPARE),
    "span_aggregate": tuple(_COMPARE),
    "date_time": tuple(_COMPARE),
    "dictionary": (
        "=",
        "!=",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        ">",
        ">=",
        "<",
        "<=",
        *_EMPTY,
    ),
    "list": ("=", "!=", "contains", "not_contains", *_EMPTY),
    "feedback_scores": (*_COMPARE, *_EMPTY),
    "error": _EMPTY,
    "enum": ("=", "!=", "in", "not_in"),
}

DURATION_MS = "if(end_time IS NULL, NULL, dateDiff('microsecond', start_time, end_time) / 1000.0)"


@dataclasses.dataclass(frozen=True)
class Field:
    """A filterable field: its kind and the SQL it reads (a column or an aggregate)."""

    kind: Kind
    sql: str


def _usage(entity: Entity, token: str) -> Field:
    if entity == "spans":
        return Field("number", f"usage['{token}']")
    return Field("span_aggregate", f"sum(usage['{token}'])")


def _observation_fields(entity: Entity) -> dict[str, Field]:
    fields = {
        "id": Field("string", "id"),
        "name": Field("string", "name"),
        "input": Field("string", "input"),
        "output": Field("string", "output"),
        "input_json": Field("dictionary", "input"),
        "output_json": Field("dictionary", "output"),
        "metadata": Field("dictionary", "metadata"),
        "start_time": Field("date_time", "start_time"),
        "end_time": Field("date_time", "end_time"),
        "created_at": Field("date_time", "created_at"),
        "last_updated_at": Field("date_time", "last_updated_at"),
        "tags": Field("list", "tags"),
        "duration": Field("number", DURATION_MS),
        "error_info": Field("error", "error_info"),
        "environment": Field("enum", "environment"),
        "source": Field("enum", "source"),
        "feedback_scores": Field("feedback_scores", entity[:-1]),
        "usage.total_tokens": _usage(entity, "total_tokens"),
        "usage.prompt_tokens": _usage(entity, "prompt_tokens"),
        "usage.completion_tokens": _usage(entity, "completion_tokens"),
    }
    if entity == "traces":
        fields.update(
            {
                "thread_id": Field("string", "thread_id"),
                "total_estimated_cost": Field("span_aggregate", "sum(total_estimated_cost)"),
                "llm_span_count": Field("span_aggregate", "countIf(type = 'llm')"),
            }
        )
    else:
        fields.update(
            {
                "trace_id": Field("string", "trace_id"),
                "model": Field("string", "model"),
                "provider": Field("string", "provider"),
                "type": Field("enum", "type"),
                "total_estimated_cost": Field("number", "total_estimated_cost"),
            }
        )
    return fields


FIELDS: dict[Entity, dict[str, Field]] = {
    "traces": _observation_fields("traces"),
    "spans": _observation_fields("spans"),
    "threads": {
        "id": Field("string", "id"),
        "first_message": Field("string", "first_message"),
        "last_message": Field("string", "last_message"),
        "number_of_messages": Field("number", "number_of_messages"),
        "duration": Field("number", "duration"),
        "start_time": Field("date_time", "start_time"),
        "end_time": Field("date_time", "end_time"),
        "created_at": Field("date_time", "created_at"),
        "last_updated_at": Field("date_time", "last_updated_at"),
        "tags": Field("list", "tags"),
        "feedback_scores": Field("feedback_scores", "thread"),
        "environment": Field("enum", "environment"),
        "status": Field("enum", "status"),
    },
    "dataset_items": {
        "id": Field("string", "id"),
        "source": Field("enum", "source"),
        "trace_id": Field("string", "trace_id"),
        "span_id": Field("string", "span_id"),
        "data": Field("dictionary", "data"),
        "tags": Field("list", "tags"),
        "created_at": Field("date_time", "created_at"),
        "last_updated_at": Field("date_time", "last_updated_at"),
    },
    # an experiment's run of an item, with its trace (the comparison view's filters)
    "experiment_runs": {
        "input": Field("dictionary", "input"),
        "output": Field("string", "output"),
        "output_json": Field("dictionary", "output"),
        "metadata": Field("dictionary", "metadata"),
        "duration": Field("number", "duration"),
        "total_estimated_cost": Field("number", "cost"),
        "usage.total_tokens": Field("number", "usage['total_tokens']"),
    },
}


class Filter(msgspec.Struct, forbid_unknown_fields=False):
    field: str
    operator: str
    value: str | int | float | list[str] | None = None
    key: str | None = None
    type: str | None = None


TIME_RANGE = (dt.datetime(1900, 1, 1), dt.datetime(2299, 12, 31, 23, 59, 59))
"""What ClickHouse's DateTime64 holds."""
MAX_FILTERS = 100
"""Filters in one list; more is a 400 (each one is SQL to build and run)."""
MAX_KEY_PARTS = 32
"""Parts of a JSON key path (``a.b[0].c`` has four); deeper is a 400."""


def parse(raw: str | Sequence[Mapping[str, Any]] | None) -> list[Filter]:
    """Filters from a JSON string (query parameter) or an already decoded list (body)."""
    if raw is None or raw in ("", "[]"):
        return []
    try:
        if isinstance(raw, str):
            filters = msgspec.json.decode(raw, type=list[Filter])
        else:
            filters = msgspec.convert(list(raw), type=list[Filter])
    except msgspec.DecodeError as exc:
        raise BadRequest(f"filters: not valid JSON: {exc}") from exc
    except msgspec.ValidationError as exc:
        raise BadRequest(f"filters: {exc}") from exc
    if len(filters) > MAX_FILTERS:
        raise BadRequest(f"filters: {len(filters)} filters; the limit is {MAX_FILTERS}")
    return filters


class Compiler:
    """Turns filters into a SQL condition, collecting bound parameters in ``params``."""

    def __init__(self, entity: Entity, params: dict[str, Any]) -> None:
        self.entity = entity
        self.params = params

    def where(self, filters: Sequence[Filter]) -> str:
        """A condition that holds when every filter holds ("1" for no filters)."""
        return " AND ".join(f"({self.compile(f)})" for f in filters) or "1"

    def bind(self, value: Any, ch_type: str) -> str:
        name = f"f{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{ch_type}}}"

    def compile(self, flt: Filter) -> str:
        field = FIELDS[self.entity].get(flt.field)
        if field is None:
            raise BadRequest(
                f"filters: unknown field {flt.field!r} for {self.entity}; "
                f"known: {', '.join(sorted(FIELDS[self.entity]))}"
            )
        if flt.operator not in OPERATORS[field.kind]:
            raise BadRequest(
                f"filters: operator {flt.operator!r} does not apply to "
                f"{flt.field!r}; use one of {', '.join(OPERATORS[field.kind])}"
            )
        return getattr(self, f"_{field.kind}")(field, flt)

    # -- one method per kind ---------------------------------------------------------------

    def _string(self, field: Field, flt: Filter) -> str:
        return self._text_condition(field.sql, flt.operator, flt)

    def _text_condition(self, sql: str, op: str, flt: Filter) -> str:
        if op == "is_empty":
            return f"{sql} = ''"
        if op == "is_not_empty":
            return f"{sql} != ''"
        value = self.bind(_text(flt), "String")
        sql = f"toString({sql})"  # the text functions reject FixedString ids
        conditions = {
            "contains": f"positionCaseInsensitiveUTF8({sql}, {value}) > 0",
            "not_contains": f"positionCaseInsensitiveUTF8({sql}, {value}) = 0",
            "starts_with": f"startsWith({sql}, {value})",
            "ends_with": f"endsWith({sql}, {value})",
        }
        return conditions.get(op) or f"{sql} {_COMPARE[op]} {value}"

    def _number(self, field: Field, flt: Filter) -> str:
        return f"{field.sql} {_COMPARE[flt.operator]} {self.bind(_number(flt), 'Float64')}"

    def _date_time(self, field: Field, flt: Filter) -> str:
        value = self.bind(_timestamp(flt), "DateTime64(6, 'UTC')")
        return f"{field.sql} {_COMPARE[flt.operator]} {value}"

    def _dictionary(self, field: Field, flt: Filter) -> str:
        parts = _json_path(flt)
        path = ", ".join(
            self.bind(p, "String") if isinstance(p, str) else self.bind(p, "Int64") for p in parts
        )
        raw = f"JSONExtractRaw({field.sql}, {path})"
        kind = f"JSONType({field.sql}, {path})"
        if parts != [flt.key]:  # a key that is itself "a.b" wins over the path a -> b
            literal = self.bind(flt.key, "String")
            has = f"JSONHas({field.sql}, {literal})"
            raw = f"if({has}, JSONExtractRaw({field.sql}, {literal}), {raw})"
            kind = f"if({has}, JSONType({field.sql}, {literal}), {kind})"
        text = f"if({kind} = 'String', JSONExtractString({raw}), {raw})"
        if flt.operator in _EMPTY:
            sign = "IN" if flt.operator == "is_empty" else "NOT IN"
            return f"{raw} {sign} ('', 'null', '\"\"', '{{}}', '[]')"
        if flt.operator in (">", ">=", "<", "<="):
            value = self.bind(_number(flt), "Float64")
            return f"toFloat64OrNull({text}) {_COMPARE[flt.operator]} {value}"
        return self._text_condition(text, flt.operator, flt)

    def _list(self, field: Field, flt: Filter) -> str:
        op = flt.operator
        if op in _EMPTY:
            return f"{'empty' if op == 'is_empty' else 'notEmpty'}({field.sql})"
        value = self.bind(_text(flt), "String")
        if op in ("=", "!="):
            return f"{'' if op == '=' else 'NOT '}has({field.sql}, {value})"
        found = f"arrayExists(x -> positionCaseInsensitiveUTF8(x, {value}) > 0, {field.sql})"
        return found if op == "contains" else f"NOT {found}"

    def _error(self, field: Field, flt: Filter) -> str:
        return f"{field.sql} {'=' if flt.operator == 'is_empty' else '!='} ''"

    def _enum(self, field: Field, flt: Filter) -> str:
        if flt.operator in ("in", "not_in"):
            values = self.bind(_values(flt), "Array(String)")
            return f"{field.sql} {'IN' if flt.operator == 'in' else 'NOT IN'} {values}"
        return f"{field.sql} {_COMPARE[flt.operator]} {self.bind(_text(flt), 'String')}"

    def _feedback_scores(self, field: Field, flt: Filter) -> str:
        if not flt.key:
            raise BadRequest("filters: feedback_scores needs a key (the score name)")
        name = self.bind(flt.key, "String")
        scores = (
            f"SELECT entity_id, value FROM feedback_scores WHERE workspace_id = {{ws:String}}"
            f" AND entity_type = '{field.sql}' AND name = {name}"
            " ORDER BY last_updated_at DESC LIMIT 1 BY entity_id, name"
        )
        if flt.operator in _EMPTY:
            sign = "NOT IN" if flt.operator == "is_empty" else "IN"
            return f"id {sign} (SELECT entity_id FROM ({scores}))"
        value = self.bind(_number(flt), "Float64")
        return (
            f"id IN (SELECT entity_id FROM ({scores}) WHERE value {_COMPARE[flt.operator]} {value})"
        )

    def _span_aggregate(self, field: Field, flt: Filter) -> str:
        value = self.bind(_number(flt), "Float64")
        return (
            "id IN (SELECT trace_id FROM (SELECT trace_id, type, usage, total_estimated_cost "
            "FROM spans WHERE workspace_id = {ws:String} AND project_id = {project_id:String} "
            "ORDER BY id, last_updated_at DESC LIMIT 1 BY id) GROUP BY trace_id "
            f"HAVING {field.sql} {_COMPARE[flt.operator]} {value})"
        )


# -- values ---------------------------------------------------------------------------------


def _text(flt: Filter) -> str:
    if flt.value is None or isinstance(flt.value, list):
        raise BadRequest(f"filters: {flt.field} {flt.operator} needs a single value")
    return str(flt.value)


def _number(flt: Filter) -> float:
    try:
        value = float(_text(flt))
    except ValueError:
        raise BadRequest(f"filters: {flt.field} needs a number, got {flt.value!r}") from None
    if not math.isfinite(value):
        raise BadRequest(f"filters: {flt.field} needs a finite number, got {flt.value!r}")
    return value


def _timestamp(flt: Filter) -> str:
    text = _text(flt).replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"filters: {flt.field} needs an ISO-8601 time, got {flt.value!r}"
        ) from None
    try:
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        value = dt.datetime.min
    if not TIME_RANGE[0] <= value <= TIME_RANGE[1]:
        raise BadRequest(
            f"filters: {flt.field} is {flt.value!r}, outside the stored range "
            f"({TIME_RANGE[0].year} to {TIME_RANGE[1].year})"
        )
    return value.isoformat(sep=" ", timespec="microseconds")


def _values(flt: Filter) -> list[str]:
    if isinstance(flt.value, list):
        return [str(v) for v in flt.value]
    return [part.strip() for part in _text(flt).split(",") if part.strip()]


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _json_path(flt: Filter) -> list[str | int]:
    """``a.b[0].c`` as JSONExtract arguments (ClickHouse counts array items from 1)."""
    key = (flt.key or "").removeprefix("$.").strip()
    if not key:
        raise BadRequest(f"filters: {flt.field} needs a key (a path such as model or a.b[0])")
    path: list[str | int] = []
    for name, index in _PATH_PART.findall(key):
        path.append(name if name else int(index) + 1)
        if len(path) > MAX_KEY_PARTS:
            raise BadRequest(
                f"filters: the key of {flt.field} is deeper than the limit of {MAX_KEY_PARTS} parts"
            )
    return path

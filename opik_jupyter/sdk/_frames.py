"""Search pages to a typed pandas DataFrame: datetimes as ``datetime64[ns, UTC]``,
numbers numeric, JSON fields as Python objects (or JSON text), usage and feedback scores
spread into columns. pandas is imported only here, when a DataFrame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import pandas as pd

COMMON = (
    "id",
    "project_id",
    "name",
    "start_time",
    "end_time",
    "duration",
    "input",
    "output",
    "metadata",
    "tags",
    "error_info",
    "total_estimated_cost",
    "created_at",
    "last_updated_at",
)
COLUMNS = {
    "traces": (*COMMON, "thread_id", "span_count"),
    "spans": (*COMMON, "trace_id", "parent_span_id", "type", "model", "provider"),
}
DATETIMES = ("start_time", "end_time", "created_at", "last_updated_at")
NUMBERS = ("duration", "total_estimated_cost", "span_count")
JSON_FIELDS = ("input", "output", "metadata", "error_info")
USAGE = ("prompt_tokens", "completion_tokens", "total_tokens")
_encode = msgspec.json.encode


def to_frame(
    entity: str, pages: Iterable[list[dict[str, Any]]], parse_json: bool = True
) -> pd.DataFrame:
    """Build the DataFrame of ``entity`` ("traces" or "spans") from search pages."""
    columns = COLUMNS[entity]
    data: dict[str, list[Any]] = {name: [] for name in columns}
    usage: dict[str, list[Any]] = {name: [] for name in USAGE}
    scores: list[dict[str, float]] = []
    for page in pages:
        for name in columns:
            data[name].extend(row.get(name) for row in page)
        for name in USAGE:
            usage[name].extend((row.get("usage") or {}).get(name) for row in page)
        scores.extend(
            {s["name"]: s["value"] for s in row.get("feedback_scores") or ()} for row in page
        )
    frame = pd.DataFrame(data, columns=list(columns))
    for name in DATETIMES:
        frame[name] = _datetimes(frame[name])
    for name in NUMBERS:
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    for name in USAGE:
        frame[f"usage.{name}"] = pd.array(usage[name], dtype="Int64")
    frame["feedback_scores"] = scores
    if not parse_json:
        for name in JSON_FIELDS:
            frame[name] = [None if v is None else _encode(v).decode() for v in frame[name]]
    return frame


def _datetimes(values: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(values, utc=True, format="ISO8601")
    return parsed.astype("datetime64[ns, UTC]")


THREAD_COLUMNS = (
    "id",
    "thread_model_id",
    "first_message",
    "last_message",
    "number_of_messages",
    "start_time",
    "end_time",
    "duration",
    "total_estimated_cost",
    "status",
    "tags",
    "created_at",
    "last_updated_at",
)


def threads_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per thread: its columns, ``usage.*`` tokens, ``comments`` (a count) and one
    ``feedback_scores.<name>`` column per score name."""
    frame = pd.DataFrame(
        {name: [row.get(name) for row in rows] for name in THREAD_COLUMNS},
        columns=list(THREAD_COLUMNS),
    )
    for name in DATETIMES:
        frame[name] = _datetimes(frame[name])
    for name in ("number_of_messages", "duration", "total_estimated_cost"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    frame["tags"] = [list(tags or []) for tags in frame["tags"]]
    for name in USAGE:
        values = [(row.get("usage") or {}).get(name) for row in rows]
        frame[f"usage.{name}"] = pd.array(values, dtype="Int64")
    frame["comments"] = [len(row.get("comments") or ()) for row in rows]
    names = sorted({s["name"] for row in rows for s in row.get("feedback_scores") or ()})
    for name in names:
        frame[f"feedback_scores.{name}"] = [
            next((s["value"] for s in row.get("feedback_scores") or () if s["name"] == name), None)
            for row in rows
        ]
        frame[f"feedback_scores.{name}"] = pd.to_numeric(frame[f"feedback_scores.{name}"])
    return frame

"""Turning what users have (lists of dicts, DataFrames, CSV and JSONL files, traces) into
checked dataset items. Every record is checked before anything is sent, and a bad one is
named by its position (``row 3``, ``line 7``), so a failed insert stores nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..sdk._ids import new_id
from ..sdk._serialize import to_json

_V7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
Record = dict[str, Any]


def records_of(items: Any) -> list[Any]:
    """The records of a list (or any iterable) of dicts or of a pandas DataFrame."""
    if hasattr(items, "to_dict") and hasattr(items, "columns"):  # a DataFrame
        return list(items.to_dict(orient="records"))
    if isinstance(items, Mapping):
        raise TypeError(
            "insert() takes a list of dicts (or a DataFrame), not one dict: wrap it in a list"
        )
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TypeError(
            f"insert() takes a list of dicts or a DataFrame, not {type(items).__name__}"
        )
    return list(items)


def read_csv(path: str | Path, **options: Any) -> list[Any]:
    """The rows of a CSV file (read by pandas, ``options`` passed to ``read_csv``)."""
    import pandas as pd  # noqa: PLC0415 - pandas loads only when asked for

    return records_of(pd.read_csv(path, **options))


def read_jsonl(path: str | Path) -> list[Any]:
    """The objects of a JSON Lines file (blank lines skipped)."""
    records = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}, line {number}: not JSON ({exc})") from None
    return records


def item_writes(
    records: Iterable[Any], where: str = "row", **fields: Any
) -> tuple[list[Record], list[str]]:
    """The ``DatasetItemWrite`` bodies of ``records`` and the ids made for new ones.

    A record's ``id`` (a UUID v7) keeps that id (the item is replaced); the other items
    get new ids. ``fields`` (``source``, ``trace_id``...) go on every item.
    """
    writes: list[Record] = []
    made: list[str] = []
    for number, record in enumerate(records, 1):
        data, item_id = _checked(record, f"{where} {number}")
        if item_id is None:
            item_id = new_id()
            made.append(item_id)
        writes.append({"id": item_id, "data": data, "source": "sdk", **fields})
    return writes, made


def _checked(record: Any, where: str) -> tuple[Record, str | None]:
    """A record's data (JSON-safe, NaN as null) and its own id, if it has one."""
    if not isinstance(record, Mapping):
        raise TypeError(
            f"{where}: a dataset item must be a dict of field names to values, "
            f"not {type(record).__name__}"
        )
    data = {str(key): _value(value) for key, value in record.items()}
    item_id = data.pop("id", None)
    if item_id is not None and (not isinstance(item_id, str) or not _V7.match(item_id)):
        raise ValueError(
            f"{where}: 'id' must be the UUID v7 of an item (as to_pandas() "
            f"gives), not {item_id!r}; rename the field to keep it as data"
        )
    if not data:
        raise ValueError(f"{where}: the item has no fields")
    return data, item_id


def _value(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return to_json(value)


def trace_writes(
    traces: Iterable[Mapping[str, Any]], input_key: str, output_key: str
) -> list[Record]:
    """An item per trace, ``{input_key: its input, output_key: its output}``, linked to it."""
    writes = []
    for number, trace in enumerate(traces, 1):
        record = {input_key: _unwrapped(trace.get("input"))}
        if trace.get("output") is not None:
            record[output_key] = _unwrapped(trace["output"])
        data, _ = _checked(record, f"trace {number}")
        writes.append(
            {"id": new_id(), "data": data, "source": "trace", "trace_id": str(trace["id"])}
        )
    return writes


def _unwrapped(value: Any) -> Any:
    """``{"output": x}`` (how ``@track`` stores a plain return value) as ``x``."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("output", "result"):
            return inner
    return value

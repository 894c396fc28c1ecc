"""The JSON the experiment views render (``frontend/src/views/experiment_types.ts``), built
from a comparison of experiments (``opik_jupyter.evaluation._compare``).

Texts are cut for the browser (outputs at :data:`MAX_OUTPUT` characters, fields at
:data:`MAX_FIELD`), tables at :data:`MAX_ROWS` items; scores travel as numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...widgets._attachment_views import image_in
from .._compare import Comparison
from .._result import ItemResult, output_value
from ..metrics.heuristic import as_text

MAX_ROWS = 5_000
MAX_OUTPUT = 2_000
MAX_FIELD = 500
MAX_FIELDS = 8
BINS = 10
LOWER_IS_BETTER = frozenset({"hallucination_metric"})
"""Score names where a higher value is worse (regressions go the other way)."""


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# -- the experiment table -------------------------------------------------------------------


def table_model(
    comparison: Comparison, lower_is_better: Iterable[str] = LOWER_IS_BETTER
) -> dict[str, Any]:
    """Rows = dataset items; per experiment its output, scores and errors."""
    labels = comparison.labels()
    rows = [
        _table_row(n, row.item_id, row.data, row.runs)
        for n, row in enumerate(comparison.rows[:MAX_ROWS], 1)
    ]
    return {
        "dataset": comparison.dataset_name,
        "experiments": [{"id": i, "name": name} for i, name in labels.items()],
        "metrics": comparison.metric_names(),
        "lower_is_better": sorted(set(lower_is_better)),
        "rows": rows,
        "omitted": max(0, len(comparison.rows) - MAX_ROWS),
    }


def _table_row(
    index: int, item_id: str, data: Mapping[str, Any], runs: Mapping[str, ItemResult]
) -> dict[str, Any]:
    fields = [_field(str(k), v) for k, v in list(data.items())[:MAX_FIELDS]]
    return {
        "id": item_id,
        "index": index,
        "fields": fields,
        "runs": {experiment_id: _run(run) for experiment_id, run in runs.items()},
    }


def _field(name: str, value: Any) -> dict[str, Any]:
    """A field of an item: its text, and the image it holds (a data URL) if any."""
    out: dict[str, Any] = {"name": name, "text": cut(as_text(value), MAX_FIELD)}
    if (image := image_in(value)) is not None:
        out["image"] = image
    return out


def _run(run: ItemResult) -> dict[str, Any]:
    return {
        "trace_id": run.trace_id,
        "output": cut(as_text(output_value(run.output)), MAX_OUTPUT),
        "scores": {s.name: s.value for s in run.scores if s.ok},
        "reasons": {s.name: cut(s.reason, MAX_FIELD) for s in run.scores if s.ok and s.reason},
        "errors": {s.name: cut(str(s.error), MAX_FIELD) for s in run.scores if not s.ok},
        "error": cut(run.error, MAX_FIELD) if run.error else None,
        "duration_ms": run.duration_ms,
    }


# -- the score chart ------------------------------------------------------------------------


def chart_model(
    comparison: Comparison, history: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """Per metric, each experiment's score histogram and mean; and the mean of each
    metric over the runs (``history``: experiment records of the dataset)."""
    labels = comparison.labels()
    metrics = [_metric(name, comparison, labels) for name in comparison.metric_names()]
    return {"dataset": comparison.dataset_name, "metrics": metrics, "history": _history(history)}


def _metric(name: str, comparison: Comparison, labels: Mapping[str, str]) -> dict[str, Any]:
    values = {
        i: [
            row.runs[i].values[name]
            for row in comparison.rows
            if i in row.runs and name in row.runs[i].values
        ]
        for i in labels
    }
    failed = {
        i: sum(1 for row in comparison.rows if i in row.runs and name in row.runs[i].score_errors)
        for i in labels
    }
    found = [v for vs in values.values() for v in vs]
    low, high = (
        (0.0, 1.0)
        if all(0 <= v <= 1 for v in found)
        else (min(found), max(found))
        if found
        else (0.0, 1.0)
    )
    return {
        "name": name,
        "range": [low, high],
        "experiments": [
            {
                "id": i,
                "name": labels[i],
                "count": len(vs),
                "failed": failed[i],
                "mean": sum(vs) / len(vs) if vs else None,
                "bins": histogram(vs, low, high),
            }
            for i, vs in values.items()
        ],
    }


def histogram(values: Sequence[float], low: float, high: float, bins: int = BINS) -> list[int]:
    """Counts of ``values`` in ``bins`` equal bins over [low, high] (high in the last)."""
    counts = [0] * bins
    width = (high - low) / bins if high > low else 1.0
    for value in values:
        counts[min(bins - 1, max(0, math.floor((value - low) / width)))] += 1
    return counts


def _history(experiments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The runs of the dataset, oldest first, with their score means."""
    ordered = sorted(experiments, key=lambda e: str(e.get("created_at") or e.get("id")))
    return [
        {
            "id": e["id"],
            "name": str(e.get("name") or ""),
            "created_at": e.get("created_at"),
            "scores": {
                str(s["name"]): float(s["value"])
                for s in e.get("feedback_scores") or ()
                if isinstance(s.get("value"), int | float)
            },
        }
        for e in ordered
    ]

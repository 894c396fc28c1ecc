"""Experiments side by side: per dataset item, each experiment's output and scores, read
from the backend's comparison view; and ``compare_experiments``, its DataFrame."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..sdk import Client
from . import _api
from ._result import EvaluationResult, ItemResult, output_value
from .metrics import ScoreResult

if TYPE_CHECKING:
    import pandas as pd

ExperimentRef = str | EvaluationResult | Mapping[str, Any]
"""An experiment: its name, its id, its record, or the result of ``evaluate()``."""
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclasses.dataclass
class ComparisonRow:
    """A dataset item and what each experiment did with it (by experiment id)."""

    item_id: str
    data: dict[str, Any]
    runs: dict[str, ItemResult]


@dataclasses.dataclass
class Comparison:
    """Experiments of one dataset, their records, and a row per item any of them ran."""

    dataset_id: str
    dataset_name: str
    experiments: list[dict[str, Any]]
    baseline_id: str | None
    rows: list[ComparisonRow]

    def labels(self) -> dict[str, str]:
        """A unique display name per experiment id (a repeated name gets its id's tail)."""
        names = [e["name"] for e in self.experiments]
        return {
            e["id"]: e["name"] if names.count(e["name"]) == 1 else f"{e['name']}#{e['id'][-6:]}"
            for e in self.experiments
        }

    def metric_names(self) -> list[str]:
        """Every score name of every run, sorted."""
        return sorted(
            {score.name for row in self.rows for run in row.runs.values() for score in run.scores}
        )


def resolve(client: Client, ref: ExperimentRef) -> dict[str, Any]:
    """The experiment record of a name, an id, a record or an ``EvaluationResult``."""
    if isinstance(ref, EvaluationResult):
        ref = ref.experiment_id
    elif isinstance(ref, Mapping):
        ref = str(ref["id"])
    if _UUID.match(ref):
        found = _api.get_experiment(client, ref)
        if found is not None:
            return found
    named = [e for e in _api.list_experiments(client, name=ref) if e.get("name") == ref]
    if not named:
        raise LookupError(
            f"no experiment named {ref!r} (or with that id) in workspace {client.workspace!r}"
        )
    if len(named) > 1:
        ids = ", ".join(f"{e['id']} (dataset {e.get('dataset_name')!r})" for e in named)
        raise ValueError(
            f"{len(named)} experiments are named {ref!r}: pass the id of the one you mean: {ids}"
        )
    return named[0]


def load(
    experiments: Sequence[ExperimentRef],
    baseline: ExperimentRef | None = None,
    client: Client | None = None,
) -> Comparison:
    """Read the comparison of ``experiments`` (all on one dataset); ``baseline`` is added
    first if it is not among them."""
    client = client or Client()
    if isinstance(experiments, str | EvaluationResult | Mapping):
        experiments = [experiments]
    records = [resolve(client, ref) for ref in experiments]
    base = resolve(client, baseline) if baseline is not None else None
    if base is not None and base["id"] not in {r["id"] for r in records}:
        records.insert(0, base)
    if not records:
        raise ValueError("no experiments to compare: give at least one name, id or result")
    _same_dataset(records)
    ids = list(dict.fromkeys(r["id"] for r in records))
    records = [next(r for r in records if r["id"] == i) for i in ids]
    rows = [_row(raw) for raw in _api.compare_rows(client, records[0]["dataset_id"], ids)]
    return Comparison(
        records[0]["dataset_id"],
        str(records[0].get("dataset_name") or ""),
        records,
        base["id"] if base else None,
        rows,
    )


def _same_dataset(records: Sequence[Mapping[str, Any]]) -> None:
    datasets = {r.get("dataset_id") for r in records}
    if len(datasets) > 1:
        listed = ", ".join(f"{r['name']!r} on {r.get('dataset_name')!r}" for r in records)
        raise ValueError(f"experiments of different datasets cannot be compared: {listed}")
    if None in datasets:
        raise ValueError(f"experiment {records[0]['name']!r} has no dataset (was it deleted?)")


def _row(raw: Mapping[str, Any]) -> ComparisonRow:
    given = raw.get("data")
    data = dict(given) if isinstance(given, Mapping) else {"data": given}
    runs = {
        run["experiment_id"]: item_result_of(raw["id"], dict(data), run)
        for run in raw.get("experiment_items") or ()
    }
    return ComparisonRow(raw["id"], dict(data), runs)


def item_result_of(item_id: str, data: dict[str, Any], run: Mapping[str, Any]) -> ItemResult:
    """An :class:`ItemResult` from an experiment item of the comparison view (our runs keep
    the task error and failed scores in the trace metadata, under ``evaluation``)."""
    metadata = run.get("trace_metadata")
    notes = metadata.get("evaluation") if isinstance(metadata, Mapping) else None
    notes = notes if isinstance(notes, Mapping) else {}
    scores = [
        ScoreResult(str(s["name"]), float(s["value"]), s.get("reason"))
        for s in run.get("feedback_scores") or ()
        if s.get("value") is not None
    ]
    failed = notes.get("scoring_errors")
    if isinstance(failed, Mapping):
        scores += [ScoreResult.failed(str(name), str(why)) for name, why in failed.items()]
    return ItemResult(
        item_id,
        {"id": item_id, **data},
        run.get("trace_id"),
        run.get("output"),
        scores,
        notes.get("error"),
        run.get("duration"),
        resumed=True,
    )


def compare_experiments(
    experiments: Sequence[ExperimentRef],
    baseline: ExperimentRef | None = None,
    *,
    client: Client | None = None,
) -> pd.DataFrame:
    """Per dataset item (the index), its fields, then per experiment its output
    (``<name>.output``), each score (``<name>.<metric>``) and, against ``baseline``, the
    difference (``<name>.<metric>.delta``, negative = worse). Experiments are given by
    name, id or ``evaluate()`` result and must share a dataset."""
    import pandas as pd  # noqa: PLC0415 - pandas loads only when asked for

    comparison = load(experiments, baseline, client)
    metrics = comparison.metric_names()
    records = [_record(row, comparison, metrics) for row in comparison.rows]
    frame = pd.DataFrame(records)
    return frame.set_index("dataset_item_id") if records else frame


def _record(row: ComparisonRow, comparison: Comparison, metrics: Sequence[str]) -> dict[str, Any]:
    record: dict[str, Any] = {"dataset_item_id": row.item_id, **row.data}
    base = row.runs.get(comparison.baseline_id or "")
    base_values = base.values if base else {}
    for experiment_id, label in comparison.labels().items():
        run = row.runs.get(experiment_id)
        values = run.values if run else {}
        record[f"{label}.output"] = output_value(run.output) if run else None
        if run is not None and run.error:
            record[f"{label}.error"] = run.error
        for metric in metrics:
            value = values.get(metric, math.nan)
            record[f"{label}.{metric}"] = value
            if comparison.baseline_id and experiment_id != comparison.baseline_id:
                record[f"{label}.{metric}.delta"] = value - base_values.get(metric, math.nan)
    return record


def of_result(result: EvaluationResult) -> Comparison:
    """The comparison of one experiment, from its ``evaluate()`` result (no backend read)."""
    record = {
        "id": result.experiment_id,
        "name": result.experiment_name,
        "dataset_id": result.dataset_id,
        "dataset_name": result.dataset_name,
    }
    rows = [
        ComparisonRow(
            item.dataset_item_id,
            {k: v for k, v in item.item.items() if k != "id"},
            {result.experiment_id: item},
        )
        for item in result.items
    ]
    return Comparison(result.dataset_id, result.dataset_name, [record], None, rows)

"""What an evaluation returns: one result per dataset item, and summaries per metric."""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .metrics import ScoreResult

if TYPE_CHECKING:
    import pandas as pd


@dataclasses.dataclass
class ItemResult:
    """The run of the task on one dataset item: its trace, output, scores or error."""

    dataset_item_id: str
    item: dict[str, Any]
    """The item's fields (with its ``id``), as the task got them."""
    trace_id: str | None
    output: Any
    scores: list[ScoreResult]
    error: str | None = None
    """Why the task failed (``ValueError: ...``, ``TimeoutError: ...``), or None."""
    duration_ms: float | None = None
    index: int = 0
    """The item's position in the dataset (1 = oldest), for messages."""
    resumed: bool = False
    """True when the item was done by an earlier, interrupted run of the experiment."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def values(self) -> dict[str, float]:
        """``{metric name: value}`` of the scores that succeeded."""
        return {s.name: s.value for s in self.scores if s.ok}

    @property
    def score_errors(self) -> dict[str, str]:
        """``{metric name: why it failed}``."""
        return {s.name: str(s.error) for s in self.scores if not s.ok}

    def describe(self) -> str:
        """``item 3 (id …, input 'What is…')``: how messages name this item."""
        text = preview(self.item.get("input", self.item), 40)
        where = f"item {self.index}" if self.index else "item"
        return f"{where} (id {self.dataset_item_id}, input {text})"


def preview(value: Any, limit: int) -> str:
    """A short ``repr`` of a value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…'"


@dataclasses.dataclass(frozen=True)
class MetricSummary:
    """A metric over the items of an experiment: how many it scored, failed, and stats."""

    name: str
    count: int
    failed: int
    mean: float
    std: float
    min: float
    max: float
    median: float

    @classmethod
    def of(cls, name: str, values: Sequence[float], failed: int) -> MetricSummary:
        if not values:
            return cls(name, 0, failed, *(math.nan,) * 5)
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return cls(
            name,
            len(values),
            failed,
            statistics.fmean(values),
            std,
            min(values),
            max(values),
            statistics.median(values),
        )


@dataclasses.dataclass
class EvaluationResult:
    """An experiment's results: ``items`` (one per dataset item run), per-metric
    ``scores`` summaries, ``errors``, and :meth:`to_pandas`."""

    experiment_id: str
    experiment_name: str
    dataset_id: str
    dataset_name: str
    project_name: str
    items: list[ItemResult]
    duration_s: float = 0.0
    interrupted: bool = False

    @property
    def scores(self) -> dict[str, MetricSummary]:
        """Per metric name: count, failures, mean, std, min, max and median."""
        values: dict[str, list[float]] = {}
        failed: dict[str, int] = {}
        for item in self.items:
            for score in item.scores:
                values.setdefault(score.name, [])
                if score.ok:
                    values[score.name].append(score.value)
                else:
                    failed[score.name] = failed.get(score.name, 0) + 1
        return {
            name: MetricSummary.of(name, found, failed.get(name, 0))
            for name, found in sorted(values.items())
        }

    @property
    def errors(self) -> list[str]:
        """A message per failed item and per failed score, naming the item."""
        messages = [f"{item.describe()}: {item.error}" for item in self.items if item.error]
        messages += [
            f"{item.describe()}: {name} failed: {why}"
            for item in self.items
            for name, why in item.score_errors.items()
        ]
        return messages

    def summary(self) -> pd.DataFrame:
        """The per-metric summaries as a DataFrame, one row per metric."""
        import pandas as pd  # noqa: PLC0415 - pandas loads only when asked for

        rows = [dataclasses.asdict(s) for s in self.scores.values()]
        columns = [f.name for f in dataclasses.fields(MetricSummary)]
        return pd.DataFrame(rows, columns=columns).set_index("name")

    def to_pandas(self) -> pd.DataFrame:
        """One row per item: its id, fields, output, error, duration and a column per
        metric (``NaN`` where the score failed; why is in ``score_errors``)."""
        import pandas as pd  # noqa: PLC0415

        names = list(self.scores)
        rows = [_row(item, names) for item in self.items]
        frame = pd.DataFrame(
            rows,
            columns=[
                "dataset_item_id",
                "trace_id",
                "item",
                "output",
                "error",
                "duration_ms",
                *names,
                "score_errors",
            ],
        )
        return frame.set_index("dataset_item_id")

    def __repr__(self) -> str:
        scores = ", ".join(f"{s.name}={s.mean:.3f}" for s in self.scores.values())
        failed = sum(1 for item in self.items if item.error)
        return (
            f"EvaluationResult(experiment={self.experiment_name!r}, "
            f"dataset={self.dataset_name!r}, items={len(self.items)}, failed={failed}"
            f"{', ' + scores if scores else ''})"
        )


def _row(item: ItemResult, names: Sequence[str]) -> dict[str, Any]:
    values = item.values
    row: dict[str, Any] = {
        "dataset_item_id": item.dataset_item_id,
        "trace_id": item.trace_id,
        "item": {k: v for k, v in item.item.items() if k != "id"},
        "output": item.output,
        "error": item.error,
        "duration_ms": item.duration_ms,
        "score_errors": item.score_errors or None,
    }
    row.update({name: values.get(name, math.nan) for name in names})
    return row


def output_value(output: Any) -> Any:
    """What a task returned: ``{"output": x}`` (a non-dict return, wrapped) as ``x``."""
    if isinstance(output, Mapping) and set(output) == {"output"}:
        return output["output"]
    return output

"""Everything ``evaluate()`` checks before it writes anything: the task, the metrics and
their arguments, the dataset's items, the experiment's name (new, or one to resume)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..sdk import Client
from ..sdk._prompts import Prompt
from . import _api
from .dataset import Dataset, DatasetVersion
from .metrics._base import Metric

TRACE_NAME = "evaluation_task"
"""The name of each item's trace (as the official SDK names them)."""
_LISTED = 5


class EvaluationInputError(ValueError):
    """``evaluate()`` refused its input; nothing was written (or it was removed again)."""


@dataclasses.dataclass(frozen=True)
class Planned:
    """A dataset item to run: its position (1 = oldest), id and fields."""

    index: int
    id: str
    data: dict[str, Any]

    @property
    def task_input(self) -> dict[str, Any]:
        """What the task gets: the item's fields and its ``id``."""
        return {**self.data, "id": self.id}

    def describe(self) -> str:
        return f"item {self.index} (id {self.id})"


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """How every item of one run is done."""

    task: Callable[..., Any]
    task_name: str
    is_async: bool
    tracked: bool
    """The task is ``@track``-ed already (it makes its own span)."""
    metrics: tuple[Metric, ...]
    mapping: Mapping[str, str]
    timeout: float | None
    project: str
    experiment_name: str
    dataset_name: str


def check_task(task: Any) -> tuple[str, bool, bool]:
    """The task's name, whether it is async, and whether it is traced already."""
    if not callable(task):
        raise EvaluationInputError(
            f"task must be a function of one dataset item (a dict), not {type(task).__name__}"
        )
    call = getattr(task, "__call__", None)  # noqa: B004 - async callable objects too
    is_async = inspect.iscoroutinefunction(task) or inspect.iscoroutinefunction(call)
    name = getattr(task, "__name__", type(task).__name__)
    return name, is_async, bool(getattr(task, "__opik_tracked__", False))


def check_prompts(prompts: Sequence[Any]) -> list[Prompt]:
    """The prompt versions an experiment links to: :class:`Prompt` or :class:`ChatPrompt`."""
    if isinstance(prompts, Prompt) or not isinstance(prompts, Sequence):
        raise EvaluationInputError("prompts must be a list of Prompt or ChatPrompt objects")
    for n, prompt in enumerate(prompts):
        if not isinstance(prompt, Prompt):
            raise EvaluationInputError(
                f"prompts[{n}] is a {type(prompt).__name__}; give oj.Prompt or oj.ChatPrompt "
                "objects (oj.get_prompt(name) fetches one)"
            )
    return list(prompts)


def check_metrics(metrics: Sequence[Any], mapping: Mapping[str, str]) -> tuple[Metric, ...]:
    """The metrics, wrapped; refuses repeated names and mapping keys no metric takes."""
    try:
        wrapped = tuple(Metric.of(m) for m in metrics)
    except TypeError as exc:
        raise EvaluationInputError(str(exc)) from None
    names = [m.name for m in wrapped]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise EvaluationInputError(
            f"two metrics are named {repeated[0]!r}: their scores would "
            "overwrite each other; give one of them name=..."
        )
    if any(m.takes_any for m in wrapped):
        return wrapped
    taken = {p for m in wrapped for p in (*m.required, *m.optional)}
    unused = sorted(set(mapping) - taken)
    if unused:
        raise EvaluationInputError(
            f"scoring_key_mapping maps {unused[0]!r}, which no metric "
            f"takes (they take: {', '.join(sorted(taken)) or 'nothing'})"
        )
    return wrapped


def dataset_version(dataset: Dataset, ref: DatasetVersion | str | None) -> DatasetVersion | None:
    """The version of ``dataset`` to run on (None: its current items)."""
    if ref is None:
        return None
    try:
        return dataset.version(ref)
    except (LookupError, TypeError) as exc:
        raise EvaluationInputError(f"dataset_version: {exc}") from None


def planned_items(
    dataset: Dataset, nb_samples: int | None, version: DatasetVersion | None = None
) -> list[Planned]:
    """The dataset's items (of ``version`` if given), oldest first (the first
    ``nb_samples`` of them if given)."""
    rows = dataset.items(version)
    if not rows and version is not None:
        raise EvaluationInputError(
            f"version {version.name} of dataset {dataset.name!r} has "
            "no items: pick another (dataset.versions())"
        )
    if not rows:
        raise EvaluationInputError(
            f"dataset {dataset.name!r} has no items: add some first "
            "(dataset.insert([...]) or dataset.insert(dataframe))"
        )
    items = [
        Planned(n, row["id"], {k: v for k, v in row.items() if k != "id"})
        for n, row in enumerate(rows, 1)
    ]
    return items[:nb_samples] if nb_samples else items


def check_arguments(
    metrics: Sequence[Metric], mapping: Mapping[str, str], items: Sequence[Planned]
) -> None:
    """Refuse a dataset where some items have a field a metric needs and others lack it
    (a field no item has is expected from the task's output, checked as items finish)."""
    for metric in metrics:
        for name in metric.required:
            key = mapping.get(name, name)
            lacking = [item for item in items if key not in item.task_input]
            if lacking and len(lacking) < len(items):
                raise EvaluationInputError(
                    _lacking_message(metric.name, name, key, lacking, len(items))
                )


def _lacking_message(
    metric: str, name: str, key: str, lacking: Sequence[Planned], total: int
) -> str:
    listed = ", ".join(item.describe() for item in lacking[:_LISTED])
    more = f" and {len(lacking) - _LISTED} more" if len(lacking) > _LISTED else ""
    argument = repr(name) if key == name else f"{name!r} (from {key!r})"
    return (
        f"{metric} needs {argument}, but {len(lacking)} of {total} items have no {key!r}: "
        f"{listed}{more}. Add {key!r} to those items or delete them "
        f"(dataset.delete_items([...])); nothing was run."
    )


def default_name(task_name: str) -> str:
    return f"{task_name}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"


def existing_experiment(
    client: Client, dataset: Dataset, name: str, resume: bool, version: DatasetVersion | None = None
) -> dict[str, Any] | None:
    """The experiment to resume, or None for a new one; refuses a name already used on
    this dataset unless ``resume``, and resuming on another dataset version."""
    found = _api.experiments_named(client, dataset.id, name)
    ran_on = found[0].get("dataset_version_id") if len(found) == 1 else None
    if resume and len(found) == 1 and ran_on != (version.id if version else None):
        was = f"on dataset version {ran_on}" if ran_on else "on the current items"
        raise EvaluationInputError(
            f"experiment {name!r} ran {was}: resume it with the same dataset_version "
            f"({ran_on!r}), or pick another experiment_name"
        )
    if not found:
        return None
    if not resume:
        raise EvaluationInputError(
            f"dataset {dataset.name!r} already has an experiment named {name!r} (id "
            f"{found[0]['id']}, {found[0].get('trace_count', 0)} items run): pick another "
            "experiment_name, or pass resume=True to run only the items it has not done"
        )
    if len(found) > 1:
        ids = ", ".join(e["id"] for e in found)
        raise EvaluationInputError(
            f"{len(found)} experiments on {dataset.name!r} are named "
            f"{name!r} ({ids}); resume needs a unique name"
        )
    return found[0]


def done_items(client: Client, experiment: Mapping[str, Any]) -> set[str]:
    """The dataset items an experiment has already linked to a trace."""
    return {row["dataset_item_id"] for row in _api.experiment_items(client, experiment)}

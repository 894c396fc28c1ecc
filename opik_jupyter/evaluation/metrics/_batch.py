"""A metric on many items at once (threads or the event loop), and a metric's source for
an online rule."""

from __future__ import annotations

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ._base import Metric, MetricArgumentsError, ScoreResult, results_of

if TYPE_CHECKING:
    from ._base import BaseMetric

_PLAIN = (str, int, float, bool, type(None))


def _arguments(
    metric: BaseMetric, items: list[Any], mapping: dict[str, str]
) -> tuple[Metric, list[dict[str, Any]]]:
    """Every item's arguments, checked before anything runs."""
    wrapped = Metric.of(metric)
    found = []
    for index, item in enumerate(items):
        try:
            found.append(wrapped.arguments(item, mapping))
        except MetricArgumentsError as exc:
            raise MetricArgumentsError(
                f"{metric.name} (item {index})", exc.missing, exc.available, mapping
            ) from None
    return wrapped, found


def _one(name: str, returned: Any) -> Any:
    results = results_of(returned, name)
    return results[0] if len(results) == 1 else results


def _failed(name: str, exc: BaseException) -> ScoreResult:
    return ScoreResult.failed(name, f"{type(exc).__name__}: {exc}")


def score_batch(
    metric: BaseMetric, items: list[Any], mapping: dict[str, str], workers: int
) -> list[Any]:
    wrapped, arguments = _arguments(metric, items, mapping)

    def run(given: dict[str, Any]) -> Any:
        try:
            return _one(wrapped.name, metric.score(**given))
        except Exception as exc:  # one item failing fails its score, not the batch
            return _failed(wrapped.name, exc)

    with ThreadPoolExecutor(max(1, min(workers, len(arguments) or 1))) as pool:
        return list(pool.map(run, arguments))


async def ascore_batch(
    metric: BaseMetric, items: list[Any], mapping: dict[str, str], concurrency: int
) -> list[Any]:
    wrapped, arguments = _arguments(metric, items, mapping)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def run(given: dict[str, Any]) -> Any:
        async with gate:
            try:
                return _one(wrapped.name, await metric.ascore(**given))
            except Exception as exc:
                return _failed(wrapped.name, exc)

    return list(await asyncio.gather(*map(run, arguments)))


def online_source(metric: BaseMetric) -> str:
    """Source that makes the metric again with the same arguments and defines
    ``score(**arguments)`` returning ``[{"name", "value", "reason"}]``."""
    cls, args, kwargs = metric.__dict__.get("_made_with", (type(metric), (), {}))
    for value in (*args, *kwargs.values()):
        if not _plain(value):
            raise TypeError(
                f"{cls.__name__} was made with {value!r}, which cannot be written into a "
                "rule's source: only text, numbers, booleans, None and lists or dicts of "
                "those can. Write the rule's metric function yourself, making the metric "
                "inside it."
            )
    given = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    module = _importable(cls)
    return (
        f"from {module} import {cls.__name__}\n"
        "from opik_jupyter.evaluation.metrics._batch import online_results\n\n"
        f"_metric = {cls.__name__}({given})\n\n\n"
        "def score(**arguments):\n"
        "    return online_results(_metric, arguments)\n"
    )


def online_results(metric: BaseMetric, arguments: dict[str, Any]) -> list[dict[str, Any]]:
    """The metric's scores as the backend's rules want them (JSON); raises when it fails."""
    wrapped = Metric.of(metric)
    results = results_of(wrapped.call(**wrapped.arguments(arguments, {})), wrapped.name)
    return [
        {"name": r.name, "value": r.value, "reason": r.reason or ""}
        for r in results
        if not math.isnan(r.value)
    ]


def _importable(cls: type) -> str:
    """Where the backend's Python imports ``cls`` from."""
    from opik_jupyter.evaluation import metrics  # noqa: PLC0415 - the package is ours

    if getattr(metrics, cls.__name__, None) is cls:
        return metrics.__name__
    if cls.__module__ in ("__main__", "builtins") or cls.__module__.startswith("__"):
        raise TypeError(
            f"{cls.__name__} is defined in the notebook, so the backend cannot import it: "
            "give add_online_rule a function (or its source) instead"
        )
    return cls.__module__


def _plain(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)

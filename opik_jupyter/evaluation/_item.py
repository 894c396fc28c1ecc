"""One dataset item: run the task, score its output, record both on the item's trace.

Computing (:func:`compute_sync`, :func:`compute_async`) writes nothing but spans; the
coroutine that awaits it records the output, error and scores (:func:`record`). So when
an item times out, whatever its abandoned thread returns later is simply dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import functools
import math
from collections.abc import Awaitable, Iterator, Mapping
from typing import Any

from ..sdk import Span, Trace, log_feedback_score, start_span
from ..sdk._messages import error_info
from ._plan import Planned, RunSettings
from ._threads import DaemonPool
from .metrics import MetricArgumentsError, ScoreResult
from .metrics._base import Metric


@dataclasses.dataclass
class Outcome:
    """What computing an item gave: the output dict, or the task's error; the scores."""

    output: dict[str, Any] | None
    error: BaseException | None
    scores: list[ScoreResult]


def as_output(returned: Any) -> dict[str, Any]:
    """The task's return value as a dict: a dict as it is, anything else as ``{"output"}``."""
    if isinstance(returned, Mapping):
        return dict(returned)
    return {"output": returned}


@contextlib.contextmanager
def _task_span(settings: RunSettings, item: Planned) -> Iterator[Span | None]:
    """A span around the task call, unless the task is ``@track``-ed (it makes its own)."""
    if settings.tracked:
        yield None
        return
    with start_span(settings.task_name, input=item.task_input) as span:
        yield span


def _returned(span: Span | None, returned: Any) -> dict[str, Any]:
    output = as_output(returned)
    if span is not None:
        span.update(output=output)
    return output


def compute_sync(settings: RunSettings, item: Planned) -> Outcome:
    """Run a sync task and the metrics (in a pool thread)."""
    try:
        with _task_span(settings, item) as span:
            output = _returned(span, settings.task(item.task_input))
    except Exception as exc:  # the item's error, recorded on its trace
        return Outcome(None, exc, [])
    return Outcome(output, None, score_all(settings, item, output))


async def compute_async(settings: RunSettings, pool: DaemonPool, item: Planned) -> Outcome:
    """Await an async task, then run the metrics in a pool thread."""
    try:
        with _task_span(settings, item) as span:
            output = _returned(span, await settings.task(item.task_input))
    except Exception as exc:  # the item's error, recorded on its trace
        return Outcome(None, exc, [])
    job = functools.partial(contextvars.copy_context().run, score_all, settings, item, output)
    return Outcome(output, None, await asyncio.wrap_future(pool.submit(job)))


async def compute(settings: RunSettings, pool: DaemonPool, item: Planned) -> Outcome:
    """Compute an item within the timeout (a thread left running is replaced)."""
    work: Awaitable[Outcome]
    if settings.is_async:
        work = compute_async(settings, pool, item)
    else:
        job = functools.partial(contextvars.copy_context().run, compute_sync, settings, item)
        work = asyncio.wrap_future(pool.submit(job))
    try:
        return await asyncio.wait_for(work, settings.timeout)
    except TimeoutError:
        pool.add_worker()
        return Outcome(
            None,
            TimeoutError(
                f"the task did not finish within {settings.timeout:g} s (it may go on in the "
                "background; what it returns is ignored)"
            ),
            [],
        )


def score_all(settings: RunSettings, item: Planned, output: Mapping[str, Any]) -> list[ScoreResult]:
    """Every metric on one item, in a ``metrics`` span with a span per metric."""
    inputs = {**item.task_input, **output}
    results: list[ScoreResult] = []
    with start_span("metrics_calculation"):
        for metric in settings.metrics:
            results += _score(metric, inputs, settings.mapping)
    return results


def _score(
    metric: Metric, inputs: Mapping[str, Any], mapping: Mapping[str, str]
) -> list[ScoreResult]:
    with start_span(metric.name) as span:
        try:
            results = metric.score(inputs, mapping)
        except MetricArgumentsError as exc:
            results = [
                ScoreResult(
                    metric.name, math.nan, error=str(exc), metadata={"missing": exc.missing}
                )
            ]
        span.update(
            output={r.name: {"value": r.value, "reason": r.reason} for r in results if r.ok}
        )
        failed = [r for r in results if not r.ok]
        if failed:
            span.update(
                error_info={
                    "exception_type": "ScoringFailed",
                    "message": "; ".join(str(r.error) for r in failed),
                }
            )
    return results


def record(trace: Trace, item: Planned, outcome: Outcome, settings: RunSettings) -> None:
    """Put the output (or error), the notes and the scores on the item's trace."""
    notes: dict[str, Any] = {
        "experiment": settings.experiment_name,
        "dataset": settings.dataset_name,
        "dataset_item_id": item.id,
    }
    error = outcome.error
    if error is not None:
        notes["error"] = describe_error(error)
        trace.update(error_info=error_info((type(error), error, error.__traceback__)))
    else:
        trace.update(output=outcome.output)
    failed = {s.name: s.error for s in outcome.scores if not s.ok}
    if failed:
        notes["scoring_errors"] = failed
    trace.update(metadata={"evaluation": notes})
    for score in outcome.scores:
        if score.ok:
            log_feedback_score(
                score.name,
                score.value,
                score.reason,
                trace_id=trace.id,
                project_name=settings.project,
            )


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"

"""Conversation metrics over the threads the SDK traced: a thread (traces sharing a
``thread_id``) read back with the SDK's client, in order, as a conversation of user and
assistant messages, and scored."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from opik_jupyter.sdk import Client

from ._base import Metric, ScoreResult
from .heuristic import as_text

if TYPE_CHECKING:
    import pandas as pd

Transform = Callable[[Any], str]
_IN_KEYS = ("input", "question", "query", "message", "prompt", "content", "text")
_OUT_KEYS = ("output", "answer", "response", "reply", "content", "text")


def _pick(value: Any, keys: Sequence[str]) -> str:
    """The text of a trace's input or output: a known key of a dict, its only value, or
    the whole value as JSON."""
    if isinstance(value, Mapping):
        for key in keys:
            if isinstance(value.get(key), str):
                return str(value[key])
        if len(value) == 1:
            return as_text(next(iter(value.values())))
    return as_text(value)


def conversation_of_thread(
    thread_id: str,
    *,
    project_name: str | None = None,
    client: Client | None = None,
    input_transform: Transform | None = None,
    output_transform: Transform | None = None,
    context_transform: Callable[[dict[str, Any]], list[str] | None] | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The thread's traces, oldest first, as ``[{"role": "user", ...}, {"role":
    "assistant", ...}, ...]``: each trace's input (``input_transform``, default: its
    ``input``/``question``/... text) then its output; ``context_transform(trace)`` may
    give an answer's documents."""
    found = (client or Client()).search_traces(
        f"thread_id = {json.dumps(thread_id)}", project_name=project_name, limit=limit
    )
    if not found:
        raise LookupError(f"no trace has thread_id {thread_id!r} in this project")
    messages: list[dict[str, Any]] = []
    for trace in sorted(found, key=lambda t: str(t.get("start_time") or "")):
        messages.append({"role": "user", "content": (input_transform or _in)(trace.get("input"))})
        if trace.get("output") is not None:
            answer: dict[str, Any] = {
                "role": "assistant",
                "content": (output_transform or _out)(trace.get("output")),
            }
            documents = context_transform(trace) if context_transform else None
            if documents:
                answer["context"] = list(documents)
            messages.append(answer)
    return messages


def _in(value: Any) -> str:
    return _pick(value, _IN_KEYS)


def _out(value: Any) -> str:
    return _pick(value, _OUT_KEYS)


def evaluate_threads(
    metrics: Sequence[Any],
    *,
    thread_ids: Sequence[str] | None = None,
    filter: str | None = None,
    project_name: str | None = None,
    client: Client | None = None,
    input_transform: Transform | None = None,
    output_transform: Transform | None = None,
    context_transform: Callable[[dict[str, Any]], list[str] | None] | None = None,
    workers: int = 4,
    log_scores: bool = True,
) -> pd.DataFrame:
    """Score threads with conversation metrics: ``thread_ids``, or every thread of the
    traces ``filter`` finds (all of the project's by default). One row per thread and
    metric: ``thread_id``, ``metric``, ``value``, ``reason``, ``error`` (a metric that
    fails fails its row only). With ``log_scores`` each value is also logged on its thread
    as a feedback score (shown by ``oj.threads()`` and the ``Threads`` widget)."""
    import pandas as pd  # noqa: PLC0415 - pandas only when asked for a DataFrame

    client = client or Client()
    wrapped = [Metric.of(m) for m in metrics]
    if not wrapped:
        raise ValueError("give at least one conversation metric")
    if thread_ids is None:
        traces = client.search_traces(filter, project_name=project_name, limit=None)
        thread_ids = sorted({str(t["thread_id"]) for t in traces if t.get("thread_id")})

    def score(thread_id: str) -> list[dict[str, Any]]:
        conversation = conversation_of_thread(
            thread_id,
            project_name=project_name,
            client=client,
            input_transform=input_transform,
            output_transform=output_transform,
            context_transform=context_transform,
        )
        rows = []
        for metric in wrapped:
            for result in metric.score({"conversation": conversation}, {}):
                rows.append(_row(thread_id, result))
        return rows

    with ThreadPoolExecutor(max(1, workers)) as pool:
        rows = [row for part in pool.map(score, thread_ids) for row in part]
    if log_scores:
        scored = [
            {k: row[k] for k in ("thread_id", "value", "reason")} | {"name": row["metric"]}
            for row in rows
            if row["error"] is None and row["value"] is not None
        ]
        if scored:
            client.log_thread_scores(scored, project_name)
    return pd.DataFrame(rows, columns=["thread_id", "metric", "value", "reason", "error"])


def _row(thread_id: str, result: ScoreResult) -> dict[str, Any]:
    return {
        "thread_id": thread_id,
        "metric": result.name,
        "value": result.value,
        "reason": result.reason,
        "error": result.error,
    }

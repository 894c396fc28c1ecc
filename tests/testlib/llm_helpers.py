"""Reading back what the LLM integrations recorded, from the real backend."""

from __future__ import annotations

from typing import Any

import opik_jupyter as oj
from opik_jupyter.testing.llm_server import FakeLLMServer

from .trees import tree_of

USER = [{"role": "user", "content": "capital of France?"}]


def delivered() -> None:
    result = oj.flush(30)
    assert result.delivered, result


def traces(client: oj.Client, project: str) -> list[dict[str, Any]]:
    """Every trace of ``project`` with its spans, oldest first."""
    delivered()
    found = client.search_traces(project_name=project, limit=None)
    return [client.get_trace(t["id"]) for t in reversed(found)]


def llm_spans(client: oj.Client, project: str) -> list[dict[str, Any]]:
    """The ``llm`` spans of every trace of ``project``, oldest first."""
    spans = [span for trace in traces(client, project) for span in trace["spans"]]
    return sorted((s for s in spans if s["type"] == "llm"), key=lambda s: s["start_time"])


def only_span(client: oj.Client, project: str) -> dict[str, Any]:
    """The one span of the one trace of ``project``."""
    [trace] = traces(client, project)
    [span] = trace["spans"]
    return span


def tree(client: oj.Client, project: str) -> Any:
    [trace] = traces(client, project)
    return tree_of(trace)


def usage(prompt: int, completion: int, **original: int) -> dict[str, int]:
    """The usage of a span: totals plus the provider's own counters."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        **{f"original_usage.{key}": value for key, value in original.items()},
    }


def openai_usage(prompt: int, completion: int) -> dict[str, int]:
    """What ``FakeLLMServer`` reports for a chat completion, as the span keeps it."""
    return usage(
        prompt,
        completion,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        **{
            "prompt_tokens_details.cached_tokens": 0,
            "prompt_tokens_details.audio_tokens": 0,
            "completion_tokens_details.reasoning_tokens": 0,
            "completion_tokens_details.audio_tokens": 0,
        },
    )


def tokens(text: str) -> int:
    """The fake server's token count of ``text``."""
    return max(1, -(-len(text) // 4))


__all__ = [
    "USER",
    "FakeLLMServer",
    "delivered",
    "llm_spans",
    "only_span",
    "openai_usage",
    "tokens",
    "traces",
    "tree",
    "usage",
]


def in_cell(shell: Any, code: str, **names: Any) -> None:
    """Run ``code`` as a ``%%opik_track`` cell of ``shell`` (an IPython shell with the
    extension loaded), with ``names`` defined in the notebook; its errors are raised."""
    shell.user_ns.update(names)
    result = shell.run_cell(f"%%opik_track --name cell --no-display\n{code}", store_history=True)
    result.raise_error()


def cell_spans(client: oj.Client, project: str) -> list[dict[str, Any]]:
    """The spans of the one trace of ``project`` (the cell's), oldest first."""
    [trace] = traces(client, project)
    assert trace["name"] == "cell"
    return sorted(trace["spans"], key=lambda s: s["start_time"])


def priced(span: dict[str, Any]) -> None:
    """``span`` is an LLM span with usage whose total adds up, and a cost."""
    assert span["type"] == "llm"
    counts = span["usage"]
    assert counts["prompt_tokens"] > 0
    assert counts["completion_tokens"] > 0
    assert counts["total_tokens"] == counts["prompt_tokens"] + counts["completion_tokens"]
    assert span["total_estimated_cost"] > 0

"""Expected trace trees, and the same shape rebuilt from what the backend returns.

Build the expected tree with :class:`T` and :class:`S`; fields left out match anything.
:func:`tree_of` turns a ``get_trace`` result into a :class:`T` whose spans are nested by
``parent_span_id`` and ordered by start time, so a test asserts the whole tree at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class _Anything:
    """Equal to everything (a hashable ``unittest.mock.ANY``)."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Anything()


@dataclass
class S:
    """An expected span."""

    name: Any
    type: Any = "general"
    input: Any = ANY
    output: Any = ANY
    metadata: Any = ANY
    tags: Any = ANY
    error: Any = None
    model: Any = ANY
    provider: Any = ANY
    usage: Any = ANY
    spans: list[S] = field(default_factory=list)


@dataclass
class T:
    """An expected trace."""

    name: Any
    input: Any = ANY
    output: Any = ANY
    metadata: Any = ANY
    tags: Any = ANY
    error: Any = None
    thread_id: Any = ANY
    spans: list[S] = field(default_factory=list)


def tree_of(trace: dict[str, Any]) -> T:
    """The trace (with its ``spans``) as a :class:`T`."""
    spans = sorted(trace.get("spans", []), key=lambda s: (s["start_time"], s["id"]))
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in spans:
        children.setdefault(span.get("parent_span_id"), []).append(span)

    def build(span: dict[str, Any]) -> S:
        return S(
            name=span["name"],
            type=span["type"],
            input=span.get("input"),
            output=span.get("output"),
            metadata=span.get("metadata"),
            tags=sorted(span.get("tags") or []),
            error=_error(span),
            model=span.get("model"),
            provider=span.get("provider"),
            usage=span.get("usage") or None,
            spans=[build(child) for child in children.get(span["id"], [])],
        )

    return T(
        name=trace["name"],
        input=trace.get("input"),
        output=trace.get("output"),
        metadata=trace.get("metadata"),
        tags=sorted(trace.get("tags") or []),
        error=_error(trace),
        thread_id=trace.get("thread_id"),
        spans=[build(span) for span in children.get(None, [])],
    )


def _error(item: dict[str, Any]) -> str | None:
    info = item.get("error_info")
    return info["exception_type"] if info else None


def only_trace(client: Any, project: str) -> dict[str, Any]:
    """The single trace of ``project``, with its spans."""
    found = client.search_traces(project_name=project)
    assert len(found) == 1, f"expected one trace, found {len(found)}"
    trace = client.get_trace(found[0]["id"])
    assert trace is not None
    return trace


def all_trees(client: Any, project: str) -> list[T]:
    """Every trace of ``project`` as a tree, oldest first."""
    found = client.search_traces(project_name=project, limit=None)
    return [tree_of(client.get_trace(t["id"])) for t in reversed(found)]

"""Plain-text renderings of the views (terminals, ``text/plain``, logs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._html import duration_text, walk


def tree_text(data: Mapping[str, Any], max_lines: int = 40) -> str:
    """The tree, one line per span: name, type, model, tokens and duration."""
    trace = data.get("trace")
    if not trace:
        return "TraceTree(no trace)"
    lines = []
    for node, depth in walk(trace, data.get("spans") or ()):
        usage = node.get("usage") or {}
        facts = [
            str(node.get("type")),
            node.get("model") or "",
            f"{int(usage['total_tokens'])} tokens" if usage.get("total_tokens") else "",
            duration_text(node.get("duration_ms")),
            "ERROR" if node.get("error") else "",
        ]
        lines.append(f"{'  ' * depth}{node['name']} [{', '.join(f for f in facts if f)}]")
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... {len(lines) - max_lines} more"]
    return "\n".join(lines)


def table_text(project: str, rows: Sequence[Mapping[str, Any]], total: int) -> str:
    """A page of traces, one line each."""
    lines = [f"Traces of {project!r} ({total} in all)"]
    for row in rows:
        flag = " ERROR" if row.get("error") else ""
        lines.append(
            f"  {row.get('start_time') or ''}  {row.get('name')}  "
            f"{duration_text(row.get('duration_ms'))}{flag}"
        )
    return "\n".join(lines)

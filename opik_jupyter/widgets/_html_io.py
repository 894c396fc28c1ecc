"""Inputs and outputs of a trace's spans in static HTML (exported notebooks): an LLM call
as its conversation, anything else as readable JSON, every payload and the whole section
under a size cap that says what it left out. Every trace string goes through ``esc``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._conversation import Message, conversation
from ._format import esc

MAX_PAYLOAD_CHARS = 4_000
"""Characters of one input, output or message kept in the export."""
MAX_SECTION_CHARS = 120_000
"""Characters of payload text in one trace's export; later spans keep their names only."""

_DIM = "opacity:0.7"
_PRE = "white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0 6px;font-size:12px"
_ROLE_COLORS = {"system": "#bc4c00", "user": "#0969da", "assistant": "#8250df", "tool": "#1a7f37"}


def pretty(value: Any, depth: int = 0) -> str:
    """``value`` as indented JSON whose strings keep their line breaks and quotes as they
    are (a top-level string is shown as itself)."""
    if isinstance(value, str):
        return value if depth == 0 else f'"{value}"'
    pad = "  " * (depth + 1)
    if isinstance(value, Mapping) and value:
        items = [f'{pad}"{key}": {pretty(item, depth + 1)}' for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list) and value:
        items = [pad + pretty(item, depth + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def capped(text: str, limit: int = MAX_PAYLOAD_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters cut from the export]"


def payloads_html(nodes: list[Mapping[str, Any]]) -> str:
    """A section per trace or span with input or output: the trace and LLM calls open."""
    budget = MAX_SECTION_CHARS
    parts: list[str] = []
    left_out = 0
    for node in nodes:
        if node.get("input") is None and node.get("output") is None:
            continue
        if budget <= 0:
            left_out += 1
            continue
        body = _node_body(node)
        budget -= len(body)
        parts.append(_section(node, body))
    if left_out:
        parts.append(
            f'<div style="{_DIM}">inputs and outputs of {left_out} more span(s) left out: '
            f"the export keeps {MAX_SECTION_CHARS:,} characters of them per trace</div>"
        )
    if not parts:
        return ""
    return (
        '<div class="opik-trace-io" style="margin-top:6px">'
        '<div style="font-weight:600">Inputs and outputs</div>' + "".join(parts) + "</div>"
    )


def _section(node: Mapping[str, Any], body: str) -> str:
    kind = node.get("type")
    is_open = " open" if kind in ("trace", "llm") else ""
    facts = " · ".join(esc(f) for f in (kind, node.get("model")) if f)
    return (
        f'<details{is_open} style="margin:2px 0 2px 8px"><summary><b>{esc(node.get("name"))}</b>'
        f' <span style="{_DIM}">{facts}</span></summary>{body}</details>'
    )


def _node_body(node: Mapping[str, Any]) -> str:
    turns = (
        conversation(node.get("input"), node.get("output")) if node.get("type") == "llm" else None
    )
    if turns:
        return '<div class="opik-chat">' + "".join(_turn(turn) for turn in turns) + "</div>"
    labels = ("input", "output", "metadata")[: 3 if node.get("type") == "trace" else 2]
    return "".join(
        f'<div style="{_DIM}">{label}</div>{_pre(node[label])}'
        for label in labels
        if node.get(label) is not None
    )


def _pre(value: Any) -> str:
    return f'<pre style="{_PRE}">{esc(capped(pretty(value)))}</pre>'


def _turn(turn: Message) -> str:
    color = _ROLE_COLORS.get(turn["role"], "#57606a")
    call = turn["tool_call_id"]
    result_of = (
        f'<span style="{_DIM};font-size:11px"> · result of {esc(call)}</span>' if call else ""
    )
    calls = "".join(
        f'<div style="{_DIM}">calls <code>{esc(call["name"])}</code>'
        f"{' · ' + esc(call['id']) if call['id'] else ''}</div>"
        f"{_pre(call['arguments'])}"
        for call in turn["tool_calls"]
    )
    parts = "".join(
        f'<pre style="{_PRE}">{esc(capped(pretty(part)))}</pre>' for part in turn["parts"]
    )
    text = f'<div style="{_PRE}">{esc(capped(turn["text"]))}</div>' if turn["text"] else ""
    return (
        f'<div class="opik-turn" data-role="{esc(turn["role"])}" style="border-left:3px solid '
        f'{color};padding:2px 8px;margin:4px 0"><div style="color:{color};font-size:11px;'
        f'font-weight:600;text-transform:uppercase;display:inline">{esc(turn["role"])}</div>{result_of}{text}{calls}{parts}</div>'
    )

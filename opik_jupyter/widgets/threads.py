"""``Threads``: a project's conversations. The threads are listed (turns, last activity,
cost, status, scores); picking one shows its turns as a chat, each with its scores, then
the thread's scores and comments. Exported notebooks get a static rendering of the same."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import anywidget
import traitlets

from ..sdk import Client
from ._assets import asset
from ._format import cost_text, esc
from ._html import duration_text
from ._static import StaticFallback

_TEXT_KEYS = (
    "input",
    "question",
    "query",
    "message",
    "prompt",
    "output",
    "answer",
    "response",
    "content",
    "text",
)
_CELL = "padding:3px 8px;border-bottom:1px solid #8c959f55;text-align:left;vertical-align:top"
_TABLE = "font-family:system-ui,sans-serif;font-size:13px;border-collapse:collapse"
_TURN = "margin:2px 0;padding:2px 8px;border-left:3px solid {color};white-space:pre-wrap"
_ROLE_COLOURS = {"user": "#0969da", "assistant": "#8250df"}
_TURN_FIELDS = (
    "id",
    "name",
    "start_time",
    "duration",
    "input",
    "output",
    "total_estimated_cost",
    "feedback_scores",
)


class Threads(StaticFallback, anywidget.AnyWidget):
    """The conversations of ``project`` (default: the configured one), most recently active
    first; ``selected`` names the thread shown (default: the newest)."""

    _esm = asset("threads.js")
    _css = asset("threads_view.css")

    data = traitlets.Dict().tag(sync=True)
    """``{"project", "threads": [...], "error"}``."""
    selected = traitlets.Unicode("").tag(sync=True)
    turns: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(
        self,
        project: str | None = None,
        *,
        selected: str | None = None,
        limit: int = 200,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        self._client = client or Client()
        self._project = project or self._client.project
        self._limit = limit
        super().__init__(data=self._load(), **kwargs)
        threads = self.data["threads"]
        self.selected = selected or (threads[0]["id"] if threads else "")
        self._load_turns()

    def _load(self) -> dict[str, Any]:
        threads = self._client.list_threads(project_name=self._project, limit=self._limit)
        return {"project": self._project, "threads": threads, "error": None}

    @traitlets.observe("selected")
    def _selected_changed(self, _change: Mapping[str, Any]) -> None:
        self._load_turns()

    def _load_turns(self) -> None:
        if not self.selected:
            self.turns = []
            return
        try:
            found = self._client.thread_turns(self.selected, self._project)
        except Exception as exc:  # shown in the widget instead of raising in a comm callback
            self.data = {**self.data, "error": f"could not read thread {self.selected}: {exc}"}
            return
        self.turns = [{k: t.get(k) for k in _TURN_FIELDS} for t in found]

    def refresh(self) -> None:
        """Read the threads (and the selected one's turns) again."""
        self.data = self._load()
        self._load_turns()

    def static_text(self) -> str:
        return threads_text(self.data)

    def static_html(self) -> str:
        return threads_html(self.data, self.selected, self.turns)


def text_of(value: Any) -> str:
    """The readable text of a turn's input or output (a known key, a lone value, or JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in _TEXT_KEYS:
            if isinstance(value.get(key), str):
                return str(value[key])
        if len(value) == 1:
            return text_of(next(iter(value.values())))
    return json.dumps(value, indent=2, ensure_ascii=False)


def _scores(scores: Sequence[Mapping[str, Any]] | None) -> str:
    return ", ".join(f"{s['name']} {float(s['value']):.3g}" for s in scores or ())


def threads_text(data: Mapping[str, Any]) -> str:
    """Plain text: a line per thread."""
    threads = data.get("threads") or []
    lines = [f"Threads of {data.get('project')!r}: {len(threads)} conversations"]
    for t in threads:
        scores = _scores(t.get("feedback_scores"))
        lines.append(
            f"  {t['id']}  {t.get('number_of_messages')} turns  {t.get('status') or ''}"
            f"  {cost_text(t.get('total_estimated_cost'))}{'  ' + scores if scores else ''}"
        )
    return "\n".join(lines)


def threads_html(data: Mapping[str, Any], selected: str, turns: Sequence[Mapping[str, Any]]) -> str:
    """Static HTML: the threads table, then the selected thread's turns, scores and comments."""
    threads = data.get("threads") or []
    head = "".join(
        f'<th style="{_CELL}">{h}</th>'
        for h in ("thread", "first message", "turns", "duration", "cost", "status", "scores")
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td style="{_CELL}">{esc(value)}</td>'
            for value in (
                t["id"],
                text_of(t.get("first_message"))[:90],
                t.get("number_of_messages"),
                duration_text(t.get("duration")),
                cost_text(t.get("total_estimated_cost")),
                t.get("status") or "",
                _scores(t.get("feedback_scores")),
            )
        )
        + "</tr>"
        for t in threads
    )
    chosen = next((t for t in threads if t["id"] == selected), None)
    return (
        f"<div><b>Threads of {esc(data.get('project'))}</b> ({len(threads)} conversations)"
        f'<table style="{_TABLE}"><tr>{head}</tr>{rows}</table>'
        f"{_thread_html(chosen, turns) if chosen else ''}</div>"
    )


def _thread_html(thread: Mapping[str, Any], turns: Sequence[Mapping[str, Any]]) -> str:
    parts = [f'<div style="margin-top:8px"><b>{esc(thread["id"])}</b></div>']
    for n, turn in enumerate(turns, 1):
        scores = _scores(turn.get("feedback_scores"))
        parts.append(
            f'<div style="margin-top:6px"><i>turn {n}</i>{" · " + esc(scores) if scores else ""}'
            "</div>"
        )
        for role, value in (("user", turn.get("input")), ("assistant", turn.get("output"))):
            if value is not None:
                style = _TURN.format(color=_ROLE_COLOURS[role])
                parts.append(f'<div style="{style}"><b>{role}</b> {esc(text_of(value))}</div>')
    scores = _scores(thread.get("feedback_scores"))
    parts.append(f'<div style="margin-top:6px"><b>Thread scores</b> {esc(scores or "none")}</div>')
    for comment in thread.get("comments") or ():
        parts.append(
            f'<div style="{_TURN.format(color="#8c959f")}">💬 {esc(comment["text"])}</div>'
        )
    return "".join(parts)

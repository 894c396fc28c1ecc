"""``AnnotationQueue``: walk through a queue's traces (or threads) one at a time, score each
as the queue asks and leave a comment; the scores are stored on the traces, and progress is
read back from them (it survives a kernel restart and counts other reviewers' work)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anywidget
import traitlets

from ..sdk import Client, HttpStatusError
from ..sdk._annotation_queues import (
    AnnotationQueueError,
    annotation_queue_progress,
    feedback_definitions,
    get_annotation_queue,
)
from ._assets import asset
from ._html import esc
from ._static import StaticFallback, tree_or_error

THREAD_TURNS = 50


class AnnotationQueue(StaticFallback, anywidget.AnyWidget):
    """Review a queue (by id or name): the current item's trace tree (or a thread's
    conversation), a control per score the queue asks for (categories as buttons, numbers
    as a slider), a comment box, Save & next, and ``n of m done``.

    ``save(scores, comment)`` does from Python what the Save button does.
    """

    _esm = asset("annotation_queue.js")
    _css = asset("opik.css")

    queue = traitlets.Dict().tag(sync=True)
    """``{"id", "name", "scope", "project_name", "instructions", "comments_enabled"}``."""
    definitions: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    """The feedback definitions of the scores each item needs, in the queue's order."""
    items: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    """``[{"id", "done"}]`` in the queue's order."""
    index = traitlets.Int(0).tag(sync=True)
    item = traitlets.Dict().tag(sync=True)
    """The current item: ``{"id", "scores": {name: value}, "comments": [...], "trace"`` (the
    tree's view model) or ``"turns"`` (a thread's traces, oldest first)``}``."""
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        queue: str,
        *,
        project: str | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        self._client = client or Client()
        found = get_annotation_queue(queue, project=project, client=self._client)
        names = list(found.get("feedback_definition_names") or [])
        super().__init__(
            queue={
                key: found.get(key)
                for key in ("id", "name", "scope", "project_name", "instructions")
            }
            | {"comments_enabled": found.get("comments_enabled", True)},
            definitions=[_definition_view(d) for d in feedback_definitions(names, self._client)],
            **kwargs,
        )
        self._scores: dict[str, dict[str, Any]] = {}
        self.on_msg(self._on_message)
        self.refresh()

    # -- progress ------------------------------------------------------------------------

    @property
    def done(self) -> int:
        return sum(bool(item["done"]) for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    def refresh(self, index: int | None = None) -> None:
        """Read the items and their scores again; show ``index`` or the first not done."""
        progress = annotation_queue_progress(self.queue["id"], client=self._client)
        self._scores = {item["id"]: item for item in progress["items"]}
        self.items = [{"id": i["id"], "done": bool(i["done"])} for i in progress["items"]]
        if index is None:
            index = next((n for n, i in enumerate(self.items) if not i["done"]), 0)
        self.show(index)

    def show(self, index: int) -> None:
        """Open the item at ``index`` (clamped to the queue)."""
        if not self.items:
            self.index, self.item = 0, {}
            return
        self.index = max(0, min(index, len(self.items) - 1))
        item_id = self.items[self.index]["id"]
        stored = self._scores.get(item_id, {})
        view: dict[str, Any] = {
            "id": item_id,
            "scores": {s["name"]: s["value"] for s in stored.get("feedback_scores", [])},
            "comments": [c.get("text", "") for c in stored.get("comments", [])],
        }
        if self.queue["scope"] == "thread":
            view["turns"] = self._turns(item_id)
        else:
            view["trace"], problem = tree_or_error(item_id, self._client)
            if problem:
                view["problem"] = problem
        self.item = view

    # -- saving --------------------------------------------------------------------------

    def save(
        self, scores: Mapping[str, float], comment: str | None = None, advance: bool = True
    ) -> None:
        """Store the current item's scores (every score the queue asks for) and comment,
        then (``advance``) open the next item not done."""
        if not self.item:
            raise AnnotationQueueError("the queue has no items to score")
        rows = [self._score_row(name, value) for name, value in scores.items()]
        missing = [d["name"] for d in self.definitions if d["name"] not in scores]
        if missing:
            raise AnnotationQueueError(f"score {', '.join(missing)} before saving this item")
        item_id, scope = self.item["id"], self.queue["scope"]
        if rows:
            path = "traces/threads" if scope == "thread" else "traces"
            self._client.request("PUT", f"v1/private/{path}/feedback-scores", {"scores": rows})
        if comment and comment.strip():
            self._comment(item_id, comment.strip())
        current = self.index
        self.refresh(None if advance else current)

    def _score_row(self, name: str, value: float) -> dict[str, Any]:
        definition = next((d for d in self.definitions if d["name"] == name), None)
        if definition is None:
            raise AnnotationQueueError(f"this queue does not ask for a score named {name!r}")
        row: dict[str, Any] = {
            "name": name,
            "value": float(value),
            "source": "ui",
            "project_name": self.queue["project_name"],
        }
        options = definition.get("options")
        if options:
            labels = [o["label"] for o in options if o["value"] == float(value)]
            if not labels:
                allowed = ", ".join(f"{o['label']}={o['value']:g}" for o in options)
                raise AnnotationQueueError(f"{name}: {value!r} is none of {allowed}")
            row["category_name"] = labels[0]
        elif not definition["min"] <= float(value) <= definition["max"]:
            raise AnnotationQueueError(
                f"{name}: {value!r} is outside {definition['min']:g}..{definition['max']:g}"
            )
        key = "thread_id" if self.queue["scope"] == "thread" else "id"
        row[key] = self.item["id"]
        return row

    def _comment(self, item_id: str, text: str) -> None:
        if self.queue["scope"] == "trace":
            self._client.add_trace_comment(item_id, text)
            return
        try:
            self._client.add_thread_comment(item_id, text, self.queue["project_name"])
        except LookupError as exc:
            raise AnnotationQueueError(str(exc)) from exc

    def _on_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        """The front end's requests: ``save`` and ``show``; a failure is shown, not raised
        (cleared first, so the same error twice still redraws the form)."""
        self.error = ""
        try:
            if content.get("type") == "save":
                self.save(dict(content.get("scores") or {}), content.get("comment"))
            elif content.get("type") == "show":
                self.show(int(content.get("index", 0)))
        except (AnnotationQueueError, HttpStatusError, OSError, ValueError) as exc:
            self.error = str(exc)
        self.send({"type": "handled"})  # the form is drawn again even if nothing changed

    def _turns(self, thread_id: str) -> list[dict[str, Any]]:
        traces = self._client.search_traces(
            f'thread_id = "{thread_id}"', self.queue["project_name"], THREAD_TURNS
        )
        traces.sort(key=lambda t: str(t.get("start_time") or ""))
        return [{k: t.get(k) for k in ("id", "name", "input", "output")} for t in traces]

    # -- static renderings ---------------------------------------------------------------

    def static_text(self) -> str:
        return f"Annotation queue {self.queue.get('name')}: {self.done} of {self.total} done"

    def static_html(self) -> str:
        return f"<div>{esc(self.static_text())}</div>"


def _definition_view(definition: Mapping[str, Any]) -> dict[str, Any]:
    """What the front end needs of a feedback definition: options or a range."""
    details = definition.get("details") or {}
    view: dict[str, Any] = {"name": definition["name"], "type": definition["type"]}
    if definition["type"] == "categorical":
        categories = details.get("categories") or {}
        view["options"] = [
            {"label": label, "value": float(value)}
            for label, value in sorted(categories.items(), key=lambda kv: kv[1])
        ]
    elif definition["type"] == "boolean":
        view["options"] = [
            {"label": details.get("true_label") or "Yes", "value": 1.0},
            {"label": details.get("false_label") or "No", "value": 0.0},
        ]
    else:
        view["min"] = float(details.get("min", 0))
        view["max"] = float(details.get("max", 1))
    return view

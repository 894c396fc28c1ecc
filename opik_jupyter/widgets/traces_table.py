"""``TracesTable``: the newest traces of a project, paged and filtered on the server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anywidget
import traitlets

from ..sdk import Client
from ..sdk._config import current as current_config
from . import _trace_view_model
from ._assets import asset
from ._html import table_html
from ._text import table_text
from .trace_tree import fetch_trace

_QUERY_TRAITS = ("project", "page", "page_size", "search")


class TracesTable(anywidget.AnyWidget):
    """Newest traces of a project: name, start, duration, tokens, cost, scores, errors.

    ``page`` and ``search`` (free text in id, name, input and output, matched by the
    backend) are synced, so the table's pager and filter box drive them; changing them
    from Python works too. Clicking a row opens its span tree inside the widget
    (``selected``); :meth:`open_trace` does the same from Python.
    """

    _esm = asset("traces_table.js")
    _css = asset("opik.css")

    project = traitlets.Unicode().tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    page = traitlets.Int(1).tag(sync=True)
    page_size = traitlets.Int(25).tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    loading = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict().tag(sync=True)
    """The tree (view model) of the opened trace, or empty."""

    def __init__(
        self,
        project: str | None = None,
        *,
        page_size: int = 25,
        search: str = "",
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project=project or current_config().project,
            page_size=page_size,
            search=search,
            **kwargs,
        )
        self._client = client or Client(project=self.project)
        self._fetched: tuple[Any, ...] | None = None
        self.observe(self._on_query, names=list(_QUERY_TRAITS))
        self.on_msg(self._on_message)
        self.refresh()

    def refresh(self) -> None:
        """Read the current page again."""
        self.loading = True
        try:
            page = self._client.list_traces(
                self.project,
                self.page,
                self.page_size,
                self.search,
                exclude=("input", "output", "metadata"),
            )
            self.rows = [row_of(trace) for trace in page.get("content") or ()]
            self.total = int(page.get("total") or 0)
            self.error = ""
        except Exception as exc:  # the widget shows what went wrong instead of breaking
            self.error = f"could not read traces: {exc}"
        finally:
            self._fetched = self._query()
            self.loading = False

    def open_trace(self, trace_id: str) -> None:
        """Show the span tree of ``trace_id`` inside the table."""
        try:
            self.selected = _trace_view_model.from_stored(fetch_trace(trace_id, self._client))
            self.error = ""
        except Exception as exc:  # shown in the widget
            self.error = f"could not open trace {trace_id}: {exc}"

    def close(self) -> None:
        """Close the widget and its HTTP client."""
        self._client.close()
        super().close()

    def _query(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _QUERY_TRAITS)

    def _on_query(self, change: Mapping[str, Any]) -> None:
        if change["name"] != "page" and self.page != 1:
            self.page = 1  # a new filter starts on its first page (this comes back here)
            return
        if self._query() != self._fetched:  # the front end sets page and search together
            self.refresh()

    def _on_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        if content.get("type") == "open" and content.get("trace_id"):
            self.open_trace(str(content["trace_id"]))
        elif content.get("type") == "refresh":
            self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data["text/plain"] = table_text(self.project, self.rows, self.total)
        data["text/html"] = table_html(self.project, self.rows, self.page, self.total)
        return data, metadata


def row_of(trace: Mapping[str, Any]) -> dict[str, Any]:
    """One table row from a trace of the backend's list."""
    return {
        "id": str(trace.get("id")),
        "name": _trace_view_model.text(trace.get("name") or ""),
        "start_time": trace.get("start_time"),
        "duration_ms": _trace_view_model.number(trace.get("duration")),
        "total_tokens": _trace_view_model.total_tokens(trace.get("usage")),
        "cost": _trace_view_model.number(trace.get("total_estimated_cost")),
        "scores": _trace_view_model.scores(trace.get("feedback_scores")),
        "error": bool(trace.get("error_info")),
        "span_count": trace.get("span_count"),
    }

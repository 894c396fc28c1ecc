"""``TraceTree``: the span tree of one trace, with timeline bars, payloads and scores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anywidget
import ipywidgets
import traitlets

from ..sdk import Client, delivery_status, flush
from . import _trace_view_model
from ._assets import asset, text_of
from ._html import tree_html
from ._text import tree_text


class TraceTree(anywidget.AnyWidget):
    """The span tree of a trace: timeline bars, type, model, tokens, cost, payloads, errors.

    Build it from a stored trace with :meth:`from_trace` or :func:`show_trace`; the
    ``%%opik_track`` magic feeds one live while its cell runs. In exported notebooks the
    ``text/html`` part of its MIME bundle shows the same tree as static HTML.
    """

    _esm = traitlets.Unicode(text_of(asset("trace_tree.js"))).tag(sync=True)
    _css = traitlets.Unicode(text_of(asset("opik.css"))).tag(sync=True)
    _anywidget_id = traitlets.Unicode(f"{__name__}.TraceTree").tag(sync=True)

    data = traitlets.Dict().tag(sync=True)
    """The view model (see ``opik_jupyter/widgets/_trace_view_model.py``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("layout", shared_layout())  # one Layout model, not one per tree
        super().__init__(**kwargs)

    def add_traits(self, **traits: Any) -> None:
        """anywidget adds ``_esm``, ``_css`` and ``_anywidget_id`` to each instance, which
        builds a new class per tree (a cell's display pays for it): declared once here."""
        new = {name: trait for name, trait in traits.items() if name not in _DECLARED}
        if new:
            super().add_traits(**new)

    @classmethod
    def from_trace(cls, trace: Mapping[str, Any]) -> TraceTree:
        """A tree of a trace as the read client returns it (``get_trace(id)``)."""
        return cls(data=_trace_view_model.from_stored(trace))

    @classmethod
    def from_id(cls, trace_id: str, client: Client | None = None) -> TraceTree:
        """Fetch a trace (after sending what is still queued here) and build its tree."""
        return cls.from_trace(fetch_trace(trace_id, client))

    @property
    def trace_id(self) -> str | None:
        return (self.data.get("trace") or {}).get("id")

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data["text/plain"] = tree_text(self.data)
        data["text/html"] = tree_html(self.data)
        return data, metadata


_DECLARED = frozenset({"_esm", "_css", "_anywidget_id"})
_layout: list[ipywidgets.Layout] = []


def shared_layout() -> ipywidgets.Layout:
    """The default Layout widget shared by the trees (each new one costs a comm)."""
    if not _layout or _layout[0].comm is None:
        _layout[:] = [ipywidgets.Layout()]
    return _layout[0]


def fetch_trace(trace_id: str, client: Client | None = None) -> dict[str, Any]:
    """The stored trace with its spans and ``attachments``; raises ``LookupError`` if the
    backend has none."""
    if delivery_status().pending:
        flush(timeout=10.0)
    reader = client or Client()
    try:
        trace = reader.get_trace(trace_id)
        if trace is None:
            raise LookupError(f"no trace {trace_id!r} in this workspace (not sent yet?)")
        trace["attachments"] = reader.files_of(trace)
    finally:
        if client is None:
            reader.close()
    return trace


def show_trace(trace_id: str, client: Client | None = None) -> TraceTree:
    """The tree widget of any stored trace (display it, or leave it as the cell's value)."""
    return TraceTree.from_id(trace_id, client)

"""What the experiment widgets share: static renderings in their MIME bundle, and opening a
trace tree inside a widget."""

from __future__ import annotations

from typing import Any

from ..sdk import Client
from . import _trace_view_model
from .trace_tree import fetch_trace

Bundle = tuple[dict[str, Any], dict[str, Any]]


class StaticFallback:
    """Mixin for an anywidget: its MIME bundle also carries ``text/plain`` and
    ``text/html`` (what exported notebooks and terminals show)."""

    def static_text(self) -> str:
        raise NotImplementedError

    def static_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> Bundle | None:
        bundle: Bundle | None = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if bundle is not None:
            bundle[0].update({"text/plain": self.static_text(), "text/html": self.static_html()})
        return bundle


def tree_or_error(trace_id: str, client: Client | None) -> tuple[dict[str, Any], str]:
    """The tree view model of a stored trace and ``""``, or ``{}`` and what went wrong."""
    try:
        return _trace_view_model.from_stored(fetch_trace(trace_id, client)), ""
    except Exception as exc:  # the widget shows it instead of raising in a comm callback
        return {}, f"could not open trace {trace_id}: {exc}"

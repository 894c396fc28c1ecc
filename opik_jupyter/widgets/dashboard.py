"""``Dashboard``: a project's traces, tokens, cost, latency, error rate and feedback scores
over time, as charts; a table of the same numbers in exported notebooks."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from ..sdk import Client
from ._assets import asset
from ._dashboard_html import dashboard_html, dashboard_text
from ._dashboard_model import build
from ._static import StaticFallback

RANGES = (1, 7, 30, 90)
"""The ranges (days) the widget's picker offers."""


class Dashboard(StaticFallback, anywidget.AnyWidget):
    """Charts of a project (the SDK's current one by default) over the last ``days`` days:
    traces, tokens, cost, latency p50/p95/p99, error rate and feedback-score means per
    hour (up to two days), day (up to 90) or week. The range can be changed in the widget;
    ``refresh()`` reads the numbers again. Everything comes from the backend's project
    metrics endpoint."""

    _esm = asset("dashboard.js")
    _css = asset("dashboard_style.css")

    data = traitlets.Dict().tag(sync=True)
    """The view model (see ``opik_jupyter/widgets/_dashboard_model.py``)."""
    days = traitlets.Float(7.0).tag(sync=True)
    """The range shown, in days; setting it reads the metrics of the new range."""
    error = traitlets.Unicode("").tag(sync=True)
    """What went wrong reading the metrics, shown instead of the charts."""

    def __init__(
        self,
        project: str | None = None,
        days: float = 7,
        *,
        interval: str | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        if days <= 0:
            raise ValueError(f"days must be positive, got {days!r}")
        self._client = client or Client()
        self._project = project or self._client.project
        self._interval = interval
        super().__init__(days=float(days), **kwargs)
        self.refresh()
        self.observe(lambda _: self.refresh(), names="days")
        self.on_msg(self._on_message)

    @property
    def project(self) -> str:
        return self._project

    def refresh(self) -> None:
        """Read the project's metrics again (for the current ``days``)."""
        days = int(self.days) if float(self.days).is_integer() else self.days
        try:
            self.data = build(self._client, self._project, days, interval=self._interval)
            self.error = ""
        except Exception as exc:  # shown in the widget; a comm callback must not raise
            self.error = f"could not read the metrics of {self._project!r}: {exc}"

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "refresh":
            self.refresh()

    def static_text(self) -> str:
        return dashboard_text(self.data)

    def static_html(self) -> str:
        return dashboard_html(self.data)

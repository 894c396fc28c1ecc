"""What ``%opik_status`` shows: the backend, its health and where the traced events are."""

from __future__ import annotations

import dataclasses
import html

from opik_backend import runtime

from ..sdk import DeliveryStatus, delivery_status
from ..sdk._config import current as current_config

_COUNTERS = ("queued", "sent", "retrying", "spilled", "dropped")


@dataclasses.dataclass(frozen=True)
class StatusReport:
    """Backend URL and health, project, and the delivery counters of this kernel."""

    url: str | None
    healthy: bool | None
    project: str
    status: DeliveryStatus

    def rows(self) -> list[tuple[str, str]]:
        health = {True: "up", False: "not answering", None: "not started yet"}[self.healthy]
        rows = [
            ("backend", self.url or "local (starts with the first trace)"),
            ("health", health),
            ("project", self.project),
            ("sender", self.status.state),
        ]
        rows += [(name, str(getattr(self.status, name))) for name in _COUNTERS]
        if self.status.last_error:
            rows.append(("last error", self.status.last_error))
        return rows

    def _repr_html_(self) -> str:
        cells = "".join(
            f'<tr><th style="text-align:left;padding:1px 10px">{html.escape(name)}</th>'
            f'<td style="text-align:left;padding:1px 10px">{html.escape(value)}</td></tr>'
            for name, value in self.rows()
        )
        return f'<table class="opik-status">{cells}</table>'

    def __repr__(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        return "\n".join(f"{name:<{width}}  {value}" for name, value in self.rows())

    def _repr_pretty_(self, printer: object, _cycle: bool) -> None:
        printer.text(repr(self))  # type: ignore[attr-defined]


def status_report() -> StatusReport:
    """The report as of now; never starts a backend (only pings one that runs)."""
    config = current_config()
    status = delivery_status()
    url = status.url or config.url
    if url is None:
        info = runtime.read(config.data_dir.expanduser())
        url = info.url if info is not None else None
    healthy = runtime.ping(url, timeout=2.0) if url else None
    return StatusReport(url=url, healthy=healthy, project=config.project, status=status)

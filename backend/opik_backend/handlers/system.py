"""Health, version, workspace and auth checks, trace and span statistics, the OpenAPI document."""

from __future__ import annotations

from .. import __version__
from ..errors import NotFound
from ..schemas import Empty
from ..storage.workspaces import Workspaces
from .base import ApiHandler, Route, operation
from .observations import SPAN, TRACE, KindHandler

OPIK_API_VERSION = "2.2.122"
"""The Opik release whose SDK this backend is tested against (``/is-alive/ver``)."""


class PingHandler(ApiHandler):
    path = "/is-alive/ping"
    public = True

    @operation("Health check; the Opik SDK sends nothing until this answers 200")
    async def get(self) -> None:
        self.send_json({"message": "opik-jupyter backend is alive", "healthy": True})


class VersionHandler(ApiHandler):
    path = "/is-alive/ver"

    @operation("Opik API version served, and this backend's own version")
    async def get(self) -> None:
        self.send_json({"version": OPIK_API_VERSION, "opik_jupyter_version": __version__})


class WorkspaceHandler(ApiHandler):
    path = "/v1/private/auth/workspace"

    @operation("The workspace of this request (the Comet-Workspace header)")
    async def get(self) -> None:
        self.send_json({"workspace_name": self.workspace})


class AuthHandler(ApiHandler):
    path = "/v1/private/auth"

    @operation("Check access to the workspace; 404 for one never used", status=204, body=Empty)
    async def post(self) -> None:
        known = await self.blocking(Workspaces(self.services.db).known, self.workspace)
        if not known:
            raise NotFound(f"workspace {self.workspace!r} not found: it has no project yet")
        self.no_content()


class TraceStatsHandler(KindHandler):
    kind = TRACE
    path = "/v1/private/traces/stats"
    tag = "traces"

    @operation(
        "Count, duration percentiles, cost, usage and score averages of matching traces",
        query=("project_name", "project_id", "filters", "search", "from_time", "to_time"),
    )
    async def get(self) -> None:
        project = await self.project_from_args()
        stats = await self.read(self.services.stats.traces, self.query_from_args(project))
        self.send_json({"stats": stats})


class SpanStatsHandler(KindHandler):
    kind = SPAN
    path = "/v1/private/spans/stats"
    tag = "spans"

    @operation(
        "Count, duration percentiles, cost, usage and score averages of matching spans",
        query=(
            "project_name",
            "project_id",
            "trace_id",
            "type",
            "filters",
            "search",
            "from_time",
            "to_time",
        ),
    )
    async def get(self) -> None:
        project = await self.project_from_args()
        stats = await self.blocking(self.services.stats.spans, self.query_from_args(project))
        self.send_json({"stats": stats})


class OpenApiHandler(ApiHandler):
    path = "/openapi.json"

    @operation("This document")
    async def get(self) -> None:
        self.send_json(self.settings["openapi"])


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            PingHandler,
            VersionHandler,
            WorkspaceHandler,
            AuthHandler,
            TraceStatsHandler,
            SpanStatsHandler,
            OpenApiHandler,
        )
    ]

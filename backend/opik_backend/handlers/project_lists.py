"""Opik's project-scoped lists (datasets, experiments, optimizations, prompts of one project)
and the score names across projects: the workspace-wide handlers, narrowed to a project."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import tornado.web

from ..ids import check_v7, path_id
from .base import ApiHandler, Operation, Route, operation
from .datasets import DatasetsHandler
from .experiments import ExperimentsHandler
from .optimizations import OptimizationsHandler
from .prompts import PromptsHandler

BASE = "/v1/private/projects"


class ProjectScope(ApiHandler):
    """Reads ``project_id`` from the path: the list handler it is mixed into filters by it."""

    scope: str | None = None

    def str_arg(self, name: str) -> str | None:
        if name == "project_id" and self.scope is not None:
            return self.scope
        return super().str_arg(name)


def _scoped(base: type[ApiHandler], what: str) -> Route:
    """``GET /projects/{id}/<what>``: ``base``'s list of one project (404 if it is missing)."""
    listed: Operation = base.get.operation  # type: ignore[attr-defined]
    list_page = cast(Callable[[Any], Awaitable[None]], base.get)

    @operation(
        f"The {what} of one project, as the workspace list filtered by it",
        query=tuple(q for q in listed.query if q != "project_id"),
    )
    async def get(self: Any, project_id: str) -> None:
        project = await self.project(id=path_id(project_id, "project"))
        self.scope = project.id
        await list_page(self)

    path = f"{BASE}/{{id}}/{what}"
    name = f"Project{base.__name__}"
    # only the list: the base's other methods (creating, ...) answer 405 here
    unserved = {
        m: getattr(tornado.web.RequestHandler, m) for m in ("post", "put", "patch", "delete")
    }
    fields = {"path": path, "tag": "projects", "get": get, **unserved}
    return path, type(name, (ProjectScope, base), fields)


class ProjectsScoreNamesHandler(ApiHandler):
    path = BASE + "/feedback-scores/names"
    tag = "projects"

    @operation(
        "Names of the scores on the traces, spans and threads of these projects (or of all)",
        query=("project_ids",),
    )
    async def get(self) -> None:
        ids = [check_v7(i, f"project_ids[{n}]") for n, i in enumerate(self.list_arg("project_ids"))]
        names = await self.blocking(self.services.reads.score_names, self.workspace, None, ids)
        self.send_json({"scores": [{"name": name} for name in names]})


def routes() -> list[Route]:
    return [
        (ProjectsScoreNamesHandler.path, ProjectsScoreNamesHandler),
        _scoped(DatasetsHandler, "datasets"),
        _scoped(ExperimentsHandler, "experiments"),
        _scoped(OptimizationsHandler, "optimizations"),
        _scoped(PromptsHandler, "prompts"),
    ]

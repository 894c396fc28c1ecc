"""Projects: created on first use by name, or explicitly; listed with their totals."""

from __future__ import annotations

from typing import Any

from ..ids import check_v7, path_id
from ..schemas import DeleteIds, ProjectCreate, ProjectRetrieve, ProjectUpdate
from ..storage import deletions
from ..storage.projects import Project
from .base import ApiHandler, Route, operation

BASE = "/v1/private/projects"


class ProjectHandler(ApiHandler):
    tag = "projects"

    async def detailed(self, projects: list[Project]) -> list[dict[str, Any]]:
        """Projects with their trace count, last activity, cost and token totals."""
        stats = await self.read(
            self.services.stats.projects, self.workspace, [p.id for p in projects]
        )
        return [{**p.public(), **stats[p.id]} for p in projects]

    async def delete_projects(self, ids: list[str]) -> None:
        deleted = await self.blocking(self.services.projects.delete, self.workspace, ids)
        if deleted:
            await self.commit(deletions.projects_data(self.workspace, [p.id for p in deleted]))


class ProjectsHandler(ProjectHandler):
    path = BASE

    @operation(
        "List projects newest first, with trace counts, last activity and totals",
        query=("page", "size", "name"),
    )
    async def get(self) -> None:
        page, size = self.page_args()
        projects, total = await self.blocking(
            self.services.projects.page, self.workspace, page, size, self.str_arg("name")
        )
        content = await self.detailed(projects)
        self.send_page(page, content, total, sortableBy=[])

    @operation("Create a project; 409 if the name is taken", status=201, body=ProjectCreate)
    async def post(self) -> None:
        body = self.body_as(ProjectCreate)
        project = await self.blocking(
            self.services.projects.create, self.workspace, body.name, body.description
        )
        self.set_location(f"{BASE}/{project.id}")
        self.send_json(project.public(), status=201)


class ProjectItemHandler(ProjectHandler):
    path = BASE + "/{id}"

    @operation("Get a project with its totals")
    async def get(self, project_id: str) -> None:
        project = await self.project(id=path_id(project_id, "project"))
        (detailed,) = await self.detailed([project])
        self.send_json(detailed)

    @operation("Rename a project or change its description", status=204, body=ProjectUpdate)
    async def patch(self, project_id: str) -> None:
        body = self.body_as(ProjectUpdate)
        await self.blocking(
            self.services.projects.update,
            self.workspace,
            path_id(project_id, "project"),
            body.name,
            body.description,
        )
        self.no_content()

    @operation("Delete a project with its traces, spans and scores", status=204)
    async def delete(self, project_id: str) -> None:
        await self.delete_projects([path_id(project_id, "project")])
        self.no_content()


class ProjectRetrieveHandler(ProjectHandler):
    path = BASE + "/retrieve"

    @operation("Find a project by name (404 if missing)", body=ProjectRetrieve)
    async def post(self) -> None:
        body = self.body_as(ProjectRetrieve)
        project = await self.project(name=body.name)
        (detailed,) = await self.detailed([project])
        self.send_json(detailed)


class ProjectDeleteHandler(ProjectHandler):
    path = BASE + "/delete"

    @operation("Delete projects by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        await self.delete_projects([check_v7(pid, f"ids[{i}]") for i, pid in enumerate(body.ids)])
        self.no_content()


class ProjectStatsHandler(ProjectHandler):
    path = BASE + "/stats"

    @operation("Totals of a page of projects", query=("page", "size", "name"))
    async def get(self) -> None:
        page, size = self.page_args()
        projects, _ = await self.blocking(
            self.services.projects.page, self.workspace, page, size, self.str_arg("name")
        )
        content = await self.detailed(projects)
        self.send_json({"content": [{"project_id": p["id"], **p} for p in content]})


def routes() -> list[Route]:
    # Fixed paths before the {id} pattern, which would match them too.
    return [
        (cls.path, cls)
        for cls in (
            ProjectsHandler,
            ProjectRetrieveHandler,
            ProjectDeleteHandler,
            ProjectStatsHandler,
            ProjectItemHandler,
        )
    ]

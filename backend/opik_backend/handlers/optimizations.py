"""Optimizations (what ``opik-optimizer`` and the SDK's optimization calls use): create,
list, get, rename or change status, delete. Trials are experiments with its id."""

from __future__ import annotations

from msgspec import UnsetType

from ..ids import check_v7, new_id, path_id
from ..schemas import DeleteIds, JsonField, OptimizationUpdate, OptimizationWrite
from ..storage.optimizations import OptimizationQuery, Optimizations
from .base import ApiHandler, Route, operation

BASE = "/v1/private/optimizations"


class OptimizationHandler(ApiHandler):
    tag = "optimizations"

    @property
    def store(self) -> Optimizations:
        return self.services.optimizations


class OptimizationsHandler(OptimizationHandler):
    path = BASE

    @operation(
        "Page of optimizations, newest first",
        query=("page", "size", "dataset_id", "name", "dataset_name", "project_id"),
    )
    async def get(self) -> None:
        page, size = self.page_args()
        dataset_id, project_id = self.str_arg("dataset_id"), self.str_arg("project_id")
        query = OptimizationQuery(
            self.workspace,
            dataset_id=check_v7(dataset_id, "dataset_id") if dataset_id else None,
            name=self.str_arg("name"),
            dataset_name=self.str_arg("dataset_name"),
            project_id=check_v7(project_id, "project_id") if project_id else None,
        )
        found, total = await self.blocking(self.store.page, query, page, size)
        content = [o.public() for o in found]
        self.send_json({"page": page, "size": len(content), "total": total, "content": content})

    @operation(
        "Create an optimization (its dataset and project are made if missing)",
        status=201,
        body=OptimizationWrite,
    )
    async def post(self) -> None:
        body = self.body_as(OptimizationWrite)
        optimization_id = check_v7(body.id, "id") if body.id else new_id()
        dataset = await self.blocking(self._dataset, body.dataset_name)
        project = await self.project(name=body.project_name, id=body.project_id, create=True)
        row = {
            "id": optimization_id,
            "name": body.name or body.objective_name,
            "dataset_id": dataset[0],
            "dataset_name": dataset[1],
            "project_id": project.id,
            "objective_name": body.objective_name,
            "status": body.status,
            "metadata": _json_text(body.metadata),
            "studio_config": _json_text(body.studio_config),
        }
        await self.blocking(self.store.create, self.workspace, row, self.user)
        self.set_location(f"{BASE}/{optimization_id}")
        self.set_status(201)
        self.clear_header("Content-Type")
        self.finish()

    put = post

    def _dataset(self, name: str) -> tuple[str, str]:
        """The id and name of the dataset called ``name``, created if missing."""
        datasets = self.services.datasets
        found = datasets.find(self.workspace, name)
        if found is None:
            found = datasets.create(self.workspace, new_id(), name, None, None, "dataset", [])
        return found.id, found.name


class OptimizationByIdHandler(OptimizationHandler):
    path = BASE + "/{id}"

    @operation("Get an optimization")
    async def get(self, optimization_id: str) -> None:
        found = await self.blocking(
            self.store.get, self.workspace, path_id(optimization_id, "optimization")
        )
        self.send_json(found.public())

    @operation("Rename an optimization or change its status", status=204, body=OptimizationUpdate)
    async def put(self, optimization_id: str) -> None:
        body = self.body_as(OptimizationUpdate)
        changes = {k: v for k, v in (("name", body.name), ("status", body.status)) if v}
        optimization_id = path_id(optimization_id, "optimization")
        if changes:
            await self.blocking(
                self.store.update, self.workspace, optimization_id, changes, self.user
            )
        else:
            await self.blocking(self.store.get, self.workspace, optimization_id)
        self.no_content()


class OptimizationDeleteHandler(OptimizationHandler):
    path = BASE + "/delete"

    @operation("Delete optimizations by id (their experiments stay)", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.store.delete, self.workspace, ids)
        self.no_content()


def _json_text(raw: JsonField) -> str | None:
    """Stored JSON text of an optional JSON field (None when absent or null)."""
    if isinstance(raw, UnsetType) or bytes(raw).strip() == b"null":
        return None
    return bytes(raw).decode()


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (OptimizationsHandler, OptimizationDeleteHandler, OptimizationByIdHandler)
    ]

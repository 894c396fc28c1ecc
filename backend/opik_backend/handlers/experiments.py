"""Experiments: create, get, list, stream, update (one or a batch), finish and delete;
an experiment item by id."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec

from ..codec import encode
from ..errors import BadRequest, Conflict, NotFound
from ..ids import check_uuid, check_v7, new_id, path_id
from ..schemas import (
    DeleteIds,
    ExperimentBatchUpdate,
    ExperimentStream,
    ExperimentUpdate,
    ExperimentWrite,
)
from ..storage.experiments import Experiment, ExperimentQuery
from ..storage.metadata import utcnow
from ..storage.reads import Public
from ..storage.rows import json_text
from .base import Route, operation
from .datasets import CatalogHandler

BASE = "/v1/private/experiments"
FINISHED = ("completed", "cancelled", "failed")
NO_PROJECT = "no such project"  # matches no experiment's project_id


class ExperimentHandler(CatalogHandler):
    tag = "experiments"

    async def with_computed(self, experiments: Sequence[Experiment]) -> list[Public]:
        """Experiments with trace count, score averages, duration and cost."""
        computed = await self.blocking(
            self.services.comparisons.experiments, self.workspace, [e.id for e in experiments]
        )
        return [e.public(computed[e.id]) for e in experiments]

    async def project_filter(self, name: str | None) -> str | None:
        """The id to narrow a stream to (no creation), or None for every project."""
        if not name:
            return None
        try:
            return (await self.project(name=name)).id
        except NotFound:
            return NO_PROJECT

    def send_ndjson(self, items: Sequence[Any]) -> None:
        self.set_header("Content-Type", "application/x-ndjson")
        self.finish(b"".join(encode(item) + b"\n" for item in items))


class ExperimentsHandler(ExperimentHandler):
    path = BASE

    @operation(
        "List experiments newest first, with trace counts and score averages",
        query=(
            "page",
            "size",
            "datasetId",
            "dataset_id",
            "name",
            "project_id",
            "types",
            "experiment_ids",
            "optimization_id",
        ),
    )
    async def get(self) -> None:
        page, size = self.page_args()
        query = ExperimentQuery(
            self.workspace,
            dataset_id=self._v7_arg("datasetId") or self._v7_arg("dataset_id"),
            name=self.str_arg("name"),
            project_id=self._v7_arg("project_id"),
            types=self.list_arg("types"),
            ids=[
                check_v7(i, f"experiment_ids[{n}]")
                for n, i in enumerate(self.list_arg("experiment_ids"))
            ],
            optimization_id=self._v7_arg("optimization_id"),
        )
        experiments, total = await self.blocking(self.services.experiments.page, query, page, size)
        content = await self.with_computed(experiments)
        self.send_page(page, content, total, sortableBy=[])

    def _v7_arg(self, name: str) -> str | None:
        value = self.str_arg(name)
        return check_v7(value, name) if value else None

    @operation(
        "Create an experiment on a dataset (by name); the client may choose its v7 id",
        status=201,
        body=ExperimentWrite,
    )
    async def post(self) -> None:
        body = self.body_as(ExperimentWrite)
        experiment_id = check_v7(body.id, "id") if body.id else new_id()
        fields = _create_fields(body, experiment_id)
        dataset = await self.dataset_of(body.dataset_name, None)
        if fields["dataset_version_id"]:  # the experiment ran on a version: it must exist
            version = await self.version_of(
                dataset, fields["dataset_version_id"], "dataset_version_id"
            )
            fields["dataset_version_id"] = version.id
        project_id = await self.project_of(body.project_name, body.project_id)
        fields.update(dataset_id=dataset.id, project_id=project_id or dataset.project_id)
        if body.prompt_versions:  # linked versions must exist (409, as in Opik)
            try:
                links = await self.blocking(
                    self.services.prompts.links, self.workspace, _prompt_version_ids(body)
                )
            except NotFound as missing:
                raise Conflict(f"prompt_versions: {missing.message}") from None
            fields["prompt_versions"] = json.dumps(links)
        experiment = await self.blocking(self.services.experiments.create, self.workspace, fields)
        self.set_location(f"{BASE}/{experiment.id}")
        (created,) = await self.with_computed([experiment])
        self.send_json(created, status=201)


def _create_fields(body: ExperimentWrite, experiment_id: str) -> dict[str, Any]:
    """The stored columns of a new experiment, checked (dataset and project come later)."""
    return {
        "id": experiment_id,
        "name": body.name or f"experiment-{experiment_id[-8:]}",
        "metadata": json_text(body.metadata, "metadata") or None,
        "tags": json.dumps(list(dict.fromkeys(body.tags or []))),
        "type": body.type,
        "evaluation_method": body.evaluation_method,
        "status": body.status or "running",
        "optimization_id": check_uuid(body.optimization_id, "optimization_id")
        if body.optimization_id
        else None,
        "dataset_version_id": check_uuid(body.dataset_version_id, "dataset_version_id")
        if body.dataset_version_id
        else None,
        "prompt_versions": None,
        "experiment_scores": encode(body.experiment_scores).decode()
        if body.experiment_scores
        else None,
    }


def _prompt_version_ids(body: ExperimentWrite) -> list[str]:
    """The ids of ``prompt_versions`` (``[{"id": ...}]``), checked."""
    ids = []
    for n, link in enumerate(body.prompt_versions or []):
        raw = link.get("id") or link.get("prompt_version_id")
        if not isinstance(raw, str):
            raise BadRequest(f"prompt_versions[{n}].id: give the id of a prompt version")
        ids.append(check_uuid(raw, f"prompt_versions[{n}].id"))
    return list(dict.fromkeys(ids))


class ExperimentByIdHandler(ExperimentHandler):
    path = BASE + "/{id}"

    @operation("Get an experiment with trace count, score averages, duration and cost")
    async def get(self, experiment_id: str) -> None:
        experiment = await self.blocking(
            self.services.experiments.get, self.workspace, path_id(experiment_id, "experiment")
        )
        (found,) = await self.with_computed([experiment])
        self.send_json(found)

    @operation(
        "Update an experiment's name, metadata, tags, type, status or scores",
        status=204,
        body=ExperimentUpdate,
    )
    async def patch(self, experiment_id: str) -> None:
        body = self.body_as(ExperimentUpdate)
        experiment = await self.blocking(
            self.services.experiments.get, self.workspace, path_id(experiment_id, "experiment")
        )
        await self.blocking(
            self.services.experiments.update,
            self.workspace,
            experiment.id,
            _changes(body, experiment),
        )
        self.no_content()


def _changes(body: ExperimentUpdate, experiment: Experiment) -> dict[str, Any]:
    """The columns a PATCH sets; a terminal status also records when the run finished."""
    changes: dict[str, Any] = {}
    for field in ("name", "type", "status"):
        if (value := getattr(body, field)) is not None:
            changes[field] = value
    if metadata := json_text(body.metadata, "metadata"):
        changes["metadata"] = metadata
    if body.experiment_scores is not None:
        changes["experiment_scores"] = encode(body.experiment_scores).decode()
    tags = body.tags if body.tags is not None else json.loads(experiment.tags)
    tags = [t for t in [*tags, *(body.tags_to_add or [])] if t not in (body.tags_to_remove or [])]
    if tags != json.loads(experiment.tags):
        changes["tags"] = json.dumps(list(dict.fromkeys(tags)))
    if body.status in FINISHED and experiment.finished_at is None:
        changes["finished_at"] = utcnow()
    return changes


class ExperimentBatchHandler(ExperimentHandler):
    path = BASE + "/batch"

    @operation(
        "Apply one update to many experiments (merge_tags adds the tags instead of "
        "replacing them); ids that are no experiment are skipped",
        status=204,
        body=ExperimentBatchUpdate,
    )
    async def patch(self) -> None:
        body = self.body_as(ExperimentBatchUpdate)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        update = body.update
        if body.merge_tags and update.tags is not None:
            update = msgspec.structs.replace(
                update, tags=None, tags_to_add=[*(update.tags_to_add or []), *update.tags]
            )
        query = ExperimentQuery(self.workspace, ids=list(dict.fromkeys(ids)))
        found, _ = await self.blocking(self.services.experiments.page, query, 1, len(ids))
        for experiment in found:
            await self.blocking(
                self.services.experiments.update,
                self.workspace,
                experiment.id,
                _changes(update, experiment),
            )
        self.no_content()


class ExperimentItemByIdHandler(ExperimentHandler):
    path = BASE + "/items/{id}"

    @operation("Get an experiment item by id")
    async def get(self, item_id: str) -> None:
        item = await self.blocking(
            self.services.experiment_items.get,
            self.workspace,
            path_id(item_id, "experiment item"),
        )
        self.send_json(item)


class ExperimentStreamHandler(ExperimentHandler):
    path = BASE + "/stream"

    @operation(
        "Stream experiments as NDJSON, newest first, by a name substring; page with "
        "last_retrieved_id",
        body=ExperimentStream,
        streams=True,
    )
    async def post(self) -> None:
        body = self.body_as(ExperimentStream)
        last_id = (
            check_v7(body.last_retrieved_id, "last_retrieved_id")
            if body.last_retrieved_id
            else None
        )
        query = ExperimentQuery(
            self.workspace, name=body.name, project_id=await self.project_filter(body.project_name)
        )
        experiments = await self.blocking(
            self.services.experiments.after, query, last_id, body.limit
        )
        self.send_ndjson(await self.with_computed(experiments))


class ExperimentFinishHandler(ExperimentHandler):
    path = BASE + "/finish"

    @operation("Mark experiments completed", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.experiments.finish, self.workspace, ids)
        self.no_content()


class ExperimentDeleteHandler(ExperimentHandler):
    path = BASE + "/delete"

    @operation("Delete experiments and their items (their traces stay)", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.experiments.delete, self.workspace, ids)
        await self.blocking(
            self.services.experiment_items.delete, self.workspace, "experiment_id", ids
        )
        self.no_content()


class ExperimentScoreNamesHandler(ExperimentHandler):
    path = BASE + "/feedback-scores/names"

    @operation(
        "Names of the scores on the experiments' traces", query=("experiment_ids", "project_id")
    )
    async def get(self) -> None:
        ids = [
            check_v7(i, f"experiment_ids[{n}]")
            for n, i in enumerate(self.list_arg("experiment_ids"))
        ]
        project_id = self.str_arg("project_id")
        names = await self.blocking(
            self.services.experiment_items.score_names,
            self.workspace,
            ids,
            check_v7(project_id, "project_id") if project_id else None,
        )
        self.send_json({"scores": [{"name": name, "type": "feedback_scores"} for name in names]})


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            ExperimentsHandler,
            ExperimentStreamHandler,
            ExperimentFinishHandler,
            ExperimentDeleteHandler,
            ExperimentScoreNamesHandler,
            ExperimentBatchHandler,
            ExperimentItemByIdHandler,
            ExperimentByIdHandler,
        )
    ]

"""Feedback scores on traces, spans and threads: put (batch or one), delete, names."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import NotFound, ValidationFailed
from ..ids import check_v7, path_id
from ..schemas import (
    DeleteScore,
    DeleteThreadScores,
    FeedbackScore,
    FeedbackScoreBatch,
    ThreadScoreBatch,
)
from ..storage.ingest import InsertScores, RunStatements
from ..storage.rows import now, score_row
from .base import ApiHandler, operation
from .observations import Route

ENTITY_TYPES = {"traces": "trace", "spans": "span", "traces/threads": "thread"}


class ScoreHandler(ApiHandler):
    entity_type: str  # trace, span or thread
    batch_body: type[FeedbackScoreBatch] | type[ThreadScoreBatch]

    async def entity_project(self, entity_id: str) -> str:
        """The project of a stored trace or span (404 if there is none)."""
        reads = self.services.reads
        method = reads.trace if self.entity_type == "trace" else reads.span
        found = await self.blocking(method, self.workspace, entity_id)
        if found is None:
            raise NotFound(f"{self.entity_type} {entity_id} not found")
        return str(found["project_id"])


class BatchScoresHandler(ScoreHandler):
    @operation(
        "Put feedback scores on many entities (the entities may arrive later)",
        status=204,
        body="batch_body",
    )
    async def put(self) -> None:
        body = self.body_as(self.batch_body)
        self.count_events(len(body.scores))
        received = now()
        rows = []
        for i, item in enumerate(body.scores):
            if self.entity_type == "thread":
                entity_id = item.thread_id  # type: ignore[union-attr]
                if not entity_id:
                    raise ValidationFailed(f"scores[{i}].thread_id: a thread score needs it")
            else:
                entity_id = check_v7(item.id, f"scores[{i}].id")  # type: ignore[union-attr]
            project_id = await self.project_id(item.project_name, item.project_id)
            rows.append(
                score_row(self.workspace, self.entity_type, entity_id, project_id, item, received)
            )
        await self.commit(InsertScores(rows))
        self.no_content()


class EntityScoreHandler(ScoreHandler):
    @operation("Put one feedback score on a stored trace or span", status=204, body=FeedbackScore)
    async def put(self, entity_id: str) -> None:
        entity_id = path_id(entity_id, self.entity_type)
        score = self.body_as(FeedbackScore)
        project_id = await self.entity_project(entity_id)
        await self.commit(
            InsertScores(
                [score_row(self.workspace, self.entity_type, entity_id, project_id, score, now())]
            )
        )
        self.no_content()


class EntityScoreDeleteHandler(ScoreHandler):
    @operation("Delete a trace's or span's feedback score by name", status=204, body=DeleteScore)
    async def post(self, entity_id: str) -> None:
        entity_id = path_id(entity_id, self.entity_type)
        body = self.body_as(DeleteScore)
        await self.commit(
            _delete_scores(self.workspace, self.entity_type, entity_id, [body.name], None)
        )
        self.no_content()


class ThreadScoreDeleteHandler(ScoreHandler):
    @operation("Delete feedback scores of a thread by name", status=204, body=DeleteThreadScores)
    async def post(self) -> None:
        body = self.body_as(DeleteThreadScores)
        project_id = await self.project_id(body.project_name, body.project_id)
        await self.commit(
            _delete_scores(self.workspace, "thread", body.thread_id, body.names, project_id)
        )
        self.no_content()


class ScoreNamesHandler(ScoreHandler):
    @operation("Names of the feedback scores used in a project", query=("project_id",))
    async def get(self) -> None:
        params = {"ws": self.workspace, "kind": self.entity_type}
        where = "workspace_id = {ws:String} AND entity_type = {kind:String}"
        if project_id := self.str_arg("project_id"):
            params["project_id"] = check_v7(project_id, "project_id")
            where += " AND project_id = {project_id:String}"
        rows = await self.blocking(
            self.services.ch.query,
            f"SELECT DISTINCT name FROM feedback_scores WHERE {where} ORDER BY name",
            params,
        )
        self.send_json({"scores": [{"name": name} for (name,) in rows]})


def _delete_scores(
    workspace: str, entity_type: str, entity_id: str, names: Sequence[str], project_id: str | None
) -> RunStatements:
    sql = (
        "DELETE FROM feedback_scores WHERE workspace_id = {ws:String} AND "
        "entity_type = {kind:String} AND entity_id = {id:String} AND "
        "name IN {names:Array(String)}"
    )
    params = {"ws": workspace, "kind": entity_type, "id": entity_id, "names": list(names)}
    if project_id:
        sql += " AND project_id = {project_id:String}"
        params["project_id"] = project_id
    return RunStatements([(sql, params)])


def routes() -> list[Route]:
    made: list[Route] = []
    for prefix, entity_type in ENTITY_TYPES.items():
        base = f"/v1/private/{prefix}"
        handlers: list[tuple[str, type[ScoreHandler]]] = [
            ("/feedback-scores", BatchScoresHandler),
            ("/feedback-scores/names", ScoreNamesHandler),
        ]
        if entity_type == "thread":
            handlers.append(("/feedback-scores/delete", ThreadScoreDeleteHandler))
        else:
            handlers += [
                ("/{id}/feedback-scores", EntityScoreHandler),
                ("/{id}/feedback-scores/delete", EntityScoreDeleteHandler),
            ]
        for suffix, handler in handlers:
            name = f"{entity_type.title()}{handler.__name__}"
            batch = ThreadScoreBatch if entity_type == "thread" else FeedbackScoreBatch
            cls = type(
                name,
                (handler,),
                {
                    "entity_type": entity_type,
                    "path": base + suffix,
                    "tag": "feedback-scores",
                    "batch_body": batch,
                },
            )
            made.append((base + suffix, cls))
    return made

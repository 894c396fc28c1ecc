"""Feedback scores on traces, spans and threads: put (batch or one), delete, names."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ValidationFailed
from ..ids import check_v7, path_id
from ..schemas import (
    DeleteScore,
    DeleteThreadScores,
    FeedbackScore,
    FeedbackScoreBatch,
    FeedbackScoreItem,
    ThreadScoreBatch,
    ThreadScoreItem,
)
from ..storage import deletions
from ..storage.ingest import InsertScores
from ..storage.rows import now, score_row
from .base import ApiHandler, Route, operation

ENTITY_TYPES = {"traces": "trace", "spans": "span", "traces/threads": "thread"}


class ScoreHandler(ApiHandler):
    entity_type: str  # trace, span or thread
    batch_body: type[FeedbackScoreBatch] | type[ThreadScoreBatch]

    async def entity_project(self, entity_id: str) -> str:
        """The project of a stored trace or span (404 if there is none)."""
        return str((await self.stored(self.entity_type, entity_id))["project_id"])


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
        items: Sequence[FeedbackScoreItem | ThreadScoreItem] = body.scores
        for i, item in enumerate(items):
            entity_id = _scored_id(item, f"scores[{i}]")
            project = await self.project(name=item.project_name, id=item.project_id, create=True)
            rows.append(
                score_row(self.workspace, self.entity_type, entity_id, project.id, item, received)
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
            deletions.scores(self.workspace, self.entity_type, entity_id, [body.name])
        )
        self.no_content()


class ThreadScoreDeleteHandler(ScoreHandler):
    @operation("Delete feedback scores of a thread by name", status=204, body=DeleteThreadScores)
    async def post(self) -> None:
        body = self.body_as(DeleteThreadScores)
        project = await self.project(name=body.project_name, id=body.project_id, create=True)
        await self.commit(
            deletions.scores(self.workspace, "thread", body.thread_id, body.names, project.id)
        )
        self.no_content()


class ScoreNamesHandler(ScoreHandler):
    @operation("Names of the feedback scores used in a project", query=("project_id",))
    async def get(self) -> None:
        project_id = self.str_arg("project_id")
        names = await self.blocking(
            self.services.reads.score_names,
            self.workspace,
            self.entity_type,
            [check_v7(project_id, "project_id")] if project_id else [],
        )
        self.send_json({"scores": [{"name": name} for name in names]})


def _scored_id(item: FeedbackScoreItem | ThreadScoreItem, where: str) -> str:
    """The id of the trace, span or thread a batch item scores."""
    if isinstance(item, ThreadScoreItem):
        if not item.thread_id:
            raise ValidationFailed(f"{where}.thread_id: a thread score needs it")
        return item.thread_id
    return check_v7(item.id, f"{where}.id")


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

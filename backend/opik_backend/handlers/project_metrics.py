"""A project's metrics over time (the dashboards' data) and the token names it uses."""

from __future__ import annotations

import datetime as dt

from ..errors import BadRequest
from ..ids import path_id
from ..schemas import ProjectMetricQuery
from ..storage.filter_sql import parse
from ..storage.project_metrics import STEPS, MetricRequest, token_usage_names
from .base import ApiHandler, Route, operation

BASE = "/v1/private/projects/{id}"
MAX_BUCKETS = 10_000
"""Buckets in one answer; a longer range at a finer interval is a 400."""
_STEP_SECONDS = {"HOURLY": 3600, "DAILY": 86_400, "WEEKLY": 7 * 86_400}


class ProjectMetricsHandler(ApiHandler):
    path = BASE + "/metrics"
    tag = "projects"

    @operation(
        "A metric of the project's traces, spans or threads per hour, day or week",
        body=ProjectMetricQuery,
    )
    async def post(self, project_id: str) -> None:
        body = self.body_as(ProjectMetricQuery)
        project = await self.project(id=path_id(project_id, "project"))
        request = MetricRequest(
            workspace=self.workspace,
            project_id=project.id,
            metric_type=body.metric_type,
            interval=body.interval,
            start=_utc(body.interval_start),
            end=_utc(body.interval_end) if body.interval_end else dt.datetime.now(dt.UTC),
            trace_filters=parse(body.trace_filters),
            span_filters=parse(body.span_filters),
        )
        _check(request, body)
        results = await self.blocking(self.services.project_metrics.series, request)
        self.send_json(
            {
                "project_id": project.id,
                "metric_type": body.metric_type,
                "interval": body.interval,
                "results": results,
            }
        )


class TokenUsageNamesHandler(ApiHandler):
    path = BASE + "/token-usage/names"
    tag = "projects"

    @operation("The usage keys (prompt_tokens, ...) the project's spans count")
    async def get(self, project_id: str) -> None:
        project = await self.project(id=path_id(project_id, "project"))
        names = await self.blocking(token_usage_names, self.services.ch, self.workspace, project.id)
        self.send_json({"names": names})


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _check(request: MetricRequest, body: ProjectMetricQuery) -> None:
    """400 for a request this backend cannot answer as asked."""
    if request.end <= request.start:
        raise BadRequest("interval_start must be before interval_end")
    if request.interval in STEPS:
        buckets = (request.end - request.start).total_seconds() / _STEP_SECONDS[request.interval]
        if buckets > MAX_BUCKETS:
            raise BadRequest(
                f"interval_start to interval_end spans {int(buckets)} {request.interval} "
                f"buckets; the limit is {MAX_BUCKETS}: choose a coarser interval"
            )
    if body.breakdown is not None and body.breakdown.field != "none":
        raise BadRequest(
            f"breakdown.field: {body.breakdown.field!r} is not supported;"
            " send 'none' or no breakdown"
        )
    if body.thread_filters:
        raise BadRequest("thread_filters: filtering threads in metrics is not supported yet")


def routes() -> list[Route]:
    return [(cls.path, cls) for cls in (ProjectMetricsHandler, TokenUsageNamesHandler)]

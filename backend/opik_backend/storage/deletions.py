"""Deletes in ClickHouse, as :class:`RunStatements` jobs for the group-commit writer.

Deleting an entity deletes what hangs off it: a trace its spans, and every entity its
feedback scores and comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .ingest import RunStatements

Statement = tuple[str, dict[str, Any]]

_IN_WORKSPACE = "workspace_id = {ws:String}"
_ANNOTATIONS = ("feedback_scores", "comments")


def spans(workspace: str, span_ids: Sequence[str]) -> RunStatements:
    """Delete spans with their scores and comments."""
    return RunStatements(_span_statements(workspace, span_ids))


def traces(workspace: str, trace_ids: Sequence[str]) -> RunStatements:
    """Delete traces with their spans and all their scores and comments."""
    return RunStatements(_trace_statements(workspace, trace_ids))


def threads(
    workspace: str, project_id: str, thread_ids: Sequence[str], trace_ids: Sequence[str]
) -> RunStatements:
    """Delete threads: the traces they hold (``trace_ids``), the threads' own scores,
    comments, tags and model ids."""
    statements = _trace_statements(workspace, trace_ids) if trace_ids else []
    params = {"ws": workspace, "project_id": project_id, "ids": list(thread_ids)}
    in_threads = "project_id = {project_id:String} AND thread_id IN {ids:Array(String)}"
    statements += [
        (
            f"DELETE FROM feedback_scores WHERE {_IN_WORKSPACE} AND entity_type = 'thread' AND "
            "project_id = {project_id:String} AND entity_id IN {ids:Array(String)}",
            params,
        ),
        (
            f"DELETE FROM comments WHERE {_IN_WORKSPACE} AND entity_type = 'thread' AND "
            f"entity_id IN (SELECT id FROM thread_models WHERE {_IN_WORKSPACE} AND {in_threads})",
            params,
        ),
        *(
            (f"DELETE FROM {table} WHERE {_IN_WORKSPACE} AND {in_threads}", params)
            for table in ("thread_tags", "thread_models")
        ),
    ]
    return RunStatements(statements)


def projects_data(workspace: str, project_ids: Sequence[str]) -> RunStatements:
    """Delete the traces, spans, scores and comments of projects."""
    params = {"ws": workspace, "ids": list(project_ids)}
    return RunStatements(
        [
            (
                f"DELETE FROM {table} WHERE {_IN_WORKSPACE} "
                "AND project_id IN {ids:Array(String)}",
                params,
            )
            for table in (
                "comments",
                "feedback_scores",
                "spans",
                "traces",
                "thread_tags",
                "thread_models",
            )
        ]
    )


def scores(
    workspace: str,
    entity_type: str,
    entity_id: str,
    names: Sequence[str],
    project_id: str | None = None,
) -> RunStatements:
    """Delete an entity's feedback scores by name (in one project, if given)."""
    sql = (
        f"DELETE FROM feedback_scores WHERE {_IN_WORKSPACE} AND "
        "entity_type = {kind:String} AND entity_id = {id:String} AND "
        "name IN {names:Array(String)}"
    )
    params = {"ws": workspace, "kind": entity_type, "id": entity_id, "names": list(names)}
    if project_id:
        sql += " AND project_id = {project_id:String}"
        params["project_id"] = project_id
    return RunStatements([(sql, params)])


def _annotations_of(kind: str, ids_in: str, params: dict[str, Any]) -> list[Statement]:
    """Delete the scores and comments of ``kind`` entities whose id is ``IN ids_in``."""
    return [
        (
            f"DELETE FROM {table} WHERE {_IN_WORKSPACE} AND entity_type = '{kind}' "
            f"AND entity_id IN {ids_in}",
            params,
        )
        for table in _ANNOTATIONS
    ]


def _span_statements(workspace: str, span_ids: Sequence[str]) -> list[Statement]:
    params = {"ws": workspace, "ids": list(span_ids)}
    return [
        *_annotations_of("span", "{ids:Array(String)}", params),
        (f"DELETE FROM spans WHERE {_IN_WORKSPACE} AND id IN {{ids:Array(String)}}", params),
    ]


def _trace_statements(workspace: str, trace_ids: Sequence[str]) -> list[Statement]:
    params = {"ws": workspace, "ids": list(trace_ids)}
    spans_of_traces = (
        f"(SELECT id FROM spans WHERE {_IN_WORKSPACE} AND trace_id IN {{ids:Array(String)}})"
    )
    return [
        *_annotations_of("span", spans_of_traces, params),
        (f"DELETE FROM spans WHERE {_IN_WORKSPACE} AND trace_id IN {{ids:Array(String)}}", params),
        *_annotations_of("trace", "{ids:Array(String)}", params),
        (f"DELETE FROM traces WHERE {_IN_WORKSPACE} AND id IN {{ids:Array(String)}}", params),
    ]

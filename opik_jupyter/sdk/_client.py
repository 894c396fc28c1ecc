"""Reading traces, spans and threads back: one trace with its spans, searches, and
DataFrames; scores and comments on threads.

Reads are explicit calls, so unlike tracing they raise: :class:`HttpStatusError` for an
unexpected status and :class:`TransportError` when the backend cannot be reached. A trace
that is not there yet is ``None`` (right after tracing, ``flush()`` first).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from ._attachments import StoredAttachment, read_attachments
from ._filter_strings import as_filters
from ._ids import new_id
from ._rest import PAGE, RestClient
from ._transport import HttpStatusError, Transport

if TYPE_CHECKING:
    import pandas as pd

SEARCH_PAGE = PAGE
TRACES = "v1/private/traces"
SPANS = "v1/private/spans"
THREADS = "v1/private/traces/threads"
FilterArg = str | Sequence[Mapping[str, Any]] | None
Entity = Literal["traces", "spans", "traces/threads"]


_STRIPPED = {"strip_attachments": "true"}
"""Reads keep attachment references (read the files with ``Client.attachments``)."""


class Client(RestClient):
    """A read client on one backend and workspace (defaults: the SDK's settings)."""

    def __init__(
        self,
        url: str | None = None,
        workspace: str | None = None,
        api_key: str | None = None,
        project: str | None = None,
        transport: Transport | None = None,
        timeout: float = 120.0,
    ) -> None:
        super().__init__(url, workspace, api_key, transport, timeout)
        self.project = project or self._config.project

    # -- one trace -----------------------------------------------------------------------

    def get_trace(self, trace_id: str, with_spans: bool = True) -> dict[str, Any] | None:
        """The trace (and, by default, its ``spans``, newest first), or None if not found."""
        trace = self.json("GET", f"{TRACES}/{quote(trace_id)}", params=_STRIPPED)
        if trace is not None and with_spans:
            trace["spans"] = self.get_spans(trace_id, trace.get("project_id"))
        return trace

    def get_span(self, span_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.json(
            "GET", f"{SPANS}/{quote(span_id)}", params=_STRIPPED
        )
        return found

    def attachments(
        self,
        trace_id: str,
        *,
        spans: bool = True,
        to_dir: str | os.PathLike[str] | None = None,
    ) -> list[StoredAttachment]:
        """The files of a trace and (``spans``) of its spans, with their bytes; saved under
        ``to_dir/<entity id>/`` too when given. Empty if the trace is not (yet) stored."""
        trace = self.get_trace(trace_id, with_spans=spans)
        return [] if trace is None else self.files_of(trace, to_dir)

    def files_of(
        self, trace: Mapping[str, Any], to_dir: str | os.PathLike[str] | None = None
    ) -> list[StoredAttachment]:
        """The files of a trace read with ``get_trace`` (and of the ``spans`` it holds)."""
        project_id = trace["project_id"]
        spans = [span["id"] for span in trace.get("spans", [])]
        found = read_attachments(self, project_id, "trace", [trace["id"]], to_dir)
        return found + (read_attachments(self, project_id, "span", spans, to_dir) if spans else [])

    def get_spans(self, trace_id: str, project_id: str | None = None) -> list[dict[str, Any]]:
        """Every span of a trace, newest first (paged)."""
        params = {"trace_id": trace_id, "project_id": project_id}
        return [span for page in self.pages(SPANS, params) for span in page]

    def list_traces(
        self,
        project_name: str | None = None,
        page: int = 1,
        size: int = 25,
        search: str | None = None,
        exclude: Sequence[str] = (),
    ) -> dict[str, Any]:
        """One page of a project's traces, newest first: ``{"content", "total", ...}``.

        ``search`` is free text matched in id, name, input and output; ``exclude`` names
        fields left out of each row (``"input"``, ``"output"``, ``"metadata"``...).
        """
        params = {
            "project_name": project_name or self.project,
            "page": max(page, 1),
            "size": size,
            "search": search or None,
            "exclude": ",".join(exclude) or None,
        }
        found: dict[str, Any] = self.json("GET", TRACES, params=params) or {}
        return found

    # -- comments ------------------------------------------------------------------------

    def add_trace_comment(self, trace_id: str, text: str) -> str:
        """Add a comment (annotation) to a stored trace; its id. ``HttpStatusError`` if the
        trace is not stored (404) or the text is blank or too long (422)."""
        return self._add_comment("traces", trace_id, text)

    def add_span_comment(self, span_id: str, text: str) -> str:
        """Add a comment to a stored span; its id."""
        return self._add_comment("spans", span_id, text)

    def _add_comment(self, entity: Entity, entity_id: str, text: str) -> str:
        comment_id = new_id()
        found = self.request(
            "POST",
            f"v1/private/{entity}/{quote(entity_id)}/comments",
            {"id": comment_id, "text": text},
        )
        if found is None:
            what = entity.rsplit("/", 1)[-1][:-1]
            raise HttpStatusError(404, f"{what} {entity_id} not found".encode())
        return comment_id

    # -- threads (conversations) ---------------------------------------------------------

    def list_threads(
        self, filter: FilterArg = None, project_name: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """A project's threads (traces sharing a ``thread_id``) matching ``filter``, most
        recently active first: turns, duration, cost, usage, status, scores, comments."""
        params = {
            "project_name": project_name or self.project,
            "filters": json.dumps(as_filters(filter)) if filter else None,
        }
        found: list[dict[str, Any]] = []
        for page in self.pages(THREADS, params):
            found += page
            if limit is not None and len(found) >= limit:
                return found[:limit]
        return found

    def get_thread(self, thread_id: str, project_name: str | None = None) -> dict[str, Any] | None:
        """One thread by its ``thread_id``, or None if the project has no such thread."""
        body = {"project_name": project_name or self.project, "thread_id": thread_id}
        found: dict[str, Any] | None = self.json("POST", f"{THREADS}/retrieve", body)
        return found

    def thread_turns(self, thread_id: str, project_name: str | None = None) -> list[dict[str, Any]]:
        """The traces of a thread, oldest first (one per turn of the conversation)."""
        found = self.search_traces(
            f"thread_id = {json.dumps(thread_id)}", project_name=project_name, limit=None
        )
        return sorted(found, key=lambda t: str(t.get("start_time") or ""))

    def threads_dataframe(
        self, filter: FilterArg = None, project_name: str | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Threads as a DataFrame, one row per thread (see ``docs/sdk.md`` for the columns;
        each feedback score is a column of its own)."""
        from ._frames import threads_frame  # noqa: PLC0415 - pandas loads only when asked for

        return threads_frame(self.list_threads(filter, project_name, limit))

    def log_thread_score(
        self,
        thread_id: str,
        name: str,
        value: float,
        reason: str | None = None,
        category_name: str | None = None,
        project_name: str | None = None,
    ) -> None:
        """Score a thread (replacing its score of that name)."""
        self.log_thread_scores(
            [
                {
                    "thread_id": thread_id,
                    "name": name,
                    "value": value,
                    "reason": reason,
                    "category_name": category_name,
                }
            ],
            project_name,
        )

    def log_thread_scores(
        self, scores: Sequence[Mapping[str, Any]], project_name: str | None = None
    ) -> None:
        """Score threads: each score a mapping with ``thread_id``, ``name``, ``value`` and
        optionally ``reason`` and ``category_name``."""
        project = project_name or self.project
        rows = []
        for i, score in enumerate(scores):
            missing = [key for key in ("thread_id", "name", "value") if score.get(key) is None]
            if missing:
                raise ValueError(f"scores[{i}] needs {', '.join(missing)}")
            row = {"source": "sdk", "project_name": project, **score}
            rows.append({k: v for k, v in row.items() if v is not None})
        self.batched("PUT", f"{THREADS}/feedback-scores", "scores", rows, 1000)

    def add_thread_comment(self, thread_id: str, text: str, project_name: str | None = None) -> str:
        """Add a comment to a thread; its id. ``LookupError`` if the project has no such
        thread."""
        return self._add_comment("traces/threads", self._model_id(thread_id, project_name), text)

    def thread_comments(
        self, thread_id: str, project_name: str | None = None
    ) -> list[dict[str, Any]]:
        """The comments of a thread, oldest first."""
        thread = self.get_thread(thread_id, project_name)
        if thread is None:
            raise LookupError(
                f"no thread {thread_id!r} in project {project_name or self.project!r}"
            )
        return list(thread.get("comments") or [])

    def _model_id(self, thread_id: str, project_name: str | None) -> str:
        thread = self.get_thread(thread_id, project_name)
        if thread is None:
            raise LookupError(
                f"no thread {thread_id!r} in project {project_name or self.project!r}"
            )
        return str(thread["thread_model_id"])

    # -- searches ------------------------------------------------------------------------

    def iter_pages(
        self,
        entity: Entity,
        filter: FilterArg = None,
        project_name: str | None = None,
        limit: int | None = None,
        **extra: Any,
    ) -> Iterator[list[Any]]:
        """Pages of raw search results (lists of dicts), newest first."""
        body = {"project_name": project_name or self.project, "filters": as_filters(filter)}
        path = f"v1/private/{entity}/search"
        return self.stream(path, {**body, **extra}, limit=limit, size=SEARCH_PAGE)

    def search_traces(
        self, filter: FilterArg = None, project_name: str | None = None, limit: int | None = 1000
    ) -> list[dict[str, Any]]:
        """Traces matching ``filter`` (a filter string or list), newest first."""
        return [
            row for page in self.iter_pages("traces", filter, project_name, limit) for row in page
        ]

    def search_spans(
        self,
        filter: FilterArg = None,
        project_name: str | None = None,
        limit: int | None = 1000,
        trace_id: str | None = None,
        type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Spans matching ``filter`` (optionally of one trace or type), newest first."""
        extra = {k: v for k, v in (("trace_id", trace_id), ("type", type)) if v}
        return [
            row
            for page in self.iter_pages("spans", filter, project_name, limit, **extra)
            for row in page
        ]

    # -- DataFrames ----------------------------------------------------------------------

    def traces_dataframe(
        self,
        filter: FilterArg = None,
        project_name: str | None = None,
        limit: int | None = None,
        parse_json: bool = True,
    ) -> pd.DataFrame:
        """Traces as a typed DataFrame (see ``docs/sdk.md`` for the columns)."""
        from ._frames import to_frame  # noqa: PLC0415 - pandas loads only when asked for

        return to_frame(
            "traces", self.iter_pages("traces", filter, project_name, limit), parse_json
        )

    def spans_dataframe(
        self,
        filter: FilterArg = None,
        project_name: str | None = None,
        limit: int | None = None,
        parse_json: bool = True,
    ) -> pd.DataFrame:
        """Spans as a typed DataFrame (see ``docs/sdk.md`` for the columns)."""
        from ._frames import to_frame  # noqa: PLC0415 - pandas loads only when asked for

        return to_frame("spans", self.iter_pages("spans", filter, project_name, limit), parse_json)


def _default() -> Client:
    return Client()


def get_trace(trace_id: str, with_spans: bool = True) -> dict[str, Any] | None:
    """The trace with its spans from the configured backend, or None if not (yet) there."""
    return _default().get_trace(trace_id, with_spans)


def search_traces(
    filter: FilterArg = None, project_name: str | None = None, limit: int | None = 1000
) -> list[dict[str, Any]]:
    """Traces matching ``filter``, e.g. ``'name = "chat" and tags contains "prod"'``."""
    return _default().search_traces(filter, project_name, limit)


def search_spans(
    filter: FilterArg = None,
    project_name: str | None = None,
    limit: int | None = 1000,
    trace_id: str | None = None,
    type: str | None = None,
) -> list[dict[str, Any]]:
    """Spans matching ``filter``, e.g. ``'type = "llm" and usage.total_tokens > 1000'``."""
    return _default().search_spans(filter, project_name, limit, trace_id, type)


def traces_dataframe(
    filter: FilterArg = None,
    project_name: str | None = None,
    limit: int | None = None,
    parse_json: bool = True,
) -> pd.DataFrame:
    """All matching traces of a project as a pandas DataFrame."""
    return _default().traces_dataframe(filter, project_name, limit, parse_json)


def spans_dataframe(
    filter: FilterArg = None,
    project_name: str | None = None,
    limit: int | None = None,
    parse_json: bool = True,
) -> pd.DataFrame:
    """All matching spans of a project as a pandas DataFrame."""
    return _default().spans_dataframe(filter, project_name, limit, parse_json)


def threads(
    project_name: str | None = None, filter: FilterArg = None, limit: int | None = None
) -> pd.DataFrame:
    """The threads (conversations) of a project as a DataFrame, one row per thread."""
    return _default().threads_dataframe(filter, project_name, limit)

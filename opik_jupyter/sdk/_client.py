"""Reading traces and spans back: one trace with its spans, searches, and DataFrames.

Reads are explicit calls, so unlike tracing they raise: :class:`HttpStatusError` for an
unexpected status and :class:`TransportError` when the backend cannot be reached. A trace
that is not there yet is ``None`` (right after tracing, ``flush()`` first).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote, urlencode

import msgspec

from . import _config
from ._filters import as_filters
from ._ids import new_id
from ._sender import default_url
from ._transport import HttpStatusError, HttpTransport, Request, Transport

if TYPE_CHECKING:
    import pandas as pd

SEARCH_PAGE = 2000
LIST_PAGE = 2000
FilterArg = str | Sequence[Mapping[str, Any]] | None
Entity = Literal["traces", "spans"]
_decoder = msgspec.json.Decoder()


class Client:
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
        self._config = _config.current()
        self._url = url.rstrip("/") if url else None
        self.workspace = workspace or self._config.workspace
        self.api_key = api_key if api_key is not None else self._config.api_key
        self.project = project or self._config.project
        self._transport = transport or HttpTransport(timeout)

    @property
    def url(self) -> str:
        """The backend's base URL (the local backend is found or started on first use)."""
        if self._url is None:
            self._url = default_url(self._config)
        return self._url

    # -- HTTP ----------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {
            "Comet-Workspace": self.workspace,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        if self.api_key:
            headers["Authorization"] = self.api_key
        return headers

    def request(
        self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> bytes | None:
        """Send one request; the body of a 2xx, None for a 404, else HttpStatusError."""
        if params:
            path += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        data = msgspec.json.encode(body) if body is not None else b""
        response = self._transport.send(self.url, Request(method, path, data, self._headers()))
        if response.status == 404:
            return None
        if not response.ok:
            raise HttpStatusError(response.status, response.body)
        return response.body

    def json(
        self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        """Send one request and decode its JSON answer (None for a 404 or an empty body)."""
        raw = self.request(method, path, body, params)
        return None if raw is None else _decoder.decode(raw) if raw else None

    # -- one trace -----------------------------------------------------------------------

    def get_trace(self, trace_id: str, with_spans: bool = True) -> dict[str, Any] | None:
        """The trace (and, by default, its ``spans``, newest first), or None if not found."""
        trace = self.json("GET", f"v1/private/traces/{quote(trace_id)}")
        if trace is not None and with_spans:
            trace["spans"] = self.get_spans(trace_id, trace.get("project_id"))
        return trace

    def get_span(self, span_id: str) -> dict[str, Any] | None:
        return self.json("GET", f"v1/private/spans/{quote(span_id)}")

    def get_spans(self, trace_id: str, project_id: str | None = None) -> list[dict[str, Any]]:
        """Every span of a trace, newest first (paged)."""
        spans: list[dict[str, Any]] = []
        page = 1
        while True:
            found = self.json(
                "GET",
                "v1/private/spans",
                params={
                    "trace_id": trace_id,
                    "project_id": project_id,
                    "page": page,
                    "size": LIST_PAGE,
                },
            )
            content = (found or {}).get("content") or []
            spans.extend(content)
            if len(content) < LIST_PAGE or len(spans) >= (found or {}).get("total", 0):
                return spans
            page += 1

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
            raise HttpStatusError(404, f"{entity[:-1]} {entity_id} not found".encode())
        return comment_id

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
        body: dict[str, Any] = {
            "project_name": project_name or self.project,
            "filters": as_filters(filter),
            **extra,
        }
        remaining = limit
        while remaining is None or remaining > 0:
            body["limit"] = min(SEARCH_PAGE, remaining) if remaining is not None else SEARCH_PAGE
            raw = self.request("POST", f"v1/private/{entity}/search", body) or b""
            rows = _decoder.decode_lines(raw)
            if rows:
                yield rows
            if len(rows) < body["limit"]:
                return
            body["last_retrieved_id"] = rows[-1]["id"]
            if remaining is not None:
                remaining -= len(rows)

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

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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

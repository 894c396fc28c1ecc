"""What every REST handler shares: body decoding, errors as JSON, workspaces, paging,
query arguments and finding the project a request names."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import msgspec
import tornado.web

from ..access import JSON_BODIES, WORKSPACE_HEADER, authenticate
from ..codec import decode, encode, gunzip
from ..errors import (
    ApiError,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
)
from ..ids import check_v7
from ..services import Services
from ..storage.ingest import IngestJob
from ..storage.projects import DEFAULT_PROJECT, Project

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_WORKSPACE = "default"
DEFAULT_USER = "admin"  # Opik's user when no API key names one
MAX_PAGE_SIZE = 2000

Route = tuple[str, type[tornado.web.RequestHandler]]
"""A route in OpenAPI path form and the handler class serving it."""


@dataclasses.dataclass(frozen=True)
class Operation:
    """How one HTTP method of a route is documented in the OpenAPI document."""

    summary: str
    status: int = 200
    body: type | str | None = None  # a str names an attribute of the handler ("kind.batch")
    query: tuple[str, ...] = ()
    streams: bool = False


def operation(
    summary: str,
    *,
    status: int = 200,
    body: type | str | None = None,
    query: tuple[str, ...] = (),
    streams: bool = False,
) -> Callable[[T], T]:
    """Attach OpenAPI documentation to a handler method."""

    def mark(method: T) -> T:
        method.operation = Operation(summary, status, body, query, streams)  # type: ignore[attr-defined]
        return method

    return mark


class ApiHandler(tornado.web.RequestHandler):
    """Base of the REST handlers: JSON in, JSON out, :class:`ApiError` becomes a 4xx/5xx."""

    path: ClassVar[str]
    """The route, in OpenAPI form (``/v1/private/traces/{id}``), without the ``/api`` prefix."""
    tag: ClassVar[str] = "system"
    public: ClassVar[bool] = False
    """Served without an API key even when the server requires one (the health ping)."""
    body_types: ClassVar[frozenset[str] | None] = JSON_BODIES
    """The media types a request body may be sent as (the access gate answers 415 otherwise)."""

    def initialize(self, services: Services) -> None:
        self.services = services
        self._key_workspace: str | None = None
        self._key_user: str | None = None

    def prepare(self) -> None:
        if self.services.settings.auth and not self.public:
            self._key_workspace = self._authenticate()

    def _authenticate(self) -> str:
        """The workspace of the request's API key (the gate refused any other request)."""
        workspace, self._key_user = authenticate(
            self.request.headers, self.services.api_keys.owner_of
        )
        return workspace

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")

    def check_xsrf_cookie(self) -> None:
        """The API is called by SDKs with headers, never by forms; no XSRF cookie applies."""

    @property
    def workspace(self) -> str:
        if self._key_workspace is not None:
            return self._key_workspace
        return self.request.headers.get(WORKSPACE_HEADER) or DEFAULT_WORKSPACE

    @property
    def user(self) -> str:
        """Who makes the request: the API key's name, or Opik's default user."""
        return self._key_user or DEFAULT_USER

    # -- bodies ----------------------------------------------------------------------------

    def body_as(self, kind: type[T]) -> T:
        """The request body decoded into ``kind`` (gzip and size limit handled)."""
        body = self.body_bytes()
        if not body.strip():
            raise BadRequest("body is empty; send a JSON object")
        return decode(body, kind)

    def body_bytes(self) -> bytes:
        """The request body, gunzipped, within the size limit."""
        body = self.request.body
        limit = self.services.settings.max_body_bytes
        if len(body) > limit:
            raise PayloadTooLarge(f"body is {len(body)} bytes; the limit is {limit}")
        encoding = self.request.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            body = gunzip(body, limit)
        elif encoding not in ("", "identity"):
            raise BadRequest(f"Content-Encoding {encoding!r} is not supported; send gzip or none")
        return body

    def compute_etag(self) -> str | None:
        """No ETag: hashing every JSON body costs a list or a tree a few percent, and no
        Opik client revalidates with If-None-Match (routes that need one set it)."""
        return None

    def send_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(encode(data))

    def send_page(self, page: int, content: list[Any], total: int, **extra: Any) -> None:
        """One page of a list in Opik's shape (``extra``: fields such as ``sortableBy``)."""
        self.send_json(
            {"page": page, "size": len(content), "total": total, "content": content, **extra}
        )

    def set_location(self, path: str) -> None:
        """Point ``Location`` at ``path``, under ``/api`` if the request came that way."""
        prefix = "/api" if self.request.path.startswith("/api/") else ""
        self.set_header("Location", prefix + path)

    def no_content(self) -> None:
        self.set_status(204)
        self.clear_header("Content-Type")
        self.finish()

    # -- query parameters ------------------------------------------------------------------

    def int_arg(self, name: str, default: int, low: int = 1, high: int = 1_000_000) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(f"query parameter {name} must be an integer, got {raw!r}") from None
        if not low <= value <= high:
            raise BadRequest(f"query parameter {name} must be between {low} and {high}")
        return value

    def page_args(self, default_size: int = 10) -> tuple[int, int]:
        return self.int_arg("page", 1), self.int_arg("size", default_size, 1, MAX_PAGE_SIZE)

    def str_arg(self, name: str) -> str | None:
        return self.get_query_argument(name, None) or None

    def list_arg(self, name: str) -> list[str]:
        """A query parameter holding a JSON list of strings, or comma-separated values."""
        raw = self.str_arg(name)
        if not raw:
            return []
        if raw.startswith("["):
            try:
                return msgspec.json.decode(raw, type=list[str])
            except msgspec.MsgspecError as exc:
                raise BadRequest(f"{name}: must be a JSON list of strings: {exc}") from exc
        return [part.strip() for part in raw.split(",") if part.strip()]

    # -- running blocking store calls off the event loop -------------------------------------

    def count_events(self, events: int) -> None:
        """Charge ``events`` to the workspace's rate limit; 429 when it is exceeded."""
        if self.services.limiter.over_limit(self.workspace, events):
            raise TooManyRequests(
                f"workspace {self.workspace!r} is over its limit of "
                f"{self.services.settings.rate_limit_per_second} events "
                "per second; retry after the Retry-After delay"
            )

    async def commit(self, job: IngestJob) -> None:
        """Hand ``job`` to the group-commit writer; return once it is stored."""
        await asyncio.wrap_future(self.services.writer.submit(job))

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.services.executor, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a trace/span/stats read on the reads' own pool (see ``Reads.executor``)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.services.reads.executor, fn, *args)

    async def stored(self, kind: str, entity_id: str) -> dict[str, Any]:
        """The stored trace or span (``kind``) of ``entity_id``; 404 naming it if there is none."""
        reads = self.services.reads
        found = reads.recent_trace(self.workspace, entity_id) if kind == "trace" else None
        if found is None:
            read = reads.trace if kind == "trace" else reads.span
            found = await self.read(read, self.workspace, entity_id)
        if found is None:
            raise NotFound(f"{kind} {entity_id} not found")
        return found

    async def project(
        self, *, name: str | None = None, id: str | None = None, create: bool = False
    ) -> Project:
        """The project named by ``id`` (404 if missing; id wins) or by ``name``.

        With ``create`` a project named by name is created on first use (the default
        project when neither is given); without it a missing one is 404 and one of the two
        must be given (400).
        """
        found = self._recent_project(name=name or (DEFAULT_PROJECT if create else None), id=id)
        if found is not None:
            return found
        projects, workspace = self.services.projects, self.workspace
        if id:
            return await self.blocking(projects.get, workspace, check_v7(id, "project_id"))
        if create:
            return await self.blocking(projects.resolve, workspace, name)
        if not name:
            raise BadRequest("give project_name or project_id")
        return await self.blocking(projects.by_name, workspace, name)

    def _recent_project(self, *, name: str | None, id: str | None) -> Project | None:
        """The project named by ``id`` (else ``name``) if it was looked up moments ago."""
        if id:
            return self.services.projects.recent(
                self.workspace, project_id=check_v7(id, "project_id")
            )
        return self.services.projects.recent(self.workspace, name=name) if name else None

    # -- errors ------------------------------------------------------------------------------

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(exc, ApiError):
            self.set_status(exc.status)
            for name, value in exc.headers.items():
                self.set_header(name, value)
            self.finish(encode(exc.body()))
            return
        if isinstance(exc, tornado.web.HTTPError):
            message = exc.log_message or self._reason
        else:
            message = "internal error; see the backend log"
        self.finish(encode({"code": status_code, "message": message, "errors": [message]}))

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this route answers (``Allow`` of a 405)."""
        base = tornado.web.RequestHandler
        return [
            m
            for m in cls.SUPPORTED_METHODS
            if getattr(cls, m.lower()) is not getattr(base, m.lower())
        ]

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, ApiError) and value.status < 500:
            return
        super().log_exception(typ, value, tb)


class NotFoundHandler(ApiHandler):
    """Unknown paths answer 404 with a JSON body, like every other error."""

    def prepare(self) -> None:
        message = f"no route for {self.request.method} {self.request.path}"
        self.set_status(404)
        self.finish(encode({"code": 404, "message": message, "errors": [message]}))

"""The one REST client: every call to the Opik REST API outside the sender goes through
:class:`RestClient`, and the sender takes its base URL and headers from here too.

What lives here, once: where the backend is (:func:`base_url`), what every request says
about who sends it (:func:`request_headers`), JSON in and out, gzip for large bodies,
errors mapped to :class:`HttpStatusError` / :class:`TransportError` (one line when the
backend is down, not a chain of socket errors), and the API's two ways of paging.

The routes of each resource are in the module of that resource (``_client`` for traces
and spans, ``_rules``, ``evaluation/_api`` for datasets and experiments, ``_batch`` for the
sender's writes); none builds a request by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self
from urllib.parse import urlencode

import msgspec

from opik_backend import runtime

from . import _config
from ._batch import gzip_compress
from ._config import Config
from ._transport import HttpStatusError, HttpTransport, Request, Transport, TransportError

USER_AGENT = "opik-jupyter"
WORKSPACE_HEADER = "Comet-Workspace"
GZIP_MIN_BYTES = 16 * 1024
"""Bodies from this size on are sent gzipped: below it compressing costs more than it saves."""
PAGE = 2000
"""Rows per page of a paged list or stream (the API's largest)."""
_decoder = msgspec.json.Decoder()
_local_tokens: dict[str, str] = {}
"""Base URL -> start-up token of the local backend found there (from its runtime file)."""


def base_url(config: Config) -> str:
    """The configured URL, or the local backend of the data directory (started if needed)."""
    if config.url:
        return config.url
    info = runtime.ensure_running(config.data_dir.expanduser())
    _local_tokens[info.url] = info.token
    return info.url


def request_headers(
    workspace: str, api_key: str | None, *, url: str = "", gzipped: bool = False
) -> dict[str, str]:
    """The headers of every request to the backend at ``url``, the sender's included.

    The one place where a request says who it comes from (workspace, API key, and the
    local backend's start-up token when ``url`` is the local backend): anything else every
    request must carry belongs here too.
    """
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        WORKSPACE_HEADER: workspace,
    }
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if api_key:
        headers["Authorization"] = api_key
    token = _local_tokens.get(url)
    if token:
        headers[runtime.TOKEN_HEADER] = token
    return headers


class RestClient:
    """HTTP to one backend and workspace (defaults: the SDK's settings).

    ``request`` and ``json`` answer None for a 404 and raise :class:`HttpStatusError` for
    any other status that is not 2xx; :class:`TransportError` when no answer came.
    """

    def __init__(
        self,
        url: str | None = None,
        workspace: str | None = None,
        api_key: str | None = None,
        transport: Transport | None = None,
        timeout: float = 120.0,
    ) -> None:
        self._config = _config.current()
        self._given_url = url.rstrip("/") if url else None
        self._url = self._given_url
        self.workspace = workspace or self._config.workspace
        self.api_key = api_key if api_key is not None else self._config.api_key
        self._transport = transport or HttpTransport(timeout)

    @property
    def url(self) -> str:
        """The backend's base URL (the local backend is found or started on first use)."""
        if self._url is None:
            try:
                self._url = base_url(self._config)
            except (runtime.BackendStartFailed, runtime.BackendLocked, OSError) as exc:
                raise TransportError(f"could not start the local Opik backend: {exc}") from None
        return self._url

    def request(
        self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> bytes | None:
        """Send one request; the body of a 2xx, None for a 404, else HttpStatusError."""
        if params:
            path += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        data = msgspec.json.encode(body) if body is not None else b""
        gzipped = len(data) >= GZIP_MIN_BYTES
        url = self.url
        headers = request_headers(self.workspace, self.api_key, url=url, gzipped=gzipped)
        request = Request(method, path, gzip_compress(data) if gzipped else data, headers)
        try:
            response = self._transport.send(url, request)
        except TransportError as exc:
            raise self._unreachable(url, exc) from None
        if response.status == 404:
            return None
        if not response.ok:
            raise HttpStatusError(response.status, response.body)
        return response.body

    def put_bytes(self, path: str, data: bytes, params: Mapping[str, Any]) -> None:
        """PUT raw bytes (a file); HttpStatusError unless the answer is 2xx."""
        path += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        headers = {**request_headers(self.workspace, self.api_key, gzipped=False)}
        headers["Content-Type"] = "application/octet-stream"
        url = self.url
        try:
            response = self._transport.send(url, Request("PUT", path, data, headers))
        except TransportError as exc:
            raise self._unreachable(url, exc) from None
        if not response.ok:
            raise HttpStatusError(response.status, response.body)

    def json(
        self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        """Send one request and decode its JSON answer (None for a 404 or an empty body)."""
        raw = self.request(method, path, body, params)
        return _decoder.decode(raw) if raw else None

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, size: int = PAGE
    ) -> Iterator[list[Any]]:
        """The ``content`` of each page of a paged list (``page``/``size``), first page first."""
        page = 1
        seen = 0
        while True:
            found = self.json("GET", path, params={**(params or {}), "page": page, "size": size})
            content = (found or {}).get("content") or []
            if content:
                yield content
            seen += len(content)
            if len(content) < size or seen >= (found or {}).get("total", seen + 1):
                return
            page += 1

    def stream(
        self,
        path: str,
        body: Mapping[str, Any],
        limit_key: str = "limit",
        limit: int | None = None,
        size: int = PAGE,
    ) -> Iterator[list[Any]]:
        """Pages of an NDJSON stream or search (newest first), at most ``limit`` rows in
        all, each page asked for after the last row of the one before (``last_retrieved_id``)."""
        body = dict(body)
        remaining = limit
        while remaining is None or remaining > 0:
            body[limit_key] = min(size, remaining) if remaining is not None else size
            rows = _decoder.decode_lines(self.request("POST", path, body) or b"")
            if rows:
                yield rows
            if len(rows) < body[limit_key]:
                return
            body["last_retrieved_id"] = rows[-1]["id"]
            if remaining is not None:
                remaining -= len(rows)

    def batched(
        self,
        method: str,
        path: str,
        key: str,
        values: Sequence[Any],
        batch_size: int,
        **fields: Any,
    ) -> None:
        """Send ``values`` as ``{key: [...], **fields}`` bodies of at most ``batch_size``."""
        for start in range(0, len(values), batch_size):
            self.request(method, path, {**fields, key: list(values[start : start + batch_size])})

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _unreachable(self, url: str, exc: TransportError) -> TransportError:
        if self._given_url is None and not self._config.url:
            self._url = None  # the local backend may come back elsewhere: look again next time
            hint = "the next call looks for it (and starts it) again"
        else:
            hint = "check that it runs, or point configure(url=...) at one that does"
        return TransportError(f"cannot reach the Opik backend at {url} ({exc}); {hint}")

"""The sender's line to the backend: where it is, one request per batch, and what the
answer means (sent, retry later, or rejected)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Literal

from ._batch import Batch
from ._config import Config
from ._rest import base_url, request_headers
from ._transport import Request, Response, Transport

RETRY_STATUSES = frozenset({401, 403, 404, 408, 425, 429})
SPLIT_STATUSES = frozenset({400, 413, 422})
Outcome = Literal["sent", "retry", "reject"]


@dataclasses.dataclass
class Result:
    """What became of one request."""

    outcome: Outcome
    status: int | None = None
    retry_after: float | None = None
    error: str | None = None


class BackendLink:
    """Sends batches to the backend and classifies the answers; remembers the last error."""

    def __init__(
        self,
        config: Config,
        transport: Transport,
        resolve_url: Callable[[Config], str] | None = None,
    ) -> None:
        self.config = config
        self.transport = transport
        self._resolve_url = resolve_url or base_url
        self.url: str | None = None
        self.last_error: str | None = None

    def send(self, batch: Batch) -> Result:
        """One attempt at ``batch``; never raises."""
        try:
            url = self.base_url()
        except Exception as exc:  # starting the local backend can fail in any way
            return self.failed(Result("retry", error=f"no backend: {exc}"))
        headers = request_headers(batch.workspace, self.config.api_key, gzipped=batch.gzipped)
        try:
            response = self.transport.send(
                url, Request(batch.method, batch.path, batch.body, headers)
            )
        except OSError as exc:
            return self.failed(Result("retry", error=str(exc)))
        return self._classify(response, batch)

    def ping(self) -> Result:
        """Ask the health endpoint whether the backend answers."""
        try:
            response = self.transport.send(self.base_url(), Request("GET", "is-alive/ping"))
        except Exception as exc:  # any failure means: still down
            return self.failed(Result("retry", error=str(exc)))
        if response.ok:
            return Result("sent", response.status)
        return self.failed(Result("retry", response.status, error=f"ping: HTTP {response.status}"))

    def _classify(self, response: Response, batch: Batch) -> Result:
        if response.ok:
            return Result("sent", response.status)
        error = (
            f"{batch.method} {batch.path}: HTTP {response.status} "
            f"{response.body[:300].decode(errors='replace')}"
        )
        if response.status >= 500 or response.status in RETRY_STATUSES:
            retry_after = _retry_after(response.headers.get("retry-after"))
            return self.failed(Result("retry", response.status, retry_after, error))
        return Result("reject", response.status, error=error)

    def failed(self, result: Result) -> Result:
        """Remember ``result``'s error; forget a local backend's URL (it may have moved)."""
        self.last_error = result.error
        if self.config.url is None:
            self.url = None  # ask the runtime file again
        return result

    def base_url(self) -> str:
        if self.url is None:
            self.url = self._resolve_url(self.config)
        return self.url

    def abort(self) -> None:
        """Fail the request in progress and every later one (shutting down)."""
        self.transport.abort()

    def close(self) -> None:
        self.transport.close()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        return None

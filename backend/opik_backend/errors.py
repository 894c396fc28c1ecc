"""Errors that end a request with a JSON body ``{"code": ..., "message": ..., "errors": [...]}``.

ApiError                 any error a client is told about
├── BadRequest           400  unreadable body, malformed id or parameter
├── Unauthorized         401  no valid API key (when the server requires one)
├── Forbidden            403  a valid key, for another workspace
├── NotFound             404  no such entity in this workspace
├── Conflict             409  name taken, a PATCH that contradicts the stored entity, or a
│                             trace id that another project holds
├── MethodNotAllowed     405  the route has no such method; Allow lists those it has
├── PayloadTooLarge      413  body (or inflated gzip body) over the limit
├── UnsupportedMediaType 415  a body that is not sent as application/json
├── ValidationFailed     422  body parsed but breaks the schema or a rule
├── TooManyRequests      429  the workspace's rate limit; Retry-After says when
└── StorageUnavailable   503  a store did not answer; the client may retry
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of the errors that become an HTTP response."""

    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"code": self.status, "message": self.message, "errors": [self.message]}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class MethodNotAllowed(ApiError):
    status = 405

    def __init__(self, message: str, *, allow: list[str]) -> None:
        super().__init__(message, headers={"Allow": ", ".join(allow)})


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class ValidationFailed(ApiError):
    status = 422


class TooManyRequests(ApiError):
    status = 429

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(
            message, headers={"Retry-After": str(retry_after), "RateLimit-Reset": str(retry_after)}
        )


class StorageUnavailable(ApiError):
    status = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})

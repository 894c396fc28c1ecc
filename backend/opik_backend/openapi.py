"""The OpenAPI document, generated from the routes that are served and their body types."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import tornado.web

from . import __version__
from .handlers.base import Operation
from .ids import V7_PATTERN
from .schemas import schema_of

METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{(\w+)\}")


def operations(handler: type[tornado.web.RequestHandler]) -> dict[str, Operation]:
    """The documented HTTP methods a handler serves."""
    found = {}
    for method in METHODS:
        fn = getattr(handler, method, None)
        op = getattr(fn, "operation", None)
        if op is not None:
            found[method] = op
    return found


def body_type(handler: type, op: Operation) -> type | None:
    if isinstance(op.body, str):
        return functools.reduce(getattr, op.body.split("."), handler)
    return op.body


def build(routes: Sequence[tuple[str, type[tornado.web.RequestHandler]]]) -> dict[str, Any]:
    """An OpenAPI 3.1 document describing ``routes`` (paths without the ``/api`` prefix)."""
    bodies = sorted(
        {
            t
            for path, h in routes
            for op in operations(h).values()
            if (t := body_type(h, op)) is not None
        },
        key=lambda t: t.__name__,
    )
    schemas, components = schema_of(bodies)
    body_refs = dict(zip(bodies, schemas, strict=True))
    paths: dict[str, Any] = {}
    for path, handler in routes:
        for method, op in operations(handler).items():
            paths.setdefault(path, {})[method] = _operation(path, handler, method, op, body_refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "opik-jupyter backend (Opik REST API)",
            "version": __version__,
            "description": "Every path is also served under the /api prefix.",
        },
        "servers": [{"url": "/"}, {"url": "/api"}],
        "paths": paths,
        "components": {"schemas": {**components, "Error": _ERROR}},
    }


def _operation(
    path: str, handler: type, method: str, op: Operation, body_refs: dict[type, Any]
) -> dict[str, Any]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(path, name)}
        for name in _PARAM.findall(path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in op.query
    ]
    success: dict[str, Any] = {"description": op.summary}
    if op.status == 200:
        media = "application/x-ndjson" if op.streams else "application/json"
        success["content"] = {media: {"schema": {}}}
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": f"{method}_{handler.__name__}",
        "tags": [getattr(handler, "tag", "system")],
        "parameters": params,
        "responses": {str(op.status): success, "4XX": _ERROR_RESPONSE, "503": _ERROR_RESPONSE},
    }
    kind = body_type(handler, op)
    if kind is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_refs[kind]}},
        }
    return out


_ANY_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _path_schema(path: str, name: str) -> dict[str, str]:
    """Path ids are UUID v7; ``version_hash`` also takes a version's name, tag or id, and a
    feedback definition's id is any UUID (as its create accepts)."""
    if name == "version_hash":
        return {"type": "string"}
    if path.startswith("/v1/private/feedback-definitions/"):
        return {"type": "string", "pattern": _ANY_UUID}
    return {"type": "string", "pattern": V7_PATTERN}


_ERROR = {
    "type": "object",
    "required": ["code", "message", "errors"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}
_ERROR_RESPONSE = {
    "description": "error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

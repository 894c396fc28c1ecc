"""An in-memory stand-in for the backend, behind :class:`MockTransport` (unit tests only).

It decodes what the sender sends, checks the rules the real backend enforces (UUID v7,
no id twice in a batch, gzip), keeps the newest version of each id, and can be told to
fail: refuse connections, answer a status, or reject some events.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from opik_jupyter.sdk import MockTransport, Request, Response
from opik_jupyter.sdk._transport import TransportError


class FakeBackend:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = {"traces": {}, "spans": {}}
        self.scores: list[dict[str, Any]] = []
        self.requests: list[tuple[Request, dict[str, Any]]] = []
        self.order: list[str] = []
        self.fail: Callable[[Request], Response | None] | None = None
        self.transport = MockTransport(self.handle)

    def handle(self, _url: str, request: Request) -> Response:
        if self.fail is not None:
            failed = self.fail(request)
            if failed is not None:
                return failed
        if request.method == "GET":
            return Response(200, b'{"healthy":true}')
        body = request.body
        if request.headers.get("Content-Encoding") == "gzip":
            body = zlib.decompress(body, 31)
        else:
            assert len(body) < 256, "bodies of 256 bytes or more must be gzipped"
        data = json.loads(body)
        self.requests.append((request, data))
        ((key, items),) = data.items()
        ids = [item.get("id") for item in items]
        if key != "scores" and len(ids) != len(set(ids)):
            return Response(422, b'{"message": "duplicate id in one batch"}')
        for item in items:
            assert uuid.UUID(item["id"]).version == 7
            if key == "scores":
                self.scores.append(item)
                continue
            kind = "traces" if "traces/batch" in request.path else "spans"
            stored = self.items[kind].get(item["id"])
            if stored is None or item["last_updated_at"] >= stored["last_updated_at"]:
                self.items[kind][item["id"]] = item
            if kind == "traces":
                self.order.append(item["id"])
        return Response(204)


def refuse(_request: Request) -> Response:
    raise TransportError("connection refused")

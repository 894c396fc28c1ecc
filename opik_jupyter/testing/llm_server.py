"""A local, scriptable stand-in for the OpenAI and Anthropic HTTP APIs (standard library only).

The real ``openai``, ``anthropic``, ``litellm`` and LangChain clients work against it
unchanged (``base_url=server.openai_base_url, api_key="test"``). Routes under ``/v1``:
``POST chat/completions``, ``responses``, ``embeddings``, ``messages`` (Anthropic), each
streamed (server-sent events) or not, and ``GET models``. Replies are deterministic:
``"Echo: <last user text>"`` unless ``replies`` says otherwise (a string, a callable taking
the :class:`RecordedRequest`, a list used as a queue, or a dict of those by model). Token
counts are the text length / 4, rounded up. A model named ``error-<status>``
(``error-429``) or :meth:`FakeLLMServer.fail` gets that status and the provider's error JSON.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._wire import ROUTES, Answer, Reply, error_body, tokens

__all__ = ["FakeLLMServer", "RecordedRequest"]

Replies = Callable[["RecordedRequest"], "str | None"] | Mapping[str, Any] | Sequence[str]


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


@dataclass
class _Failure:
    status: int
    message: str | None
    times: int = 1
    retry_after: float | None = None


def _text_of(value: Any) -> str:
    """All the text in a message content, a list of parts or a list of messages."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return _text_of(value.get("content", value.get("text", "")))
    return " ".join(_text_of(part) for part in value) if isinstance(value, Iterable) else ""


class FakeLLMServer:
    """An OpenAI/Anthropic-compatible HTTP server on 127.0.0.1 for tests and demos.

    ``latency`` delays every answer (seconds), ``chunk_delay`` every stream event.
    Received requests are in :attr:`requests`. Use as a context manager or
    ``start()``/``stop()``.
    """

    def __init__(
        self,
        replies: Replies | None = None,
        *,
        latency: float = 0.0,
        chunk_delay: float = 0.0,
        port: int = 0,
    ) -> None:
        self.replies = replies
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._queues: dict[str, deque[str]] = {}
        self._failures: deque[_Failure] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeLLMServer:
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _Handler)
            self._httpd.daemon_threads = True
            self._httpd.fake = self  # type: ignore[attr-defined]
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="fake-llm-server", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running: call start() first")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    def fail(
        self,
        status: int = 500,
        *,
        times: int = 1,
        message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``times`` LLM requests with ``status`` and the provider's error."""
        with self._lock:
            self._failures.append(_Failure(status, message, times, retry_after))

    def reply_text(self, request: RecordedRequest) -> str:
        """The reply for ``request``: from ``replies`` if it has one, else an echo."""
        replies, model = self.replies, request.model or ""
        key, source = (model, replies.get(model)) if isinstance(replies, Mapping) else ("", replies)
        if callable(source):
            text = source(request)
            if text is not None:
                return str(text)
        elif isinstance(source, str):
            return source
        elif source:
            with self._lock:
                queue = self._queues.setdefault(key, deque(source))
                if queue:
                    return queue.popleft()
        body = request.body or {}
        last = body.get("messages") or body.get("input") or [""]
        return f"Echo: {_text_of(last[-1] if isinstance(last, list) else last)}"

    def _failure(self, request: RecordedRequest) -> _Failure | None:
        match = re.fullmatch(r"error-(\d{3})", request.model or "")
        if match:
            return _Failure(int(match.group(1)), None)
        with self._lock:
            if not self._failures:
                return None
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.popleft()
            return failure

    def _handle(self, handler: _Handler, method: str) -> None:
        request = _read(handler, method)
        path = request.path
        with self._lock:
            self.requests.append(request)
        if self.latency:
            time.sleep(self.latency)
        route = ROUTES.get((method, path.removeprefix("/v1")))
        failure = self._failure(request) if route is not None and method == "POST" else None
        status, headers = (failure.status if failure else 200), {}
        answer: Answer
        if route is None:
            status, answer = 404, error_body(request, 404, f"no route {method} {path}")
        elif failure is not None:
            answer = error_body(request, failure.status, failure.message)
            if failure.retry_after:
                headers["retry-after"] = str(failure.retry_after)
        else:
            try:
                answer = route(self, request)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                status, answer = 400, error_body(request, 400, f"bad request: {exc!r}")
        try:
            _send(handler, status, answer, headers, self.chunk_delay)
        except (BrokenPipeError, ConnectionResetError):  # the client went away mid-stream
            handler.close_connection = True

    def make_reply(self, request: RecordedRequest) -> Reply:
        body, text = request.body or {}, self.reply_text(request)
        prompt = [
            body[key] for key in ("system", "instructions", "messages", "input") if body.get(key)
        ]
        return Reply(
            text,
            body.get("model", "fake-model"),
            tokens(_text_of(prompt)),
            tokens(text),
            next(self._ids),
        )


def _read(handler: _Handler, method: str) -> RecordedRequest:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    try:
        body = json.loads(raw) if raw.strip() else None
    except ValueError:
        body = None
    return RecordedRequest(
        method, handler.path.split("?", 1)[0].rstrip("/"), dict(handler.headers.items()), body
    )


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test server writes nothing to stderr."""


def _send(
    handler: _Handler, status: int, answer: Answer, headers: Mapping[str, str], delay: float
) -> None:
    """A JSON body, or (for a list of events) a stream of server-sent events."""
    events = answer if isinstance(answer, list) else None
    streamed = events is not None
    data = b"" if streamed else json.dumps(answer).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/event-stream" if streamed else "application/json")
    for name, value in {
        **headers,
        **({} if streamed else {"Content-Length": str(len(data))}),
    }.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
    for event, payload in events or ():
        head = f"event: {event}\n" if event else ""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        handler.wfile.write(f"{head}data: {text}\n\n".encode())
        handler.wfile.flush()
        time.sleep(delay)

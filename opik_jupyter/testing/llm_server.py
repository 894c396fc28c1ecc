"""A local, scriptable stand-in for the LLM providers' HTTP APIs (standard library only).

The real client libraries work against it unchanged: ``openai``, ``anthropic``, ``litellm``
and LangChain (``base_url=server.openai_base_url, api_key="test"``), ``groq``
(``base_url=server.url``, Groq's ``/openai/v1`` paths), ``mistralai``
(``server_url=server.url``), ``google-genai`` (``HttpOptions(base_url=server.url)``), boto3's
``bedrock-runtime`` (``endpoint_url=server.url``) and ``ollama`` (``Client(host=server.url)``).
Routes: under ``/v1`` ``POST chat/completions``, ``responses``, ``embeddings``, ``messages``
(Anthropic) and ``GET models``; Gemini's ``POST /v1beta/models/<model>:generateContent`` and
``:streamGenerateContent``; Bedrock's ``POST /model/<id>/converse``, ``converse-stream`` and
``invoke``; Ollama's ``POST /api/chat``. Each LLM route streams in its provider's format
(server-sent events, newline-delimited JSON, or AWS event stream) when asked.

Replies are deterministic: ``"Echo: <last user text>"`` unless ``replies`` says otherwise
(a string, a :class:`ToolCall` or a list of them, a callable taking the
:class:`RecordedRequest` and returning one of those, a list used as a queue, or a dict of
those by model). A tool call is answered in each provider's function-calling shape. Token
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
from urllib.parse import unquote

from ._wire import ROUTES, Answer, Reply, ToolCall, error_body, tokens
from ._wire_native import PATTERN_ROUTES, send_native

__all__ = ["FakeLLMServer", "RecordedRequest", "ToolCall"]

Scripted = str | ToolCall | Sequence[ToolCall]
Replies = Callable[["RecordedRequest"], "Scripted | None"] | Mapping[str, Any] | Sequence[Scripted]


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    path_model: str | None = None  # the model named by the path (Gemini, Bedrock)

    @property
    def model(self) -> str | None:
        given = self.body.get("model") if isinstance(self.body, dict) else None
        return given or self.path_model


@dataclass
class _Failure:
    status: int
    message: str | None
    times: int = 1
    retry_after: float | None = None


def _as_reply(scripted: Any) -> str | tuple[ToolCall, ...]:
    if isinstance(scripted, ToolCall):
        return (scripted,)
    if isinstance(scripted, list | tuple) and all(isinstance(c, ToolCall) for c in scripted):
        return tuple(scripted)
    return str(scripted)


def _text_of(value: Any) -> str:
    """All the text in a message content, a list of parts or a list of messages."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = value.get("content", value.get("parts", value.get("text", "")))
        return _text_of(inner)
    return " ".join(_text_of(part) for part in value) if isinstance(value, Iterable) else ""


class FakeLLMServer:
    """An OpenAI/Anthropic-compatible HTTP server on 127.0.0.1 for tests and demos.

    ``latency`` delays every answer (seconds), ``chunk_delay`` every stream event, and
    ``first_chunk_delay`` a stream's first event (its headers are sent before it).
    Received requests are in :attr:`requests`. Use as a context manager or
    ``start()``/``stop()``.
    """

    def __init__(
        self,
        replies: Replies | None = None,
        *,
        latency: float = 0.0,
        chunk_delay: float = 0.0,
        first_chunk_delay: float = 0.0,
        port: int = 0,
    ) -> None:
        self.replies = replies
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.first_chunk_delay = first_chunk_delay
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._queues: dict[str, deque[Any]] = {}
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

    def reply_for(self, request: RecordedRequest) -> str | tuple[ToolCall, ...]:
        """The reply for ``request`` (a text, or tool calls): from ``replies``, else an echo."""
        replies, model = self.replies, request.model or ""
        key, source = (model, replies.get(model)) if isinstance(replies, Mapping) else ("", replies)
        if callable(source):
            scripted = source(request)
            if scripted is not None:
                return _as_reply(scripted)
        elif isinstance(source, str | ToolCall):
            return _as_reply(source)
        elif source:
            with self._lock:
                queue = self._queues.setdefault(key, deque(source))
                if queue:
                    return _as_reply(queue.popleft())
        body = request.body or {}
        last = body.get("messages") or body.get("input") or body.get("contents") or [""]
        return f"Echo: {_text_of(last[-1] if isinstance(last, list) else last)}"

    def reply_text(self, request: RecordedRequest) -> str:
        """The text of the reply for ``request`` (empty when it is tool calls)."""
        reply = self.reply_for(request)
        return reply if isinstance(reply, str) else ""

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
        route = _route(request)
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
            delays = (self.first_chunk_delay, self.chunk_delay)
            if not send_native(handler, status, answer, delays):
                _send(handler, status, answer, headers, delays)
        except (BrokenPipeError, ConnectionResetError):  # the client went away mid-stream
            handler.close_connection = True

    def make_reply(self, request: RecordedRequest) -> Reply:
        body, reply = request.body or {}, self.reply_for(request)
        text, calls = (reply, ()) if isinstance(reply, str) else ("", reply)
        prompt = [
            body[key]
            for key in ("system", "instructions", "messages", "input", "contents")
            if body.get(key)
        ]
        said = text + "".join(call.name + json.dumps(call.arguments) for call in calls)
        return Reply(
            text,
            request.model or "fake-model",
            tokens(_text_of(prompt)),
            tokens(said),
            next(self._ids),
            calls,
        )


def _route(request: RecordedRequest) -> Any:
    """The route answering ``request`` (a model named in its path is recorded on it)."""
    path = request.path
    for prefix in ("/openai/v1", "/v1"):  # Groq serves the OpenAI API under /openai/v1
        if path.startswith(prefix + "/"):
            path = path.removeprefix(prefix)
            break
    route = ROUTES.get((request.method, path))
    if route is not None:
        return route
    for method, pattern, handler in PATTERN_ROUTES:
        match = pattern.fullmatch(request.path)
        if match and method == request.method:
            model = match.groupdict().get("model")
            request.path_model = unquote(model) if model else None
            return handler
    return None


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
    handler: _Handler,
    status: int,
    answer: Answer,
    headers: Mapping[str, str],
    delays: tuple[float, float],
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
    if streamed:
        time.sleep(delays[0])
    for event, payload in events or ():
        head = f"event: {event}\n" if event else ""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        handler.wfile.write(f"{head}data: {text}\n\n".encode())
        handler.wfile.flush()
        time.sleep(delays[1])

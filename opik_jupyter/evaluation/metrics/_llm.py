"""Calling a judge model on any OpenAI-compatible chat completions endpoint, and reading
its JSON reply.

The ``openai`` client is used when it is installed (its retries and timeouts, and our
integration traces its calls as ``llm`` spans); otherwise a plain ``urllib`` POST with
retries of its own. A judge asks for a JSON object with a JSON Schema (``response_format``
``json_schema``, falling back to ``json_object``); a reply without the asked-for object is
a :class:`JudgeOutputError` quoting what came back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
_RETRIED = frozenset({408, 409, 429, 500, 502, 503, 504})
Message = Mapping[str, str]


class JudgeOutputError(ValueError):
    """The judge answered, but not with the JSON it was asked for."""


@dataclasses.dataclass
class JudgeModel:
    """A chat model behind an OpenAI-compatible API, used as a judge.

    ``base_url`` defaults to ``OPENAI_BASE_URL`` (then OpenAI itself), ``api_key`` to
    ``OPENAI_API_KEY``. Pass ``client=`` (an ``openai.OpenAI``) or ``async_client=`` (an
    ``openai.AsyncOpenAI``) to use clients you made. ``structured_output`` sends the
    judge's JSON Schema (``response_format={"type": "json_schema", ...}``); ``json_mode``
    alone sends ``{"type": "json_object"}``; turn both off for endpoints that refuse them.
    ``max_retries`` re-sends a request that failed in transit or with 408/429/5xx.
    """

    model: str = "gpt-4o-mini"
    _: dataclasses.KW_ONLY
    base_url: str | None = None
    api_key: str | None = dataclasses.field(default=None, repr=False)
    client: Any = dataclasses.field(default=None, repr=False)
    async_client: Any = dataclasses.field(default=None, repr=False)
    temperature: float | None = 0.0
    seed: int | None = None
    timeout: float = 60.0
    max_retries: int = 2
    json_mode: bool = True
    structured_output: bool = True
    _lock: threading.Lock = dataclasses.field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def request(
        self, messages: Sequence[Message], schema: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The chat completions request body for ``messages`` (and a reply schema)."""
        body: dict[str, Any] = {"model": self.model, "messages": [dict(m) for m in messages]}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.seed is not None:
            body["seed"] = self.seed
        if schema is not None and self.structured_output:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "verdict", "schema": dict(schema), "strict": True},
            }
        elif schema is not None and self.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def complete(self, messages: Sequence[Message], schema: Mapping[str, Any] | None = None) -> str:
        """The text of the model's reply to ``messages``."""
        body = self.request(messages, schema)
        client = self._openai()
        if client is not None:
            reply = client.chat.completions.create(**body)
            return str(reply.choices[0].message.content or "")
        return self._post(body)

    async def acomplete(
        self, messages: Sequence[Message], schema: Mapping[str, Any] | None = None
    ) -> str:
        """:meth:`complete` without blocking the event loop (``openai.AsyncOpenAI`` when
        the package is installed, else the blocking call in a thread)."""
        body = self.request(messages, schema)
        if self.async_client is not None:
            reply = await self.async_client.chat.completions.create(**body)
            return str(reply.choices[0].message.content or "")
        if self.client is not None:
            return await asyncio.to_thread(self.complete, messages, schema)
        try:
            import openai  # noqa: PLC0415 - optional, and heavy to import
        except ImportError:
            return await asyncio.to_thread(self._post, body)
        async with openai.AsyncOpenAI(**self._client_options()) as client:
            reply = await client.chat.completions.create(**body)
        return str(reply.choices[0].message.content or "")

    def _client_options(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url or os.environ.get("OPENAI_BASE_URL"),
            "api_key": self.api_key or os.environ.get("OPENAI_API_KEY") or "not-set",
            "timeout": self.timeout,
            "max_retries": self.max_retries,
        }

    def _openai(self) -> Any:
        """The ``openai`` client (made once), or None when the package is not installed."""
        with self._lock:
            if self.client is None:
                try:
                    import openai  # noqa: PLC0415 - optional, and heavy to import
                except ImportError:
                    return None
                self.client = openai.OpenAI(**self._client_options())
            return self.client

    def _post(self, body: dict[str, Any]) -> str:
        base = self.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        key = self.api_key or os.environ.get("OPENAI_API_KEY") or ""
        post = urllib.request.Request(  # noqa: S310 - a configured http(s) endpoint
            base.rstrip("/") + "/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                with urllib.request.urlopen(post, timeout=self.timeout) as answer:  # noqa: S310
                    found = json.loads(answer.read())
                return str(found["choices"][0]["message"].get("content") or "")
            except urllib.error.HTTPError as exc:
                if last or exc.code not in _RETRIED:
                    raise RuntimeError(
                        f"the judge endpoint answered {exc.code}: "
                        f"{exc.read()[:300].decode(errors='replace')}"
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if last:
                    raise RuntimeError(f"the judge endpoint {base} is unreachable: {exc}") from None
            time.sleep(min(0.5 * 2**attempt, 8.0))
        raise AssertionError("unreachable")  # pragma: no cover


def json_object(reply: str, keys: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON object in a judge's reply (bare, in code fences, or inside prose);
    :class:`JudgeOutputError` naming the ``keys`` asked for and quoting the reply when
    there is none."""
    text = _FENCE.sub("", reply.strip())
    candidates = [text]
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start : text.rfind("}") + 1])
    for candidate in candidates:
        try:
            found = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    if start >= 0:  # several objects glued together: the first one
        try:
            found, _ = json.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            found = None
        if isinstance(found, dict):
            return found
    wanted = f" {{{', '.join(json.dumps(k) for k in keys)}}}" if keys else ""
    raise JudgeOutputError(
        f"the judge's reply is not the JSON object{wanted} it was asked for: {snippet(reply)}"
    )


def number(found: Mapping[str, Any], key: str, reply: str, low: float, high: float) -> float:
    """``found[key]`` as a number in [low, high]; :class:`JudgeOutputError` otherwise."""
    value = _number(found.get(key))
    if value is None or not low <= value <= high:
        raise JudgeOutputError(
            f"the judge's reply has no numeric {key!r} between {low:g} and {high:g}: "
            f"{snippet(reply)}"
        )
    return value


def text_of(value: Any) -> str:
    """A judge's ``reason``: a string, or a list of strings joined by new lines."""
    if isinstance(value, list):
        return "\n".join(str(part) for part in value) or "no reason given"
    return "" if value is None else str(value)


def verdict(reply: str, low: float = 0.0, high: float = 1.0) -> tuple[float, str]:
    """``(score, reason)`` from a reply ``{"score": <number in [low, high]>, "reason": ...}``
    (``value`` is accepted for ``score``)."""
    found = json_object(reply, ("score", "reason"))
    key = "score" if "score" in found or "value" not in found else "value"
    return number(found, key, reply, low, high), text_of(found.get("reason"))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def snippet(text: str, limit: int = 200) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")

"""Calling a judge model on any OpenAI-compatible chat completions endpoint, and reading
its verdict.

The ``openai`` client is used when it is installed (retries, timeouts, and our
integration traces its calls as ``llm`` spans); otherwise a plain ``urllib`` POST. The
judge is asked for a JSON object ``{"score": ..., "reason": ...}``; anything else is a
:class:`JudgeOutputError` naming what came back.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
Message = Mapping[str, str]


class JudgeOutputError(ValueError):
    """The judge answered, but not with the JSON verdict it was asked for."""


@dataclasses.dataclass
class JudgeModel:
    """A chat model behind an OpenAI-compatible API, used as a judge.

    ``base_url`` defaults to ``OPENAI_BASE_URL`` (then OpenAI itself), ``api_key`` to
    ``OPENAI_API_KEY``. Pass ``client=`` to use an ``openai.OpenAI`` client you made.
    ``json_mode`` sends ``response_format={"type": "json_object"}``; turn it off for
    endpoints that refuse it.
    """

    model: str = "gpt-4o-mini"
    _: dataclasses.KW_ONLY
    base_url: str | None = None
    api_key: str | None = dataclasses.field(default=None, repr=False)
    client: Any = dataclasses.field(default=None, repr=False)
    temperature: float = 0.0
    timeout: float = 60.0
    json_mode: bool = True
    _lock: threading.Lock = dataclasses.field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def complete(self, messages: Sequence[Message]) -> str:
        """The text of the model's reply to ``messages``."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": self.temperature,
        }
        if self.json_mode:
            request["response_format"] = {"type": "json_object"}
        client = self._openai()
        if client is not None:
            reply = client.chat.completions.create(**request)
            return str(reply.choices[0].message.content or "")
        return self._post(request)

    def _openai(self) -> Any:
        """The ``openai`` client (made once), or None when the package is not installed."""
        with self._lock:
            if self.client is None:
                try:
                    import openai  # noqa: PLC0415 - optional, and heavy to import
                except ImportError:
                    return None
                self.client = openai.OpenAI(
                    base_url=self.base_url or os.environ.get("OPENAI_BASE_URL"),
                    api_key=self.api_key or os.environ.get("OPENAI_API_KEY") or "not-set",
                    timeout=self.timeout,
                )
            return self.client

    def _post(self, request: dict[str, Any]) -> str:
        base = self.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        key = self.api_key or os.environ.get("OPENAI_API_KEY") or ""
        post = urllib.request.Request(  # noqa: S310 - a configured http(s) endpoint
            base.rstrip("/") + "/chat/completions",
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        try:
            with urllib.request.urlopen(post, timeout=self.timeout) as answer:  # noqa: S310
                body = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(
                f"the judge endpoint answered {exc.code}: "
                f"{exc.read()[:300].decode(errors='replace')}"
            ) from None
        return str(body["choices"][0]["message"].get("content") or "")


def verdict(reply: str, low: float = 0.0, high: float = 1.0) -> tuple[float, str]:
    """``(score, reason)`` from a judge's reply; :class:`JudgeOutputError` if it is not the
    JSON object ``{"score": <number in [low, high]>, "reason": "..."}``."""
    found = _json_object(reply)
    if found is None:
        raise JudgeOutputError(
            f'the judge\'s reply is not the JSON object {{"score", '
            f'"reason"}} it was asked for: {_snippet(reply)}'
        )
    score = found.get("score", found.get("value"))
    value = _number(score)
    if value is None or not low <= value <= high:
        raise JudgeOutputError(
            f"the judge's reply has no numeric 'score' between {low:g} and "
            f"{high:g}: {_snippet(reply)}"
        )
    return value, str(found.get("reason") or "")


def _json_object(reply: str) -> dict[str, Any] | None:
    text = _FENCE.sub("", reply.strip())
    candidates = [text]
    match = _OBJECT.search(text)
    if match is not None:
        candidates.append(match.group(0))
    for candidate in candidates:
        try:
            found = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    return None


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


def _snippet(text: str, limit: int = 200) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")

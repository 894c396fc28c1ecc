"""Waiting for something that happens in the background (a sender thread, a worker, a
backend process): one polling loop, and thin named helpers on top of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | None],
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str | Callable[[], str] = "condition",
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that.

    After ``timeout`` seconds it fails with an ``AssertionError`` naming ``what`` (a text,
    or a function that says what was last seen).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {said}")
        time.sleep(interval)


def wait_for_json(
    api: httpx.Client,
    path: str,
    check: Callable[[Any], object] = lambda body: True,
    timeout: float = 20.0,
) -> Any:
    """Poll ``GET path`` until it answers 200 and ``check`` holds for its JSON body (data
    may still be in flight); the body."""
    last: list[httpx.Response] = []

    def probe() -> list[Any] | None:
        response = api.get(path)
        last[:] = [response]
        return [response.json()] if response.status_code == 200 and check(response.json()) else None

    def seen() -> str:
        return f"{path}: {last[0].status_code} {last[0].text}"

    [body] = wait_for(probe, timeout, interval=0.1, what=seen)
    return body

"""What the REST API answers, checked the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

JSON = {"Content-Type": "application/json"}
"""The one Content-Type the backend reads a body as."""


def assert_error(response: httpx.Response, status: int, *words: str) -> None:
    """``response`` is an error: ``status``, with a JSON body of that ``code`` whose
    message names each of ``words``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    for word in words:
        assert word in body["message"], body["message"]


def seed(api: httpx.Client, traces: list[dict], spans: Sequence[dict] = ()) -> None:
    """Store ``traces`` and then ``spans`` through the batch routes (204 each)."""
    assert api.post("v1/private/traces/batch", json={"traces": traces}).status_code == 204
    if spans:
        assert api.post("v1/private/spans/batch", json={"spans": list(spans)}).status_code == 204

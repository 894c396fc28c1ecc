"""The OpenAPI document matches what is served, route for route."""

from __future__ import annotations

import re

import httpx
import pytest

from opik_backend.app import all_routes
from opik_backend.openapi import operations
from tests.testlib.rest import JSON


def test_every_served_route_and_method_is_documented(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    served = {(path, method) for path, handler in all_routes() for method in operations(handler)}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented
    assert len(served) > 40


def test_every_documented_operation_answers(api: httpx.Client) -> None:
    """No documented operation is a 404/405 route miss (bodies are empty, so 4xx is fine)."""
    document = api.get("/openapi.json").json()
    for path, item in document["paths"].items():
        concrete = re.sub(r"\{\w+\}", "0190a000-0000-7000-8000-000000000000", path)
        for method in item:
            response = api.request(
                method.upper(), concrete.lstrip("/"), content=b"{}", headers=JSON
            )
            assert response.status_code != 405, (method, path)
            if response.status_code == 404:
                assert "no route" not in response.json()["message"], (method, path)
            assert response.headers.get("Content-Type", "").startswith(
                ("application/json", "application/x-ndjson")
            ) or response.status_code in (201, 204), (method, path, response.status_code)


def test_bodies_are_described_by_their_schemas(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    batch = document["paths"]["/v1/private/traces/batch"]["post"]
    ref = batch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert schema["required"] == ["traces"]
    trace = document["components"]["schemas"]["TraceWrite"]
    assert "start_time" in trace["required"]
    assert trace["properties"]["start_time"]["format"] == "date-time"


@pytest.mark.parametrize("path", ["/openapi.json", "/api/openapi.json"])
def test_document_is_served_with_and_without_prefix(backend, path: str) -> None:
    root = backend.url.removesuffix("/api")
    assert httpx.get(root + path).json()["openapi"].startswith("3.")

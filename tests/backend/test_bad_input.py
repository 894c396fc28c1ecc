"""Bad input gets a 4xx with a JSON body naming the problem, and nothing is stored."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from tests.testlib.builders import new_id, span, trace
from tests.testlib.rest import assert_error

TRACES = "v1/private/traces"


def assert_nothing_stored(api: httpx.Client, project: str) -> None:
    response = api.get(TRACES, params={"project_name": project})
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["total"] == 0


def test_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        f"{TRACES}/batch", content=b'{"traces": [', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "not valid JSON")


def test_empty_body_is_400(api: httpx.Client) -> None:
    assert_error(api.post(f"{TRACES}/batch", content=b""), 400, "empty")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", 5, ("Expected `str", "traces[0].name")),
        ("start_time", "yesterday", ("datetime", "traces[0].start_time")),
        ("tags", "a,b", ("Expected `array", "traces[0].tags")),
        ("input", 42, ("input", "object, array or string")),
    ],
)
def test_wrong_types_are_422_naming_the_field(
    api: httpx.Client, field: str, value: object, words: tuple[str, ...]
) -> None:
    body = trace(project="typed", **{field: value})
    assert_error(api.post(f"{TRACES}/batch", json={"traces": [body]}), 422, *words)
    assert_nothing_stored(api, "typed")


def test_missing_start_time_is_422(api: httpx.Client) -> None:
    body = trace(project="no-start")
    del body["start_time"]
    assert_error(api.post(f"{TRACES}/batch", json={"traces": [body]}), 422, "start_time")


@pytest.mark.parametrize(
    ("bad_id", "words"),
    [
        (str(uuid.uuid4()), ("traces[1].id", "version 7")),
        ("not-a-uuid", ("traces[1].id", "not a UUID")),
    ],
)
def test_bad_ids_reject_the_whole_batch(
    api: httpx.Client, bad_id: str, words: tuple[str, ...]
) -> None:
    good, bad = trace(project="ids"), trace(project="ids", id=bad_id)
    assert_error(api.post(f"{TRACES}/batch", json={"traces": [good, bad]}), 400, *words)
    assert api.get(f"{TRACES}/{good['id']}").status_code == 404


def test_same_id_twice_in_one_batch_is_422(api: httpx.Client) -> None:
    body = trace(project="dupes")
    response = api.post(f"{TRACES}/batch", json={"traces": [body, dict(body)]})
    assert_error(response, 422, "duplicate id", "traces[1].id", "traces[0]")
    assert api.get(f"{TRACES}/{body['id']}").status_code == 404


def test_span_without_trace_id_is_422(api: httpx.Client) -> None:
    body = span(new_id())
    del body["trace_id"]
    assert_error(
        api.post("v1/private/spans/batch", json={"spans": [body]}), 422, "spans[0].trace_id"
    )


def test_bad_span_type_is_422(api: httpx.Client) -> None:
    body = span(new_id(), type="banana")
    assert_error(
        api.post("v1/private/spans/batch", json={"spans": [body]}), 422, "banana", "spans[0].type"
    )


def test_unknown_project_id_is_404(api: httpx.Client) -> None:
    missing = new_id()
    assert_error(api.get(TRACES, params={"project_id": missing}), 404, missing)


def test_list_without_a_project_is_400(api: httpx.Client) -> None:
    assert_error(api.get(TRACES), 400, "project_name or project_id")


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ("not json", ("filters", "JSON")),
        (json.dumps([{"field": "nope", "operator": "=", "value": "x"}]), ("unknown field", "nope")),
        (json.dumps([{"field": "name", "operator": "between", "value": "x"}]), ("between",)),
        (json.dumps([{"field": "duration", "operator": ">", "value": "fast"}]), ("number",)),
        (json.dumps([{"field": "start_time", "operator": ">", "value": "soon"}]), ("ISO-8601",)),
        (json.dumps([{"field": "metadata", "operator": "=", "value": "x"}]), ("key",)),
    ],
)
def test_invalid_filters_are_400(api: httpx.Client, filters: str, words: tuple[str, ...]) -> None:
    api.post(f"{TRACES}/batch", json={"traces": [trace(project="filtered")]})
    response = api.get(TRACES, params={"project_name": "filtered", "filters": filters})
    assert_error(response, 400, *words)


def test_body_over_the_limit_is_413(backend, api: httpx.Client) -> None:
    limit = backend.services.settings.max_body_bytes
    big = trace(project="huge", input={"blob": "x" * (limit + 10)})
    assert_error(api.post(f"{TRACES}/batch", json={"traces": [big]}), 413, "limit")
    assert_nothing_stored(api, "huge")


def test_gzip_bomb_is_413_without_inflating_it_all(backend, api: httpx.Client) -> None:
    limit = backend.services.settings.max_body_bytes
    bomb = gzip.compress(b'{"traces": [' + b" " * (limit + 1024) + b"]}")
    assert len(bomb) < limit // 100
    response = api.post(f"{TRACES}/batch", content=bomb, headers={"Content-Encoding": "gzip"})
    assert_error(response, 413, "inflates")


@pytest.mark.parametrize("payload", [b"not gzip at all", gzip.compress(b'{"traces": []}')[:-6]])
def test_invalid_gzip_is_400(api: httpx.Client, payload: bytes) -> None:
    response = api.post(f"{TRACES}/batch", content=payload, headers={"Content-Encoding": "gzip"})
    assert_error(response, 400, "gzip")


def test_unsupported_encoding_is_400(api: httpx.Client) -> None:
    response = api.post(f"{TRACES}/batch", content=b"{}", headers={"Content-Encoding": "br"})
    assert_error(response, 400, "br")


def test_unknown_route_is_a_json_404(api: httpx.Client) -> None:
    assert_error(api.get("v1/private/nothing-here"), 404, "no route")


def test_wrong_method_is_a_json_405(api: httpx.Client) -> None:
    response = api.delete(f"{TRACES}/batch")
    assert response.status_code == 405
    assert response.json()["code"] == 405


def test_server_keeps_serving_after_bad_input(api: httpx.Client) -> None:
    for _ in range(20):
        api.post(f"{TRACES}/batch", content=b"\xff\xfe garbage")
    good = trace(project="after")
    assert api.post(f"{TRACES}/batch", json={"traces": [good]}).status_code == 204
    assert api.get(f"{TRACES}/{good['id']}").status_code == 200


def test_invalid_utf8_is_rejected(api: httpx.Client) -> None:
    body = json.dumps({"traces": [trace(project="utf8", name="NAME")]}).encode()
    body = body.replace(b"NAME", b"\xc3\x28")
    response = api.post(f"{TRACES}/batch", content=body)
    assert response.status_code == 400
    assert_nothing_stored(api, "utf8")


@pytest.mark.parametrize("field", ["prompt_tokens", "completion_tokens", "total_tokens"])
def test_a_negative_token_count_is_422_naming_it_and_stores_nothing(
    api: httpx.Client, field: str
) -> None:
    good = span(new_id(), project="tokens", usage={"prompt_tokens": 1})
    bad = span(new_id(), project="tokens", usage={field: -3})
    response = api.post("v1/private/spans/batch", json={"spans": [good, bad]})
    assert_error(response, 422, f"spans[1].usage.{field}", "negative")
    assert api.get(f"v1/private/spans/{good['id']}").status_code == 404


def test_a_patch_with_a_negative_token_count_is_422(api: httpx.Client) -> None:
    response = api.patch(f"v1/private/spans/{new_id()}", json={"usage": {"completion_tokens": -1}})
    assert_error(response, 422, "usage.completion_tokens", "negative")

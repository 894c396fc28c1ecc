"""Input that used to get a 500 (which the Opik SDK retries, then drops the whole batch) or
was silently corrupted: each is a 4xx whose JSON names the problem, and nothing is stored."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from opik_backend.ids import V7_PATTERN
from opik_backend.storage.filter_sql import MAX_FILTERS, MAX_KEY_PARTS
from tests.testlib.builders import span, trace
from tests.testlib.rest import JSON, assert_error

TRACES = "v1/private/traces"


def _raw_batch(body: dict, field: str, raw_value: str) -> bytes:
    """A trace batch whose ``field`` is ``raw_value`` written verbatim into the JSON."""
    text = json.dumps({"traces": [{**body, field: "PLACEHOLDER"}]})
    return text.replace('"PLACEHOLDER"', raw_value).encode()


@pytest.mark.parametrize(
    ("field", "raw_value"),
    [
        ("name", '"\\ud800"'),
        ("name", '"tail \\udfff"'),
        ("input", '{"text": "high \\udbff alone"}'),
        ("metadata", '{"\\ud800key": 1, "n": NaN}'),
    ],
)
def test_lone_surrogates_are_400_naming_the_field(
    api: httpx.Client, field: str, raw_value: str
) -> None:
    body = trace(project="surrogates")
    response = api.post(f"{TRACES}/batch", content=_raw_batch(body, field, raw_value), headers=JSON)
    assert_error(response, 400, "surrogate")
    assert f"traces[0].{field}" in response.json()["message"]
    assert api.get(f"{TRACES}/{body['id']}").status_code == 404


def test_a_surrogate_pair_is_fine(api: httpx.Client) -> None:
    body = trace(project="surrogates")
    raw = _raw_batch(body, "name", '"smile \\ud83d\\ude00"')
    assert api.post(f"{TRACES}/batch", content=raw, headers=JSON).status_code == 204
    assert api.get(f"{TRACES}/{body['id']}").json()["name"] == "smile \U0001f600"


@pytest.mark.parametrize(("depth", "leaf"), [(1000, "1"), (5000, "1"), (500, "NaN")])
def test_deep_json_is_400(api: httpx.Client, depth: int, leaf: str) -> None:
    body = trace(project="deep")
    nested = '{"a":' * depth + leaf + "}" * depth
    response = api.post(f"{TRACES}/batch", content=_raw_batch(body, "input", nested), headers=JSON)
    assert_error(response, 400, "nested too deeply")
    assert api.get(f"{TRACES}/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("param", "value"),
    [
        (
            "filters",
            '[{"field": "start_time", "operator": ">", "value": "0001-01-01T00:00:00+05:00"}]',
        ),
        (
            "filters",
            '[{"field": "end_time", "operator": "<", "value": "9999-12-31T23:59:59-05:00"}]',
        ),
        ("from_time", "0001-01-01T00:00:00+05:00"),
        ("to_time", "9999-12-31T23:59:59-05:00"),
    ],
)
def test_extreme_filter_times_are_400(api: httpx.Client, param: str, value: str) -> None:
    assert api.post(f"{TRACES}/batch", json={"traces": [trace(project="times")]}).status_code == 204
    response = api.get(TRACES, params={"project_name": "times", param: value})
    assert_error(response, 400, "outside the stored range")


def test_too_many_filters_is_400_naming_the_limit(api: httpx.Client) -> None:
    assert api.post(f"{TRACES}/batch", json={"traces": [trace(project="any")]}).status_code == 204
    one = {"field": "name", "operator": "contains", "value": "x"}
    response = api.post(f"{TRACES}/search", json={"project_name": "any", "filters": [one] * 5000})
    assert_error(response, 400, str(MAX_FILTERS))


def test_a_key_path_too_deep_is_400_naming_the_limit(api: httpx.Client) -> None:
    assert api.post(f"{TRACES}/batch", json={"traces": [trace(project="keys")]}).status_code == 204
    key = ".".join(["a"] * 10_000)
    filters = json.dumps([{"field": "metadata", "key": key, "operator": "=", "value": "1"}])
    response = api.get(TRACES, params={"project_name": "keys", "filters": filters})
    assert_error(response, 400, str(MAX_KEY_PARTS))


@pytest.mark.parametrize("count", [10**20, 2**63, -1, -(2**63), 1e19, -0.5])
def test_token_counts_outside_int64_or_negative_are_422(api: httpx.Client, count: float) -> None:
    parent = trace(project="tokens")
    child = span(parent["id"], project="tokens", usage={"prompt_tokens": count})
    response = api.post("v1/private/spans/batch", json={"spans": [child]})
    assert_error(response, 422, "usage")
    assert api.get(f"v1/private/spans/{child['id']}").status_code == 404


def test_the_largest_int64_token_count_is_kept(api: httpx.Client) -> None:
    parent = trace(project="tokens")
    child = span(parent["id"], project="tokens", usage={"prompt_tokens": 2**63 - 1})
    assert api.post("v1/private/spans/batch", json={"spans": [child]}).status_code == 204
    assert api.get(f"v1/private/spans/{child['id']}").json()["usage"]["prompt_tokens"] == 2**63 - 1


def test_405_names_the_allowed_methods(api: httpx.Client) -> None:
    response = api.delete(f"{TRACES}/batch")
    assert_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"POST", "PATCH"}
    item = api.put(f"{TRACES}/0190a000-0000-7000-8000-000000000000")
    assert set(item.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}


def test_every_route_answers_an_undocumented_method_with_405_and_allow(
    api: httpx.Client,
) -> None:
    document = api.get("/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        url = re.sub(r"\{\w+\}", "0190a000-0000-7000-8000-000000000000", path).lstrip("/")
        documented = {method.upper() for method in item}
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - documented:
            response = api.request(method, url)
            assert_error(response, 405)
            allowed = set(response.headers["Allow"].split(", "))
            assert documented <= allowed, (path, method, allowed)
            assert method not in allowed, (path, method, allowed)
            checked += 1
    assert checked > 100


def test_openapi_body_ids_carry_the_uuid_v7_pattern(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]

    def id_schema(prop: dict) -> dict:
        for choice in prop.get("anyOf", [prop]):  # an optional id: the string among the types
            if choice.get("type") == "string":
                return choice
            if choice.get("type") == "array":
                return choice["items"]
        return prop

    declared = {
        (name, field): id_schema(prop)
        for name, schema in schemas.items()
        for field, prop in schema.get("properties", {}).items()
    }
    for key in [
        ("TraceWrite", "id"),
        ("SpanWrite", "trace_id"),
        ("SpanWrite", "parent_span_id"),
        ("DeleteIds", "ids"),
        ("FeedbackScoreItem", "id"),
        ("ExperimentItemWrite", "trace_id"),
        ("DatasetItemWrite", "span_id"),
        ("Search", "last_retrieved_id"),
    ]:
        assert declared[key].get("pattern") == V7_PATTERN, key
    assert "pattern" not in declared[("ThreadScoreItem", "thread_id")]  # any text


def test_openapi_path_ids_carry_the_uuid_v7_pattern(api: httpx.Client) -> None:
    document = api.get("/openapi.json").json()
    ids = [
        param
        for path, item in document["paths"].items()
        for operation in item.values()
        for param in operation["parameters"]
        if param["in"] == "path"
        and param["name"] != "version_hash"
        # a feedback definition's id is any UUID, as its create accepts (the fuzzer checks it)
        and not path.startswith("/v1/private/feedback-definitions/")
    ]
    assert ids
    assert all(param["schema"]["pattern"] == V7_PATTERN for param in ids)
    pattern = re.compile(V7_PATTERN)
    assert pattern.match(trace(project="p")["id"])
    assert not pattern.match("0190a000-0000-4000-8000-000000000000")  # a v4


def test_an_id_from_beyond_the_stored_time_range_is_refused_naming_the_limit(
    api: httpx.Client,
) -> None:
    far = "fffffffffff0-7000-8000-000000000000"  # a v7 whose time is in the year 10889
    far = f"{far[:8]}-{far[8:12]}{far[12:]}"
    body = trace(project="far", id=far)
    assert_error(api.post(f"{TRACES}/batch", json={"traces": [body]}), 400, "2299")
    # in the URL path no entity can have it: 404, as for any malformed path id
    assert_error(api.patch(f"{TRACES}/{far}", json={"name": "x"}), 404, "2299")

"""Hostile names, filter keys and values reach ClickHouse and MySQL only as bound parameters.

Every value below is stored and found back verbatim, and the tables are all still there.
A hypothesis test feeds the filter compiler arbitrary filters: each either compiles to SQL
that ClickHouse runs, or is refused with a 400; none is a server error.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opik_backend.errors import BadRequest
from opik_backend.storage.filter_sql import FIELDS, OPERATORS, Compiler, parse
from tests.testlib.builders import trace

HOSTILE = [
    "x'); DROP TABLE traces; --",
    'x"; DROP TABLE projects; --',
    "{ws:String}",
    "' OR 1=1 --",
    "`; SELECT * FROM system.tables; --",
    "\\' \\\\ %_!",
    "Robert'); DELETE FROM api_keys WHERE ('1'='1",
]


def tables_intact(backend) -> None:
    names = {row[0] for row in backend.services.ch.query("SHOW TABLES")}
    assert {"traces", "spans", "feedback_scores"} <= names
    assert backend.services.db.fetch("SELECT COUNT(*) AS n FROM projects")[0]["n"] >= 1


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_project_names_are_just_names(backend, api: httpx.Client, name: str) -> None:
    body = trace(project=name, name=name, tags=[name], metadata={name: name})
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    found = api.post("v1/private/projects/retrieve", json={"name": name})
    assert found.json()["name"] == name
    listed = api.get("v1/private/traces", params={"project_name": name}).json()
    assert [t["name"] for t in listed["content"]] == [name]
    assert api.get("v1/private/projects", params={"name": name}).json()["total"] == 1
    tables_intact(backend)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_keys_and_values_match_literally(
    backend, api: httpx.Client, value: str
) -> None:
    body = trace(project="filters", name=value, metadata={value: value}, tags=[value])
    other = trace(project="filters", name="plain", metadata={"k": "v"})
    api.post("v1/private/traces/batch", json={"traces": [body, other]})
    for flt in (
        {"field": "name", "operator": "=", "value": value},
        {"field": "tags", "operator": "contains", "value": value},
        {"field": "metadata", "key": value, "operator": "=", "value": value},
        {"field": "feedback_scores", "key": value, "operator": "is_empty"},
    ):
        response = api.get(
            "v1/private/traces", params={"project_name": "filters", "filters": json.dumps([flt])}
        )
        assert response.status_code in (200, 400), response.text
        if flt["field"] != "feedback_scores" and response.status_code == 200:
            assert [t["id"] for t in response.json()["content"]] == [body["id"]]
    tables_intact(backend)


values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=10), max_size=3),
)
raw_filters = st.lists(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from([*FIELDS["traces"], *FIELDS["threads"], "nope"]),
            "operator": st.sampled_from(sorted({op for ops in OPERATORS.values() for op in ops})),
            "value": values,
        },
        optional={"key": st.text(max_size=20)},
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(filters=raw_filters, entity=st.sampled_from(["traces", "spans", "threads"]))
def test_any_filter_compiles_to_runnable_sql_or_a_400(backend, filters, entity) -> None:
    params = {"ws": "fuzz", "project_id": "0190a000-0000-7000-8000-000000000000"}
    try:
        where = Compiler(entity, params).where(parse(filters))
    except BadRequest:
        return
    table = "traces" if entity == "threads" else entity
    columns = (
        (
            "id AS id, '' AS first_message, '' AS last_message, 0 AS number_of_messages,"
            " 0.0 AS duration, start_time, end_time, created_at, last_updated_at, tags,"
            " environment"
        )
        if entity == "threads"
        else "*"
    )
    backend.services.ch.query(
        f"SELECT count() FROM (SELECT {columns} FROM {table} WHERE workspace_id = {{ws:String}}"
        f" AND project_id = {{project_id:String}}) WHERE {where}",
        params,
    )

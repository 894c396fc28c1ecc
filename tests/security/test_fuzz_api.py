"""Fuzzing every operation of the served OpenAPI document with schemathesis.

Whatever a client sends, the backend answers with a documented status and a body that
matches the document: no 5xx, no undocumented shapes. (The schemathesis pytest plugin does
not load under pytest 9, so the operations are walked here with its Python API.)
"Schema-valid data is accepted" is not checked: the document cannot say that a list needs
one of ``project_name`` and ``project_id``, so such requests are rightly refused with 400.

Ids are declared with the UUID v7 pattern, so the generated ids are v7. Each accepted
request is sent again with one of its ids (path or body) turned into a version 4 UUID: the
server must refuse that (4xx), or the pattern the document declares would be untrue.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from opik_backend.ids import V7_PATTERN
from tests.testlib.backends import BackendProcess, start_backend_process

pytestmark = pytest.mark.slow

HEADERS = {"Comet-Workspace": "fuzzing"}
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
V7 = re.compile(V7_PATTERN)
V4 = "0190a000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def fuzzed_backend() -> Iterator[BackendProcess]:
    data_dir = Path(tempfile.mkdtemp(prefix="opik-jupyter-fuzz-"))
    backend = start_backend_process(data_dir)
    yield backend
    backend.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def fuzz(operation: schemathesis.APIOperation, calls: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )  # no shrinking: bounded time
    def check(case: schemathesis.Case) -> None:
        calls.append(1)
        response = case.call_and_validate(
            headers=HEADERS, excluded_checks=[positive_data_acceptance]
        )
        if response.status_code < 300:
            for where, changed in _v4_variants(case):
                calls.append(1)
                refused = changed.call(headers=HEADERS)
                assert 400 <= refused.status_code < 500, (
                    f"{where} = a v4 UUID was answered {refused.status_code}: {refused.text[:300]}"
                )

    check()


def _v4_variants(case: schemathesis.Case) -> Iterator[tuple[str, schemathesis.Case]]:
    """Copies of ``case`` with one v7 id (a path parameter or a body field) made v4."""
    path = dict(case.path_parameters or {})
    parameters = case.operation.definition.raw.get("parameters", [])
    v7_params = {p["name"] for p in parameters if p["schema"].get("pattern") == V7_PATTERN}
    for name, value in path.items():
        if name in v7_params and V7.match(value):
            yield f"path {name}", _copy(case, {**path, name: V4}, case.body)
    for where in _v7_fields(case.body, ()):
        body = copy.deepcopy(case.body)
        parent = body
        for step in where[:-1]:
            parent = parent[step]
        parent[where[-1]] = V4
        yield "body " + ".".join(map(str, where)), _copy(case, path, body)


def _copy(case: schemathesis.Case, path: dict, body: object) -> schemathesis.Case:
    return case.operation.Case(
        method=case.method,
        path_parameters=path,
        headers=dict(case.headers or {}),
        query=dict(case.query or {}),
        body=body,
        media_type=case.media_type,
    )


def _v7_fields(value: object, path: tuple) -> Iterator[tuple]:
    if isinstance(value, str) and V7.match(value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _v7_fields(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _v7_fields(item, (*path, i))


def test_no_operation_errors_or_breaks_its_schema(fuzzed_backend: BackendProcess) -> None:
    root = fuzzed_backend.url.removesuffix("/api")
    schema = schemathesis.openapi.from_url(f"{root}/openapi.json")
    failures: dict[str, str] = {}
    calls: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        started = time.monotonic()
        try:
            fuzz(operation, calls)
        except Exception as exc:
            failures[operation.label] = str(exc)[:2000]
        print(f"{operation.label}: {time.monotonic() - started:.1f}s", flush=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz.json").write_text(
        json.dumps(
            {"operations": len(operations), "requests": len(calls), "failures": failures}, indent=2
        )
    )
    assert len(operations) > 40
    assert failures == {}

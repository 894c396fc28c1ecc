"""Fuzzing every operation of the served OpenAPI document with schemathesis.

Whatever a client sends, the backend answers with a documented status and a body that
matches the document: no 5xx, no undocumented shapes. (The schemathesis pytest plugin does
not load under pytest 9, so the operations are walked here with its Python API.)
"Schema-valid data is accepted" is not checked: the document cannot say that a list needs
one of ``project_name`` and ``project_id``, so such requests are rightly refused with 400.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.testlib.backends import BackendProcess, start_backend_process

pytestmark = pytest.mark.slow

HEADERS = {"Comet-Workspace": "fuzzing"}
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


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
        case.call_and_validate(headers=HEADERS, excluded_checks=[positive_data_acceptance])

    check()


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

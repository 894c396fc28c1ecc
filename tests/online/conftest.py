"""Backends with online evaluation switched on, and a fake judge."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opik_backend.config import Settings
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import REDIS_URL, RunningBackend, start_backend_in_process


@pytest.fixture(scope="module")
def judge() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        yield server


@pytest.fixture(scope="module", params=["embedded", "redis"])
def scoring_backend(
    request: pytest.FixtureRequest, session_dir: Path, judge: FakeLLMServer
) -> Iterator[RunningBackend]:
    """Embedded: the queue is a SQLite table; redis: a Redis stream (its own key prefix)."""
    own = session_dir / f"online-{request.param}"
    own.mkdir(exist_ok=True)
    settings = Settings(
        data_dir=session_dir / "data",
        optimize_idle_seconds=0,
        metadata_url=f"sqlite:///{own / 'metadata.sqlite3'}",
        redis_url=REDIS_URL if request.param == "redis" else "",
        redis_prefix=f"opik-jupyter-test-{uuid.uuid4().hex[:8]}",
        judge_base_url=judge.openai_base_url,
        online_retry_seconds=0.5,
        online_max_attempts=2,
        metric_timeout_seconds=3,
    )
    thread, running = start_backend_in_process(settings)
    yield running
    thread.stop()
    running.services.close()


@pytest.fixture
def scoring_api(scoring_backend: RunningBackend, workspace: str) -> Iterator[httpx.Client]:
    with scoring_backend.client(workspace) as client:
        yield client

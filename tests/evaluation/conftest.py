"""Evaluation fixtures: the SDK of this process on the real backend (chDB with SQLite, and
with MariaDB + Redis: the ``backend`` fixture of ``tests/conftest.py``), in a workspace of
the test's own; a dataset; a scriptable judge. The backend's view of experiments is read
with ``tests/testlib/evaluation.py`` (the ``api`` fixture of ``tests/conftest.py`` is in the
same workspace)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import opik_jupyter
from opik_jupyter.evaluation import Dataset
from opik_jupyter.evaluation._threads import stop_background_loop
from opik_jupyter.sdk import _config, _state
from opik_jupyter.sdk._warn_once import warn_once
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import RunningBackend
from tests.testlib.evaluation import CAPITALS
from tests.testlib.sdk_env import SDK_ENV


@pytest.fixture(scope="package", autouse=True)
def evaluation_loop() -> Iterator[None]:
    """The evaluation loop thread lives as long as the process; stopped after these tests,
    so the SDK tests' check that no SDK thread outlives a test holds in the same run."""
    yield
    stop_background_loop()


@pytest.fixture
def sdk(
    backend: RunningBackend, workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[opik_jupyter.Client]:
    """The SDK tracing to the test backend in this test's workspace; a read client on it."""
    for name in SDK_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPIK_JUPYTER_DATA_DIR", str(tmp_path / "sdk-data"))
    _state.reset()
    warn_once.reset()
    opik_jupyter.configure(
        url=backend.url, workspace=workspace, project="evals", flush_interval=0.05
    )
    client = opik_jupyter.Client()
    yield client
    client.close()
    _state.reset()
    _config.reset()


@pytest.fixture
def capitals(sdk: opik_jupyter.Client) -> Dataset:
    """A dataset of four countries with their capitals as ``expected_output``."""
    dataset = Dataset("capitals", client=sdk)
    dataset.insert(
        [{"input": country, "expected_output": capital} for country, capital in CAPITALS]
    )
    return dataset


@pytest.fixture
def judge() -> Iterator[FakeLLMServer]:
    """An OpenAI-compatible judge answering ``{"score": 0.8, ...}`` unless told otherwise."""
    with FakeLLMServer(replies=lambda _r: json.dumps({"score": 0.8, "reason": "fine"})) as server:
        yield server

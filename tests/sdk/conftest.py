"""SDK fixtures: a real backend in a child process, and a clean SDK for every test.

The backend runs as ``python -m opik_backend`` on a temporary data directory (chDB allows
one data directory per process, and the backend suite already uses one in this process).
Every test gets its own project name, a temporary SDK data directory, no inherited
``OPIK_*`` settings, and a check that no ``opik-jupyter-*`` thread outlives it.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import opik_jupyter
from opik_jupyter.sdk import _config, _state, integrations
from opik_jupyter.sdk._warn_once import warn_once
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import BackendProcess, start_backend_process
from tests.testlib.sdk_env import SDK_ENV

# LiteLLM fetches its price map from the network at import unless told to use its own copy
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def backend_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """One backend process shared by the SDK behaviour tests (each uses its own project)."""
    backend = start_backend_process(tmp_path_factory.mktemp("sdk-backend"))
    yield backend
    backend.stop()


def sdk_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("opik-jupyter")]


@pytest.fixture(autouse=True)
def clean_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SDK on a temporary data directory; fails if an SDK thread outlives the test."""
    for name in SDK_ENV:
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "sdk-data"
    monkeypatch.setenv("OPIK_JUPYTER_DATA_DIR", str(data_dir))
    _state.reset()
    warn_once.reset()
    yield data_dir
    _state.reset()
    _config.reset()
    deadline = time.monotonic() + 10
    while sdk_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not sdk_threads(), f"SDK threads outlived the test: {sdk_threads()}"


@pytest.fixture
def project() -> str:
    return f"sdk-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def traced(
    backend_process: BackendProcess, project: str, clean_sdk: Path
) -> Iterator[opik_jupyter.Client]:
    """The SDK configured against the shared backend; yields a read client on the project."""
    opik_jupyter.configure(
        url=backend_process.url, project=project, flush_interval=0.05, data_dir=clean_sdk
    )
    client = opik_jupyter.Client(url=backend_process.url, project=project)
    yield client
    client.close()


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    """An OpenAI/Anthropic-compatible server on a free local port."""
    with FakeLLMServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_instrumentation() -> Iterator[None]:
    """Whatever a test instrumented is undone after it."""
    yield
    integrations.uninstrument()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Reliability tests start and kill their own backends: mark them slow."""
    for item in items:
        if "test_reliability" in str(item.fspath):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def cell_shell(traced: opik_jupyter.Client) -> Iterator[Any]:
    """An IPython shell with the extension loaded, as in a notebook (``%%opik_track`` works
    and instruments the LLM clients); unloaded afterwards."""
    from IPython.testing import globalipapp  # noqa: PLC0415 - IPython only where used

    globalipapp.start_ipython()  # once per process; later calls do nothing
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "opik_jupyter")
    yield shell
    shell.run_line_magic("unload_ext", "opik_jupyter")

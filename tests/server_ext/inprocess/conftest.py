"""In-process server fixtures: ``jupyter_server``'s own (``jp_serverapp``, ``jp_fetch``...),
with authentication required everywhere (``allow_unauthenticated_access`` off).

A shared backend process serves the proxy tests (``backend_url`` configured, so nothing is
started per test); the life-cycle tests give the extension a data directory of their own
and let it start, attach to, restart and stop the embedded backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - jp_* fixtures and the async test hook

from tests.testlib.backends import BackendProcess, start_backend_process

STRICT_SERVER = {
    "jpserver_extensions": {"opik_jupyter": True, "jupyter_server_terminals": False},
    "allow_unauthenticated_access": False,
}


@pytest.fixture(scope="module")
def shared_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """One backend process for the proxy tests of a module."""
    backend = start_backend_process(tmp_path_factory.mktemp("proxy") / "data")
    yield backend
    backend.stop()


@pytest.fixture
def opik_config() -> dict[str, Any]:
    """``c.OpikJupyter`` settings of the test's server (tests override this fixture)."""
    return {}


@pytest.fixture
def jp_server_config(opik_config: dict[str, Any]) -> dict[str, Any]:
    """Auth on for every route, the extension enabled, with the test's settings."""
    return {"ServerApp": dict(STRICT_SERVER), "OpikJupyter": {"check_interval": 0.2, **opik_config}}

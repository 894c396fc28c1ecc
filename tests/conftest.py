"""Shared fixtures: real backends on real stores, and for the browser tests a real
``jupyter lab`` with a Chromium page on it.

chDB allows one data directory per process, so every in-process backend of a test session
shares one ClickHouse directory; tests stay apart by using a fresh workspace each. The
metadata store is parametrised: SQLite (embedded default) and MariaDB, the latter together
with Redis (the database and the db that ``OPIK_JUPYTER_TEST_MYSQL_URL`` and
``OPIK_JUPYTER_TEST_REDIS_URL`` name: see ``tests/testlib/backends.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from opik_backend.config import Settings
from tests.testlib.backends import (
    MYSQL_URL,
    REDIS_URL,
    RunningBackend,
    reset_mysql_database,
    start_backend_in_process,
)
from tests.testlib.browser import write_notebook
from tests.testlib.jupyter import Lab, browser_page, running_jupyter


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("opik-jupyter")


@pytest.fixture(scope="session", params=["sqlite", "mysql"])
def backend(request: pytest.FixtureRequest, session_dir: Path) -> Iterator[RunningBackend]:
    """The backend on embedded chDB, with SQLite metadata or with MariaDB + Redis."""
    data_dir = session_dir / "data"
    if request.param == "mysql":
        reset_mysql_database()
        settings = Settings(
            data_dir=data_dir, metadata_url=MYSQL_URL, redis_url=REDIS_URL, optimize_idle_seconds=0
        )
    else:
        settings = Settings(data_dir=data_dir, optimize_idle_seconds=0)
    thread, running = start_backend_in_process(settings)
    yield running
    thread.stop()
    running.services.close()


@pytest.fixture
def workspace() -> str:
    """A workspace no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def api(backend: RunningBackend, workspace: str) -> Iterator[httpx.Client]:
    """An HTTP client on the backend, in this test's own workspace."""
    with backend.client(workspace) as client:
        yield client


# The browser tests of tests/notebook, tests/evaluation and tests/server_ext share these: a
# ``jupyter lab`` and a Chromium page on its notebook, for each module that uses them.


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``jupyter lab`` on a free port with a token; stopped (and its backend) at the end."""
    with running_jupyter("lab", tmp_path_factory.mktemp("lab")) as server:
        write_notebook(server.root / "trace.ipynb")
        yield server


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    dialogs: list[str] = []
    with browser_page(f"{lab.url}/lab/tree/trace.ipynb?token={lab.token}", dialogs) as page:
        page.dialogs = dialogs  # type: ignore[attr-defined]
        yield page

"""Notebook fixtures: a local backend started the way kernels start it, and real kernels.

The backend is the embedded one (``opik_backend.runtime.ensure_running`` on a temporary
data directory, detached, as the SDK starts it) and is stopped at the end, so no backend
process outlives the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import opik_jupyter
from opik_backend import runtime
from opik_jupyter.sdk import _state
from tests.testlib.backends import stop_backend
from tests.testlib.kernel import Kernel, kernel_env


@pytest.fixture(scope="session")
def nb_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The data directory of the notebook tests' backend (stopped at the end)."""
    data_dir = tmp_path_factory.mktemp("notebook-data")
    yield data_dir
    stop_backend(data_dir)


@pytest.fixture(scope="session")
def backend_url(nb_data_dir: Path) -> str:
    """The URL of a local backend, started detached like a kernel starts it."""
    return runtime.ensure_running(nb_data_dir).url


@pytest.fixture(scope="module")
def kernel(
    backend_url: str, nb_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Kernel]:
    """A real kernel with the extension loaded, tracing to the test backend."""
    env = kernel_env(
        OPIK_JUPYTER_URL=backend_url,
        OPIK_JUPYTER_DATA_DIR=str(nb_data_dir),
        JPY_SESSION_NAME="notebooks/test.ipynb",
    )
    running = Kernel(env, tmp_path_factory.mktemp("kernel-runtime"))
    setup = running.run(
        "%load_ext opik_jupyter\nimport opik_jupyter as oj\noj.configure(flush_interval=0.05)"
    )
    assert setup.ok, setup.traceback
    yield running
    running.shutdown()


@pytest.fixture
def project(kernel: Kernel) -> str:
    """A project of this test's own, made current in the kernel."""
    name = f"nb-{uuid.uuid4().hex[:10]}"
    assert kernel.run(f"%opik_project {name}").ok
    return name


@pytest.fixture
def reader(backend_url: str, project: str) -> Iterator[opik_jupyter.Client]:
    """A read client on the test backend and project."""
    client = opik_jupyter.Client(url=backend_url, project=project)
    yield client
    client.close()


@pytest.fixture
def sdk(
    backend_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[opik_jupyter.Client]:
    """The SDK of this process tracing to the test backend, in a project of its own."""
    monkeypatch.setenv("OPIK_JUPYTER_DATA_DIR", str(tmp_path / "sdk-data"))
    _state.reset()
    name = f"nb-local-{uuid.uuid4().hex[:10]}"
    opik_jupyter.configure(url=backend_url, project=name, flush_interval=0.05)
    client = opik_jupyter.Client(url=backend_url, project=name)
    yield client
    client.close()
    _state.reset()

"""The whole run gets a temporary ``OPIK_JUPYTER_DATA_DIR``, so no test (or a subprocess
or late SDK thread of one) ever reaches the user's ``~/.opik-jupyter``; a backend started
there is stopped at the end. Example notebooks run under nbval (``--nbval-lax``): each
notebook's kernel gets a data directory of its own, and the backend it starts there is
stopped after its last cell, so a test run leaves no backend process behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testlib.backends import stop_backend

DATA_DIR_ENV = "OPIK_JUPYTER_DATA_DIR"
_notebooks: dict[str, tuple[Path, str | None]] = {}
_run_data_dir = Path(tempfile.mkdtemp(prefix="opik-test-run-"))


def pytest_configure(config: pytest.Config) -> None:  # noqa: ARG001 - pytest's hook signature
    """The run's default data directory, in place of the user's."""
    os.environ[DATA_DIR_ENV] = str(_run_data_dir)


def pytest_unconfigure(config: pytest.Config) -> None:  # noqa: ARG001 - pytest's hook signature
    """Stop a backend that something started in the run's default data directory."""
    stop_backend(_run_data_dir)
    shutil.rmtree(_run_data_dir, ignore_errors=True)


def _notebook_of(item: pytest.Item | None) -> str | None:
    parent = item.parent if item is not None else None
    return str(parent.path) if parent is not None and parent.path.suffix == ".ipynb" else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's kernel starts (with its first cell): a fresh data directory."""
    notebook = _notebook_of(item)
    if notebook is None or notebook in _notebooks:
        return
    data_dir = Path(tempfile.mkdtemp(prefix="opik-notebook-"))
    _notebooks[notebook] = (data_dir, os.environ.get(DATA_DIR_ENV))
    os.environ[DATA_DIR_ENV] = str(data_dir)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a notebook's last cell (its kernel is gone): stop its backend, clean up."""
    yield
    notebook = _notebook_of(item)
    if notebook is None or _notebook_of(nextitem) == notebook or notebook not in _notebooks:
        return
    data_dir, previous = _notebooks.pop(notebook)
    if previous is None:
        os.environ.pop(DATA_DIR_ENV, None)
    else:
        os.environ[DATA_DIR_ENV] = previous
    stop_backend(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)

"""Server-extension fixtures shared by the in-process tests (``inprocess/``) and the
ones that start a real ``jupyter`` (the smoke and browser tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testlib.backends import stop_backend


@pytest.fixture(autouse=True)
def _no_sdk_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's OPIK_* variables must not pick the extension's backend."""
    for name in list(os.environ):
        if name.startswith("OPIK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def own_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory whose backend (if any) is stopped at the end of the test."""
    data_dir = tmp_path / "opik-data"
    yield data_dir
    stop_backend(data_dir)

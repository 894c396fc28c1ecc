"""A data directory that fills up or cannot be written: clear errors, nothing acknowledged lost.

These tests mount a small tmpfs and a read-only bind mount (they run as root, as CI does).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.testlib.backends import start_backend_process
from tests.testlib.builders import trace

pytestmark = pytest.mark.slow


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB filesystem: room for the stores, little room for data."""
    target = tmp_path / "small"
    target.mkdir()
    mount("-t", "tmpfs", "-o", "size=48m", "tmpfs", str(target))
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    source, target = tmp_path / "source", tmp_path / "ro"
    source.mkdir()
    target.mkdir()
    mount("--bind", str(source), str(target))
    mount("-o", "remount,ro,bind", str(target))
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


def test_full_disk_refuses_writes_with_503_and_keeps_what_it_acknowledged(small_disk: Path) -> None:
    backend = start_backend_process(small_disk / "data")
    acknowledged, refused = [], []
    try:
        with httpx.Client(base_url=backend.url + "/", timeout=60) as api:
            for i in range(400):
                noise = base64.b64encode(os.urandom(150_000)).decode()  # incompressible
                body = trace("full", name=f"t{i}", input={"blob": noise})
                response = api.post("v1/private/traces/batch", json={"traces": [body]})
                if response.status_code == 204:
                    acknowledged.append(body["id"])
                    continue
                assert response.status_code in (503, 507), response.text
                assert "Retry-After" in response.headers
                refused.append(response.json()["message"])
                if len(refused) >= 3:
                    break
            assert refused, "the disk never filled up"
            assert api.get("is-alive/ping").status_code == 200
            stored = api.get(
                "v1/private/traces",
                params={"project_name": "full", "size": 1000, "exclude": "input"},
            ).json()
            assert {t["id"] for t in stored["content"]} == set(acknowledged)
    finally:
        backend.stop()


def test_read_only_data_dir_is_a_clear_start_up_error(read_only_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "opik_backend",
            "--data-dir",
            str(read_only_dir / "data"),
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "read-only" in done.stderr.lower() or "cannot" in done.stderr.lower()
    assert str(read_only_dir) in done.stderr


def test_full_disk_refuses_dataset_items_with_503_like_traces(small_disk: Path) -> None:
    backend = start_backend_process(small_disk / "data")
    refused = []
    try:
        with httpx.Client(base_url=backend.url + "/", timeout=60) as api:
            assert api.post("v1/private/datasets", json={"name": "full"}).status_code == 201
            for _ in range(400):
                noise = base64.b64encode(os.urandom(150_000)).decode()  # incompressible
                items = [{"data": {"blob": noise}}]
                response = api.put(
                    "v1/private/datasets/items", json={"dataset_name": "full", "items": items}
                )
                if response.status_code == 204:
                    continue
                assert response.status_code == 503, response.text
                assert "Retry-After" in response.headers
                refused.append(response.json()["message"])
                if len(refused) >= 3:
                    break
            assert refused, "the disk never filled up"
            assert api.get("is-alive/ping").status_code == 200
    finally:
        backend.stop()

"""The backend as a process: the CLI, the data-directory lock, the runtime file, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from opik_backend import runtime
from tests.testlib.backends import start_backend_process
from tests.testlib.builders import trace

pytestmark = pytest.mark.slow


def test_second_backend_on_the_same_dir_exits_naming_the_first(tmp_path: Path) -> None:
    first = start_backend_process(tmp_path)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "opik_backend", "--data-dir", str(tmp_path), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert str(first.process.pid) in second.stderr
        assert first.url in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.stop()


def test_sigterm_commits_accepted_writes_and_removes_the_runtime_file(tmp_path: Path) -> None:
    backend = start_backend_process(tmp_path)
    body = trace()
    with httpx.Client(base_url=backend.url + "/") as api:
        assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    assert backend.stop() == 0
    assert runtime.read(tmp_path) is None
    again = start_backend_process(tmp_path)
    try:
        with httpx.Client(base_url=again.url + "/") as api:
            assert api.get(f"v1/private/traces/{body['id']}").json()["name"] == "trace"
    finally:
        again.stop()


def test_sigkill_loses_nothing_that_was_acknowledged(tmp_path: Path) -> None:
    backend = start_backend_process(tmp_path)
    bodies = [trace(name=f"t{i}") for i in range(200)]
    with httpx.Client(base_url=backend.url + "/") as api:
        for body in bodies:
            assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    os.kill(backend.process.pid, signal.SIGKILL)
    backend.process.wait(30)
    again = start_backend_process(tmp_path)
    try:
        with httpx.Client(base_url=again.url + "/") as api:
            page = api.get("v1/private/traces", params={"project_name": "p", "size": 500})
            assert page.json()["total"] == 200
    finally:
        again.stop()


def test_cli_server_subcommand_reads_env_and_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[server]\nlog_level = "warning"\nport = 0\n')
    env = {**os.environ, "OPIK_JUPYTER_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "opik_jupyter", "server", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        info = None
        for _ in range(600):
            info = runtime.read(tmp_path / "data")
            if info is not None and runtime.ping(info.url):
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        assert info is not None
        assert info.host == "127.0.0.1"
        assert info.pid == process.pid
    finally:
        process.terminate()
        process.wait(60)


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[server]\nprot = 5\n")
    done = subprocess.run(
        [sys.executable, "-m", "opik_backend", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown settings: prot" in done.stderr


def test_ensure_running_starts_one_backend_and_reuses_it(tmp_path: Path) -> None:
    first = runtime.ensure_running(tmp_path)
    try:
        assert runtime.ensure_running(tmp_path) == first
        assert runtime.ping(first.url)
    finally:
        os.kill(first.pid, signal.SIGTERM)

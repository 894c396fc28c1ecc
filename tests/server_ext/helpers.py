"""Small builders for the server-extension tests, and ``jupyter`` started as a person
starts it (``running_jupyter``) for the tests that need a real server and browser."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from uuid6 import uuid7 as _uuid7

from tests.notebook.kernel import kernel_env, stop_backend
from tests.notebook.test_browser import Lab, free_port, wait_until_serving, write_notebook

# the class whose ``expose_app_in_browser`` puts the front end at ``window.jupyterapp``
APP_CLASSES = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}


def uuid7() -> str:
    return str(_uuid7())


def trace_batch(trace_id: str, name: str, project: str = "proxy") -> dict[str, Any]:
    """A ``POST /v1/private/traces/batch`` body with one finished trace."""
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    return {"traces": [{"id": trace_id, "name": name, "project_name": project,
                        "start_time": start, "end_time": now.isoformat().replace("+00:00", "Z"),
                        "input": {"q": name}, "output": {"a": "ok"}}]}


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def running_jupyter(app: str, base: Path) -> Iterator[Lab]:
    """``jupyter <app>`` (``lab`` or ``notebook``, i.e. Notebook 7) on a free port with a
    token, its root, Opik data, settings, workspaces and runtime directories under ``base``
    (the root holds ``trace.ipynb``, the browser tests' notebook) and the front end exposed
    as ``window.jupyterapp``; stopped, with the backend its server extension ran, on exit.
    Its output goes to ``base / f"{app}.log"``."""
    root, data, settings = base / "root", base / "opik-data", base / "settings"
    for folder in (root, data, settings / "@jupyterlab" / "apputils-extension"):
        folder.mkdir(parents=True)
    (settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    write_notebook(root / "trace.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    env = kernel_env(OPIK_JUPYTER_DATA_DIR=str(data), JUPYTERLAB_SETTINGS_DIR=str(settings),
                     JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
                     JUPYTER_RUNTIME_DIR=str(base / "runtime"))
    with (base / f"{app}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", app, "--no-browser", f"--port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", f"--{APP_CLASSES[app]}.expose_app_in_browser=True",
             "--allow-root"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(f"{url}/api/status?token={token}", process, timeout=60)
            yield Lab(url, token, root)
        finally:
            process.terminate()  # shuts its kernels down
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
            stop_backend(data)

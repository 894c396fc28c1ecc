"""A real Jupyter server and a real browser for the end-to-end tests: ``jupyter lab`` or
``jupyter notebook`` (Notebook 7) started as a person starts it, on a free port with a
token and its own directories, and Debian's Chromium driven by Playwright (never a
downloaded browser)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from opik_backend.server import free_port
from tests.testlib.backends import stop_backend
from tests.testlib.kernel import kernel_env

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# the class whose ``expose_app_in_browser`` puts the front end at ``window.jupyterapp``
APP_CLASSES = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}


@dataclass
class Lab:
    """A running Jupyter server: its URL, token and root directory."""

    url: str
    token: str
    root: Path


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("jupyter did not answer in time")


@contextmanager
def running_jupyter(app: str, base: Path) -> Iterator[Lab]:
    """``jupyter <app>`` (``lab`` or ``notebook``) with its root, Opik data, settings,
    workspaces and runtime directories under ``base`` and the front end exposed as
    ``window.jupyterapp``; stopped, with the backend its server extension ran, on exit.
    Its output goes to ``base / f"{app}.log"``."""
    root, data, settings = base / "root", base / "opik-data", base / "settings"
    for folder in (root, data, settings / "@jupyterlab" / "apputils-extension"):
        folder.mkdir(parents=True)
    (settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), secrets.token_hex(16)
    env = kernel_env(
        OPIK_JUPYTER_DATA_DIR=str(data),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
    )
    with (base / f"{app}.log").open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                app,
                "--no-browser",
                f"--port={port}",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                f"--{APP_CLASSES[app]}.expose_app_in_browser=True",
                "--allow-root",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
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


@contextmanager
def browser_page(url: str, dialogs: list[str] | None = None) -> Iterator[Page]:
    """A headless Chromium page at ``url``; JavaScript dialogs (``alert``) are dismissed
    and their messages appended to ``dialogs`` when it is given."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        if dialogs is not None:
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.set_default_timeout(60_000)
        page.goto(url)
        try:
            yield page
        finally:
            context.close()
            browser.close()

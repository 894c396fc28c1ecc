"""The Jupyter server extension: settings (``c.OpikJupyter.*``), routes, start and stop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado import httpclient
from traitlets import Bool, Float, Unicode, default

from ..sdk import _config
from .backend import BackendManager
from .handlers import route_handlers


class OpikJupyter(ExtensionApp):
    """Runs or finds the opik-jupyter backend and proxies ``<base_url>/opik/api/...`` to it.

    Defaults come from the same settings the SDK in a kernel reads (``OPIK_JUPYTER_URL`` or
    ``OPIK_URL_OVERRIDE``, ``OPIK_JUPYTER_DATA_DIR``, the workspace and API key variables),
    so the server and its kernels agree on which backend they use.
    """

    name = "opik_jupyter"
    description = __doc__
    load_other_extensions = True

    backend_url = Unicode(
        "",
        config=True,
        help="Base URL of the Opik REST API (ending in /api) of a backend that is already "
        "running elsewhere. Empty: the embedded backend of data_dir.",
    )
    data_dir = Unicode(
        config=True, help="Data directory of the embedded backend (as the SDK's data_dir)."
    )
    manage_backend = Bool(
        True,
        config=True,
        help="Start the embedded backend when none runs, restart it when it dies, and stop "
        "it with the server. Off: only attach to one that a kernel or the CLI started.",
    )
    workspace = Unicode(config=True, help="Comet-Workspace sent when the browser sends none.")
    api_key = Unicode(
        config=True,
        help="API key of a server-mode backend; added by the proxy, never sent to the browser.",
    )
    check_interval = Float(1.0, config=True, help="Seconds between health checks.")
    start_timeout = Float(60.0, config=True, help="Seconds a backend may take to start.")

    def _sdk_config(self) -> _config.Config:
        return _config.resolve({}, os.environ)

    @default("backend_url")
    def _default_url(self) -> str:
        return self._sdk_config().url or ""

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return str(self._sdk_config().data_dir)

    @default("workspace")
    def _default_workspace(self) -> str:
        return self._sdk_config().workspace

    @default("api_key")
    def _default_api_key(self) -> str:
        return self._sdk_config().api_key or ""

    def initialize_settings(self) -> None:
        """Create the backend manager (started in :meth:`start_extension`)."""
        self.manager = BackendManager(
            Path(self.data_dir),
            url=self.backend_url or None,
            manage=self.manage_backend,
            check_interval=self.check_interval,
            start_timeout=self.start_timeout,
        )
        self.http_client = httpclient.AsyncHTTPClient(force_instance=True, max_body_size=1 << 31)

    def initialize_handlers(self) -> None:
        """``/opik/status`` and ``/opik/api/...``."""
        self.handlers.extend(
            route_handlers(
                self.manager,
                client=self.http_client,
                api_key=self.api_key or None,
                workspace=self.workspace or None,
            )
        )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:  # noqa: ARG002
        """Connect to, or start, the backend once the server's event loop runs."""
        self.manager.start()

    async def stop_extension(self) -> None:
        """Stop the backend if this server started it."""
        await self.manager.stop()
        self.http_client.close()

"""Jupyter server extension: the backend's life next to the Jupyter server, and an
authenticated proxy to it under ``<base_url>/opik/`` (see ``docs/jupyterlab.md``).

Enabled at install by ``etc/jupyter/jupyter_server_config.d/opik_jupyter.json``; its entry
points are in the package's ``__init__``.
"""

from __future__ import annotations

from .app import OpikJupyter
from .backend import BackendManager, BackendState, BackendUnavailable

__all__ = ["BackendManager", "BackendState", "BackendUnavailable", "OpikJupyter"]

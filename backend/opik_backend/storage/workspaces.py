"""Which workspaces exist: the default one, and any that has a project or an API key.

Workspaces are not created explicitly; one comes into being with its first project (or the
first API key made for it). ``POST /v1/private/auth`` uses this to refuse a workspace that
was never used, as Opik refuses one it does not know.
"""

from __future__ import annotations

from .metadata import MetadataDB

DEFAULT_WORKSPACE = "default"


class Workspaces:
    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def known(self, name: str) -> bool:
        """True for the default workspace and for one that has a project or an API key."""
        if name == DEFAULT_WORKSPACE:
            return True
        found = self._db.fetch_one(
            "SELECT 1 AS found FROM projects WHERE workspace = ? UNION ALL "
            "SELECT 1 AS found FROM api_keys WHERE workspace = ? LIMIT 1",
            (name, name),
        )
        return found is not None

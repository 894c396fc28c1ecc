"""API keys: created from the command line, stored hashed, checked on every request.

A key is ``opk_`` followed by 32 random URL-safe characters, so a plain SHA-256 of it is
enough (nothing to brute-force). Checked keys are remembered for a minute, so a request
costs no database round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import time

from ..errors import NotFound
from ..ids import new_id
from .metadata import MetadataDB, utcnow

PREFIX = "opk_"
_REMEMBER_SECONDS = 60.0


@dataclasses.dataclass(frozen=True)
class ApiKey:
    id: str
    workspace: str
    name: str
    prefix: str
    created_at: dt.datetime


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    """Create, list, revoke and verify the keys of the metadata database."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db
        self._checked: dict[str, tuple[float, tuple[str, str] | None]] = {}

    def create(self, workspace: str, name: str) -> tuple[ApiKey, str]:
        """A new key for ``workspace``; the plain key is returned only here."""
        key = PREFIX + secrets.token_urlsafe(24)
        now = utcnow()
        record = ApiKey(new_id(), workspace, name, key[:10], now)
        self._db.execute(
            "INSERT INTO api_keys (id, workspace, name, prefix, key_hash, created_at, "
            "last_updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (record.id, workspace, name, record.prefix, _hash(key), now, now),
        )
        return record, key

    def list(self, workspace: str | None = None) -> list[ApiKey]:
        where, params = ("WHERE workspace = ?", (workspace,)) if workspace else ("", ())
        rows = self._db.fetch(
            f"SELECT id, workspace, name, prefix, created_at FROM api_keys {where} ORDER BY id",
            params,
        )
        return [ApiKey(**row) for row in rows]

    def revoke(self, key_id: str) -> None:
        if not self._db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,)):
            raise NotFound(f"API key {key_id} not found")
        self._checked.clear()

    def workspace_of(self, key: str) -> str | None:
        """The workspace a key belongs to, or None if it is not a valid key."""
        owner = self.owner_of(key)
        return owner[0] if owner else None

    def owner_of(self, key: str) -> tuple[str, str] | None:
        """(workspace, key name) of a key, or None if it is not a valid key. The key's name
        stands for its user (``created_by`` of what is written with it)."""
        now = time.monotonic()
        remembered = self._checked.get(key)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        row = self._db.fetch_one(
            "SELECT workspace, name FROM api_keys WHERE key_hash = ?", (_hash(key),)
        )
        owner = (str(row["workspace"]), str(row["name"])) if row else None
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[key] = (now + _REMEMBER_SECONDS, owner)
        return owner

"""The ClickHouse connection: embedded chDB or a server, both through clickhouse-connect.

``chdb:///abs/path`` runs ClickHouse inside this process on that data directory;
``http(s)://user:password@host:port`` talks to a server. Each thread gets its own client
(a client serialises its calls), so reads run in parallel. Values are always bound as
``{name:Type}`` parameters, never formatted into SQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError

from ..codec import encode
from ..errors import StorageUnavailable

log = logging.getLogger(__name__)

_READ_FORMATS = {"FixedString": "string"}
# Aggregates named after the column they aggregate (``min(start_time) AS start_time``) must
# not capture later references to that column.
_SESSION_SETTINGS = {"prefer_column_name_to_alias": 1}
_JSON_INSERT_SETTINGS = {
    "date_time_input_format": "best_effort",
    "input_format_skip_unknown_fields": 0,
}


class ClickHouse:
    """A thread-safe handle on one ClickHouse database."""

    def __init__(self, url: str, database: str) -> None:
        self.url = url
        self.database = database
        self.embedded = url.startswith("chdb://")
        self._local = threading.local()
        self._clients: list[Client] = []
        self._lock = threading.Lock()
        bootstrap = self._connect(database=None)
        bootstrap.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        bootstrap.close()

    def _connect(self, database: str | None) -> Client:
        parts = urlsplit(self.url)
        try:
            if self.embedded:
                return clickhouse_connect.get_client(
                    dsn=self.url, database=database, settings=_SESSION_SETTINGS
                )
            return clickhouse_connect.get_client(
                dsn=self.url,
                database=database or parts.path.strip("/") or None,
                settings=_SESSION_SETTINGS,
            )
        except ClickHouseError as exc:
            raise StorageUnavailable(f"ClickHouse at {_safe(self.url)}: {exc}") from exc

    @property
    def client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._connect(self.database)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a SELECT and return its rows as tuples."""
        return self._run(
            lambda: (
                self.client.query(
                    sql, parameters=_bound(params), query_formats=_READ_FORMATS
                ).result_rows
            )
        )

    def query_dicts(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a SELECT and return its rows as dicts keyed by column name."""

        def run() -> list[dict[str, Any]]:
            result = self.client.query(sql, parameters=_bound(params), query_formats=_READ_FORMATS)
            names = result.column_names
            return [dict(zip(names, row, strict=True)) for row in result.result_rows]

        return self._run(run)

    def query_raw(
        self, sql: str, params: Mapping[str, Any] | None, fmt: str, settings: str = ""
    ) -> bytes:
        """Run a SELECT and return its output in ClickHouse's format ``fmt`` as it is
        (``settings``: ``name = value, ...`` for this query, such as output formats)."""
        clause = f" SETTINGS {settings}" if settings else ""
        body: bytes = self._run(
            lambda: self.client.raw_query(sql + clause, parameters=_bound(params), fmt=fmt)
        )
        return body

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run a statement that returns no rows (DDL, DELETE, OPTIMIZE)."""
        return self._run(lambda: self.client.command(sql, parameters=_bound(params)))

    def insert_json(
        self, table: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
    ) -> None:
        """Insert rows as one JSONEachRow block; ClickHouse parses it natively (fast)."""
        body = b"\n".join(encode(row) for row in rows)
        if not body:
            return
        self._run(
            lambda: self.client.raw_insert(
                table,
                list(columns),
                insert_block=body,
                fmt="JSONEachRow",
                settings=_JSON_INSERT_SETTINGS,
            )
        )

    def _run(self, call: Any) -> Any:
        try:
            return call()
        except ClickHouseError as exc:
            if _is_connection_error(exc):
                self._local.client = None
                raise StorageUnavailable(f"ClickHouse is unavailable: {exc}") from exc
            _raise_if_disk_full(exc)
            raise
        except RuntimeError as exc:  # embedded chDB raises its own errors
            _raise_if_disk_full(exc)
            raise

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
        self._local = threading.local()


_DISK_FULL = ("NOT_ENOUGH_SPACE", "No space left on device")


def _raise_if_disk_full(exc: Exception) -> None:
    """A full disk is a 503 the client may retry (as the group-commit writer answers)."""
    if any(sign in str(exc) for sign in _DISK_FULL):
        raise StorageUnavailable("ClickHouse cannot write: the disk is full") from exc


def _is_connection_error(exc: ClickHouseError) -> bool:
    return isinstance(exc, OperationalError)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _bound(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters as the driver takes them (a dict)."""
    return dict(params) if params is not None else None

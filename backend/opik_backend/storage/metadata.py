"""The metadata database: SQLite (embedded default) or MySQL/MariaDB, one schema for both.

Queries are written once with ``?`` placeholders; the MySQL dialect turns them into
``%s``. Each thread gets its own connection. SQLite runs in WAL mode with a busy timeout,
so concurrent readers never see "database is locked".
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import pymysql

from ..errors import Conflict, StorageUnavailable

Row = dict[str, Any]

sqlite3.register_adapter(dt.datetime, lambda value: value.isoformat(" "))


@dataclasses.dataclass(frozen=True)
class Dialect:
    """What differs between the two SQL dialects we speak."""

    name: str
    table_options: str
    insert_ignore: str

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.name == "mysql" else text


SQLITE = Dialect("sqlite", table_options="", insert_ignore="INSERT OR IGNORE")
MYSQL = Dialect(
    "mysql",
    table_options="ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    insert_ignore="INSERT IGNORE",
)


class _Connection(Protocol):
    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class MetadataDB:
    """A small DB-API facade over one database: ``fetch``, ``fetch_one`` and ``execute``."""

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            self.dialect = SQLITE
            self._path = Path(unquote(parts.path))
            self._path.parent.mkdir(parents=True, exist_ok=True)
        elif parts.scheme in ("mysql", "mariadb"):
            self.dialect = MYSQL
            self._mysql = _mysql_params(url)
            self._ensure_mysql_database()
        else:
            raise ValueError(f"metadata_url must start with sqlite:// or mysql://, got {url!r}")
        self._local = threading.local()
        self._all: list[_Connection] = []
        self._lock = threading.Lock()

    # -- connections -------------------------------------------------------------------

    def _connect(self) -> _Connection:
        if self.dialect is SQLITE:
            conn = sqlite3.connect(
                self._path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        try:
            return pymysql.connect(
                **self._mysql, autocommit=True, cursorclass=pymysql.cursors.DictCursor
            )
        except pymysql.err.OperationalError as exc:
            raise StorageUnavailable(f"MySQL is unavailable: {exc}") from exc

    def _ensure_mysql_database(self) -> None:
        params = dict(self._mysql)
        database = params.pop("database")
        try:
            conn = pymysql.connect(**params, autocommit=True)
        except pymysql.err.OperationalError as exc:
            raise StorageUnavailable(f"MySQL is unavailable: {exc}") from exc
        with conn.cursor() as cur:
            cur.execute(
                f"CREATE DATABASE IF NOT EXISTS `{database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            )
        conn.close()

    @property
    def _conn(self) -> _Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                self._all.remove(conn)
            with contextlib.suppress(Exception):  # the connection is already broken
                conn.close()

    # -- statements --------------------------------------------------------------------

    def _run(self, sql: str, params: Sequence[Any], read: bool) -> Any:
        """Execute once; on a connection that went stale, reconnect and execute once more."""
        for attempt in (1, 2):
            try:
                with closing(self._conn.cursor()) as cur:
                    cur.execute(self.dialect.sql(sql), tuple(params))
                    return [_row(r) for r in cur.fetchall()] if read else cur.rowcount
            except (pymysql.err.OperationalError, pymysql.err.InterfaceError) as exc:
                self._drop_connection()
                if attempt == 2 or not _is_stale(exc):
                    raise StorageUnavailable(f"MySQL is unavailable: {exc}") from exc
            except (pymysql.err.IntegrityError, sqlite3.IntegrityError) as exc:
                raise Conflict(f"already exists: {exc}") from exc
        raise AssertionError("unreachable")

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a query and return all rows as dicts."""
        return self._run(sql, params, read=True)

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.fetch(sql, params)
        return rows[0] if rows else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        return self._run(sql, params, read=False)

    def executescript(self, statements: Sequence[str]) -> None:
        """Run several statements in order (migrations)."""
        for statement in statements:
            self.execute(statement)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


_STALE_CONNECTION_CODES = {2006, 2013, 2055, 0}  # server gone away, lost connection


def _is_stale(exc: Exception) -> bool:
    """A pooled connection the server dropped: safe to reconnect and send again."""
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    return isinstance(exc, pymysql.err.InterfaceError) or code in _STALE_CONNECTION_CODES


def _row(row: Any) -> Row:
    out = dict(row)
    for key, value in out.items():
        if key.endswith("_at") and isinstance(value, str):
            out[key] = dt.datetime.fromisoformat(value)
    return out


def _mysql_params(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": parts.path.strip("/") or "opik",
        "charset": "utf8mb4",
        "connect_timeout": 5,
        "read_timeout": 30,
        "write_timeout": 30,
    }


def contains_pattern(text: str) -> str:
    """A LIKE pattern (used with ``ESCAPE '!'``) matching ``text`` anywhere, case-folded."""
    escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def utcnow() -> dt.datetime:
    """Naive UTC now, the form both databases store in DATETIME(6) columns."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)

"""Versioned SQL migrations, applied in order at start-up, for both databases.

Files live in ``opik_backend/migrations/<store>/NNNN_name.sql``. A file is a list of
statements separated by ``;`` at the end of a line, with ``{placeholders}`` that each store
fills in (table options, engines). The applied versions are recorded in a
``schema_migrations`` table of the same database.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import resources

from .clickhouse import ClickHouse
from .metadata import MetadataDB, utcnow

log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def load(store: str, substitutions: Mapping[str, str]) -> list[Migration]:
    """Read and render the migrations of ``store`` ("clickhouse" or "metadata")."""
    folder = resources.files("opik_backend") / "migrations" / store
    migrations = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = _FILE_NAME.match(entry.name)
        if not match:
            continue
        text = entry.read_text(encoding="utf-8").format_map(substitutions)
        migrations.append(Migration(int(match[1]), match[2], tuple(_statements(text))))
    return migrations


def _statements(text: str) -> Iterable[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    for chunk in re.split(r";\s*$", body, flags=re.MULTILINE):
        if chunk.strip():
            yield chunk.strip()


def apply(
    migrations: Iterable[Migration],
    applied: set[int],
    run: Callable[[str], object],
    record: Callable[[Migration], object],
) -> list[int]:
    """Run every migration not yet applied, in version order; return the versions run."""
    done = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in applied:
            continue
        log.info("applying migration %04d_%s", migration.version, migration.name)
        for statement in migration.statements:
            run(statement)
        record(migration)
        done.append(migration.version)
    return done


def clickhouse_migrations(cluster: str = "") -> list[Migration]:
    """The ClickHouse migrations, for one server or (``cluster``) replicated on a cluster."""
    return load("clickhouse", _clickhouse_substitutions(cluster))


def _clickhouse_substitutions(cluster: str) -> dict[str, str]:
    return {
        "on_cluster": f"ON CLUSTER `{cluster}`" if cluster else "",
        "replacing_merge_tree": "ReplicatedReplacingMergeTree" if cluster else "ReplacingMergeTree",
    }


def migrate_clickhouse(ch: ClickHouse, cluster: str = "") -> list[int]:
    """Bring the ClickHouse schema up to date."""
    names = _clickhouse_substitutions(cluster)
    ch.command(
        f"CREATE TABLE IF NOT EXISTS schema_migrations {names['on_cluster']} "
        "(version UInt32, name String, applied_at DateTime64(6, 'UTC')) "
        f"ENGINE = {names['replacing_merge_tree']}(applied_at) ORDER BY version"
    )
    applied = {row[0] for row in ch.query("SELECT version FROM schema_migrations FINAL")}
    return apply(
        clickhouse_migrations(cluster),
        applied,
        ch.command,
        lambda m: ch.insert_json(
            "schema_migrations",
            ["version", "name", "applied_at"],
            [{"version": m.version, "name": m.name, "applied_at": utcnow()}],
        ),
    )


def migrate_metadata(db: MetadataDB) -> list[int]:
    """Bring the metadata (SQLite or MySQL) schema up to date."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, "
        f"name VARCHAR(255) NOT NULL, applied_at DATETIME(6) NOT NULL) {db.dialect.table_options}"
    )
    applied = {row["version"] for row in db.fetch("SELECT version FROM schema_migrations")}
    return apply(
        load("metadata", {"table_options": db.dialect.table_options}),
        applied,
        db.execute,
        lambda m: db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (m.version, m.name, utcnow()),
        ),
    )

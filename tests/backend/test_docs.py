"""The backend's documentation names every route, every setting and every table
(datasette-style)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from opik_backend.app import all_routes
from opik_backend.config import Settings
from opik_backend.openapi import operations

DOC = (Path(__file__).parents[2] / "docs" / "backend.md").read_text()
MIGRATIONS = Path(__file__).parents[2] / "backend" / "opik_backend" / "migrations"


def test_every_route_is_documented() -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, handler in all_routes()
        for method in operations(handler)
        if f"`{method.upper()} {path}`" not in DOC
    ]
    assert missing == []


def test_every_setting_is_documented() -> None:
    missing = [
        f.name
        for f in dataclasses.fields(Settings)
        if f"`{f.name}` | `OPIK_JUPYTER_{f.name.upper()}`" not in DOC
    ]
    assert missing == []


def test_every_table_is_in_the_storage_table() -> None:
    storage = DOC[DOC.index("## Storage") :].split("\n\n")[1]
    for store in ("clickhouse", "metadata"):
        sql = "".join(p.read_text() for p in (MIGRATIONS / store).glob("*.sql"))
        tables = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", sql)
        assert tables, f"no tables found in the {store} migrations"
        missing = [name for name in tables if f"`{name}`" not in storage]
        assert missing == [], f"docs/backend.md's storage table misses {store} tables"

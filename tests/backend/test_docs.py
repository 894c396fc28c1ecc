"""The backend's documentation names every route and every setting (datasette-style)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from opik_backend.app import all_routes
from opik_backend.config import Settings
from opik_backend.openapi import operations

DOC = (Path(__file__).parents[2] / "docs" / "backend.md").read_text()


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

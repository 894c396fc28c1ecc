"""Feedback definitions: the schema of a score (numerical range or categories)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec

from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..schemas import CategoricalDetails, FeedbackDefinitionWrite, NumericalDetails
from .metadata import MetadataDB, Row, contains_pattern, utcnow

_COLUMNS = "id, workspace, name, type, details, description, created_at, last_updated_at"


def _check_details(body: FeedbackDefinitionWrite) -> str:
    """The details as stored JSON, after checking they fit the definition's type."""
    kind = {"numerical": NumericalDetails, "categorical": CategoricalDetails}.get(body.type)
    if kind is not None:
        try:
            details = msgspec.convert(body.details, kind)
        except msgspec.ValidationError as exc:
            raise ValidationFailed(f"details: {exc} (for a {body.type} definition)") from exc
        if isinstance(details, NumericalDetails) and details.min >= details.max:
            raise ValidationFailed("details: min must be less than max")
        if isinstance(details, CategoricalDetails) and len(details.categories) < 2:
            raise ValidationFailed("details: a categorical definition needs two categories")
    return json.dumps(body.details)


def _public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["type"],
        "details": json.loads(row["details"]),
        "description": row["description"],
        "created_at": row["created_at"].replace(tzinfo=dt.UTC),
        "last_updated_at": row["last_updated_at"].replace(tzinfo=dt.UTC),
    }


class FeedbackDefinitions:
    """CRUD over the ``feedback_definitions`` table of one metadata database."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def create(self, workspace: str, body: FeedbackDefinitionWrite) -> dict[str, Any]:
        now = utcnow()
        definition_id = body.id or new_id()
        try:
            self._db.execute(
                f"INSERT INTO feedback_definitions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    definition_id,
                    workspace,
                    body.name,
                    body.type,
                    _check_details(body),
                    body.description,
                    now,
                    now,
                ),
            )
        except Conflict:
            raise Conflict(f"a feedback definition named {body.name!r} already exists") from None
        return self.get(workspace, definition_id)

    def get(self, workspace: str, definition_id: str) -> dict[str, Any]:
        row = self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM feedback_definitions WHERE workspace = ? AND id = ?",
            (workspace, definition_id),
        )
        if row is None:
            raise NotFound(f"feedback definition {definition_id} not found")
        return _public(row)

    def update(
        self, workspace: str, definition_id: str, body: FeedbackDefinitionWrite
    ) -> dict[str, Any]:
        self.get(workspace, definition_id)
        try:
            self._db.execute(
                "UPDATE feedback_definitions SET name = ?, type = ?, details = ?, description = ?,"
                " last_updated_at = ? WHERE workspace = ? AND id = ?",
                (
                    body.name,
                    body.type,
                    _check_details(body),
                    body.description,
                    utcnow(),
                    workspace,
                    definition_id,
                ),
            )
        except Conflict:
            raise Conflict(f"a feedback definition named {body.name!r} already exists") from None
        return self.get(workspace, definition_id)

    def delete(self, workspace: str, ids: list[str]) -> None:
        for definition_id in ids:
            self._db.execute(
                "DELETE FROM feedback_definitions WHERE workspace = ? AND id = ?",
                (workspace, definition_id),
            )

    def page(
        self, workspace: str, page: int, size: int, name: str | None, kind: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = "workspace = ?", [workspace]
        if name:
            where += " AND LOWER(name) LIKE ? ESCAPE '!'"
            params.append(contains_pattern(name))
        if kind:
            where += " AND type = ?"
            params.append(kind)
        total = self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM feedback_definitions WHERE {where}", params
        )
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM feedback_definitions WHERE {where} ORDER BY id DESC "
            "LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [_public(row) for row in rows], int(total["n"] if total else 0)

"""Rules, stored in the metadata database, checked when they are written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec

from ..errors import NotFound, ValidationFailed
from ..ids import new_id
from ..schemas import JudgeCode, PythonCode, RuleUpdate, RuleWrite
from .filter_sql import Compiler, parse
from .metadata import MetadataDB, utcnow

_COLUMNS = (
    "id, workspace, project_id, name, type, sampling_rate, enabled, filters, code, "
    "created_at, last_updated_at"
)
_CODE_TYPES: dict[str, type] = {"llm_as_judge": JudgeCode, "user_defined_metric_python": PythonCode}
_ENABLED_TTL = 5.0  # other replicas' rule changes are seen within this


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    workspace: str
    project_id: str
    name: str
    type: str
    sampling_rate: float
    enabled: bool
    filters: list[dict[str, Any]]
    code: dict[str, Any]
    created_at: dt.datetime
    last_updated_at: dt.datetime

    def scorer(self) -> JudgeCode | PythonCode:
        """The typed scorer definition (checked when the rule was written)."""
        return msgspec.convert(self.code, _CODE_TYPES[self.type])

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "name": self.name,
            "type": self.type,
            "sampling_rate": self.sampling_rate,
            "enabled": self.enabled,
            "filters": self.filters,
            "code": self.code,
            "action": "evaluator",
            "created_at": self.created_at.replace(tzinfo=dt.UTC),
            "last_updated_at": self.last_updated_at.replace(tzinfo=dt.UTC),
        }


def check(kind: str, code: dict[str, Any], filters: list[dict[str, Any]] | None) -> None:
    """422 naming the problem if the scorer or the filters cannot work."""
    try:
        msgspec.convert(code, _CODE_TYPES[kind])
    except msgspec.ValidationError as exc:
        raise ValidationFailed(f"code: {exc} (for a {kind} rule)") from exc
    Compiler("traces", {}).where(parse(filters or []))


def _row_to_rule(row: dict[str, Any]) -> Rule:
    return Rule(
        **{
            **row,
            "enabled": bool(row["enabled"]),
            "filters": json.loads(row["filters"]),
            "code": json.loads(row["code"]),
        }
    )


class Rules:
    """CRUD over ``online_rules``, and the enabled rules of a project (cached briefly)."""

    def __init__(self, db: MetadataDB, vet: Callable[[str, dict[str, Any]], None]) -> None:
        self._db = db
        self._vet = vet
        """What this server refuses to run, beyond the schema (a 4xx when it does)."""
        self._enabled: dict[tuple[str, str], tuple[float, list[Rule]]] = {}
        self._lock = threading.Lock()

    def create(self, workspace: str, project_id: str, body: RuleWrite) -> Rule:
        check(body.type, body.code, body.filters)
        self._vet(body.type, body.code)
        rule_id, now = body.id or new_id(), utcnow()
        self._db.execute(
            f"INSERT INTO online_rules ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rule_id,
                workspace,
                project_id,
                body.name,
                body.type,
                body.sampling_rate,
                int(body.enabled),
                json.dumps(body.filters or []),
                json.dumps(body.code),
                now,
                now,
            ),
        )
        self._forget()
        return self.get(workspace, rule_id)

    def get(self, workspace: str, rule_id: str) -> Rule:
        row = self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM online_rules WHERE workspace = ? AND id = ?",
            (workspace, rule_id),
        )
        if row is None:
            raise NotFound(f"rule {rule_id} not found")
        return _row_to_rule(row)

    def update(self, workspace: str, rule_id: str, body: RuleUpdate) -> Rule:
        old = self.get(workspace, rule_id)
        kind, code = body.type or old.type, body.code if body.code is not None else old.code
        filters = body.filters if body.filters is not None else old.filters
        check(kind, code, filters)
        self._vet(kind, code)
        self._db.execute(
            "UPDATE online_rules SET name = ?, type = ?, sampling_rate = ?, enabled = ?, "
            "filters = ?, code = ?, last_updated_at = ? WHERE workspace = ? AND id = ?",
            (
                body.name or old.name,
                kind,
                old.sampling_rate if body.sampling_rate is None else body.sampling_rate,
                int(old.enabled if body.enabled is None else body.enabled),
                json.dumps(filters),
                json.dumps(code),
                utcnow(),
                workspace,
                rule_id,
            ),
        )
        self._forget()
        return self.get(workspace, rule_id)

    def delete(self, workspace: str, ids: list[str]) -> None:
        for rule_id in ids:
            self._db.execute(
                "DELETE FROM online_rules WHERE workspace = ? AND id = ?", (workspace, rule_id)
            )
        self._forget()

    def page(
        self, workspace: str, project_id: str | None, page: int, size: int
    ) -> tuple[list[Rule], int]:
        where, params = "workspace = ?", [workspace]
        if project_id:
            where += " AND project_id = ?"
            params.append(project_id)
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM online_rules WHERE {where}", params)
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM online_rules WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [_row_to_rule(r) for r in rows], int(total["n"] if total else 0)

    def enabled_for(self, workspace: str, project_id: str) -> list[Rule]:
        """The project's enabled rules; asked once per stored trace, so kept a few seconds."""
        key, now = (workspace, project_id), time.monotonic()
        with self._lock:
            cached = self._enabled.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM online_rules WHERE workspace = ? AND "
            "project_id = ? AND enabled = 1",
            key,
        )
        rules = [_row_to_rule(r) for r in rows]
        with self._lock:
            self._enabled[key] = (now + _ENABLED_TTL, rules)
        return rules

    def _forget(self) -> None:
        with self._lock:
            self._enabled.clear()

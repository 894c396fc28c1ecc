"""The prompt library: prompts and their immutable versions in the metadata database.

Prompt names are unique in a workspace (a project is an attribute, as in Opik). A version
is never changed after it is written, apart from its tags; its commit is the last eight
characters of its id. Every template is checked (:mod:`.prompt_templates`) before anything
is written, so a bad template leaves no prompt behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import msgspec

from ..errors import BadRequest, Conflict, NotFound
from ..ids import new_id
from .filter_sql import Filter
from .metadata import MetadataDB, Row, contains_pattern, utcnow
from .prompt_templates import variables

_PROMPT_COLUMNS = (
    "id, workspace, name, description, project_id, template_structure, tags, created_by, "
    "last_updated_by, created_at, last_updated_at"
)
_VERSION_COLUMNS = (
    "id, workspace, prompt_id, commit_id, template, metadata, type, change_description, tags, "
    "created_by, created_at"
)
_PROMPTS = (
    f"SELECT * FROM (SELECT {', '.join('p.' + c.strip() for c in _PROMPT_COLUMNS.split(','))}, "
    "(SELECT COUNT(*) FROM prompt_versions v WHERE v.workspace = p.workspace "
    "AND v.prompt_id = p.id) AS version_count FROM prompts p WHERE p.workspace = ?) q"
)
_VERSIONS = (
    f"SELECT {', '.join('v.' + c.strip() for c in _VERSION_COLUMNS.split(','))}, "
    "p.template_structure AS template_structure, p.name AS prompt_name "
    "FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id AND p.workspace = v.workspace"
)
PROMPT_SORTABLE = (
    "id",
    "name",
    "description",
    "created_at",
    "last_updated_at",
    "created_by",
    "last_updated_by",
    "tags",
    "version_count",
    "template_structure",
)
VERSION_SORTABLE = ("id", "commit", "template", "change_description", "type", "created_at")
_PROMPT_FIELDS = {
    **{name: ("string", name) for name in ("id", "name", "description", "created_by")},
    "last_updated_by": ("string", "last_updated_by"),
    "template_structure": ("string", "template_structure"),
    "tags": ("list", "tags"),
    "version_count": ("number", "version_count"),
    "created_at": ("date_time", "created_at"),
    "last_updated_at": ("date_time", "last_updated_at"),
}
_VERSION_FIELDS = {
    "id": ("string", "v.id"),
    "commit": ("string", "v.commit_id"),
    "template": ("string", "v.template"),
    "change_description": ("string", "v.change_description"),
    "created_by": ("string", "v.created_by"),
    "type": ("string", "v.type"),
    "tags": ("list", "v.tags"),
    "metadata": ("dictionary", "v.metadata"),
    "created_at": ("date_time", "v.created_at"),
}


@dataclasses.dataclass(frozen=True)
class NewVersion:
    """A version to write: what the client sent, checked by :func:`checked`."""

    template: str
    type: str = "mustache"
    metadata: dict[str, Any] | None = None
    change_description: str | None = None
    tags: Sequence[str] | None = None
    id: str | None = None
    commit: str | None = None


@dataclasses.dataclass(frozen=True)
class NewPrompt:
    name: str
    template_structure: str = "text"
    description: str | None = None
    tags: Sequence[str] | None = None
    project_id: str | None = None
    id: str | None = None


@dataclasses.dataclass(frozen=True)
class Sort:
    field: str
    direction: str = "DESC"


class Prompts:
    """Prompts and versions of one metadata database."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    # -- writes ------------------------------------------------------------------------

    def create(
        self, workspace: str, user: str, prompt: NewPrompt, first: NewVersion | None
    ) -> dict[str, Any]:
        """A new prompt (409 if the name or id is taken), with its first version if given."""
        if first is not None:
            variables(first.template, first.type, prompt.template_structure)
        else:
            variables("", "mustache", prompt.template_structure)
        prompt_id = self._insert_prompt(workspace, user, prompt)
        if first is not None:
            try:
                self._insert_version(workspace, user, prompt_id, first)
            except Exception:
                self._db.execute(
                    "DELETE FROM prompts WHERE workspace = ? AND id = ?", (workspace, prompt_id)
                )
                raise
        return self.get(workspace, prompt_id)

    def create_version(
        self, workspace: str, user: str, prompt: NewPrompt, version: NewVersion
    ) -> dict[str, Any]:
        """A new version of the prompt called ``prompt.name``, created first if missing
        (an existing prompt keeps its template structure)."""
        found = self._find_by_name(workspace, prompt.name)
        structure = found["template_structure"] if found else prompt.template_structure
        variables(version.template, version.type, structure)
        if found is None:
            try:
                prompt_id = self._insert_prompt(workspace, user, prompt)
            except Conflict:  # created meanwhile by another request
                found = self._find_by_name(workspace, prompt.name)
                if found is None:
                    raise
                prompt_id = found["id"]
        else:
            prompt_id = found["id"]
        version_id = self._insert_version(workspace, user, prompt_id, version)
        return self.version(workspace, version_id)

    def restore(self, workspace: str, user: str, prompt_id: str, version_id: str) -> dict[str, Any]:
        """A new version with the content of an earlier one of the same prompt."""
        old = self.version(workspace, version_id)
        if old["prompt_id"] != prompt_id:
            raise NotFound(f"prompt {prompt_id} has no version {version_id}")
        restored = NewVersion(
            template=old["template"],
            type=old["type"],
            metadata=old["metadata"],
            change_description=f"Restored from version {old['commit']}",
        )
        return self.version(workspace, self._insert_version(workspace, user, prompt_id, restored))

    def update(
        self,
        workspace: str,
        user: str,
        prompt_id: str,
        name: str,
        description: str | None,
        tags: Sequence[str] | None,
    ) -> None:
        """Rename, describe and (when ``tags`` is not None) retag a prompt."""
        current = self._prompt_row(workspace, prompt_id)
        try:
            self._db.execute(
                "UPDATE prompts SET name = ?, description = ?, tags = ?, last_updated_by = ?, "
                "last_updated_at = ? WHERE workspace = ? AND id = ?",
                (
                    name,
                    description,
                    _tags_text(tags) if tags is not None else current["tags"],
                    user,
                    utcnow(),
                    workspace,
                    prompt_id,
                ),
            )
        except Conflict:
            raise Conflict(f"a prompt named {name!r} already exists") from None

    def retag_versions(
        self, workspace: str, version_ids: Sequence[str], tags: Sequence[str] | None, merge: bool
    ) -> None:
        """Replace (or, with ``merge``, extend) the tags of versions; None changes nothing."""
        if tags is None:
            return
        rows = self._version_rows(workspace, "v.id", version_ids)
        missing = set(version_ids) - {row["id"] for row in rows}
        if missing:
            raise NotFound(f"prompt versions not found: {', '.join(sorted(missing))}")
        for row in rows:
            new = [*json.loads(row["tags"] or "[]"), *tags] if merge else list(tags)
            self._db.execute(
                "UPDATE prompt_versions SET tags = ? WHERE workspace = ? AND id = ?",
                (_tags_text(new), workspace, row["id"]),
            )

    def delete(self, workspace: str, prompt_ids: Sequence[str]) -> int:
        """Delete prompts with their versions; return how many prompts there were."""
        deleted = 0
        for prompt_id in prompt_ids:
            self._db.execute(
                "DELETE FROM prompt_versions WHERE workspace = ? AND prompt_id = ?",
                (workspace, prompt_id),
            )
            deleted += self._db.execute(
                "DELETE FROM prompts WHERE workspace = ? AND id = ?", (workspace, prompt_id)
            )
        return deleted

    def _insert_prompt(self, workspace: str, user: str, prompt: NewPrompt) -> str:
        now, prompt_id = utcnow(), prompt.id or new_id()
        try:
            self._db.execute(
                f"INSERT INTO prompts ({_PROMPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    prompt_id,
                    workspace,
                    prompt.name,
                    prompt.description,
                    prompt.project_id,
                    prompt.template_structure,
                    _tags_text(prompt.tags or []),
                    user,
                    user,
                    now,
                    now,
                ),
            )
        except Conflict:
            raise Conflict(f"a prompt named {prompt.name!r} (or with this id) exists") from None
        return prompt_id

    def _insert_version(
        self, workspace: str, user: str, prompt_id: str, version: NewVersion
    ) -> str:
        version_id = version.id or new_id()
        try:
            self._db.execute(
                f"INSERT INTO prompt_versions ({_VERSION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    version_id,
                    workspace,
                    prompt_id,
                    version.commit or version_id[-8:],
                    version.template,
                    json.dumps(version.metadata) if version.metadata is not None else None,
                    version.type,
                    version.change_description,
                    _tags_text(version.tags) if version.tags is not None else None,
                    user,
                    utcnow(),
                ),
            )
        except Conflict:
            raise Conflict("a prompt version with this id or commit already exists") from None
        self._db.execute(
            "UPDATE prompts SET last_updated_by = ?, last_updated_at = ? "
            "WHERE workspace = ? AND id = ?",
            (user, utcnow(), workspace, prompt_id),
        )
        return version_id

    # -- reads -------------------------------------------------------------------------

    def get(self, workspace: str, prompt_id: str) -> dict[str, Any]:
        """``Prompt_Detail``: the prompt with its latest version; 404 if missing."""
        row = self._db.fetch_one(f"{_PROMPTS} WHERE id = ?", (workspace, prompt_id))
        if row is None:
            raise NotFound(f"prompt {prompt_id} not found")
        return self._detail(workspace, row)

    def by_commit(self, workspace: str, commit: str) -> dict[str, Any]:
        """``Prompt_Detail`` of the prompt owning ``commit``, with it as requested_version."""
        rows = self._version_rows(workspace, "v.commit_id", [commit])
        if not rows:
            raise NotFound(f"prompt version with commit {commit!r} not found")
        if len(rows) > 1:
            raise Conflict(f"ambiguous commit: {len(rows)} prompt versions have {commit!r}")
        detail = self.get(workspace, rows[0]["prompt_id"])
        return {**detail, "requested_version": _version(rows[0])}

    def retrieve(self, workspace: str, name: str, commit: str | None) -> dict[str, Any]:
        """``PromptVersion_Detail`` of a prompt's version by commit, or its latest."""
        found = self._find_by_name(workspace, name)
        if found is None:
            raise NotFound(f"prompt {name!r} not found")
        version = (
            self._latest(workspace, found["id"])
            if commit is None
            else self._one_version(workspace, found["id"], commit)
        )
        if version is None:
            raise NotFound(f"prompt {name!r} has no version {commit or ''}".strip())
        return version

    def version(self, workspace: str, version_id: str) -> dict[str, Any]:
        rows = self._version_rows(workspace, "v.id", [version_id])
        if not rows:
            raise NotFound(f"prompt version {version_id} not found")
        return _version(rows[0])

    def page(
        self,
        workspace: str,
        page: int,
        size: int,
        *,
        name: str | None = None,
        project_id: str | None = None,
        filters: Sequence[Filter] = (),
        sorting: Sequence[Sort] = (),
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of ``Prompt_Public`` and the total that match."""
        where, params = ["1 = 1"], [workspace]
        if name:
            where.append("LOWER(name) LIKE ? ESCAPE '!'")
            params.append(contains_pattern(name))
        if project_id:
            where.append("project_id = ?")
            params.append(project_id)
        for flt in filters:
            where.append(self._condition(_PROMPT_FIELDS, flt, params))
        sql = f"{_PROMPTS} WHERE {' AND '.join(where)}"
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM ({sql}) c", params)
        rows = self._db.fetch(
            f"{sql} ORDER BY {_order(sorting, PROMPT_SORTABLE, {})} LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [_prompt(row) for row in rows], int(total["n"] if total else 0)

    def versions_page(
        self,
        workspace: str,
        prompt_id: str,
        page: int,
        size: int,
        *,
        search: str | None = None,
        filters: Sequence[Filter] = (),
        sorting: Sequence[Sort] = (),
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a prompt's versions, newest first unless sorted otherwise."""
        self._prompt_row(workspace, prompt_id)
        where, params = ["v.workspace = ?", "v.prompt_id = ?"], [workspace, prompt_id]
        if search:
            where.append(
                "(LOWER(v.template) LIKE ? ESCAPE '!' OR LOWER(v.change_description) LIKE ? "
                "ESCAPE '!')"
            )
            params += [contains_pattern(search)] * 2
        for flt in filters:
            where.append(self._condition(_VERSION_FIELDS, flt, params))
        condition = " AND ".join(where)
        total = self._db.fetch_one(
            f"SELECT COUNT(*) AS n FROM prompt_versions v WHERE {condition}", params
        )
        order = _order(sorting, VERSION_SORTABLE, {"commit": "commit_id"}, prefix="v.")
        rows = self._db.fetch(
            f"{_VERSIONS} WHERE {condition} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [_version(row) for row in rows], int(total["n"] if total else 0)

    def links(self, workspace: str, version_ids: Sequence[str]) -> list[dict[str, Any]]:
        """``PromptVersionLink`` of each version id, in order; 404 naming unknown ones."""
        rows = {r["id"]: r for r in self._version_rows(workspace, "v.id", version_ids)}
        missing = [v for v in version_ids if v not in rows]
        if missing:
            raise NotFound(f"prompt versions not found: {', '.join(missing)}")
        return [_link(rows[v]) for v in version_ids]

    def links_by_commits(self, workspace: str, commits: Sequence[str]) -> list[dict[str, Any]]:
        """A ``PromptVersionLink`` per commit (only the commit when none has it)."""
        rows = {r["commit_id"]: r for r in self._version_rows(workspace, "v.commit_id", commits)}
        return [_link(rows[c]) if c in rows else {"commit": c} for c in commits]

    def experiments_of(self, workspace: str, prompt_id: str) -> list[dict[str, Any]]:
        """The experiments whose ``prompt_versions`` name a version of this prompt, with
        which version: ``{"id", "name", "dataset_id", "created_at", "prompt_version_id"}``."""
        rows = self._db.fetch(
            "SELECT id, name, dataset_id, prompt_versions, created_at FROM experiments "
            "WHERE workspace = ? AND prompt_versions LIKE ? ESCAPE '!' ORDER BY id DESC",
            (workspace, contains_pattern(prompt_id)),
        )
        found = []
        for row in rows:
            for link in json.loads(row["prompt_versions"]):
                if link.get("prompt_id") == prompt_id:
                    found.append(
                        {
                            "id": row["id"],
                            "name": row["name"],
                            "dataset_id": row["dataset_id"],
                            "created_at": row["created_at"].replace(tzinfo=dt.UTC),
                            "prompt_version_id": link.get("prompt_version_id"),
                            "commit": link.get("commit"),
                        }
                    )
        return found

    # -- helpers -----------------------------------------------------------------------

    def _find_by_name(self, workspace: str, name: str) -> Row | None:
        return self._db.fetch_one(
            f"SELECT {_PROMPT_COLUMNS} FROM prompts WHERE workspace = ? AND name = ?",
            (workspace, name),
        )

    def _prompt_row(self, workspace: str, prompt_id: str) -> Row:
        row = self._db.fetch_one(
            f"SELECT {_PROMPT_COLUMNS} FROM prompts WHERE workspace = ? AND id = ?",
            (workspace, prompt_id),
        )
        if row is None:
            raise NotFound(f"prompt {prompt_id} not found")
        return row

    def _version_rows(self, workspace: str, column: str, values: Sequence[str]) -> list[Row]:
        if not values:
            return []
        marks = ", ".join("?" for _ in values)
        return self._db.fetch(
            f"{_VERSIONS} WHERE v.workspace = ? AND {column} IN ({marks})",
            (workspace, *values),
        )

    def _latest(self, workspace: str, prompt_id: str) -> dict[str, Any] | None:
        rows = self._db.fetch(
            f"{_VERSIONS} WHERE v.workspace = ? AND v.prompt_id = ? ORDER BY v.id DESC LIMIT 1",
            (workspace, prompt_id),
        )
        return _version(rows[0]) if rows else None

    def _one_version(self, workspace: str, prompt_id: str, commit: str) -> dict[str, Any] | None:
        row = self._db.fetch_one(
            f"{_VERSIONS} WHERE v.workspace = ? AND v.prompt_id = ? AND v.commit_id = ?",
            (workspace, prompt_id, commit),
        )
        return _version(row) if row else None

    def _detail(self, workspace: str, row: Row) -> dict[str, Any]:
        latest = self._latest(workspace, row["id"])
        return {**_prompt(row), **({"latest_version": latest} if latest else {})}

    def _condition(self, fields: dict[str, tuple[str, str]], flt: Filter, params: list[Any]) -> str:
        """One filter as SQL over the metadata database, its values appended to ``params``."""
        if flt.field not in fields:
            raise BadRequest(
                f"filters: cannot filter on {flt.field!r}; use one of {', '.join(fields)}"
            )
        kind, column = fields[flt.field]
        if kind == "dictionary":
            column = self._json_path(column, flt.key or "")
            kind = "string"
        return _compare(kind, column, flt, params)

    def _json_path(self, column: str, key: str) -> str:
        path = "$." + ".".join(json.dumps(part) for part in key.split(".") if part)
        quoted = path.replace("'", "''")
        if self._db.dialect.name == "mysql":
            return f"JSON_UNQUOTE(JSON_EXTRACT({column}, '{quoted}'))"
        return f"json_extract({column}, '{quoted}')"


def _compare(kind: str, column: str, flt: Filter, params: list[Any]) -> str:
    op, value = flt.operator, flt.value
    if op in ("is_empty", "is_not_empty"):
        empty = f"({column} IS NULL OR {column} = '' OR {column} = '[]')"
        return empty if op == "is_empty" else f"NOT {empty}"
    if kind == "list":
        if op not in ("contains", "not_contains", "=", "!="):
            raise BadRequest(f"filters: operator {op!r} does not apply to {flt.field!r}")
        params.append(contains_pattern(str(value)))
        negate = "NOT " if op in ("not_contains", "!=") else ""
        return f"{negate}LOWER(COALESCE({column}, '')) LIKE ? ESCAPE '!'"
    if op in ("contains", "not_contains", "starts_with", "ends_with"):
        pattern = contains_pattern(str(value))
        pattern = {"starts_with": pattern[1:], "ends_with": pattern[:-1]}.get(op, pattern)
        params.append(pattern)
        negate = "NOT " if op == "not_contains" else ""
        return f"{negate}LOWER(COALESCE({column}, '')) LIKE ? ESCAPE '!'"
    if op not in ("=", "!=", ">", ">=", "<", "<="):
        raise BadRequest(f"filters: unknown operator {op!r} for {flt.field!r}")
    params.append(_typed(kind, value, flt.field))
    return f"{column} {op} ?"


def _typed(kind: str, value: Any, field: str) -> Any:
    try:
        if kind == "number":
            return float(value)
        if kind == "date_time":
            parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (TypeError, ValueError):
        raise BadRequest(f"filters: {value!r} is not a valid {kind} for {field!r}") from None
    return value


def _order(
    sorting: Sequence[Sort], allowed: Sequence[str], columns: dict[str, str], prefix: str = ""
) -> str:
    parts = []
    for sort in sorting:
        if sort.field not in allowed:
            raise BadRequest(f"sorting: cannot sort on {sort.field!r}; use one of {allowed}")
        direction = "ASC" if sort.direction.upper() == "ASC" else "DESC"
        parts.append(f"{prefix}{columns.get(sort.field, sort.field)} {direction}")
    return ", ".join([*parts, f"{prefix}id DESC"])


def parse_sorting(raw: str | None) -> list[Sort]:
    """Sorting from its query parameter, ``[{"field": ..., "direction": "ASC"|"DESC"}]``."""
    if not raw:
        return []
    try:
        return msgspec.json.decode(raw, type=list[Sort])
    except msgspec.MsgspecError as exc:
        raise BadRequest(f"sorting: {exc}") from exc


def _tags_text(tags: Sequence[str]) -> str:
    return json.dumps(list(dict.fromkeys(tags)))


def _prompt(row: Row) -> dict[str, Any]:
    """``Prompt_Public``."""
    return {
        "id": row["id"],
        "name": row["name"],
        "project_id": row["project_id"],
        "description": row["description"],
        "template_structure": row["template_structure"],
        "tags": json.loads(row["tags"]),
        "created_at": row["created_at"].replace(tzinfo=dt.UTC),
        "created_by": row["created_by"],
        "last_updated_at": row["last_updated_at"].replace(tzinfo=dt.UTC),
        "last_updated_by": row["last_updated_by"],
        "version_count": int(row.get("version_count") or 0),
    }


def _version(row: Row) -> dict[str, Any]:
    """``PromptVersion_Detail``."""
    return {
        "id": row["id"],
        "prompt_id": row["prompt_id"],
        "commit": row["commit_id"],
        "template": row["template"],
        "metadata": json.loads(row["metadata"]) if row["metadata"] is not None else None,
        "type": row["type"],
        "change_description": row["change_description"],
        "tags": json.loads(row["tags"]) if row["tags"] is not None else None,
        "variables": variables(row["template"], row["type"], "text"),
        "template_structure": row["template_structure"],
        "created_at": row["created_at"].replace(tzinfo=dt.UTC),
        "created_by": row["created_by"],
    }


def _link(row: Row) -> dict[str, Any]:
    """``PromptVersionLink_Public``."""
    return {
        "prompt_version_id": row["id"],
        "commit": row["commit_id"],
        "prompt_id": row["prompt_id"],
        "prompt_name": row["prompt_name"],
    }

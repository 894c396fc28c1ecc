"""Projects, kept in the metadata database and cached by name (Redis or in-process)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from ..errors import Conflict, NotFound
from ..ids import new_id
from .cache import Cache, Memo
from .metadata import MetadataDB, contains_pattern, utcnow

DEFAULT_PROJECT = "Default Project"
_CACHE_TTL = 3600.0
RECENT_TTL_SECONDS = 10.0  # how long another replica's rename or delete may go unseen here
_COLUMNS = "id, workspace, name, description, created_at, last_updated_at"


@dataclasses.dataclass(frozen=True)
class Project:
    id: str
    workspace: str
    name: str
    description: str | None
    created_at: dt.datetime
    last_updated_at: dt.datetime

    def public(self) -> dict[str, object]:
        """The ``ProjectPublic`` fields of the REST API."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "visibility": "private",
            "created_at": self.created_at.replace(tzinfo=dt.UTC),
            "last_updated_at": self.last_updated_at.replace(tzinfo=dt.UTC),
        }


class Projects:
    """Create-on-first-use lookups by name, plus the CRUD the API exposes."""

    def __init__(self, db: MetadataDB, cache: Cache) -> None:
        self._db = db
        self._cache = cache
        # Lookups by id or name, the first step of most reads, answered without I/O for a
        # while; this process's own updates and deletes start a new generation.
        self._recent: Memo[tuple[str, str, str], Project] = Memo(RECENT_TTL_SECONDS)
        self._generation = 0

    def resolve(self, workspace: str, name: str | None) -> Project:
        """The project called ``name`` (default project if None), created if missing."""
        name = name or DEFAULT_PROJECT
        generation = self._generation
        cached = self._cache.get(_name_key(workspace, name))
        if cached is not None:
            known = _from_json(cached)
            self._recent.put((workspace, "name", name), generation, known)
            return known
        project = self.find_by_name(workspace, name)
        if project is None:
            now = utcnow()
            self._db.execute(
                f"{self._db.dialect.insert_ignore} INTO projects ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (new_id(), workspace, name, None, now, now),
            )
            project = self.find_by_name(workspace, name)
            assert project is not None, "a project row vanished right after its insert"
        self._remember(project)
        return project

    def find_by_name(self, workspace: str, name: str) -> Project | None:
        generation = self._generation
        row = self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM projects WHERE workspace = ? AND name = ?", (workspace, name)
        )
        if row is None:
            return None
        project = Project(**row)
        self._recent.put((workspace, "name", name), generation, project)
        return project

    def get(self, workspace: str, project_id: str) -> Project:
        """The project with this id, or 404."""
        generation = self._generation
        row = self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM projects WHERE workspace = ? AND id = ?",
            (workspace, project_id),
        )
        if row is None:
            raise NotFound(f"project {project_id} not found")
        project = Project(**row)
        self._recent.put((workspace, "id", project_id), generation, project)
        return project

    def recent(
        self, workspace: str, *, project_id: str | None = None, name: str | None = None
    ) -> Project | None:
        """The project with this id (else this name) if it was looked up in the last few
        seconds and this process has not changed a project since (no I/O: callable on the
        event loop)."""
        key = (workspace, "id", project_id) if project_id else (workspace, "name", name or "")
        return self._recent.get(key, self._generation)

    def by_name(self, workspace: str, name: str) -> Project:
        """The project called ``name``, or 404."""
        project = self.find_by_name(workspace, name)
        if project is None:
            raise NotFound(f"project {name!r} not found")
        return project

    def create(self, workspace: str, name: str, description: str | None) -> Project:
        """A new project; 409 if the name is taken."""
        now = utcnow()
        project_id = new_id()
        try:
            self._db.execute(
                f"INSERT INTO projects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (project_id, workspace, name, description, now, now),
            )
        except Conflict:
            raise Conflict(f"a project named {name!r} already exists") from None
        return self.get(workspace, project_id)

    def update(
        self, workspace: str, project_id: str, name: str | None, description: str | None
    ) -> Project:
        old = self.get(workspace, project_id)
        try:
            self._db.execute(
                "UPDATE projects SET name = ?, description = ?, last_updated_at = ? "
                "WHERE workspace = ? AND id = ?",
                (
                    name or old.name,
                    description if description is not None else old.description,
                    utcnow(),
                    workspace,
                    project_id,
                ),
            )
        except Conflict:
            raise Conflict(f"a project named {name!r} already exists") from None
        self._cache.delete(_name_key(workspace, old.name))
        self._generation += 1
        return self.get(workspace, project_id)

    def delete(self, workspace: str, project_ids: list[str]) -> list[Project]:
        """Delete projects (the caller deletes their traces); return those that existed."""
        deleted = []
        for project_id in project_ids:
            try:
                project = self.get(workspace, project_id)
            except NotFound:
                continue
            self._db.execute(
                "DELETE FROM projects WHERE workspace = ? AND id = ?", (workspace, project_id)
            )
            self._cache.delete(_name_key(workspace, project.name))
            self._generation += 1
            deleted.append(project)
        return deleted

    def page(
        self, workspace: str, page: int, size: int, name: str | None
    ) -> tuple[list[Project], int]:
        """Projects newest first, optionally filtered by a name substring."""
        where, params = "workspace = ?", [workspace]
        if name:
            where += " AND LOWER(name) LIKE ? ESCAPE '!'"
            params.append(contains_pattern(name))
        total_row = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM projects WHERE {where}", params)
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM projects WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, size, (page - 1) * size],
        )
        return [Project(**row) for row in rows], int(total_row["n"] if total_row else 0)

    def _remember(self, project: Project) -> None:
        self._cache.set(_name_key(project.workspace, project.name), _to_json(project), _CACHE_TTL)


def _name_key(workspace: str, name: str) -> str:
    return f"project:{workspace}:{name}"


def _to_json(project: Project) -> str:
    data = dataclasses.asdict(project)
    data["created_at"] = project.created_at.isoformat()
    data["last_updated_at"] = project.last_updated_at.isoformat()
    return json.dumps(data)


def _from_json(text: str) -> Project:
    data = json.loads(text)
    data["created_at"] = dt.datetime.fromisoformat(data["created_at"])
    data["last_updated_at"] = dt.datetime.fromisoformat(data["last_updated_at"])
    return Project(**data)

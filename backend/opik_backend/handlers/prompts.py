"""The prompt library: prompts, their versions, and the experiments that used them."""

from __future__ import annotations

import re
from functools import partial

from ..errors import BadRequest, NotFound
from ..ids import check_uuid, check_v7
from ..schemas import (
    DeleteDefinitions,
    PromptCommits,
    PromptUpdate,
    PromptVersionCreate,
    PromptVersionRetrieve,
    PromptVersionsUpdate,
    PromptVersionWrite,
    PromptWrite,
)
from ..storage.filter_sql import parse
from ..storage.prompts import (
    PROMPT_SORTABLE,
    VERSION_SORTABLE,
    NewPrompt,
    NewVersion,
    parse_sorting,
)
from .base import ApiHandler, Route, operation

BASE = "/v1/private/prompts"
_COMMIT = re.compile(r"^[a-zA-Z0-9]{8}$")


class PromptHandler(ApiHandler):
    tag = "prompts"

    async def project_or_none(self, name: str | None, project_id: str | None) -> str | None:
        """The project named by id (404 if missing) or name (created), None if neither."""
        if not (project_id or name):
            return None
        return (await self.project(name=name, id=project_id, create=True)).id


def _new_version(body: PromptVersionWrite) -> NewVersion:
    if body.commit is not None and not _COMMIT.match(body.commit):
        raise BadRequest("version.commit: must be 8 letters or digits")
    return NewVersion(
        template=body.template,
        type=body.type,
        metadata=body.metadata,
        change_description=body.change_description,
        tags=body.tags,
        id=check_v7(body.id, "version.id") if body.id else None,
        commit=body.commit,
    )


class PromptsHandler(PromptHandler):
    path = BASE

    @operation(
        "List prompts (name substring, project, filters, sorting)",
        query=("page", "size", "name", "project_id", "filters", "sorting"),
    )
    async def get(self) -> None:
        page, size = self.page_args()
        project_id = self.str_arg("project_id")
        query = partial(
            self.services.prompts.page,
            self.workspace,
            page,
            size,
            name=self.str_arg("name"),
            project_id=check_uuid(project_id, "project_id") if project_id else None,
            filters=parse(self.str_arg("filters")),
            sorting=parse_sorting(self.str_arg("sorting")),
        )
        content, total = await self.blocking(query)
        self.send_page(page, content, total, sortableBy=list(PROMPT_SORTABLE))

    @operation(
        "Create a prompt, with its first version when a template is given",
        status=201,
        body=PromptWrite,
    )
    async def post(self) -> None:
        body = self.body_as(PromptWrite)
        prompt = NewPrompt(
            name=body.name,
            template_structure=body.template_structure,
            description=body.description,
            tags=body.tags,
            project_id=await self.project_or_none(body.project_name, body.project_id),
            id=check_v7(body.id, "id") if body.id else None,
        )
        first = (
            NewVersion(
                template=body.template,
                type=body.type,
                metadata=body.metadata,
                change_description=body.change_description,
            )
            if body.template is not None
            else None
        )
        created = await self.blocking(
            self.services.prompts.create, self.workspace, self.user, prompt, first
        )
        self.set_location(f"{BASE}/{created['id']}")
        self.send_json(created, status=201)


class PromptVersionsHandler(PromptHandler):
    path = BASE + "/versions"

    @operation(
        "Create a prompt version (and the prompt, on first use of its name)",
        body=PromptVersionCreate,
    )
    async def post(self) -> None:
        body = self.body_as(PromptVersionCreate)
        version = _new_version(body.version)
        prompt = NewPrompt(
            name=body.name,
            template_structure=body.template_structure,
            project_id=await self.project_or_none(body.project_name, body.project_id),
        )
        created = await self.blocking(
            self.services.prompts.create_version, self.workspace, self.user, prompt, version
        )
        self.send_json(created)

    @operation("Set or merge the tags of prompt versions", status=204, body=PromptVersionsUpdate)
    async def patch(self) -> None:
        body = self.body_as(PromptVersionsUpdate)
        ids = [check_uuid(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(
            self.services.prompts.retag_versions,
            self.workspace,
            ids,
            body.update.tags,
            bool(body.merge_tags),
        )
        self.no_content()


class PromptVersionRetrieveHandler(PromptHandler):
    path = BASE + "/versions/retrieve"

    @operation(
        "A prompt's version by name and commit (its latest without one)",
        body=PromptVersionRetrieve,
    )
    async def post(self) -> None:
        body = self.body_as(PromptVersionRetrieve)
        found = await self.blocking(
            self.services.prompts.retrieve, self.workspace, body.name, body.commit
        )
        self.send_json(found)


class PromptVersionByIdHandler(PromptHandler):
    path = BASE + "/versions/{versionId}"

    @operation("Get a prompt version by id")
    async def get(self, version_id: str) -> None:
        found = await self.blocking(
            self.services.prompts.version, self.workspace, check_uuid(version_id, "versionId")
        )
        self.send_json(found)


class PromptByIdHandler(PromptHandler):
    path = BASE + "/{id}"

    @operation("Get a prompt with its latest version")
    async def get(self, prompt_id: str) -> None:
        found = await self.blocking(
            self.services.prompts.get, self.workspace, check_uuid(prompt_id, "id")
        )
        self.send_json(found)

    @operation("Rename, describe or retag a prompt", status=204, body=PromptUpdate)
    async def put(self, prompt_id: str) -> None:
        body = self.body_as(PromptUpdate)
        await self.blocking(
            self.services.prompts.update,
            self.workspace,
            self.user,
            check_uuid(prompt_id, "id"),
            body.name,
            body.description,
            body.tags,
        )
        self.no_content()

    @operation("Delete a prompt and its versions", status=204)
    async def delete(self, prompt_id: str) -> None:
        checked = check_uuid(prompt_id, "id")
        deleted = await self.blocking(self.services.prompts.delete, self.workspace, [checked])
        if not deleted:
            raise NotFound(f"prompt {checked} not found")
        self.no_content()


class PromptDeleteHandler(PromptHandler):
    path = BASE + "/delete"

    @operation("Delete prompts by id", status=204, body=DeleteDefinitions)
    async def post(self) -> None:
        body = self.body_as(DeleteDefinitions)
        ids = [check_uuid(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.prompts.delete, self.workspace, ids)
        self.no_content()


class PromptByCommitHandler(PromptHandler):
    path = BASE + "/by-commit/{commit}"

    @operation("Get the prompt that owns a commit, with that version")
    async def get(self, commit: str) -> None:
        if not _COMMIT.match(commit):
            raise BadRequest(f"commit: {commit!r} must be 8 letters or digits")
        found = await self.blocking(self.services.prompts.by_commit, self.workspace, commit)
        self.send_json(found)


class PromptVersionListHandler(PromptHandler):
    path = BASE + "/{id}/versions"

    @operation(
        "A prompt's versions, newest first (search in template and change description)",
        query=("page", "size", "search", "filters", "sorting"),
    )
    async def get(self, prompt_id: str) -> None:
        page, size = self.page_args()
        query = partial(
            self.services.prompts.versions_page,
            self.workspace,
            check_uuid(prompt_id, "id"),
            page,
            size,
            search=self.str_arg("search"),
            filters=parse(self.str_arg("filters")),
            sorting=parse_sorting(self.str_arg("sorting")),
        )
        content, total = await self.blocking(query)
        self.send_page(page, content, total, sortableBy=list(VERSION_SORTABLE))


class PromptExperimentsHandler(PromptHandler):
    path = BASE + "/{id}/experiments"

    @operation(
        "The experiments that used a version of this prompt, newest first, with their trace "
        "counts and score averages (opik-jupyter only)"
    )
    async def get(self, prompt_id: str) -> None:
        checked = check_uuid(prompt_id, "id")
        await self.blocking(self.services.prompts.get, self.workspace, checked)
        found = await self.blocking(self.services.prompts.experiments_of, self.workspace, checked)
        computed = await self.blocking(
            self.services.comparisons.experiments, self.workspace, [e["id"] for e in found]
        )
        content = [
            {
                **e,
                "trace_count": computed[e["id"]]["trace_count"],
                "feedback_scores": computed[e["id"]]["feedback_scores"],
            }
            for e in found
        ]
        self.send_json({"content": content})


class PromptRestoreHandler(PromptHandler):
    path = BASE + "/{promptId}/versions/{versionId}/restore"

    @operation("Restore a version: a new version with its content")
    async def post(self, prompt_id: str, version_id: str) -> None:
        restored = await self.blocking(
            self.services.prompts.restore,
            self.workspace,
            self.user,
            check_uuid(prompt_id, "promptId"),
            check_uuid(version_id, "versionId"),
        )
        self.send_json(restored)


class PromptCommitsHandler(PromptHandler):
    path = BASE + "/retrieve-by-commits"

    @operation("Prompt version links by commit", body=PromptCommits)
    async def post(self) -> None:
        body = self.body_as(PromptCommits)
        links = await self.blocking(
            self.services.prompts.links_by_commits, self.workspace, body.commits
        )
        self.send_json(links)


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            PromptsHandler,
            PromptVersionsHandler,
            PromptVersionRetrieveHandler,
            PromptDeleteHandler,
            PromptCommitsHandler,
            PromptVersionByIdHandler,
            PromptByIdHandler,
            PromptByCommitHandler,
            PromptVersionListHandler,
            PromptExperimentsHandler,
            PromptRestoreHandler,
        )
    ]

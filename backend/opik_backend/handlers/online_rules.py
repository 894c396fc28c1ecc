"""Online evaluation rules (Opik's automation rule evaluators) and their dead letters."""

from __future__ import annotations

from typing import Any

from ..ids import check_v7, path_id
from ..schemas import DeleteIds, RuleUpdate, RuleWrite
from .base import ApiHandler, Route, operation

BASE = "/v1/private/automations/evaluators"


class RuleHandler(ApiHandler):
    tag = "online-evaluation"

    def dead_letters(self, rule_id: str | None, limit: int) -> list[dict[str, Any]]:
        letters = self.services.online.queue.dead_letters(1000)
        return [
            letter
            for letter in letters
            if letter["event"].get("workspace") == self.workspace
            and (rule_id is None or letter["event"].get("rule_id") == rule_id)
        ][:limit]


class RulesHandler(RuleHandler):
    path = BASE

    @operation("List rules, of one project if given", query=("project_id", "page", "size"))
    async def get(self) -> None:
        page, size = self.page_args()
        project_id = self.str_arg("project_id")
        rules, total = await self.blocking(
            self.services.rules.page,
            self.workspace,
            check_v7(project_id, "project_id") if project_id else None,
            page,
            size,
        )
        self.send_page(page, [rule.public() for rule in rules], total)

    @operation("Create a rule that scores new traces of a project", status=201, body=RuleWrite)
    async def post(self) -> None:
        body = self.body_as(RuleWrite)
        if body.id:
            check_v7(body.id, "id")
        project_id = (
            await self.project(name=body.project_name, id=body.project_id, create=True)
        ).id
        rule = await self.blocking(self.services.rules.create, self.workspace, project_id, body)
        self.set_location(f"{BASE}/{rule.id}")
        self.send_json(rule.public(), status=201)


class RuleItemHandler(RuleHandler):
    path = BASE + "/{id}"

    @operation("Get a rule")
    async def get(self, rule_id: str) -> None:
        rule = await self.blocking(
            self.services.rules.get, self.workspace, path_id(rule_id, "rule")
        )
        self.send_json(rule.public())

    @operation(
        "Change a rule (enable, disable, sampling, filters, scorer)", status=204, body=RuleUpdate
    )
    async def patch(self, rule_id: str) -> None:
        body = self.body_as(RuleUpdate)
        await self.blocking(
            self.services.rules.update, self.workspace, path_id(rule_id, "rule"), body
        )
        self.no_content()

    @operation("Delete a rule", status=204)
    async def delete(self, rule_id: str) -> None:
        await self.blocking(self.services.rules.delete, self.workspace, [path_id(rule_id, "rule")])
        self.no_content()


class RuleDeleteHandler(RuleHandler):
    path = BASE + "/delete"

    @operation("Delete rules by id", status=204, body=DeleteIds)
    async def post(self) -> None:
        body = self.body_as(DeleteIds)
        ids = [check_v7(i, f"ids[{n}]") for n, i in enumerate(body.ids)]
        await self.blocking(self.services.rules.delete, self.workspace, ids)
        self.no_content()


class RuleLogsHandler(RuleHandler):
    path = BASE + "/{id}/logs"

    @operation(
        "Events this rule gave up on (dead letters), newest first, with the reason", query=("size",)
    )
    async def get(self, rule_id: str) -> None:
        rule = await self.blocking(
            self.services.rules.get, self.workspace, path_id(rule_id, "rule")
        )
        letters = await self.blocking(self.dead_letters, rule.id, self.int_arg("size", 100))
        self.send_json(
            {
                "content": [
                    {
                        "level": "ERROR",
                        "timestamp": letter["at"],
                        "message": letter["reason"],
                        "trace_id": letter["event"]["trace_id"],
                        "deliveries": letter["deliveries"],
                    }
                    for letter in letters
                ]
            }
        )


class DeadLettersHandler(RuleHandler):
    path = BASE + "/dead-letters"

    @operation("Every event the online evaluation gave up on in this workspace", query=("size",))
    async def get(self) -> None:
        letters = await self.blocking(self.dead_letters, None, self.int_arg("size", 100))
        self.send_json({"content": letters})


def routes() -> list[Route]:
    return [
        (cls.path, cls)
        for cls in (
            RulesHandler,
            RuleDeleteHandler,
            DeadLettersHandler,
            RuleItemHandler,
            RuleLogsHandler,
        )
    ]

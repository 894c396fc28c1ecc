"""Opik's manual evaluation: run chosen online evaluation rules on chosen traces now,
whatever the rules' sampling rate."""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..ids import check_v7
from ..schemas import ManualEvaluationRequest
from ..storage.online_rules import Rule
from .base import ApiHandler, Route, operation

BASE = "/v1/private/manual-evaluation"
ENTITY_TYPES = {"traces": "trace", "threads": "thread", "spans": "span"}


class ManualEvaluationHandler(ApiHandler):
    tag = "online-evaluation"
    entity_type = "trace"

    @operation(
        "Queue the chosen rules on the chosen entities, sampling bypassed (202); rules here "
        "score traces, so threads and spans are refused with 400",
        status=202,
        body=ManualEvaluationRequest,
    )
    async def post(self) -> None:
        body = self.body_as(ManualEvaluationRequest)
        if body.entity_type != self.entity_type:
            raise BadRequest(
                f"entity_type: {body.entity_type!r} sent to the {self.entity_type}s route;"
                f" send {self.entity_type!r}"
            )
        if self.entity_type != "trace":
            raise BadRequest(
                f"online evaluation rules here score traces, not {self.entity_type}s: evaluate"
                " the traces instead with POST /v1/private/manual-evaluation/traces"
            )
        project = await self.project(id=body.project_id)
        rules = [
            await self._rule(rule_id, n, project.id) for n, rule_id in enumerate(body.rule_ids)
        ]
        trace_ids = list(
            dict.fromkeys(check_v7(i, f"entity_ids[{n}]") for n, i in enumerate(body.entity_ids))
        )
        await self.blocking(
            self.services.online.publisher.manual, self.workspace, project.id, trace_ids, rules
        )
        self.send_json({"entities_queued": len(trace_ids), "rules_applied": len(rules)}, status=202)

    async def _rule(self, rule_id: str, n: int, project_id: str) -> Rule:
        """The rule, which must be one of this project's (400 otherwise, as in Opik)."""
        try:
            rule = await self.blocking(
                self.services.rules.get, self.workspace, check_v7(rule_id, f"rule_ids[{n}]")
            )
        except NotFound:
            raise BadRequest(f"rule_ids[{n}]: no online evaluation rule {rule_id}") from None
        if rule.project_id != project_id:
            raise BadRequest(f"rule_ids[{n}]: rule {rule_id} belongs to another project")
        return rule


def routes() -> list[Route]:
    made: list[Route] = []
    for suffix, entity_type in ENTITY_TYPES.items():
        path = f"{BASE}/{suffix}"
        name = f"Manual{entity_type.title()}EvaluationHandler"
        made.append(
            (
                path,
                type(name, (ManualEvaluationHandler,), {"path": path, "entity_type": entity_type}),
            )
        )
    return made

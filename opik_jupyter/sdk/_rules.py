"""Online evaluation rules from the notebook: score new traces as they arrive.

A rule is either an LLM judge (a prompt with ``{{variables}}`` read from the trace) or a
Python metric (a function ``score(**arguments)``, sent as source and run by the backend in
a separate, limited process). Scores appear on the traces with ``source="online_scoring"``.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._client import Client, FilterArg
from ._filter_strings import as_filters

RULES = "v1/private/automations/evaluators"


def add_online_rule(
    name: str,
    *,
    metric: Callable[..., Any] | str | None = None,
    arguments: Mapping[str, str] | None = None,
    judge_prompt: str | None = None,
    variables: Mapping[str, str] | None = None,
    scores: Sequence[str | Mapping[str, str]] = (),
    model: str = "gpt-4o-mini",
    judge_base_url: str | None = None,
    project: str | None = None,
    sampling_rate: float = 1.0,
    filters: FilterArg = None,
    enabled: bool = True,
    client: Client | None = None,
) -> dict[str, Any]:
    """Create a rule; give either ``metric`` (with ``arguments``) or ``judge_prompt``.

    ``arguments``/``variables`` map names to paths in the trace (``"output.answer"``,
    ``"input.messages[0].content"``). A metric function must be named ``score`` or is
    renamed; it runs in the backend, so it may only use what the backend can import.
    Raises ``HttpStatusError`` with the backend's message when the rule is refused.
    """
    if (metric is None) == (judge_prompt is None):
        raise ValueError("give either metric= (a Python metric) or judge_prompt= (an LLM judge)")
    client = client or Client()
    body: dict[str, Any] = {
        "name": name,
        "project_name": project or client.project,
        "sampling_rate": sampling_rate,
        "enabled": enabled,
        "filters": as_filters(filters) if filters else [],
    }
    if metric is not None:
        body.update(
            type="user_defined_metric_python",
            code={"metric": _source(metric), "arguments": dict(arguments or {})},
        )
    else:
        body.update(
            type="llm_as_judge",
            code=_judge_code(
                judge_prompt or "", variables, scores or [name], model, judge_base_url
            ),
        )
    created: dict[str, Any] = client.json("POST", RULES, body)
    return created


def list_online_rules(
    project: str | None = None, client: Client | None = None
) -> list[dict[str, Any]]:
    """The rules of a project (the SDK's current project by default)."""
    client = client or Client()
    found = client.json("POST", "v1/private/projects/retrieve", {"name": project or client.project})
    if found is None:
        return []
    return [rule for page in client.pages(RULES, {"project_id": found["id"]}) for rule in page]


def set_online_rule_enabled(rule_id: str, enabled: bool, client: Client | None = None) -> None:
    (client or Client()).json("PATCH", f"{RULES}/{rule_id}", {"enabled": enabled})


def delete_online_rule(rule_id: str, client: Client | None = None) -> None:
    (client or Client()).json("DELETE", f"{RULES}/{rule_id}")


def online_rule_errors(rule_id: str, client: Client | None = None) -> list[dict[str, Any]]:
    """Traces the rule gave up on (after its retries), newest first, with the reason."""
    logs = (client or Client()).json("GET", f"{RULES}/{rule_id}/logs")
    return list(logs["content"]) if logs else []


def _source(metric: Callable[..., Any] | str) -> str:
    if isinstance(metric, str):
        return metric
    source = textwrap.dedent(inspect.getsource(metric))
    if metric.__name__ != "score":
        source += f"\n\nscore = {metric.__name__}\n"
    return source


def _judge_code(
    prompt: str,
    variables: Mapping[str, str] | None,
    scores: Sequence[str | Mapping[str, str]],
    model: str,
    base_url: str | None,
) -> dict[str, Any]:
    schema = [{"name": s, "type": "DOUBLE"} if isinstance(s, str) else dict(s) for s in scores]
    return {
        "model": {"name": model, "base_url": base_url},
        "messages": [{"role": "USER", "content": prompt}],
        "variables": dict(variables or {}),
        "schema": schema,
    }

"""Turning a rule and a trace into scores: an LLM judge, or a Python metric."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..schemas import JudgeCode, PythonCode
from ..storage.online_rules import Rule
from .egress import EgressRefused, Endpoint, JudgeEndpoints, post_json
from .sandbox import MetricFailed, check_allowed, run_metric

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.\[\]-]+)\s*\}\}")
_ROLES = {"SYSTEM": "system", "USER": "user", "AI": "assistant", "ASSISTANT": "assistant"}


class ScoringFailed(Exception):
    """A rule could not score a trace; the message is what the dead-letter list shows."""


@dataclass(frozen=True)
class Score:
    name: str
    value: float
    reason: str = ""


@dataclass(frozen=True)
class ScoringSettings:
    judge_api_key: str
    metric_timeout: float
    metric_memory_mb: int
    allow_unsandboxed_metrics: bool = False
    judges: JudgeEndpoints = field(default_factory=JudgeEndpoints)

    def vet(self, kind: str, code: dict[str, Any]) -> None:
        """4xx if this server will not run a rule of ``kind`` with ``code``."""
        if kind == "user_defined_metric_python":
            check_allowed(self.allow_unsandboxed_metrics)
        elif isinstance(code.get("model"), dict):
            self.judges.vet(code["model"].get("base_url"))


def resolve(trace: dict[str, Any], path: str) -> Any:
    """``output.answer`` or ``input.messages[0].content`` read from a trace's fields."""
    value: Any = trace
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            raise ScoringFailed(f"the trace has no {path!r}") from None
    return value


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def score(rule: Rule, trace: dict[str, Any], settings: ScoringSettings) -> list[Score]:
    scorer = rule.scorer()
    if isinstance(scorer, JudgeCode):
        return _judge(scorer, trace, settings)
    return _python(rule, scorer, trace, settings)


def _judge(code: JudgeCode, trace: dict[str, Any], settings: ScoringSettings) -> list[Score]:
    values = {name: _as_text(resolve(trace, path)) for name, path in code.variables.items()}
    messages = [
        {
            "role": _ROLES[m.role.upper()],
            "content": _PLACEHOLDER.sub(lambda g: values.get(g[1], g[0]), m.content),
        }
        for m in code.messages
    ]
    try:
        endpoint = settings.judges.endpoint(code.model.base_url)
    except EgressRefused as exc:
        raise ScoringFailed(str(exc)) from None
    reply = _chat(
        endpoint,
        settings.judge_api_key,
        {
            "model": code.model.name,
            "messages": messages,
            "temperature": code.model.temperature,
            "seed": code.model.seed,
            "response_format": {"type": "json_object"},
        },
    )
    return _parse_judgement(reply, code)


def _chat(endpoint: Endpoint, api_key: str, body: dict[str, Any]) -> str:
    headers = {"Content-Type": "application/json"}
    if endpoint.with_key and api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    data = json.dumps({k: v for k, v in body.items() if v is not None}).encode()
    try:
        raw = post_json(endpoint.base_url + "/chat/completions", data, headers, timeout=120)
        answer = json.loads(raw)
        return str(answer["choices"][0]["message"]["content"])
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ScoringFailed(f"the judge at {endpoint.base_url} failed: {exc}") from exc


def _parse_judgement(reply: str, code: JudgeCode) -> list[Score]:
    text = reply.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    try:
        verdict = json.loads(text)
    except ValueError:
        raise ScoringFailed(f"the judge did not answer JSON: {reply[:200]!r}") from None
    if not isinstance(verdict, dict):
        raise ScoringFailed(f"the judge answered {type(verdict).__name__}, not an object")
    return [_typed(verdict, item.name, item.type) for item in code.scores]


def _typed(verdict: dict[str, Any], name: str, kind: str) -> Score:
    entry = verdict.get(name)
    if entry is None:
        raise ScoringFailed(f"the judge gave no {name!r} (answer keys: {sorted(verdict)})")
    value, reason = (
        (entry.get("score", entry.get("value")), entry.get("reason", ""))
        if isinstance(entry, dict)
        else (entry, "")
    )
    if value is None:
        raise ScoringFailed(f"the judge's {name!r} is None, not a {kind}")
    try:
        number = float(value) if kind != "BOOLEAN" else float(bool(value) and value != "false")
    except (TypeError, ValueError):
        raise ScoringFailed(f"the judge's {name!r} is {value!r}, not a {kind}") from None
    return Score(name, round(number) if kind == "INTEGER" else number, str(reason))


def _python(
    rule: Rule, code: PythonCode, trace: dict[str, Any], settings: ScoringSettings
) -> list[Score]:
    arguments = {name: resolve(trace, path) for name, path in code.arguments.items()}
    try:
        result = run_metric(
            code.metric,
            arguments,
            settings.metric_timeout,
            settings.metric_memory_mb,
            settings.allow_unsandboxed_metrics,
        )
    except MetricFailed as exc:
        raise ScoringFailed(str(exc)) from exc
    return [
        _as_score(item, rule.name) for item in (result if isinstance(result, list) else [result])
    ]


def _as_score(item: Any, default_name: str) -> Score:
    if isinstance(item, bool | int | float):
        return Score(default_name, float(item))
    if isinstance(item, dict) and isinstance(item.get("value"), bool | int | float):
        return Score(
            str(item.get("name") or default_name),
            float(item["value"]),
            str(item.get("reason") or ""),
        )
    raise ScoringFailed(
        f"the metric returned {item!r}; return a number, "
        "{'value': .., 'name': .., 'reason': ..} or a list of them"
    )

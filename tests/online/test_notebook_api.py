"""Rules from Python: add_online_rule with a metric function or a judge prompt."""

from __future__ import annotations

import json

import httpx
import pytest

from opik_jupyter import (
    Client,
    add_online_rule,
    delete_online_rule,
    list_online_rules,
    online_rule_errors,
    set_online_rule_enabled,
)
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.builders import trace
from tests.testlib.waiting import wait_for


def answer_length(answer):
    return {"value": min(len(answer) / 20, 1.0), "reason": f"{len(answer)} characters"}


@pytest.fixture
def client(scoring_backend, workspace: str) -> Client:
    return Client(url=scoring_backend.url, workspace=workspace, project="notebook-rules")


def scores(api: httpx.Client, trace_id: str) -> list[dict]:
    return api.get(f"v1/private/traces/{trace_id}").json().get("feedback_scores", [])


def test_a_metric_function_becomes_a_rule_that_scores(
    client: Client, scoring_api: httpx.Client
) -> None:
    rule = add_online_rule(
        "length", metric=answer_length, arguments={"answer": "output.answer"}, client=client
    )
    assert [r["name"] for r in list_online_rules(client=client)] == ["length"]
    body = trace("notebook-rules", output={"answer": "ten chars!"})
    scoring_api.post("v1/private/traces/batch", json={"traces": [body]})
    (score,) = wait_for(
        lambda: scores(scoring_api, body["id"]), interval=0.1, what="the metric's score"
    )
    assert (score["name"], score["value"], score["reason"]) == ("length", 0.5, "10 characters")
    set_online_rule_enabled(rule["id"], False, client=client)
    assert list_online_rules(client=client)[0]["enabled"] is False
    delete_online_rule(rule["id"], client=client)
    assert list_online_rules(client=client) == []


def test_a_judge_prompt_rule_and_its_errors(
    client: Client, scoring_api: httpx.Client, judge: FakeLLMServer
) -> None:
    judge.replies = lambda request: json.dumps({"polite": {"score": True, "reason": "yes"}})
    add_online_rule(
        "polite",
        judge_prompt="Is this polite? {{text}}",
        variables={"text": "output"},
        scores=[{"name": "polite", "type": "BOOLEAN"}],
        client=client,
    )
    body = trace("notebook-rules", output={"text": "thank you"})
    scoring_api.post("v1/private/traces/batch", json={"traces": [body]})
    (score,) = wait_for(
        lambda: scores(scoring_api, body["id"]), interval=0.1, what="the judge's score"
    )
    assert (score["name"], score["value"]) == ("polite", 1.0)
    assert "thank you" in judge.requests[-1].body["messages"][0]["content"]

    judge.replies = lambda request: "no JSON here"
    broken = add_online_rule(
        "broken", judge_prompt="{{text}}", variables={"text": "output"}, client=client
    )
    scoring_api.post(
        "v1/private/traces/batch", json={"traces": [trace("notebook-rules", output={"text": "hm"})]}
    )
    errors = wait_for(
        lambda: online_rule_errors(broken["id"], client=client),
        interval=0.1,
        what="the broken rule's error",
    )
    assert "did not answer JSON" in errors[0]["message"]


def test_a_rule_needs_a_metric_or_a_prompt(client: Client) -> None:
    with pytest.raises(ValueError, match="either metric="):
        add_online_rule("nothing", client=client)

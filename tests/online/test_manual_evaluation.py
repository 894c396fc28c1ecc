"""``POST /manual-evaluation/traces|threads|spans``: chosen rules run on chosen traces now,
whatever their sampling rate; bad requests are refused naming the problem."""

from __future__ import annotations

import json

import httpx
import pytest

from opik_jupyter.testing import FakeLLMServer
from tests.testlib.builders import new_id, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.online_rules import judge_rule
from tests.testlib.rest import assert_error
from tests.testlib.waiting import wait_for

RULES = "v1/private/automations/evaluators"
MANUAL = "v1/private/manual-evaluation"


@pytest.fixture(autouse=True)
def helpful_judge(judge: FakeLLMServer) -> None:
    judge.replies = lambda request: json.dumps({"helpfulness": {"score": 0.6, "reason": "ok"}})


def scores_of(api: httpx.Client, trace_id: str) -> list[dict]:
    return list(api.get(f"v1/private/traces/{trace_id}").json().get("feedback_scores", []))


def unsampled_rule(api: httpx.Client, project: str) -> dict:
    """A judge rule with sampling rate 0: it never scores a trace by itself."""
    response = api.post(RULES, json=judge_rule(project, sampling_rate=0.0))
    assert response.status_code == 201, response.text
    return dict(response.json())


def logged(api: httpx.Client, project: str, question: str) -> dict:
    body = trace(project, input={"question": question}, output={"answer": "4"})
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    return body


def test_manual_evaluation_scores_the_chosen_traces_only(scoring_api: httpx.Client) -> None:
    rule = unsampled_rule(scoring_api, "manual")
    chosen, other = logged(scoring_api, "manual", "2+2?"), logged(scoring_api, "manual", "3+1?")
    request = {
        "project_id": rule["project_id"],
        "entity_ids": [chosen["id"], chosen["id"]],
        "rule_ids": [rule["id"]],
        "entity_type": "trace",
    }
    answer = scoring_api.post(f"{MANUAL}/traces", json=request)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"entities_queued": 1, "rules_applied": 1}
    (score,) = wait_for(lambda: scores_of(scoring_api, chosen["id"]), what="the manual score")
    assert (score["name"], score["value"], score["source"]) == (
        "helpfulness",
        0.6,
        "online_scoring",
    )
    assert scores_of(scoring_api, other["id"]) == []  # sampling 0: never scored by itself


def test_manual_evaluation_bad_requests(scoring_api: httpx.Client) -> None:
    rule = unsampled_rule(scoring_api, "manual-bad")
    elsewhere = unsampled_rule(scoring_api, "manual-elsewhere")
    good = {
        "project_id": rule["project_id"],
        "entity_ids": [new_id()],
        "rule_ids": [rule["id"]],
        "entity_type": "trace",
    }
    url = f"{MANUAL}/traces"
    assert_error(scoring_api.post(url, json={**good, "rule_ids": []}), 422, "rule_ids")
    assert_error(scoring_api.post(url, json={**good, "entity_ids": []}), 422, "entity_ids")
    assert_error(scoring_api.post(url, json={**good, "rule_ids": [new_id()]}), 400, "rule_ids[0]")
    assert_error(
        scoring_api.post(url, json={**good, "rule_ids": [elsewhere["id"]]}), 400, "another project"
    )
    assert_error(scoring_api.post(url, json={**good, "entity_ids": ["x"]}), 400, "entity_ids[0]")
    assert_error(scoring_api.post(url, json={**good, "project_id": new_id()}), 404, "project")
    assert_error(scoring_api.post(url, json={**good, "entity_type": "span"}), 400, "entity_type")
    for kind in ("threads", "spans"):
        body = {**good, "entity_type": kind[:-1]}
        assert_error(scoring_api.post(f"{MANUAL}/{kind}", json=body), 400, "score traces")


@pytest.mark.slow
def test_official_sdk_requests_a_manual_evaluation(
    scoring_backend, scoring_api: httpx.Client, workspace: str
) -> None:
    """Opik's generated REST client sends the request and parses the 202 answer."""
    rule = unsampled_rule(scoring_api, "manual-sdk")
    chosen = logged(scoring_api, "manual-sdk", "1+1?")
    found = run_sdk(
        scoring_backend,
        workspace,
        "manual-sdk",
        f"""
        answer = opik.Opik().rest_client.manual_evaluation.evaluate_traces(
            project_id="{rule["project_id"]}", entity_ids=["{chosen["id"]}"],
            rule_ids=["{rule["id"]}"], entity_type="trace")
        print(json.dumps([answer.entities_queued, answer.rules_applied]))
        """,
    )
    assert found == [1, 1]
    wait_for(lambda: scores_of(scoring_api, chosen["id"]), what="the manual score")

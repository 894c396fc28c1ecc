"""Online evaluation rules: the REST resource, and scores appearing on new traces."""

from __future__ import annotations

import json

import httpx
import pytest

from opik_backend.online.workers import sampled as in_sample
from opik_backend.storage.online_rules import Rule
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.builders import trace
from tests.testlib.online_rules import judge_rule, python_rule
from tests.testlib.waiting import wait_for

RULES = "v1/private/automations/evaluators"


def scores_of(api: httpx.Client, trace_id: str) -> list[dict]:
    response = api.get(f"v1/private/traces/{trace_id}")
    return response.json().get("feedback_scores", []) if response.status_code == 200 else []


def create(api: httpx.Client, body: dict) -> dict:
    response = api.post(RULES, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def send(api: httpx.Client, *bodies: dict) -> None:
    assert api.post("v1/private/traces/batch", json={"traces": list(bodies)}).status_code == 204


@pytest.fixture(autouse=True)
def helpful_judge(judge: FakeLLMServer) -> None:
    judge.requests.clear()
    judge.replies = lambda request: json.dumps(
        {"helpfulness": {"score": 0.8, "reason": "it answers"}}
    )


def test_rule_crud(scoring_api: httpx.Client) -> None:
    rule = create(scoring_api, judge_rule("crud", sampling_rate=0.5))
    assert rule["sampling_rate"] == 0.5
    assert rule["enabled"] is True
    assert scoring_api.get(f"{RULES}/{rule['id']}").json()["name"] == "helpfulness"
    assert scoring_api.patch(f"{RULES}/{rule['id']}", json={"enabled": False}).status_code == 204
    assert scoring_api.get(f"{RULES}/{rule['id']}").json()["enabled"] is False
    listed = scoring_api.get(RULES, params={"project_id": rule["project_id"]}).json()
    assert [r["id"] for r in listed["content"]] == [rule["id"]]
    assert scoring_api.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert scoring_api.get(f"{RULES}/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"type": "span_llm_as_judge"}, 422, "type"),
        ({"code": {"model": {"name": "m"}, "messages": []}}, 422, "code"),
        ({"sampling_rate": 1.5}, 422, "sampling_rate"),
        ({"filters": [{"field": "nope", "operator": "=", "value": "x"}]}, 400, "unknown field"),
    ],
)
def test_bad_rules_are_refused_naming_the_problem(
    scoring_api: httpx.Client, change: dict, status: int, words: str
) -> None:
    response = scoring_api.post(RULES, json=judge_rule("bad", **change))
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    assert scoring_api.get(RULES).json()["total"] == 0


def test_a_judge_rule_scores_complete_traces_once(
    scoring_api: httpx.Client, judge: FakeLLMServer
) -> None:
    create(scoring_api, judge_rule("judged"))
    done = trace("judged", input={"question": "2+2?"}, output={"answer": "4"})
    running = trace("judged", end_time=None, input={"question": "still going"})
    send(scoring_api, done, running)
    send(scoring_api, {**done, "last_updated_at": "2026-11-26T12:00:05Z"})  # a second write
    (score,) = wait_for(lambda: scores_of(scoring_api, done["id"]), interval=0.1, what="the score")
    assert score["name"] == "helpfulness"
    assert score["value"] == 0.8
    assert score["reason"] == "it answers"
    assert score["source"] == "online_scoring"
    assert score["created_by"] == "online_scoring:helpfulness"
    prompts = [
        r.body["messages"][0]["content"] for r in judge.requests if "2+2?" in json.dumps(r.body)
    ]
    assert prompts == ["Question: 2+2?\nAnswer: 4\nReply JSON."]
    assert scores_of(scoring_api, running["id"]) == []


def test_filters_narrow_the_traces_scored(scoring_api: httpx.Client) -> None:
    create(
        scoring_api,
        judge_rule(
            "filtered", filters=[{"field": "tags", "operator": "contains", "value": "prod"}]
        ),
    )
    kept, skipped = (
        trace("filtered", tags=["prod"], output={"answer": "a"}, input={"question": "q"}),
        trace("filtered", tags=["dev"], output={"answer": "b"}, input={"question": "q"}),
    )
    send(scoring_api, skipped, kept)
    wait_for(
        lambda: scores_of(scoring_api, kept["id"]), interval=0.1, what="the kept trace's score"
    )
    assert scores_of(scoring_api, skipped["id"]) == []


def test_sampling_is_deterministic_and_close_to_the_rate(
    scoring_backend, scoring_api: httpx.Client
) -> None:
    rule = create(scoring_api, judge_rule("sampled", sampling_rate=0.3))
    bodies = [
        trace("sampled", input={"question": f"q{i}"}, output={"answer": "a"}) for i in range(1000)
    ]
    for start in range(0, 1000, 250):
        send(scoring_api, *bodies[start : start + 250])
    filters = json.dumps(
        [{"field": "feedback_scores", "key": "helpfulness", "operator": "is_not_empty"}]
    )

    def scored() -> int:
        return scoring_api.get(
            "v1/private/traces", params={"project_name": "sampled", "filters": filters, "size": 1}
        ).json()["total"]

    stored = scoring_backend.services.rules.get(scoring_api.headers["Comet-Workspace"], rule["id"])
    assert isinstance(stored, Rule)
    expected = sum(in_sample(stored, b["id"]) for b in bodies)
    assert 250 <= expected <= 350
    wait_for(lambda: scored() == expected, timeout=120, interval=0.1, what=f"{expected} scores")


def test_malformed_judge_output_goes_to_the_dead_letters_with_the_reason(
    scoring_api: httpx.Client, judge: FakeLLMServer
) -> None:
    judge.replies = lambda request: "I think it is quite good, maybe 7/10"
    rule = create(scoring_api, judge_rule("malformed"))
    body = trace("malformed", input={"question": "q"}, output={"answer": "a"})
    send(scoring_api, body)
    logs = wait_for(
        lambda: scoring_api.get(f"{RULES}/{rule['id']}/logs").json()["content"],
        interval=0.1,
        what="a dead letter",
    )
    assert logs[0]["trace_id"] == body["id"]
    assert "did not answer JSON" in logs[0]["message"]
    assert logs[0]["deliveries"] == 2
    assert scores_of(scoring_api, body["id"]) == []
    everything = scoring_api.get(f"{RULES}/dead-letters").json()["content"]
    assert [letter["event"]["trace_id"] for letter in everything] == [body["id"]]


def test_a_python_metric_scores_in_its_own_process(scoring_api: httpx.Client) -> None:
    source = (
        "import os\n"
        "def score(answer):\n"
        "    print('some noise the metric prints')\n"
        "    return {'value': len(answer) / 10, 'reason': f'pid {os.getpid()}'}\n"
    )
    create(scoring_api, python_rule("metric", source))
    body = trace("metric", output={"answer": "seven"})
    send(scoring_api, body)
    (score,) = wait_for(
        lambda: scores_of(scoring_api, body["id"]), interval=0.1, what="the metric score"
    )
    assert score["name"] == "length"
    assert score["value"] == 0.5
    assert score["reason"] != f"pid {__import__('os').getpid()}"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def score(answer):\n    while True:\n        pass\n", "longer than 3s"),
        ("def score(answer):\n    return 'not a number'\n", "return a number"),
        ("import os\ndef score(answer):\n    os._exit(3)\n", "exit 3"),
        ("def score(answer):\n    return [0] * 10**9\n", "MemoryError"),
    ],
)
def test_bad_python_metrics_become_dead_letters(
    scoring_api: httpx.Client, source: str, reason: str
) -> None:
    rule = create(scoring_api, python_rule("broken", source))
    send(scoring_api, trace("broken", output={"answer": "x"}))
    logs = wait_for(
        lambda: scoring_api.get(f"{RULES}/{rule['id']}/logs").json()["content"],
        timeout=60,
        interval=0.1,
        what="a dead letter",
    )
    assert reason in logs[0]["message"]

"""``evaluate(..., prompts=[...])``: the experiment records the prompt versions it ran with
(``prompt_versions``, and the templates under ``metadata.prompts`` as Opik does), the prompt
lists the experiment, and anything but prompts is refused before anything is written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import opik_jupyter as oj
from opik_jupyter.evaluation import Dataset, EvaluationInputError, evaluate
from tests.testlib.evaluation import experiment, experiments_of


def test_evaluate_links_the_prompt_versions(
    capitals: Dataset, sdk: oj.Client, api: httpx.Client
) -> None:
    prompt = oj.Prompt("capital-q", "What is the capital of {{country}}?")
    chat = oj.ChatPrompt("capital-chat", [{"role": "user", "content": "{{country}}?"}])

    def task(item: dict[str, Any]) -> str:
        return prompt.format(country=item["input"])

    result = evaluate(
        capitals, task, experiment_name="with-prompts", prompts=[prompt, chat], progress=False
    )
    found = experiment(api, result.experiment_id)
    assert [
        (v["prompt_version_id"], v["commit"], v["prompt_name"]) for v in found["prompt_versions"]
    ] == [
        (prompt.version_id, prompt.commit, "capital-q"),
        (chat.version_id, chat.commit, "capital-chat"),
    ]
    assert found["metadata"]["prompts"] == {
        "capital-q": "What is the capital of {{country}}?",
        "capital-chat": [{"role": "user", "content": "{{country}}?"}],
    }
    used = prompt.experiments()
    assert [(e["id"], e["commit"]) for e in used] == [(result.experiment_id, prompt.commit)]


def test_evaluate_refuses_what_is_not_a_prompt(
    capitals: Dataset, sdk: oj.Client, api: httpx.Client
) -> None:
    with pytest.raises(EvaluationInputError, match=r"prompts\[0\] is a str"):
        evaluate(capitals, lambda item: "x", prompts=["not a prompt"], progress=False)
    assert experiments_of(api, capitals) == []

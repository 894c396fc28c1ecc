"""The official ``opik`` SDK's prompt library against our backend: text and chat prompts,
versions and commits, history, search, version tags, and experiments with prompt versions."""

from __future__ import annotations

import httpx
import pytest

from tests.testlib.official_sdk import run_sdk

pytestmark = pytest.mark.slow


def test_text_prompt_versions_commits_and_history(backend, workspace: str) -> None:
    result = run_sdk(
        backend,
        workspace,
        "sdk-prompts",
        """
        client = opik.Opik()
        v1 = client.create_prompt(name="greet", prompt="Hi {{name}}", metadata={"v": 1})
        same = client.create_prompt(name="greet", prompt="Hi {{name}}", metadata={"v": 1})
        v2 = client.create_prompt(name="greet", prompt="Hello {{name}}", type="jinja2")
        latest = client.get_prompt("greet")
        old = client.get_prompt("greet", commit=v1.commit)
        history = client.get_prompt_history("greet")
        missing = client.get_prompt("no-such-prompt")
        print(json.dumps({
            "same_commit": same.commit == v1.commit,
            "commits": [v1.commit, v2.commit],
            "latest": [latest.commit, latest.prompt, str(latest.type)],
            "old": [old.commit, old.prompt, old.metadata],
            "history": sorted(p.commit for p in history),
            "missing": missing is None,
            "formatted": old.format(name="Ada"),
        }))
        """,
    )
    v1, v2 = result["commits"]
    assert result["same_commit"]
    assert v1 != v2
    assert result["latest"][:2] == [v2, "Hello {{name}}"]
    assert "jinja2" in result["latest"][2].lower()
    assert result["old"] == [v1, "Hi {{name}}", {"v": 1}]
    assert result["history"] == sorted([v1, v2])
    assert result["missing"] is True
    assert result["formatted"] == "Hi Ada"


def test_chat_prompt_search_tags_and_structure(backend, workspace: str) -> None:
    result = run_sdk(
        backend,
        workspace,
        "sdk-chat-prompts",
        """
        client = opik.Opik()
        chat = client.create_chat_prompt(
            name="chat-x",
            messages=[{"role": "system", "content": "Be {{tone}}"},
                      {"role": "user", "content": "{{question}}"}],
            project_name="prompt-proj",
        )
        text = client.create_prompt(name="text-x", prompt="t", project_name="prompt-proj",
                                    tags=["gold"], description="a text prompt")
        mismatch = False
        try:
            client.get_prompt("chat-x")
        except opik.exceptions.PromptTemplateStructureMismatch:
            mismatch = True
        client.get_prompts_client().batch_update_prompt_version_tags(
            version_ids=[chat.version_id], tags=["a"])
        client.get_prompts_client().batch_update_prompt_version_tags(
            version_ids=[chat.version_id], tags=["b"], merge=True)
        history = client.get_chat_prompt_history("chat-x", project_name="prompt-proj")
        chats = client.search_prompts(filter_string='template_structure = "chat"',
                                      project_name="prompt-proj")
        golden = client.search_prompts(filter_string='tags contains "gold"',
                                       project_name="prompt-proj")
        values = {"tone": "brief", "question": "2+2?"}
        print(json.dumps({
            "mismatch": mismatch,
            "formatted": client.get_chat_prompt("chat-x").format(values),
            "tags": sorted(history[0].tags),
            "chats": [p.name for p in chats],
            "golden": [p.name for p in golden],
        }))
        """,
    )
    assert result["mismatch"] is True
    assert result["formatted"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "2+2?"},
    ]
    assert result["tags"] == ["a", "b"]
    assert result["chats"] == ["chat-x"]
    assert result["golden"] == ["text-x"]


def test_experiment_records_prompt_versions(backend, api: httpx.Client, workspace: str) -> None:
    result = run_sdk(
        backend,
        workspace,
        "sdk-prompt-experiment",
        """
        client = opik.Opik()
        prompt = client.create_prompt(name="qa", prompt="Q: {{question}}")
        dataset = client.get_or_create_dataset("prompt-ds")
        dataset.insert([{"question": "2+2"}])
        experiment = client.create_experiment(dataset_name="prompt-ds", name="with-prompt",
                                              prompts=[prompt])
        print(json.dumps({"experiment": experiment.id, "version": prompt.version_id,
                          "prompt": prompt.__internal_api__prompt_id__,
                          "commit": prompt.commit}))
        """,
    )
    found = api.get(f"v1/private/experiments/{result['experiment']}").json()
    assert found["prompt_versions"] == [
        {
            "id": result["version"],
            "prompt_version_id": result["version"],
            "commit": result["commit"],
            "prompt_id": result["prompt"],
            "prompt_name": "qa",
        }
    ]
    assert found["metadata"]["prompts"] == {"qa": "Q: {{question}}"}

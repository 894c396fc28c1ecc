"""The prompt library over REST, on SQLite and on MariaDB: prompts, versions, commits,
search, tags, restore, bad templates, and the experiments that link versions."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

PROMPTS = "v1/private/prompts"


def _version(api: httpx.Client, name: str, template: str, **extra) -> dict:
    body = {"name": name, "version": {"template": template, **extra.pop("version", {})}, **extra}
    response = api.post(f"{PROMPTS}/versions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _name() -> str:
    return f"prompt-{uuid.uuid4().hex[:8]}"


def test_versions_commits_and_retrieve(api: httpx.Client) -> None:
    name = _name()
    first = _version(api, name, "Hello {{name}} from {{place}}", version={"metadata": {"a": 1}})
    second = _version(api, name, "Bye {{name}}", version={"type": "jinja2"})
    assert first["prompt_id"] == second["prompt_id"]
    assert first["commit"] == first["id"][-8:]
    assert second["commit"] != first["commit"]
    assert first["variables"] == ["name", "place"]
    assert first["metadata"] == {"a": 1}
    assert first["template_structure"] == "text"
    assert second["type"] == "jinja2"
    assert second["created_by"] == "admin"

    latest = api.post(f"{PROMPTS}/versions/retrieve", json={"name": name}).json()
    assert latest["id"] == second["id"]
    old = api.post(
        f"{PROMPTS}/versions/retrieve", json={"name": name, "commit": first["commit"]}
    ).json()
    assert old["template"] == "Hello {{name}} from {{place}}"

    prompt = api.get(f"{PROMPTS}/{first['prompt_id']}").json()
    assert prompt["name"] == name
    assert prompt["version_count"] == 2
    assert prompt["latest_version"]["commit"] == second["commit"]
    by_commit = api.get(f"{PROMPTS}/by-commit/{first['commit']}").json()
    assert by_commit["requested_version"]["id"] == first["id"]
    assert api.get(f"{PROMPTS}/versions/{first['id']}").json()["commit"] == first["commit"]

    versions = api.get(f"{PROMPTS}/{first['prompt_id']}/versions").json()
    assert [v["id"] for v in versions["content"]] == [second["id"], first["id"]]
    assert versions["total"] == 2


def test_missing_prompt_and_version_are_404(api: httpx.Client) -> None:
    missing = api.post(f"{PROMPTS}/versions/retrieve", json={"name": "no-such-prompt"})
    assert missing.status_code == 404
    assert "no-such-prompt" in missing.json()["message"]
    name = _name()
    _version(api, name, "x")
    no_commit = api.post(f"{PROMPTS}/versions/retrieve", json={"name": name, "commit": "abcd1234"})
    assert no_commit.status_code == 404
    assert api.get(f"{PROMPTS}/{uuid.uuid4()}").status_code == 404
    assert api.get(f"{PROMPTS}/by-commit/bad").status_code == 400


def test_create_prompt_with_first_version_tags_and_project(api: httpx.Client) -> None:
    name = _name()
    created = api.post(
        PROMPTS,
        json={
            "name": name,
            "template": "Hi {{who}}",
            "description": "greeting",
            "tags": ["prod", "prod", "alpha"],
            "project_name": "prompt-project",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"].endswith(f"/prompts/{body['id']}")
    assert body["tags"] == ["prod", "alpha"]
    assert body["description"] == "greeting"
    assert body["latest_version"]["template"] == "Hi {{who}}"
    project = api.get("v1/private/projects", params={"name": "prompt-project"}).json()
    assert body["project_id"] == project["content"][0]["id"]
    again = api.post(PROMPTS, json={"name": name, "template": "other"})
    assert again.status_code == 409
    assert name in again.json()["message"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"template": "Hi {{name}", "type": "mustache"}, "never closed"),
        ({"template": "{{#items}}x", "type": "mustache"}, "#items"),
        ({"template": "{% if x %}", "type": "jinja2"}, "jinja2 syntax error"),
        ({"template": "Hi", "type": "handlebars"}, "handlebars"),
        ({"template": "not json", "template_structure": "chat"}, "must be JSON"),
        ({"template": '[{"content": "x"}]', "template_structure": "chat"}, "role"),
        ({"template": "Hi", "template_structure": "slides"}, "slides"),
    ],
)
def test_bad_templates_are_422_and_write_nothing(api: httpx.Client, body: dict, named: str) -> None:
    name = _name()
    response = api.post(PROMPTS, json={"name": name, **body})
    assert response.status_code == 422, response.text
    assert named in response.json()["message"]
    version_body = {k: v for k, v in body.items() if k != "template_structure"}
    structure = body.get("template_structure", "text")
    response = api.post(
        f"{PROMPTS}/versions",
        json={"name": name, "version": version_body, "template_structure": structure},
    )
    assert response.status_code == 422
    assert api.get(PROMPTS, params={"name": name}).json()["total"] == 0


def test_chat_prompt_structure_is_fixed(api: httpx.Client) -> None:
    name = _name()
    messages = json.dumps([{"role": "user", "content": "Hi {{name}}"}])
    chat = _version(api, name, messages, template_structure="chat")
    assert chat["template_structure"] == "chat"
    assert chat["variables"] == ["name"]
    # a later version keeps the prompt's structure: plain text is not a list of messages
    response = api.post(
        f"{PROMPTS}/versions",
        json={"name": name, "version": {"template": "plain"}, "template_structure": "text"},
    )
    assert response.status_code == 422


def test_search_filters_and_sorting(api: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:6]
    a, b = f"alpha-{tag}", f"beta-{tag}"
    first = _version(api, a, "one")
    _version(api, a, "two")
    second = _version(api, b, json.dumps([]), template_structure="chat")
    api.put(f"{PROMPTS}/{second['prompt_id']}", json={"name": b, "tags": ["gold"]})

    def names(**params) -> list[str]:
        page = api.get(PROMPTS, params=params)
        assert page.status_code == 200, page.text
        return [p["name"] for p in page.json()["content"]]

    assert set(names(name=tag)) == {a, b}
    flt = [{"field": "tags", "operator": "contains", "value": "gold"}]
    assert names(name=tag, filters=json.dumps(flt)) == [b]
    flt = [{"field": "template_structure", "operator": "=", "value": "text"}]
    assert names(name=tag, filters=json.dumps(flt)) == [a]
    flt = [{"field": "version_count", "operator": ">", "value": "1"}]
    assert names(name=tag, filters=json.dumps(flt)) == [a]
    assert names(name=tag, sorting=json.dumps([{"field": "name", "direction": "ASC"}])) == [a, b]
    bad = api.get(PROMPTS, params={"filters": json.dumps([{"field": "x", "operator": "="}])})
    assert bad.status_code == 400
    assert "'x'" in bad.json()["message"]
    versions = api.get(f"{PROMPTS}/{first['prompt_id']}/versions", params={"search": "TWO"})
    assert [v["template"] for v in versions.json()["content"]] == ["two"]


def test_version_tags_replace_merge_and_keep(api: httpx.Client) -> None:
    name = _name()
    one, two = _version(api, name, "1"), _version(api, name, "2")
    assert one["tags"] is None  # none set yet: null, as Opik answers
    ids = [one["id"], two["id"]]

    def patch(tags, merge=None) -> None:
        body = {"ids": ids, "update": {"tags": tags}, "merge_tags": merge}
        assert api.patch(f"{PROMPTS}/versions", json=body).status_code == 204

    def tags() -> list[set[str]]:
        return [set(api.get(f"{PROMPTS}/versions/{i}").json()["tags"]) for i in ids]

    patch(["a"])
    patch(["b"], merge=True)
    assert tags() == [{"a", "b"}, {"a", "b"}]
    patch(None)
    assert tags() == [{"a", "b"}, {"a", "b"}]
    patch(["c"], merge=False)
    assert tags() == [{"c"}, {"c"}]
    patch([])
    assert tags() == [set(), set()]
    flt = json.dumps([{"field": "tags", "operator": "contains", "value": "c"}])
    assert (
        api.get(f"{PROMPTS}/{one['prompt_id']}/versions", params={"filters": flt}).json()["total"]
        == 0
    )


def test_restore_update_and_delete(api: httpx.Client) -> None:
    name = _name()
    first = _version(api, name, "first")
    _version(api, name, "second")
    restored = api.post(f"{PROMPTS}/{first['prompt_id']}/versions/{first['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["template"] == "first"
    assert restored.json()["change_description"] == f"Restored from version {first['commit']}"
    renamed = f"{name}-renamed"
    assert api.put(f"{PROMPTS}/{first['prompt_id']}", json={"name": renamed}).status_code == 204
    assert api.post(f"{PROMPTS}/versions/retrieve", json={"name": renamed}).status_code == 200
    assert api.delete(f"{PROMPTS}/{first['prompt_id']}").status_code == 204
    assert api.get(f"{PROMPTS}/versions/{first['id']}").status_code == 404
    assert api.delete(f"{PROMPTS}/{first['prompt_id']}").status_code == 404


def test_experiments_link_prompt_versions(api: httpx.Client) -> None:
    name = _name()
    version = _version(api, name, "Answer {{q}}")
    dataset = f"ds-{uuid.uuid4().hex[:6]}"
    assert api.post("v1/private/datasets", json={"name": dataset}).status_code == 201
    experiment_id = "0190a0a0-0000-7000-8000-" + uuid.uuid4().hex[:12]
    created = api.post(
        "v1/private/experiments",
        json={
            "id": experiment_id,
            "dataset_name": dataset,
            "name": "uses-prompt",
            "prompt_versions": [{"id": version["id"]}],
        },
    )
    assert created.status_code == 201, created.text
    expected = {
        "id": version["id"],
        "prompt_version_id": version["id"],
        "commit": version["commit"],
        "prompt_id": version["prompt_id"],
        "prompt_name": name,
    }
    assert api.get(f"v1/private/experiments/{experiment_id}").json()["prompt_versions"] == [
        expected
    ]
    listed = api.get("v1/private/experiments", params={"name": "uses-prompt"}).json()
    assert listed["content"][0]["prompt_versions"] == [expected]
    used = api.get(f"{PROMPTS}/{version['prompt_id']}/experiments").json()["content"]
    assert [(e["id"], e["prompt_version_id"]) for e in used] == [(experiment_id, version["id"])]

    unknown = api.post(
        "v1/private/experiments",
        json={"dataset_name": dataset, "prompt_versions": [{"id": str(uuid.uuid4())}]},
    )
    assert unknown.status_code == 409
    assert "prompt versions not found" in unknown.text
    assert api.get("v1/private/experiments", params={"name": "experiment-"}).json()["total"] == 0

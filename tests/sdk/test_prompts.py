"""``oj.Prompt``, ``oj.ChatPrompt`` and ``oj.get_prompt`` against the real backend (SQLite
and MariaDB): create or fetch, versions and commits, formatting both template types, the
history DataFrame, bad input, and the prompt recorded on the span that formats it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import opik_jupyter as oj
from tests.testlib.backends import RunningBackend
from tests.testlib.waiting import wait_for


@pytest.fixture
def sdk(backend: RunningBackend, workspace: str) -> Iterator[oj.Client]:
    oj.configure(url=backend.url, workspace=workspace, project="prompts", flush_interval=0.05)
    client = oj.Client()
    yield client
    client.close()


def test_prompt_create_fetch_and_versions(sdk: oj.Client) -> None:
    first = oj.Prompt("greet", "Hello {{name}} from {{place}}", metadata={"team": "a"})
    assert first.commit == first.version_id[-8:]
    assert first.variables == ["name", "place"]
    assert oj.Prompt("greet", "Hello {{name}} from {{place}}", metadata={"team": "a"}).commit == (
        first.commit
    )
    second = oj.Prompt("greet", "Hi {{ name }}!", type="jinja2", change_description="shorter")
    assert second.commit != first.commit
    assert second.prompt_id == first.prompt_id
    assert oj.Prompt("greet").commit == second.commit  # fetch the latest

    fetched = oj.get_prompt("greet", commit=first.commit)
    assert isinstance(fetched, oj.Prompt)
    assert fetched.template_text == first.template_text
    assert fetched.format(name="Ada", place="London") == "Hello Ada from London"
    assert second.format(name="Ada") == "Hi Ada!"
    assert oj.get_prompt("no-such-prompt") is None

    assert [v.commit for v in first.versions()] == [second.commit, first.commit]
    history = first.history()
    assert list(history["commit"]) == [second.commit, first.commit]
    assert list(history["type"]) == ["jinja2", "mustache"]
    assert history["change_description"].iloc[0] == "shorter"
    assert str(history["created_at"].dtype).startswith("datetime64")


def test_mustache_sections_and_format_errors(sdk: oj.Client) -> None:
    prompt = oj.Prompt("listing", "{{#items}}- {{name}}\n{{/items}}{{^items}}none{{/items}}")
    assert prompt.format(items=[{"name": "a"}, {"name": "b"}]) == "- a\n- b\n"
    assert prompt.format(items=[]) == "none"
    with pytest.raises(oj.TemplateError, match="missing the template's variables: items"):
        prompt.format()
    with pytest.raises(oj.TemplateError, match="does not use: colour"):
        prompt.format(items=[], colour="red")


@pytest.mark.parametrize(
    ("template", "kind", "message"),
    [
        ("Hi {{name}", "mustache", "never closed"),
        ("{{#open}}x", "mustache", "never closed"),
        ("{% for x in %}", "jinja2", "jinja2 syntax error"),
        ("Hi", "handlebars", "unknown template type 'handlebars'"),
    ],
)
def test_bad_templates_raise_and_write_nothing(
    sdk: oj.Client, api: httpx.Client, template: str, kind: str, message: str
) -> None:
    with pytest.raises(oj.TemplateError, match=message):
        oj.Prompt("broken", template, type=kind)
    assert api.get("v1/private/prompts", params={"name": "broken"}).json()["total"] == 0
    with pytest.raises(oj.PromptNotFound, match="'broken'"):
        oj.Prompt("broken")


def test_chat_prompt_format_and_structure(sdk: oj.Client) -> None:
    messages = [
        {"role": "system", "content": "You are {{tone}}."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe {{thing}}"},
                {"type": "image_url", "image_url": {"url": "{{url}}"}},
            ],
        },
    ]
    chat = oj.ChatPrompt("assistant", messages)
    assert chat.variables == ["tone", "thing", "url"]
    assert chat.format(tone="terse", thing="a cat", url="http://x/cat.png") == [
        {"role": "system", "content": "You are terse."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe a cat"},
                {"type": "image_url", "image_url": {"url": "http://x/cat.png"}},
            ],
        },
    ]
    assert isinstance(oj.get_prompt("assistant"), oj.ChatPrompt)
    with pytest.raises(oj.TemplateError, match="chat prompt; use ChatPrompt"):
        oj.Prompt("assistant")
    with pytest.raises(oj.TemplateError, match="missing tone"):
        chat.format(thing="x", url="y")
    with pytest.raises(oj.TemplateError, match=r"messages\[0\] needs a 'role'"):
        oj.ChatPrompt("bad-chat", [{"content": "x"}])


def test_format_inside_track_records_the_prompt_on_the_span(sdk: oj.Client) -> None:
    prompt = oj.Prompt("traced", "Answer: {{q}}")

    @oj.track(name="answer")
    def answer(q: str) -> str:
        return prompt.format(q=q)

    assert answer("why?") == "Answer: why?"
    oj.flush()
    spans = wait_for(
        lambda: sdk.search_spans('name = "answer"', project_name="prompts") or None,
        what="the answer span",
    )
    used: list[dict[str, Any]] = spans[0]["metadata"]["opik_prompts"]
    assert used == [
        {
            "name": "traced",
            "id": prompt.prompt_id,
            "template_structure": "text",
            "version": {
                "template": "Answer: {{q}}",
                "commit": prompt.commit,
                "id": prompt.version_id,
            },
        }
    ]

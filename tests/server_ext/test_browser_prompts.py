"""Prompts in Chromium against ``jupyter lab`` (its managed backend): ``%opik_prompt`` shows
the PromptHistory widget, whose diff follows the versions picked; the panel's Prompts
section lists and searches prompts and opens one in a tab with its versions, the diff and
the experiment that used it. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import PANEL, command, run_all_cells, shot, write_cells
from tests.testlib.jupyter import Lab, browser_page

pytestmark = pytest.mark.slow

SETUP = """\
%load_ext opik_jupyter
import opik_jupyter as oj
from opik_jupyter.evaluation import Dataset, Equals

v1 = oj.Prompt("support-reply", "You are a support agent.\\nAnswer {{question}} politely.")
v2 = oj.Prompt("support-reply",
               "You are a support agent for {{product}}.\\nAnswer {{question}} in one line.",
               change_description="name the product, keep it short")
oj.Prompt("release-notes", "Summarise {{changes}}.")
dataset = Dataset("support-questions")
dataset.insert([{"question": "reset password", "expected_output": "Use the link."},
                {"question": "refund", "expected_output": "Within 30 days."}])
oj.evaluate(dataset, lambda item: "Use the link.", [Equals()], experiment_name="short-answers",
            scoring_key_mapping={"reference": "expected_output"}, prompts=[v2],
            display=False, progress=False)"""


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    write_cells(lab.root / "prompts.ipynb", [SETUP, "%opik_prompt support-reply"])
    with browser_page(f"{lab.url}/lab/tree/prompts.ipynb?token={lab.token}") as page:
        yield page


def test_widget__versions_diff_and_experiments(page: Page) -> None:
    run_all_cells(page)
    widget = page.locator(".jp-OutputArea .oj-prompt")
    expect(widget).to_be_visible(timeout=90_000)
    expect(widget.locator(".oj-prompt-version")).to_have_count(2)
    expect(widget.locator(".oj-diff-changed .oj-diff-right").first).to_contain_text(
        "for {{product}}"
    )
    experiment = widget.locator("tr[data-experiment]")
    expect(experiment).to_contain_text("short-answers")
    expect(experiment).to_contain_text("0.50")  # equals_metric: one of the two answers
    shot(page, "prompt-history-widget", ".jp-OutputArea .oj-prompt")
    widget.locator(".oj-prompt-version").nth(1).click()  # the first version on its own
    expect(widget.locator(".oj-diff-summary")).to_have_text("the same version on both sides")


def test_panel__lists_searches_and_opens_a_prompt(page: Page) -> None:
    command(page, "opik-jupyter:open-panel")
    panel = page.locator(PANEL)
    prompts = panel.locator(".oj-lab-prompt")
    expect(prompts).to_have_count(2, timeout=20_000)
    panel.get_by_label("search prompts").fill("support")
    expect(prompts).to_have_count(1)
    expect(prompts).to_contain_text("text · 2 versions")
    shot(page, "lab-panel-prompts", PANEL)
    prompts.click()
    tab = page.locator(".oj-lab-prompt-view")
    expect(tab.locator(".oj-prompt-version")).to_have_count(2)
    expect(tab.locator(".oj-prompt-version").first).to_contain_text(
        "name the product, keep it short"
    )
    expect(tab.locator("tr[data-experiment]")).to_contain_text("short-answers")
    before = tab.get_by_label("before")
    expect(before).to_have_value(
        tab.locator(".oj-prompt-version").nth(1).get_attribute("data-commit") or ""
    )
    expect(tab.locator(".oj-diff-changed")).to_have_count(2)
    shot(page, "lab-prompt-tab")
    tab.locator("tr[data-experiment] a").click()
    expect(page.locator(".oj-lab-comparison")).to_be_visible()

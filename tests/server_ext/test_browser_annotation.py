"""Annotation queues in Chromium against ``jupyter lab`` (its managed backend): the
AnnotationQueue widget shows the queue's instructions, a conversation's trace, the score
buttons and slider; picking the scores and saving moves to the next item and the progress
reads "1 of 3 done"; the panel's queue list shows the same progress bar. Screenshots, light
and dark, go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import PANEL, command, run_all_cells, shoot, write_cells
from tests.testlib.jupyter import Lab, browser_page

pytestmark = pytest.mark.slow

SETUP = """\
%load_ext opik_jupyter
import opik_jupyter as oj

questions = {"How do I reset my password?": "Use the link on the sign-in page.",
             "Can I get a refund?": "Yes, within 30 days of purchase.",
             "Do you ship to Peru?": "We do not ship outside Europe yet."}
ids = []
for question, answer in questions.items():
    with oj.start_trace("support-answer", project_name="support") as trace:
        with oj.start_span("chat", type="llm", input={"messages": [
                {"role": "system", "content": "You answer support questions in one line."},
                {"role": "user", "content": question}]}) as span:
            span.update(output={"choices": [{"message": {"role": "assistant", "content": answer}}]},
                        model="gpt-4o-mini")
        trace.update(input={"question": question}, output={"answer": answer})
    ids.append(trace.id)
oj.flush()
oj.create_annotation_queue(
    "support-review", project="support", items=ids,
    instructions="Is the answer correct and polite? Rate its helpfulness from 1 to 5.",
    scores=[{"name": "correct", "categories": {"yes": 1, "no": 0}},
            {"name": "helpfulness", "min": 1, "max": 5}])"""


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    cells = [SETUP, 'oj.AnnotationQueue("support-review", project="support")']
    write_cells(lab.root / "annotate.ipynb", cells)
    with browser_page(f"{lab.url}/lab/tree/annotate.ipynb?token={lab.token}") as page:
        page.set_viewport_size({"width": 1400, "height": 1000})
        yield page


def test_widget__score_save_and_move_on(page: Page) -> None:
    run_all_cells(page)
    widget = page.locator(".jp-OutputArea .oj-aq")
    expect(widget).to_be_visible(timeout=120_000)
    expect(widget.locator(".oj-progress-text")).to_have_text("0 of 3 done")
    expect(widget.locator(".oj-aq-instructions")).to_contain_text("correct and polite")
    expect(widget.locator(".oj-aq-position")).to_contain_text("Item 1 of 3")
    correct = widget.locator('.oj-aq-score[data-score="correct"] .oj-aq-option')
    expect(correct).to_have_text(["no", "yes"])
    save = widget.locator(".oj-aq-save")
    expect(save).to_be_disabled()  # every score the queue asks for first
    widget.locator(".oj-row", has=page.locator(".oj-type-llm")).first.click()
    expect(widget.locator(".oj-chat .oj-turn")).to_have_count(3)
    correct.nth(1).click()
    expect(correct.nth(1)).to_have_attribute("aria-pressed", "true")
    widget.get_by_label("helpfulness value").fill("4")
    widget.get_by_label("comment").fill("Clear and short.")
    expect(save).to_be_enabled()
    shoot(page, widget, "annotation-widget")
    save.click()
    expect(widget.locator(".oj-progress-text")).to_have_text("1 of 3 done", timeout=30_000)
    expect(widget.locator(".oj-aq-position")).to_contain_text("Item 2 of 3")
    expect(widget.locator(".oj-aq-chosen")).to_have_count(0)  # a fresh form
    widget.locator(".oj-aq-nav", has_text="Previous").click()
    expect(widget.locator(".oj-aq-position")).to_contain_text("done")
    expect(widget.locator(".oj-aq-chosen")).to_have_text("yes")  # read back from the scores
    expect(widget.locator(".oj-aq-previous")).to_contain_text("Clear and short.")


def test_panel__queue_list_with_progress(page: Page) -> None:
    command(page, "opik-jupyter:open-panel")
    panel = page.locator(PANEL)
    queue = panel.locator(".oj-lab-queue", has_text="support-review")
    expect(queue.locator(".oj-progress-text")).to_have_text("1 of 3 done", timeout=30_000)
    expect(queue).to_contain_text("support · traces · correct, helpfulness")
    queue.locator("summary").click()
    items = queue.locator(".oj-lab-queue-item")
    expect(items).to_have_count(3)
    expect(items.locator(".oj-lab-done")).to_have_count(1)
    for other in ("Projects", "Live traces", "Experiments", "Prompts"):  # room for the queues
        panel.locator(".lm-AccordionPanel-title", has_text=other).click()
    expect(queue.locator(".oj-lab-hint")).to_be_visible()
    shoot(page, panel, "annotation-panel", ready=items.last)
    items.first.click()
    expect(page.locator(".jp-MainAreaWidget .oj-tree").last).to_contain_text("support-answer")

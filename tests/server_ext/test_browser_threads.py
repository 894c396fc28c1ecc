"""Threads in Chromium against ``jupyter lab`` (its managed backend): the Threads widget lists
a project's conversations and shows the picked one as a chat with per-turn scores, thread
scores and comments; the panel's Threads section opens a thread in a tab. Light and dark
screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import PANEL, command, luminance, run_all_cells, shot, write_cells
from tests.testlib.jupyter import Lab, browser_page

pytestmark = pytest.mark.slow

SETUP = """\
import opik_jupyter as oj
oj.configure(project="support-chat")
chats = {
    "order-123": [("Where is my order 123? It was due Monday.",
                   "Sorry for the wait: order 123 left the warehouse today and arrives Thursday."),
                  ("Thursday is too late, I need it for a birthday.",
                   "I understand. I can upgrade it to next-day delivery at no cost."),
                  ("Yes please, do that.", "Done: it now arrives tomorrow before noon.")],
    "password-reset": [("I can't log in.", "Use 'Forgot password' on the sign-in page.")],
}
for thread, turns in chats.items():
    for question, answer in turns:
        with oj.start_trace("support-turn", input={"question": question},
                            thread_id=thread) as t:
            t.update(output={"answer": answer})
            oj.log_feedback_score("helpful", 1.0 if "Done" in answer else 0.5)
oj.flush()
client = oj.Client()
client.log_thread_score("order-123", "user_frustration", 0.3, reason="calmed down",
                        project_name="support-chat")
client.log_thread_score("order-123", "resolved", 1, project_name="support-chat")
client.add_thread_comment("order-123", "Good save: offer the upgrade earlier next time.",
                          project_name="support-chat")
oj.flush()"""


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    write_cells(
        lab.root / "threads.ipynb", [SETUP, 'oj.Threads("support-chat", selected="order-123")']
    )
    with browser_page(f"{lab.url}/lab/tree/threads.ipynb?token={lab.token}") as page:
        page.set_viewport_size({"width": 1400, "height": 1000})
        yield page


def test_widget__lists_threads_and_shows_the_picked_one_as_a_chat(page: Page) -> None:
    run_all_cells(page)
    widget = page.locator(".jp-OutputArea .oj-threads")
    expect(widget).to_be_visible(timeout=90_000)
    rows = widget.locator(".oj-thread-row")
    expect(rows).to_have_count(2)
    first = widget.locator('.oj-thread-row[data-thread="order-123"]')
    expect(first).to_contain_text("3 turns")
    expect(first.locator(".oj-score")).to_have_text(["resolved 1", "user_frustration 0.30"])
    detail = widget.locator(".oj-thread-detail")
    expect(detail).to_have_attribute("data-thread", "order-123")
    expect(detail.locator(".oj-thread-turn")).to_have_count(3)
    roles = detail.locator(".oj-turn").evaluate_all("nodes => nodes.map(n => n.dataset.role)")
    assert roles == ["user", "assistant"] * 3
    expect(detail.locator(".oj-thread-turn").nth(2).locator(".oj-score")).to_have_text("helpful 1")
    expect(detail.locator(".oj-thread-comment")).to_contain_text("offer the upgrade earlier")
    widget.scroll_into_view_if_needed()
    shot(page, "threads-widget", ".jp-OutputArea-output:has(.oj-threads)")
    widget.locator('.oj-thread-row[data-thread="password-reset"]').click()
    expect(detail).to_have_attribute("data-thread", "password-reset")
    # the turns come from the kernel after the selection reaches it
    expect(detail.locator(".oj-thread-turn")).to_have_count(1, timeout=20_000)
    expect(detail.locator(".oj-thread-turn")).to_contain_text("Forgot password")
    widget.locator('.oj-thread-row[data-thread="order-123"]').click()
    expect(detail.locator(".oj-thread-turn")).to_have_count(3, timeout=20_000)


def test_panel__threads_section_opens_a_thread_in_a_tab(page: Page) -> None:
    command(page, "opik-jupyter:open-panel")
    panel = page.locator(PANEL)
    for other in ("Experiments", "Prompts"):  # room for the conversations
        panel.locator(".lm-AccordionPanel-title", has_text=other).click()
    rows = panel.locator(".oj-lab-thread")
    expect(rows).to_have_count(2, timeout=30_000)
    order = panel.locator('.oj-lab-thread[data-thread="order-123"]')
    expect(order).to_contain_text("3 turns")
    expect(order).to_contain_text("1 comment")
    shot(page, "lab-panel-threads", PANEL)
    order.click()
    tab = page.locator(".oj-lab-thread-view")
    expect(tab.locator(".oj-thread-turn")).to_have_count(3, timeout=20_000)
    expect(tab.locator(".oj-thread-comment")).to_contain_text("offer the upgrade earlier")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "Thread: order-123"
    )
    shot(page, "lab-thread-tab")


def test_dark_theme__widget_and_thread_tab_stay_readable(page: Page) -> None:
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    tab = page.locator(".oj-lab-thread-view")
    expect(tab).to_be_visible()
    background = tab.evaluate("node => getComputedStyle(node).backgroundColor")
    text = tab.locator(".oj-turn-text").first.evaluate("node => getComputedStyle(node).color")
    assert luminance(background) < 0.3
    assert luminance(text) > 0.6
    shot(page, "lab-thread-tab-dark")
    shot(page, "lab-panel-threads-dark", PANEL)
    page.locator(".lm-TabBar-tab", has_text="threads.ipynb").first.click()
    widget = page.locator(".jp-OutputArea .oj-threads")
    widget.scroll_into_view_if_needed()
    row = widget.locator(".oj-thread-row").first
    assert luminance(row.evaluate("node => getComputedStyle(node).color")) > 0.6
    shot(page, "threads-widget-dark", ".jp-OutputArea-output:has(.oj-threads)")
    command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})

"""The views a person reads, in JupyterLab and Chromium (the ``lab`` and ``page`` fixtures of
``tests/conftest.py``): an LLM call as a conversation, the experiment table's columns, and
the saved notebook's static HTML, in the light and the dark theme. Screenshots go to
``tests/artifacts/`` (``views-*.png``)."""

from __future__ import annotations

import time

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import (
    ARTIFACTS,
    KERNEL_READY,
    PANEL,
    command,
    run_all_cells,
    shoot,
    write_cells,
)
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow

ANSWER = "It is 18 C and sunny in Paris, a fine day to walk along the Seine."
HISTORY = [
    {"role": "system", "content": "You answer in one sentence."},
    {"role": "user", "content": "What is the weather in Paris?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"},
]
CELLS = [
    f"""\
%load_ext opik_jupyter
import opik_jupyter as oj
from openai import OpenAI
from opik_jupyter.evaluation import Contains, Equals, LevenshteinRatio
from opik_jupyter.testing import FakeLLMServer

llm = FakeLLMServer(replies={ANSWER!r}).start()
client = OpenAI(base_url=llm.openai_base_url, api_key="test")""",
    f"""\
%%opik_track --name chat-cell
reply = client.chat.completions.create(model="gpt-4o-mini", messages={HISTORY!r})
reply.choices[0].message.content""",
    """\
dataset = oj.Dataset("views-browser")
dataset.insert([{"input": "france", "expected_output": "Paris"},
                {"input": "peru", "expected_output": "Lima"},
                {"input": "japan", "expected_output": "Tokyo"}])
capitals = {"france": "Paris", "peru": "Lima", "japan": "Tokyo"}
metrics = [Equals(), Contains(), LevenshteinRatio()]
mapping = {"reference": "expected_output"}
terse = oj.evaluate(dataset, lambda item: capitals[item["input"]], metrics,
                    experiment_name="terse", scoring_key_mapping=mapping, display=False)
wordy = oj.evaluate(
    dataset,
    lambda item: f"The capital of {item['input'].title()} is {capitals[item['input']]}.",
    metrics, experiment_name="wordy", scoring_key_mapping=mapping, display=False)
oj.flush()""",
    "oj.ExperimentTable([terse, wordy], baseline=terse)",
]


@pytest.fixture(scope="module")
def notebook(lab: Lab, page: Page) -> Page:
    """The views notebook open in JupyterLab, its cells run."""
    write_cells(lab.root / "views.ipynb", CELLS)
    page.goto(f"{lab.url}/lab/tree/views.ipynb?token={lab.token}")
    run_all_cells(page)
    expect(page.locator(".oj-exp tbody tr[data-id]")).to_have_count(3, timeout=180_000)
    page.wait_for_function(KERNEL_READY)
    return page


def test_llm_span__reads_as_a_conversation_with_json_a_click_away(notebook: Page) -> None:
    tree = notebook.locator(".oj-tree", has_text="chat-cell").first
    expect(tree.locator(".oj-stat", has_text="cost")).to_be_visible(timeout=60_000)
    tree.locator(".oj-row[data-id]", has=notebook.locator(".oj-type-llm")).click()
    turns = tree.locator(".oj-chat .oj-turn")
    expect(turns).to_have_count(5)
    roles = [turns.nth(i).get_attribute("data-role") for i in range(5)]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    expect(turns.nth(2).locator(".oj-tool-call-name")).to_have_text("get_weather")
    expect(turns.nth(3).locator(".oj-turn-head")).to_have_text("tool · result of call_1")
    expect(turns.nth(4).locator(".oj-turn-text")).to_have_text(ANSWER)
    shoot(notebook, tree, "views-conversation")
    tree.locator(".oj-switch-option", has_text="JSON").click()
    expect(tree.locator(".oj-section > summary")).to_have_text(["Input", "Output", "Metadata"])
    expect(tree.locator(".oj-chat")).to_have_count(0)
    tree.locator(".oj-switch-option", has_text="Conversation").click()
    expect(turns).to_have_count(5)


def test_experiment_table__columns_wrap_at_words_and_scroll_with_the_item_in_view(
    notebook: Page,
) -> None:
    table = notebook.locator(".oj-exp").first
    outputs = table.locator("tbody td.oj-exp-output")
    expect(outputs).to_have_count(6)
    widths = [box["width"] for box in (outputs.nth(i).bounding_box() or {} for i in range(6))]
    assert min(widths) >= 160, widths  # never squeezed to a few characters
    wordy = outputs.nth(1).inner_text()
    assert wordy.startswith("The capital of France is Paris.")
    scores = table.locator("tbody tr").first.locator("td.oj-exp-score")
    score_widths = [(scores.nth(i).bounding_box() or {})["width"] for i in range(scores.count())]
    assert len(score_widths) == 6
    assert max(score_widths) < min(widths), (score_widths, widths)  # scores stay compact
    scroller = table.locator(".oj-exp-scroll")
    overflow = scroller.evaluate("node => node.scrollWidth - node.clientWidth")
    item = table.locator("tbody td.oj-exp-item").first
    before = item.bounding_box()
    assert before is not None
    if overflow > 0:  # at this width the table scrolls sideways; the item column stays
        scroller.evaluate("node => { node.scrollLeft = node.scrollWidth; }")
        after = item.bounding_box()
        assert after is not None
        assert abs(after["x"] - before["x"]) < 1
        shoot(notebook, notebook.locator(".oj-root", has=table), "views-experiment-table-scrolled")
        scroller.evaluate("node => { node.scrollLeft = 0; }")
    regression = table.locator(".oj-regression").first
    expect(regression).to_contain_text("(-1)")
    shoot(notebook, notebook.locator(".oj-root", has=table), "views-experiment-table")


def test_saved_notebook__static_html_has_costs_turns_and_span_io(notebook: Page, lab: Lab) -> None:
    command(notebook, "docmanager:save")
    path = lab.root / "views.ipynb"
    deadline = time.monotonic() + 30
    html = ""
    while time.monotonic() < deadline and "cost $" not in html:
        time.sleep(0.5)
        outputs = nbformat.read(path, as_version=4).cells[1].get("outputs", [])
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "cost $" in html  # the stored, priced trace replaced the live one
    roles = [part.split('"')[0] for part in html.split('class="opik-turn" data-role="')[1:]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    assert "calls <code>get_weather</code>" in html
    assert "Inputs and outputs" in html
    static = notebook.context.new_page()
    try:
        static.set_content(f"<html><body>{html}</body></html>")
        ARTIFACTS.mkdir(exist_ok=True)
        static.screenshot(path=str(ARTIFACTS / "views-static-tree-light.png"), full_page=True)
        static.set_content(f'<html><body style="background:#111;color:#ddd">{html}</body></html>')
        static.screenshot(path=str(ARTIFACTS / "views-static-tree-dark.png"), full_page=True)
    finally:
        static.close()


def test_panel__dense_feed_real_costs_full_status_and_tabs_back_after_reload(
    notebook: Page,
) -> None:
    command(notebook, "opik-jupyter:open-panel")
    panel = notebook.locator(PANEL)
    chat = panel.locator(".oj-lab-feed-row", has_text="chat-cell")
    expect(chat).to_contain_text("$0.0000", timeout=30_000)  # the real figure, not <$0.01
    assert "<$0.01" not in panel.inner_text()
    scored = panel.locator(".oj-lab-feed-row", has=notebook.locator(".oj-score")).first
    expect(scored).to_be_visible(timeout=30_000)
    shoot(notebook, panel, "views-panel")
    row = scored.bounding_box()
    facts = scored.locator(".oj-lab-facts").bounding_box()
    score = scored.locator(".oj-score").first.bounding_box()
    assert row is not None
    assert facts is not None
    assert score is not None
    assert row["height"] < 80, row  # three scores in at most three lines (was 100 px)
    assert abs(score["y"] - facts["y"]) < 8  # scores sit on the facts line
    title = panel.locator(".oj-lab-status").get_attribute("title") or ""
    assert title.startswith("Backend connected\n")
    trace_id = chat.get_attribute("data-id")
    chat.click()
    opened = notebook.locator(".oj-lab-trace .oj-lab-trace-id code")
    expect(opened).to_have_text(trace_id or "")
    tab = notebook.locator(".oj-lab-trace").first
    llm = tab.locator(".oj-row[data-id]", has=notebook.locator(".oj-type-llm"))
    llm.click()  # the tree is drawn once the trace is read: wait for it before the picture
    expect(tab.locator(".oj-details .oj-id")).to_have_text(llm.get_attribute("data-id") or "")
    expect(tab.locator(".oj-details .oj-facts")).to_contain_text("starts at +")
    expect(tab.locator(".oj-details .oj-id-line", has_text="trace id")).to_have_count(0)
    shoot(notebook, tab, "views-trace-tab")
    notebook.wait_for_timeout(2000)  # the workspace is saved a moment after a layout change
    notebook.reload()
    expect(notebook.locator(".oj-lab-trace .oj-lab-trace-id code")).to_have_text(
        trace_id or "", timeout=60_000
    )

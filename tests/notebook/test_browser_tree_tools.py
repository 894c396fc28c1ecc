"""A big span tree under a cell, in JupyterLab and Chromium: find a span, collapse and expand
every row, widen the span column, copy a span's id; and the tree's ``spilled · not yet
stored`` state while the backend does not answer. Screenshots: ``tests/artifacts/views-*``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import KERNEL_READY, run_all_cells, shoot, write_cells
from tests.testlib.jupyter import browser_page, running_jupyter

pytestmark = pytest.mark.slow

CELLS = [
    """\
%load_ext opik_jupyter
import opik_jupyter as oj
from opik_backend.server import free_port
stored_at = oj.configure().url""",
    """\
%%opik_track --name big-pipeline
@oj.track(type="tool")
def retrieve(topic):
    return [f"a passage about {topic}"]

@oj.track
def summarise_evaluation_results_for(topic):
    return f"{retrieve(topic)[0]} (summary)"

[summarise_evaluation_results_for(t) for t in
 ["france", "peru", "japan", "kenya", "chile", "norway"]]""",
    """\
oj.configure(url=f"http://127.0.0.1:{free_port()}/api", retry_max_delay=0.5)""",
    """\
%%opik_track --name offline-cell
answer = 42""",
    # retires the sender holding the offline cell's trace on disk (for a backend that never
    # answers), before or after the cell's tree first looks: the tree asks that sender
    """\
oj.configure(url=stored_at, retry_max_delay=30.0)""",
]
ROWS = ".oj-rows .oj-row[data-id]"


@pytest.fixture(scope="module", params=["lab", "notebook"])
def notebook(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    """The notebook run in JupyterLab, then in Notebook 7 (the cell view is the same)."""
    app = request.param
    with running_jupyter(app, tmp_path_factory.mktemp(app)) as server:
        write_cells(server.root / "tree-tools.ipynb", CELLS)
        where = "lab/tree" if app == "lab" else "notebooks"
        with browser_page(f"{server.url}/{where}/tree-tools.ipynb?token={server.token}") as page:
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
            run_all_cells(page)
            last = page.locator(".jp-Cell").nth(len(CELLS) - 1).locator(".jp-InputPrompt")
            expect(last).to_have_text(f"[{len(CELLS)}]:", timeout=120_000)
            page.wait_for_function(KERNEL_READY)
            page.app = app  # type: ignore[attr-defined]
            yield page


def _name(page: Page, name: str) -> str:
    """Screenshot names: ``big-tree`` in JupyterLab, ``nb7-big-tree`` in Notebook 7."""
    return name if page.app == "lab" else f"nb7-{name}"  # type: ignore[attr-defined]


def test_big_tree__find_collapse_expand_resize_and_copy_an_id(notebook: Page) -> None:
    tree = notebook.locator(".oj-tree", has_text="big-pipeline").first
    rows = tree.locator(ROWS)
    expect(rows).to_have_count(13, timeout=60_000)  # the cell, 6 steps, 6 retrievals
    root = tree.locator(".oj-row[data-id]").first.locator(".oj-name")
    expect(root).to_have_text("big-pipeline")
    tools = tree.locator(".oj-tree-tools")
    tools.get_by_role("button", name="collapse all").click()
    expect(rows).to_have_count(7)
    tools.get_by_role("button", name="expand all").click()
    expect(rows).to_have_count(13)

    search = tools.get_by_role("searchbox", name="find spans")
    search.fill("tool")
    expect(rows).to_have_count(13)  # every retrieval is a tool: each with its parent
    search.fill("norway")  # no span is named after its argument
    expect(tree.locator(".oj-rows .oj-note")).to_have_text("no span matches “norway”")
    search.fill("")
    expect(rows).to_have_count(13)

    head = tree.locator(".oj-row-head .oj-cell-head-name")
    before = head.bounding_box()
    handle = tree.locator(".oj-col-resize")
    grip = handle.bounding_box()
    assert before is not None
    assert grip is not None
    notebook.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    notebook.mouse.down()
    notebook.mouse.move(grip["x"] + 120, grip["y"] + grip["height"] / 2, steps=5)
    notebook.mouse.up()
    after = head.bounding_box()
    assert after is not None
    assert after["width"] > before["width"] + 100, (before, after)
    name = tree.locator(".oj-row[data-id] .oj-name", has_text="summarise_evaluation_results_for")
    first = name.first.bounding_box()
    assert first is not None
    assert name.first.evaluate("n => n.scrollWidth <= n.clientWidth")  # not cut to "summ..."

    step = tree.locator(".oj-row[data-id]", has_text="retrieve").first
    span_id = step.get_attribute("data-id")
    step.click()
    details = tree.locator(".oj-details")
    expect(details.locator(".oj-id")).to_have_text(span_id or "")
    expect(details.locator(".oj-facts")).to_contain_text("starts at +")
    details.get_by_role("button", name="copy the span id").click()
    expect(details.locator(".oj-copy")).to_have_text("Copied")
    assert notebook.evaluate("() => navigator.clipboard.readText()") == span_id
    shoot(notebook, tree, "views-" + _name(notebook, "big-tree"))


def test_offline_cell__says_spilled_not_ok_until_stored(notebook: Page) -> None:
    tree = notebook.locator(".oj-tree", has_text="offline-cell").first
    badge = tree.locator(".oj-status-unstored")
    expect(badge).to_have_text("spilled · not yet stored", timeout=60_000)
    expect(tree.locator(".oj-status-ok")).to_have_count(0)
    assert "sent when it is back" in (badge.get_attribute("title") or "")
    shoot(notebook, tree.locator(".oj-header"), "views-" + _name(notebook, "spilled-badge"))

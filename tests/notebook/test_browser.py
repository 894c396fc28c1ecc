"""The widgets in a real browser: Debian's Chromium (driven by Playwright, no downloaded
browser) against a ``jupyter lab`` started here on a free port, with a token and its own
root, data and settings directories. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect

from tests.testlib.jupyter import Lab, browser_page, running_jupyter

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS_ALERT = "<img src=x onerror=alert(1)>"
XSS_FLAG = "<img src=x onerror=\"window.__opik_xss='ran'\">"

SETUP_CELL = """\
%load_ext opik_jupyter
import opik_jupyter as oj
from openai import OpenAI
from opik_jupyter.testing import FakeLLMServer

llm = FakeLLMServer().start()
client = OpenAI(base_url=llm.openai_base_url, api_key="test")

@oj.track(type="tool")
def retrieve(question: str) -> list[str]:
    return ["Paris is the capital of France."]

@oj.track
def answer(question: str) -> str:
    notes = retrieve(question)
    reply = client.chat.completions.create(model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"{notes} {question}"}])
    return reply.choices[0].message.content"""

TRACED_CELL = f"""\
%%opik_track --name browser-cell
answer("What is the capital of France?")
retrieve({XSS_ALERT!r} + {XSS_FLAG!r})"""


def write_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP_CELL),
                      nbformat.v4.new_code_cell(TRACED_CELL),
                      nbformat.v4.new_code_cell("oj.flush()\noj.TracesTable(page_size=5)")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``jupyter lab`` on a free port with a token; stopped (and its backend) at the end."""
    with running_jupyter("lab", tmp_path_factory.mktemp("lab")) as server:
        write_notebook(server.root / "trace.ipynb")
        yield server


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    dialogs: list[str] = []
    with browser_page(f"{lab.url}/lab/tree/trace.ipynb?token={lab.token}", dialogs) as page:
        page.dialogs = dialogs  # type: ignore[attr-defined]
        yield page


KERNEL_READY = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const context = widget && widget.sessionContext;
  const kernel = context && context.session && context.session.kernel;
  return !!(context && context.isReady && kernel && kernel.status === 'idle');
}"""


def run_all_cells(page: Page) -> None:
    """Run every cell once the notebook's kernel is ready (not waiting for them to end)."""
    page.wait_for_function(KERNEL_READY)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def test_trace_tree__renders_spans_and_shows_payloads_as_text(page: Page) -> None:
    run_all_cells(page)
    tree = page.locator(".oj-tree").first
    expect(tree.locator(".oj-status")).to_have_text("ok", timeout=60_000)
    names = tree.locator(".oj-row[data-id] .oj-name")
    expect(names).to_have_text(["browser-cell", "answer", "retrieve", "chat.completions.create",
                                "retrieve"])
    expect(tree.locator(".oj-row[data-id] .oj-type.oj-type-llm")).to_have_count(1)
    tree.locator(".oj-row[data-id]").nth(4).click()
    details = tree.locator(".oj-details")
    expect(details).to_contain_text(XSS_ALERT)
    expect(details).to_contain_text(XSS_FLAG)
    assert page.locator(".jp-OutputArea img").count() == 0
    assert page.evaluate("() => window.__opik_xss") is None
    assert page.dialogs == []  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    tree.scroll_into_view_if_needed()
    tree.screenshot(path=str(ARTIFACTS / "trace-tree.png"))
    page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=True)


def test_traces_table__opens_a_trace_on_click(page: Page) -> None:
    table = page.locator(".oj-table").first
    rows = table.locator("tr[data-id]")
    expect(rows.first).to_be_visible(timeout=60_000)
    table.locator("tr[data-id]", has_text="browser-cell").click()
    opened = page.locator(".oj-opened .oj-tree")
    expect(opened.locator(".oj-title")).to_have_text("browser-cell")
    expect(opened.locator(".oj-row[data-id]")).to_have_count(5)
    assert page.dialogs == []  # type: ignore[attr-defined]
    table.scroll_into_view_if_needed()
    page.locator(".oj-root").last.screenshot(path=str(ARTIFACTS / "traces-table.png"))


def luminance(css_color: str) -> float:
    red, green, blue = (int(part) for part in css_color[css_color.index("(") + 1:]
                        .rstrip(")").split(",")[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_dark_theme__the_views_follow_jupyterlab_colors(page: Page) -> None:
    tree = page.locator(".oj-tree").first
    light = tree.evaluate("node => getComputedStyle(node).backgroundColor")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme',"
                  " {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    expect(tree).not_to_have_css("background-color", light)
    dark = tree.evaluate("node => getComputedStyle(node).backgroundColor")
    text = tree.locator(".oj-name").first.evaluate("node => getComputedStyle(node).color")
    assert luminance(light) > 0.8
    assert luminance(dark) < 0.3
    assert luminance(text) > 0.6
    tree.scroll_into_view_if_needed()
    tree.screenshot(path=str(ARTIFACTS / "trace-tree-dark.png"))

"""Helpers for the browser tests: the notebook they open, what they run in the page, and
the Opik panel of the JupyterLab extension. The ``lab`` and ``page`` fixtures that start
``jupyter lab`` and Chromium are in ``tests/conftest.py``; screenshots go to
``tests/artifacts/``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import nbformat
from playwright.sync_api import Locator, Page, expect

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS_ALERT = "<img src=x onerror=alert(1)>"
XSS_FLAG = "<img src=x onerror=\"window.__opik_xss='ran'\">"
FEED_BUDGET_MS = 2000
PANEL = "#opik-jupyter-panel"
SPAN_NAMES = ["browser-cell", "answer", "retrieve", "chat.completions.create", "retrieve"]

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
    """The notebook the browser tests open: set-up, a traced cell, a traces table."""
    write_cells(path, [SETUP_CELL, TRACED_CELL, "oj.flush()\noj.TracesTable(page_size=5)"])


def write_cells(path: Path, cells: list[str]) -> None:
    """A notebook of these code cells on the Python 3 kernel, written to ``path``."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)


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


def command(page: Page, name: str, args: dict[str, Any] | None = None) -> None:
    """Execute the front end's command ``name`` with ``args``."""
    page.evaluate(
        "([name, args]) => { window.jupyterapp.commands.execute(name, args); }", [name, args or {}]
    )


def run_cell(page: Page, index: int) -> None:
    """Run cell ``index`` of the notebook and wait until the kernel is idle again."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).click()
    command(page, "notebook:run-cell")
    prompt = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt")
    expect(prompt).to_have_text(f"[{index + 1}]:", timeout=60_000)
    page.wait_for_function(KERNEL_READY)


def run_traced_cell_into_feed(page: Page) -> Locator:
    """Run the notebook's set-up and ``%%opik_track`` cells with the panel's feed showing
    this notebook only; the trace's feed row, which must appear within 2 s of the cell's end."""
    panel = page.locator(PANEL)
    panel.locator(".oj-lab-check input").check()
    run_cell(page, 0)
    run_cell(page, 1)
    ended = time.monotonic()
    row = panel.locator(".oj-lab-feed-row", has_text="browser-cell")
    expect(row).to_be_visible(timeout=FEED_BUDGET_MS)
    assert (time.monotonic() - ended) * 1000 <= FEED_BUDGET_MS
    return row


def shot(page: Page, name: str, selector: str | None = None) -> None:
    """A screenshot of the page (or of ``selector``) as ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = page.locator(selector) if selector else page
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def luminance(css_color: str) -> float:
    """The relative luminance (0 black .. 1 white) of an ``rgb(...)`` CSS colour."""
    red, green, blue = (
        int(part) for part in css_color[css_color.index("(") + 1 :].rstrip(")").split(",")[:3]
    )
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def theme(page: Page, dark: bool) -> None:
    """Switch JupyterLab to its dark or light theme and wait until it applies."""
    name = "JupyterLab Dark" if dark else "JupyterLab Light"
    command(page, "apputils:change-theme", {"theme": name})
    page.wait_for_function(
        f"() => document.body.dataset.jpThemeLight === '{str(not dark).lower()}'"
    )
    page.wait_for_timeout(300)  # the theme's stylesheet applies


def shoot(page: Page, target: Locator, stem: str, ready: Locator | None = None) -> None:
    """``target`` in the light and the dark theme, as ``<stem>-{light,dark}.png`` under
    ``tests/artifacts/`` (after ``ready`` shows, when given); the light theme again afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    for dark in (False, True):
        theme(page, dark)
        if ready is not None:
            expect(ready).to_be_visible()
        target.scroll_into_view_if_needed()
        target.screenshot(path=str(ARTIFACTS / f"{stem}-{'dark' if dark else 'light'}.png"))
    theme(page, False)

"""The extension in Notebook 7 (``jupyter notebook``, the ``notebook`` package), in Debian's
Chromium: Notebook 7 has no JupyterLab shell, so the Opik panel goes to its right side
panel; the server extension runs the backend there too. On a notebook page the panel opens
from "Opik: open panel", shows the managed backend, a ``%%opik_track`` cell's trace shows up
in its live feed (this notebook only), and clicking it opens the trace (in a dialog: the
page's main area holds only the notebook) with its spans, and a score added there reaches
the REST API. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import (
    KERNEL_READY,
    PANEL,
    SPAN_NAMES,
    command,
    run_traced_cell_into_feed,
    shot,
    write_notebook,
)
from tests.testlib.jupyter import Lab, browser_page, running_jupyter

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_jupyter("notebook", tmp_path_factory.mktemp("notebook7")) as server:
        write_notebook(server.root / "trace.ipynb")
        yield server


@pytest.fixture(scope="module")
def page(notebook7: Lab) -> Iterator[Page]:
    with browser_page(f"{notebook7.url}/notebooks/trace.ipynb?token={notebook7.token}") as page:
        yield page


def test_panel__in_the_right_side_panel_of_a_notebook_page(page: Page) -> None:
    page.wait_for_function(KERNEL_READY)
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    panel = page.locator(PANEL)
    expect(panel).to_be_hidden()  # Notebook 7 starts with its side panels collapsed
    command(page, "opik-jupyter:open-panel")
    expect(panel).to_be_visible()
    assert page.locator(f"#jp-right-stack {PANEL}").count() == 1
    page_width = page.viewport_size["width"]  # type: ignore[index]
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] > page_width / 2  # on the right
    expect(panel.locator(".oj-lab-status")).to_contain_text("Backend connected")
    expect(panel.locator(".oj-lab-status")).to_contain_text("managed by Jupyter")
    expect(panel.locator(".oj-lab-check")).to_contain_text("trace.ipynb")  # follows the notebook


def test_feed__a_traced_cell_appears_and_opens_with_its_spans(page: Page) -> None:
    panel = page.locator(PANEL)
    row = run_traced_cell_into_feed(page)
    expect(row.locator(".oj-lab-facts")).not_to_contain_text("running", timeout=5_000)
    expect(panel.locator(".oj-lab-projects")).to_contain_text("Default Project")
    shot(page, "notebook7-panel")
    row.click()
    dialog = page.locator(".jp-Dialog.oj-lab-dialog")
    trace = dialog.locator(".oj-lab-trace")
    expect(trace.locator(".oj-row[data-id] .oj-name")).to_have_text(SPAN_NAMES)
    shot(page, "notebook7-trace")


def test_trace_dialog__enter_adds_a_score_that_the_rest_api_returns(
    page: Page, notebook7: Lab
) -> None:
    dialog = page.locator(".jp-Dialog.oj-lab-dialog")
    trace = dialog.locator(".oj-lab-trace")
    trace.get_by_label("score name").fill("helpfulness")
    trace.get_by_label("score value").fill("0.8")
    trace.get_by_label("score value").press("Enter")  # the form's, not the dialog's
    expect(trace.locator(".oj-lab-annotations tr[data-name='helpfulness']")).to_be_visible()
    expect(dialog).to_be_visible()
    trace_id = trace.locator(".oj-row[data-id]").first.get_attribute("data-id")
    status = httpx.get(f"{notebook7.url}/opik/status", params={"token": notebook7.token}).json()
    stored = httpx.get(f"{status['url']}/v1/private/traces/{trace_id}", timeout=30).json()
    assert [(s["name"], s["value"]) for s in stored["feedback_scores"]] == [("helpfulness", 0.8)]
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(PANEL)).to_be_visible()

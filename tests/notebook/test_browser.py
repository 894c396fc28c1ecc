"""The widgets in a real browser: Debian's Chromium (driven by Playwright, no downloaded
browser) against a ``jupyter lab`` started here on a free port, with a token and its own
root, data and settings directories (the ``lab`` and ``page`` fixtures of
``tests/conftest.py``). Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.testlib.browser import ARTIFACTS, XSS_ALERT, XSS_FLAG, luminance, run_all_cells


def test_trace_tree__renders_spans_and_shows_payloads_as_text(page: Page) -> None:
    run_all_cells(page)
    tree = page.locator(".oj-tree").first
    expect(tree.locator(".oj-status")).to_have_text("ok", timeout=60_000)
    names = tree.locator(".oj-row[data-id] .oj-name")
    expect(names).to_have_text(
        ["browser-cell", "answer", "retrieve", "chat.completions.create", "retrieve"]
    )
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


def test_dark_theme__the_views_follow_jupyterlab_colors(page: Page) -> None:
    tree = page.locator(".oj-tree").first
    light = tree.evaluate("node => getComputedStyle(node).backgroundColor")
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    expect(tree).not_to_have_css("background-color", light)
    dark = tree.evaluate("node => getComputedStyle(node).backgroundColor")
    text = tree.locator(".oj-name").first.evaluate("node => getComputedStyle(node).color")
    assert luminance(light) > 0.8
    assert luminance(dark) < 0.3
    assert luminance(text) > 0.6
    tree.scroll_into_view_if_needed()
    tree.screenshot(path=str(ARTIFACTS / "trace-tree-dark.png"))

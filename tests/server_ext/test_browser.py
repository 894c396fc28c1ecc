"""The JupyterLab extension end to end, in Debian's Chromium (Playwright, no downloaded
browser) against a ``jupyter lab`` started here (the ``lab`` and ``page`` fixtures of
``tests/conftest.py``: a token, a free port, temporary root and data directories): the
server extension runs the backend, the notebook's kernel finds it through the runtime file,
a ``%%opik_track`` cell's trace shows up in the panel's live feed within 2 s, opens in a tab
with its spans, takes a feedback score and a comment that the REST API then returns, and
experiments open side by side. Screenshots (light and dark) go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.testlib.browser import (
    KERNEL_READY,
    PANEL,
    SPAN_NAMES,
    XSS_ALERT,
    command,
    luminance,
    run_traced_cell_into_feed,
    shot,
)
from tests.testlib.builders import new_id, trace_batch
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(lab: Lab) -> Iterator[httpx.Client]:
    """The backend's REST API, directly, at the URL ``/opik/status`` names."""
    status = httpx.get(f"{lab.url}/opik/status", params={"token": lab.token}).json()
    with httpx.Client(base_url=status["url"] + "/", timeout=30) as client:
        yield client


def test_panel__opens_from_the_palette_and_shows_the_managed_backend(page: Page) -> None:
    page.wait_for_function(KERNEL_READY)
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill("Opik: open panel")
    page.keyboard.press("Enter")
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel.locator(".oj-lab-status")).to_contain_text("Backend connected")
    expect(panel.locator(".oj-lab-status")).to_contain_text("managed by Jupyter")


def test_feed__a_traced_cell_appears_within_2_s_and_opens(page: Page, api: httpx.Client) -> None:
    panel = page.locator(PANEL)
    row = run_traced_cell_into_feed(page)
    expect(panel.locator(".oj-lab-projects")).to_contain_text("Default Project")
    expect(row.locator(".oj-lab-facts")).not_to_contain_text("running", timeout=5_000)
    # the dashboard learns of the new project at the poll that shows it, not minutes later
    dashboard = panel.locator(".oj-lab-dashboard")
    expect(dashboard).not_to_contain_text("No projects yet", timeout=3_000)
    shot(page, "lab-panel", PANEL)
    row.click()
    tab = page.locator(".oj-lab-trace").last
    expect(tab.locator(".oj-row[data-id] .oj-name")).to_have_text(SPAN_NAMES)
    tab.locator(".oj-row[data-id]").nth(4).click()
    expect(tab.locator(".oj-details")).to_contain_text(XSS_ALERT)  # as text, not HTML
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_trace_tab__a_score_added_there_is_in_the_rest_api(page: Page, api: httpx.Client) -> None:
    tab = page.locator(".oj-lab-trace").last
    tab.get_by_label("score name").fill("helpfulness")
    tab.get_by_label("score value").fill("0.8")
    tab.get_by_label("comment", exact=True).fill("clear and <b>short</b>")
    tab.get_by_role("button", name="Add score").click()
    expect(tab.locator(".oj-lab-annotations tr[data-name='helpfulness']")).to_contain_text(
        "clear and <b>short</b>"
    )
    trace_id = tab.locator(".oj-row[data-id]").first.get_attribute("data-id")
    stored = api.get(f"v1/private/traces/{trace_id}").json()
    assert [
        (s["name"], s["value"], s["reason"], s["source"]) for s in stored["feedback_scores"]
    ] == [("helpfulness", 0.8, "clear and <b>short</b>", "ui")]
    shot(page, "lab-trace")


def test_trace_tab__a_comment_added_there_is_in_the_rest_api(page: Page, api: httpx.Client) -> None:
    tab = page.locator(".oj-lab-trace").last
    comments = tab.locator(".oj-lab-comment")
    expect(tab.locator(".oj-lab-comments")).to_contain_text("No comments yet.")
    expect(comments).to_have_count(0)  # the score's comment stayed the score's reason
    box = tab.get_by_label("new comment")
    box.fill("check the <i>retrieval</i> step")
    box.press("Enter")
    expect(comments).to_have_count(1)
    expect(comments.first.locator(".oj-lab-comment-text")).to_have_text(
        "check the <i>retrieval</i> step"
    )  # as text, not HTML
    expect(comments.first.locator(".oj-lab-comment-meta")).to_contain_text("admin")
    expect(box).to_have_value("")
    box.fill("second look")
    tab.get_by_role("button", name="Add comment").click()
    expect(comments).to_have_count(2)
    trace_id = tab.locator(".oj-row[data-id]").first.get_attribute("data-id")
    stored = api.get(f"v1/private/traces/{trace_id}").json()
    assert [(c["text"], c["created_by"]) for c in stored["comments"]] == [
        ("check the <i>retrieval</i> step", "admin"),
        ("second look", "admin"),
    ]
    assert [s["reason"] for s in stored["feedback_scores"]] == ["clear and <b>short</b>"]
    comment = stored["comments"][0]
    got = api.get(f"v1/private/traces/{trace_id}/comments/{comment['id']}")
    assert got.json()["text"] == comment["text"]
    assert page.dialogs == []  # type: ignore[attr-defined]
    shot(page, "lab-trace-comments")


def seed_experiments(api: httpx.Client) -> None:
    """A dataset of two questions and two experiments over it (through the REST API)."""
    api.post("v1/private/datasets", json={"name": "capitals"}).raise_for_status()
    items = [
        {"id": new_id(), "data": {"question": q}, "source": "manual"} for q in ("France?", "Peru?")
    ]
    api.put(
        "v1/private/datasets/items", json={"dataset_name": "capitals", "items": items}
    ).raise_for_status()
    for name, answers, score in (
        ("baseline", ("Paris", "Quito"), 0.5),
        ("better-prompt", ("Paris", "Lima"), 1.0),
    ):
        experiment_id, links = new_id(), []
        for item, reply in zip(items, answers, strict=True):
            trace_id = new_id()
            body = trace_batch(trace_id, f"{name}-run", project="experiments")
            body["traces"][0]["output"] = {"answer": reply}
            api.post("v1/private/traces/batch", json=body).raise_for_status()
            api.put(
                f"v1/private/traces/{trace_id}/feedback-scores",
                json={"name": "accuracy", "value": score, "source": "sdk"},
            ).raise_for_status()
            links.append(
                {
                    "id": new_id(),
                    "experiment_id": experiment_id,
                    "dataset_item_id": item["id"],
                    "trace_id": trace_id,
                }
            )
        api.post(
            "v1/private/experiments",
            json={"id": experiment_id, "name": name, "dataset_name": "capitals"},
        ).raise_for_status()
        api.post(
            "v1/private/experiments/items", json={"experiment_items": links}
        ).raise_for_status()


def test_experiments__two_open_side_by_side(page: Page, api: httpx.Client) -> None:
    seed_experiments(api)
    panel = page.locator(PANEL)
    panel.locator(".jp-SidePanel-toolbar button").first.click()  # refresh
    dataset = panel.locator(".oj-lab-dataset", has_text="capitals")
    dataset.locator("summary").click()
    expect(dataset.locator(".oj-lab-experiment")).to_have_count(2)
    dataset.get_by_role("button", name="Compare 2").click()
    view = page.locator(".oj-lab-comparison").last
    expect(view.locator(".oj-lab-compare tbody tr")).to_have_count(2)
    expect(view.locator(".oj-lab-compare thead")).to_contain_text("baseline")
    expect(view.locator(".oj-lab-compare tbody")).to_contain_text("Lima")
    # fields and outputs read as text, not JSON strings
    expect(view.locator(".oj-lab-compare-item", has_text="France?")).to_have_text(
        "question France?"
    )
    expect(view.locator(".oj-lab-output", has_text="answer")).to_have_count(0)
    # each score against the first experiment's: 0.5 vs 1.0 on both items, shaded
    marked = view.locator(".oj-lab-compare .oj-improvement, .oj-lab-compare .oj-regression")
    expect(marked).to_have_count(2)
    assert all(
        text in ("accuracy 1 (+0.50)", "accuracy 0.50 (-0.50)") for text in marked.all_inner_texts()
    )
    shot(page, "lab-compare")
    view.locator(".oj-lab-compare-filter").fill("peru")
    expect(view.locator(".oj-lab-compare tbody tr")).to_have_count(1)
    view.locator(".oj-lab-compare-filter").fill("")
    expect(view.locator(".oj-lab-compare tbody tr")).to_have_count(2)


def test_open_trace_by_id__from_the_palette_command(page: Page, api: httpx.Client) -> None:
    traces = api.get("v1/private/traces", params={"project_name": "Default Project"}).json()[
        "content"
    ]
    command(page, "opik-jupyter:open-trace")
    page.locator(".jp-Dialog input").fill(traces[0]["id"])
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        "browser-cell"
    )


def test_dark_theme__panel_and_tab_follow_jupyterlab(page: Page) -> None:
    panel = page.locator(PANEL)
    light = panel.evaluate("node => getComputedStyle(node).backgroundColor")
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    expect(panel).not_to_have_css("background-color", light)
    dark = panel.evaluate("node => getComputedStyle(node).backgroundColor")
    name = panel.locator(".oj-lab-feed-row .oj-lab-name").first
    assert luminance(light) > 0.8
    assert luminance(dark) < 0.3
    assert luminance(name.evaluate("node => getComputedStyle(node).color")) > 0.6
    page.locator(".lm-TabBar-tab", has_text="browser-cell").first.click()
    shot(page, "lab-dark")
    shot(page, "lab-panel-dark", PANEL)

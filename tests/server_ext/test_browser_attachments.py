"""Attachments in a real browser: a trace with an image (given as a data URL in its input, so
extracted by the SDK, and as a file on a span) shows the image in the cell's tree and in the
panel's trace tab, and an SVG or HTML attachment never runs. Debian's Chromium through
Playwright against a ``jupyter lab`` started here. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.testlib.browser import ARTIFACTS, KERNEL_READY, command, run_all_cells, shot, write_cells
from tests.testlib.jupyter import Lab, browser_page, running_jupyter

pytestmark = pytest.mark.slow

CELL = """\
import base64, struct, zlib
import opik_jupyter as oj

def png(width, height):
    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    rows = b"".join(
        b"\\x00" + b"".join(bytes((x * 2 % 256, y * 2 % 256, 160)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(rows, 0))
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")

image = png(120, 90)
svg = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__opik_xss=1">'
       b'<script>window.__opik_xss=1</script></svg>')
page = b'<script>window.__opik_xss=2; alert("html ran")</script>'
data_url = "data:image/png;base64," + base64.b64encode(image).decode()
with oj.start_trace("multimodal", input={"image": data_url}) as trace:
    trace.update(attachments=[
        oj.Attachment(svg, file_name="chart.svg", content_type="image/svg+xml"),
        oj.Attachment(page, file_name="page.html", content_type="text/html"),
    ])
    with oj.start_span("look", type="llm") as span:
        span.update(output="a gradient", attachments=[oj.Attachment(image, file_name="photo.png")])
assert oj.flush().delivered
oj.TraceTree.from_id(trace.id)"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_jupyter("lab", tmp_path_factory.mktemp("lab-att")) as server:
        write_cells(server.root / "attachments.ipynb", [CELL])
        yield server


@pytest.fixture(scope="module")
def page(lab: Lab) -> Iterator[Page]:
    dialogs: list[str] = []
    url = f"{lab.url}/lab/tree/attachments.ipynb?token={lab.token}"
    with browser_page(url, dialogs) as page:
        page.dialogs = dialogs  # type: ignore[attr-defined]
        yield page


def image_loaded(locator: Locator) -> bool:
    return bool(locator.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_cell_tree__shows_the_images_and_never_runs_svg_or_html(page: Page) -> None:
    page.wait_for_function(KERNEL_READY)
    run_all_cells(page)
    tree = page.locator(".oj-tree").first
    expect(tree.locator(".oj-attachments")).to_be_visible(timeout=90_000)  # the trace's files
    thumbs = tree.locator("img.oj-attachment-thumb")
    expect(thumbs).to_have_count(1)  # the extracted input image; not the SVG
    assert image_loaded(thumbs.first)
    expect(tree.locator(".oj-attachments")).to_contain_text("chart.svg")
    expect(tree.locator(".oj-attachments")).to_contain_text("page.html")
    tree.locator(".oj-row[data-id]", has_text="look").click()
    photo = tree.locator("img.oj-attachment-thumb")
    expect(photo).to_have_attribute("alt", "photo.png")
    assert image_loaded(photo)
    photo.click()
    expect(tree.locator(".oj-attachment-enlarged")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    tree.screenshot(path=ARTIFACTS / "attachments-cell-tree-image.png")
    shot(page, "attachments-cell")
    tree.locator(".oj-row[data-id]").first.click()
    for link in tree.locator(".oj-attachment-file a").all():
        link.click()  # a download, never a page
    assert page.evaluate("() => window.__opik_xss") is None
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_trace_tab__shows_the_images(page: Page, lab: Lab) -> None:
    status = httpx.get(f"{lab.url}/opik/status", params={"token": lab.token}).json()
    traces = httpx.get(
        status["url"] + "/v1/private/traces", params={"project_name": "Default Project"}
    ).json()["content"]
    (multimodal,) = [t for t in traces if t["name"] == "multimodal"]
    command(page, "opik-jupyter:open-trace")
    page.locator(".jp-Dialog input").fill(multimodal["id"])
    page.locator(".jp-Dialog .jp-mod-accept").click()
    tab = page.locator(".oj-lab-trace")
    thumbs = tab.locator("img.oj-attachment-thumb")
    expect(thumbs).to_have_count(1, timeout=30_000)
    assert image_loaded(thumbs.first)
    tab.locator(".oj-row[data-id]", has_text="look").click()
    expect(tab.locator("img.oj-attachment-thumb")).to_have_attribute("alt", "photo.png")
    assert image_loaded(tab.locator("img.oj-attachment-thumb"))
    tab.screenshot(path=ARTIFACTS / "attachments-trace-tab-image.png")
    assert page.evaluate("() => window.__opik_xss") is None
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_static_export__embeds_the_images(page: Page) -> None:
    """What a saved notebook shows without the widget: the tree's text/html part."""
    exported = page.evaluate(
        """() => {
          const panels = Array.from(window.jupyterapp.shell.widgets("main"));
          const notebook = panels.find((w) => w.content && w.content.model?.cells);
          const nb = notebook.content.model.toJSON();
          const outputs = nb.cells[0].outputs;
          return outputs.map(o => (o.data || {})['text/html']).filter(Boolean).join('');
        }"""
    )
    assert '<img src="data:image/png;base64,' in exported
    saved = page.context.new_page()
    saved.set_content(f"<html><body>{exported}</body></html>")
    images = saved.locator(".opik-attachments-static img")
    expect(images).to_have_count(2)
    assert all(image_loaded(img) for img in images.all())
    saved.screenshot(path=ARTIFACTS / "attachments-static-export.png", full_page=True)
    assert saved.evaluate("() => window.__opik_xss") is None
    saved.close()
    assert page.evaluate("() => window.__opik_xss") is None

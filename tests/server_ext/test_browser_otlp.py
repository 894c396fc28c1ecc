"""A trace sent over OTLP (the OpenTelemetry SDK's own exporter, from a notebook's kernel, to
the backend JupyterLab manages) reads like an SDK trace: in the ``TraceTree`` widget of a
cell, and in the panel's live feed and trace tab, in Chromium (the ``lab`` fixture of
``tests/conftest.py``). Screenshots, light and dark, go to ``tests/artifacts/otlp-*.png``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.testlib.browser import KERNEL_READY, PANEL, command, run_all_cells, shoot, write_cells
from tests.testlib.jupyter import Lab

pytestmark = pytest.mark.slow

PROJECT = "otel-browser"
SETUP = f"""\
%load_ext opik_jupyter
import time
import opik_jupyter as oj
from opik_jupyter.sdk._rest import request_headers
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

reader = oj.Client(project={PROJECT!r})
url = reader.url
headers = {{"projectName": {PROJECT!r}}}
headers.update((k, v) for k, v in request_headers("default", None, url=url).items()
               if k.lower() not in ("content-type", "accept"))
exporter = OTLPSpanExporter(endpoint=url + "/v1/private/otel/v1/traces", headers=headers)
provider = TracerProvider(resource=Resource.create({{"service.name": "weather-agent"}}))
provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = provider.get_tracer("otlp-browser-test")"""
SEND = """\
with tracer.start_as_current_span("otlp-agent-run") as root:
    root.set_attribute("input.value", "What is the weather in Paris?")
    with tracer.start_as_current_span("chat gpt-4o-mini") as llm:
        llm.set_attribute("gen_ai.operation.name", "chat")
        llm.set_attribute("gen_ai.system", "openai")
        llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
        llm.set_attribute("gen_ai.usage.input_tokens", 1200)
        llm.set_attribute("gen_ai.usage.output_tokens", 300)
        time.sleep(0.4)
    with tracer.start_as_current_span("get_weather") as tool:
        tool.set_attribute("openinference.span.kind", "TOOL")
        tool.set_attribute("input.value", '{"city": "Paris"}')
        tool.set_attribute("output.value", "18 C and sunny")
        time.sleep(0.1)
    root.set_attribute("output.value", "It is 18 C and sunny in Paris.")
provider.force_flush()
for _ in range(300):
    found = reader.search_traces()
    if found and found[0].get("end_time"):
        break
    time.sleep(0.1)
otlp_trace = reader.get_trace(found[0]["id"])
[span["name"] for span in otlp_trace["spans"]]"""
SHOW = "oj.TraceTree.from_trace(otlp_trace)"
SPANS = ["otlp-agent-run", "chat gpt-4o-mini", "get_weather"]


@pytest.fixture(scope="module")
def notebook(lab: Lab, page: Page) -> Page:
    """A notebook that sends a trace over OTLP and shows it, its cells run."""
    write_cells(lab.root / "otlp.ipynb", [SETUP, SEND, SHOW])
    page.goto(f"{lab.url}/lab/tree/otlp.ipynb?token={lab.token}")
    run_all_cells(page)
    expect(page.locator(".jp-OutputArea .oj-row[data-id]").first).to_be_visible(timeout=180_000)
    page.wait_for_function(KERNEL_READY)
    return page


def _names(rows: Locator) -> list[str]:
    return [name.strip() for name in rows.locator(".oj-name").all_inner_texts()]


def test_trace_tree__an_otlp_trace_shows_its_spans_types_model_and_cost(notebook: Page) -> None:
    tree = notebook.locator(".jp-OutputArea .oj-row[data-id]").first.locator("xpath=../..")
    rows = notebook.locator(".jp-OutputArea .oj-row[data-id]")
    names = _names(rows)
    assert all(name in names for name in SPANS), names
    llm = rows.filter(has_text="chat gpt-4o-mini").first
    expect(llm).to_contain_text("llm")
    expect(llm).to_contain_text("1500")  # tokens, as for an SDK span
    expect(llm).to_contain_text("$")  # priced by the backend from model and usage
    expect(rows.filter(has_text="get_weather").first).to_contain_text("tool")
    shoot(notebook, tree, "otlp-tree")


def test_panel__the_otlp_trace_is_in_the_feed_and_opens_in_a_tab(notebook: Page) -> None:
    command(notebook, "opik-jupyter:open-panel")
    panel = notebook.locator(PANEL)
    row = panel.locator(".oj-lab-feed-row", has_text="otlp-agent-run")
    expect(row).to_be_visible(timeout=30_000)
    expect(row).to_contain_text("$")  # its cost, like an SDK trace's
    shoot(notebook, panel, "otlp-panel")
    row.click()
    tab = notebook.locator(".oj-lab-trace").last
    expect(tab.locator(".oj-row[data-id]").first).to_be_visible(timeout=30_000)
    names = _names(tab.locator(".oj-row[data-id]"))
    assert all(name in names for name in SPANS), names
    shoot(notebook, tab, "otlp-trace-tab")

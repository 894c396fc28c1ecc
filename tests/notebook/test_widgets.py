"""The widgets from Python: view models, static HTML, the live feed and the table."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import pytest

import opik_jupyter
from opik_backend.server import free_port
from opik_jupyter.sdk import _state
from opik_jupyter.sdk._context import Span, Trace
from opik_jupyter.widgets import TracesTable, TraceTree, show_trace
from opik_jupyter.widgets._cell_view import LiveTrace, Refresher
from opik_jupyter.widgets._html import table_html, tree_html
from opik_jupyter.widgets._text import tree_text
from opik_jupyter.widgets._trace_view_model import MAX_TEXT, from_live, from_stored
from opik_jupyter.widgets.traces_table import row_of
from tests.testlib.kernel import WIDGET_MIME
from tests.testlib.proxy import FlakyProxy
from tests.testlib.waiting import wait_for

XSS = "<img src=x onerror=alert(1)>"
T0 = "2026-01-01T00:00:00.000000Z"


def stored_trace(**fields: Any) -> dict[str, Any]:
    """A trace as ``get_trace`` returns it: an LLM span under a tool span."""
    trace = {
        "id": "t1",
        "name": "cell",
        "project_name": "p",
        "start_time": T0,
        "end_time": "2026-01-01T00:00:01.000000Z",
        "duration": 1000.0,
        "input": {"source": "x"},
        "output": {"result": "1"},
        "usage": {"total_tokens": 30},
        "total_estimated_cost": 0.002,
        "span_count": 2,
        "feedback_scores": [{"name": "relevance", "value": 0.5, "reason": "ok"}],
        "spans": [
            {
                "id": "s2",
                "trace_id": "t1",
                "parent_span_id": "s1",
                "name": "chat",
                "type": "llm",
                "model": "gpt-4o-mini",
                "provider": "openai",
                "start_time": "2026-01-01T00:00:00.250000Z",
                "end_time": "2026-01-01T00:00:00.750000Z",
                "duration": 500.0,
                "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
                "total_estimated_cost": 0.002,
            },
            {
                "id": "s1",
                "trace_id": "t1",
                "name": "retrieve",
                "type": "tool",
                "start_time": "2026-01-01T00:00:00.100000Z",
                "end_time": "2026-01-01T00:00:00.900000Z",
                "duration": 800.0,
                "error_info": {"exception_type": "KeyError", "message": "k", "traceback": "tb"},
            },
        ],
    }
    trace.update(fields)
    return trace


def test_stored_trace__becomes_a_tree_model_with_offsets_totals_and_scores() -> None:
    data = from_stored(stored_trace())
    root = data["trace"]
    assert (root["name"], root["type"], root["duration_ms"]) == ("cell", "trace", 1000.0)
    assert (root["total_tokens"], root["total_cost"], root["span_count"]) == (30, 0.002, 2)
    assert root["scores"] == [{"name": "relevance", "value": 0.5, "reason": "ok"}]
    retrieve, chat = data["spans"]  # ordered by start
    assert (retrieve["name"], retrieve["start_ms"], retrieve["duration_ms"]) == (
        "retrieve",
        100.0,
        800.0,
    )
    assert retrieve["error"]["exception_type"] == "KeyError"
    assert (chat["parent_id"], chat["type"], chat["model"], chat["cost"]) == (
        "s1",
        "llm",
        "gpt-4o-mini",
        0.002,
    )
    assert chat["usage"] == {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}
    assert data["live"] is False


def test_stored_trace__long_strings_are_cut_for_the_browser() -> None:
    data = from_stored(stored_trace(output={"text": "y" * (MAX_TEXT * 2)}))
    assert len(data["trace"]["output"]["text"]) < MAX_TEXT + 200


def test_live_trace__model_shows_running_spans_until_they_end() -> None:
    trace = Trace("cell", "p", 1_000_000_000, {"source": "x"})
    span = Span(trace, None, "step", 1_100_000_000, "llm", model="m")
    span.update(usage={"prompt_tokens": 3, "completion_tokens": 4})
    running = from_live(trace, [span], now_ns=1_500_000_000)
    assert running["live"] is True
    assert running["elapsed_ms"] == 500.0
    [node] = running["spans"]
    assert (node["start_ms"], node["duration_ms"]) == (100.0, None)
    assert node["usage"]["total_tokens"] == 7
    span.end(1_300_000_000)
    trace.end(1_400_000_000)
    done = from_live(trace, [span], now_ns=2_000_000_000)
    assert done["live"] is False
    assert done["spans"][0]["duration_ms"] == 200.0
    assert done["trace"]["duration_ms"] == 400.0


def test_live_trace__a_tracked_call_shows_its_arguments_by_name(
    sdk: opik_jupyter.Client,
) -> None:
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []

    @opik_jupyter.track
    def ask(question: str, temperature: float = 0.5) -> str:
        span = opik_jupyter.get_current_span()
        assert span is not None
        seen.append((from_live(span.trace, [span], time.time_ns()), span.to_dict()))
        return "because"

    ask("why?")
    ((model, snapshot),) = seen
    assert model["spans"][0]["input"] == {"question": "why?", "temperature": 0.5}
    assert snapshot["input"] == {"question": "why?", "temperature": 0.5}


def test_static_html__escapes_every_trace_string() -> None:
    evil = stored_trace(
        name=XSS, input={XSS: XSS}, tags=[XSS], feedback_scores=[{"name": XSS, "value": 1}]
    )
    evil["spans"][0].update(name=XSS, model=XSS, type=XSS)
    evil["spans"][1]["error_info"] = {"exception_type": XSS, "message": XSS}
    page = tree_html(from_stored(evil))
    rows = [row_of({"id": XSS, "name": XSS, "feedback_scores": [{"name": XSS, "value": 2}]})]
    table = table_html(XSS, rows, 1, 1)
    for html in (page, table):
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_tree_widget__bundle_carries_the_widget_static_html_and_text() -> None:
    tree = TraceTree.from_trace(stored_trace())
    data, _ = tree._repr_mimebundle_()
    assert data[WIDGET_MIME]["model_id"] == tree.model_id
    assert "retrieve" in data["text/html"]
    assert data["text/plain"].splitlines() == [
        "cell [trace, 30 tokens, 1.00 s]",
        "  retrieve [tool, 800 ms, ERROR]",
        "    chat [llm, gpt-4o-mini, 30 tokens, 500 ms]",
    ]
    assert tree_text(from_stored(stored_trace()), max_lines=1).endswith("... 2 more")


class Recorder:
    """Stands in for a TraceTree: records every ``data`` it is given."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []

    @property
    def data(self) -> dict[str, Any]:
        return self.pushes[-1] if self.pushes else {}

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self.pushes.append(value)


def test_live_feed__pushes_spans_of_its_trace_throttled(sdk: opik_jupyter.Client) -> None:
    recorder = Recorder()
    with opik_jupyter.start_trace("live") as trace:
        live = LiveTrace(trace, recorder, interval=0.2).start()  # type: ignore[arg-type]
        with opik_jupyter.start_trace("another trace"), opik_jupyter.start_span("not ours"):
            pass
        for index in range(50):
            with opik_jupyter.start_span(f"step-{index}"):
                pass
        wait_for(
            lambda: any(len(p["spans"]) == 50 for p in recorder.pushes), what="the 50 spans pushed"
        )
        live.finish()
    assert all(p["live"] for p in recorder.pushes[:-1])
    assert len(recorder.pushes) <= 6  # first, a few throttled pushes, final: not 100
    final = recorder.pushes[-1]
    assert final["live"] is False
    assert {s["name"] for s in final["spans"]} == {f"step-{i}" for i in range(50)}
    assert live.observe not in opik_jupyter.sdk._state.observers


def test_show_trace__fetches_a_stored_trace_after_sending_what_is_queued(
    sdk: opik_jupyter.Client,
) -> None:
    with (
        opik_jupyter.start_trace("stored", input={"q": XSS}) as trace,
        opik_jupyter.start_span("inner", type="tool"),
    ):
        pass
    tree = show_trace(trace.id)  # flushes first: no wait needed
    assert tree.data["trace"]["name"] == "stored"
    assert [s["name"] for s in tree.data["spans"]] == ["inner"]
    assert opik_jupyter.show_trace is not None
    with pytest.raises(LookupError):
        show_trace("0192f0c0-0000-7000-8000-000000000000")


def test_refresher__a_trace_spilled_before_a_configure_still_says_spilled_not_ok(
    sdk: opik_jupyter.Client, backend_url: str
) -> None:
    """A notebook re-configures right after a cell traced while the backend was away, before
    the cell's tree looked: the tree asks the sender that took the trace (retired, the trace
    on its disk), not the new one, which has nothing to send and would say all is stored."""
    opik_jupyter.configure(url=f"http://127.0.0.1:{free_port()}/api", retry_max_delay=0.5)
    with opik_jupyter.start_trace("offline-cell") as trace:
        pass
    took_it = _state.current_sender()
    opik_jupyter.configure(url=backend_url, retry_max_delay=30.0)  # retires that sender
    assert took_it is not None
    assert took_it.status().spilled >= 1
    assert opik_jupyter.flush(1.0).delivered  # the sender of the moment has nothing of it
    tree = Recorder()
    tree.data = {"trace": {"name": "offline-cell"}, "spans": [], "live": False}
    refresher = Refresher(retry=0.1)
    try:
        refresher.request(trace.id, tree, sender=took_it)
        wait_for(
            lambda: len(tree.pushes) > 1 and tree.data.get("delivery") == "spilled",
            timeout=15.0,
            what=lambda: f"the tree marked spilled; it was given {tree.pushes[1:]}",
        )
        time.sleep(0.5)  # a few more looks: the trace is still on disk, the tree says so
        assert [p.get("delivery") for p in tree.pushes[1:]] == ["spilled"]
    finally:
        with refresher._cond:  # no more looks: its thread ends
            refresher._undelivered.clear()


def test_refresher__a_trace_a_later_sender_replayed_from_disk_shows_stored(
    sdk: opik_jupyter.Client, backend_url: str
) -> None:
    """The sender that spilled a cell's trace was retired by a configure for the same
    backend; the next sender replays the file once the backend is back: the tree shows the
    stored trace, though the retired sender still counts the trace on its disk."""
    target = urlparse(backend_url)
    proxy = FlakyProxy(target.hostname or "127.0.0.1", target.port or 80)
    try:
        proxy.cut()
        via_proxy = f"http://127.0.0.1:{proxy.port}/api"
        opik_jupyter.configure(url=via_proxy, retry_max_delay=0.5)
        with opik_jupyter.start_trace("offline-cell") as trace:
            pass
        took_it = _state.current_sender()
        opik_jupyter.configure(retry_max_delay=0.4)  # retires it; its file stays on disk
        assert took_it is not None
        assert took_it.status().spilled >= 1
        proxy.restore()
        with opik_jupyter.start_trace("next-cell"):
            pass
        assert opik_jupyter.flush(10.0).delivered  # the next sender replayed the file
        tree = Recorder()
        tree.data = {"trace": {"name": "offline-cell"}, "live": False, "delivery": "spilled"}
        refresher = Refresher(retry=0.1)
        refresher.request(trace.id, tree, sender=took_it)
        stored = wait_for(
            lambda: tree.data if "delivery" not in tree.data else None,
            timeout=15.0,
            what=lambda: f"the stored trace; the tree was given {tree.pushes[1:]}",
        )
        assert stored["trace"]["id"] == trace.id
        assert took_it.status().spilled >= 1  # what the retired sender alone would say
    finally:
        proxy.close()


def test_refresher__a_delivered_trace_read_elsewhere_no_longer_says_not_stored(
    sdk: opik_jupyter.Client,
) -> None:
    """The sender delivered the trace, but this process now reads another workspace: the
    tree keeps its live data and drops its ``not yet stored`` mark."""
    with opik_jupyter.start_trace("stored-cell") as trace:
        pass
    took_it = _state.current_sender()
    assert opik_jupyter.flush(10.0).delivered
    opik_jupyter.configure(workspace="another-workspace")
    tree = Recorder()
    tree.data = {"trace": {"name": "stored-cell"}, "live": False, "delivery": "pending"}
    Refresher().request(trace.id, tree, sender=took_it)
    wait_for(lambda: len(tree.pushes) > 1, timeout=15.0, what="the tree given new data")
    assert tree.pushes[1:] == [{"trace": {"name": "stored-cell"}, "live": False}]


def make_traces(count: int) -> list[str]:
    ids = []
    for index in range(count):
        text = "needle in here" if index == 1 else f"hay {index}"
        with (
            opik_jupyter.start_trace(f"t{index}", input={"text": text}) as trace,
            opik_jupyter.start_span("step", type="llm", model="gpt-4o-mini") as span,
        ):
            span.update(usage={"prompt_tokens": 5, "completion_tokens": 5})
        ids.append(trace.id)
        time.sleep(0.002)  # distinct start times, so the newest-first order is defined
    assert opik_jupyter.flush(10).delivered
    return ids


def test_traces_table__pages_newest_first_and_filters_on_the_server(
    sdk: opik_jupyter.Client,
) -> None:
    ids = make_traces(5)
    table = TracesTable(sdk.project, page_size=2, client=sdk)
    assert table.total == 5
    assert [r["name"] for r in table.rows] == ["t4", "t3"]
    assert table.rows[0]["total_tokens"] == 10
    table.page = 3
    assert [r["name"] for r in table.rows] == ["t0"]
    table.search = "needle"
    assert table.total == 1
    assert [r["id"] for r in table.rows] == [ids[1]]
    data, _ = table._repr_mimebundle_()
    assert "t1" in data["text/html"]


def test_traces_table__opens_a_clicked_trace(sdk: opik_jupyter.Client) -> None:
    ids = make_traces(1)
    table = TracesTable(sdk.project, client=sdk)
    table._on_message(table, {"type": "open", "trace_id": ids[0]}, [])
    assert table.selected["trace"]["id"] == ids[0]
    assert [s["name"] for s in table.selected["spans"]] == ["step"]
    table._on_message(table, {"type": "open", "trace_id": "missing"}, [])
    assert "could not open trace missing" in table.error


def test_traces_table__shows_an_unreachable_backend_as_an_error() -> None:
    client = opik_jupyter.Client(url="http://127.0.0.1:9/api", project="p")
    table = TracesTable("p", client=client)
    assert table.error.startswith("could not read traces")
    assert table.rows == []
    assert table.loading is False

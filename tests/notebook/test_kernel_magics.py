"""``%%opik_track`` and the line magics in a real kernel, read back from the backend."""

from __future__ import annotations

import textwrap
from typing import Any

import opik_jupyter
from opik_backend.server import free_port
from tests.testlib.kernel import WIDGET_MIME, Kernel
from tests.testlib.waiting import wait_for


def traced(name: str, code: str) -> str:
    """A ``%%opik_track`` cell named ``name`` (no tree shown) running ``code``."""
    return f"%%opik_track --name {name} --no-display\n{textwrap.dedent(code).strip()}"


def traces_named(
    reader: opik_jupyter.Client, name: str, count: int = 1, ended: bool = True
) -> list[dict[str, Any]]:
    """Wait until the project holds ``count`` (ended) traces called ``name``."""

    def probe() -> list[dict[str, Any]] | None:
        found = reader.search_traces([{"field": "name", "operator": "=", "value": name}])
        found = [t for t in found if t.get("end_time") or not ended]
        return found if len(found) >= count else None

    return wait_for(probe, what=f"{count} trace(s) named {name!r}")


def spans_of(reader: opik_jupyter.Client, trace_id: str, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]] | None:
        spans = [s for s in reader.get_spans(trace_id) if s.get("end_time")]
        return spans if len(spans) >= count else None

    return wait_for(probe, what=f"{count} span(s) of {trace_id}")


def test_traced_cell__records_source_output_and_where_it_ran(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    run = kernel.run('%%opik_track --no-display\nprint("hi there")\n6 * 7', cell_id="cell-1")
    assert run.ok
    assert run.stdout == "hi there\n"  # the user still sees the output
    assert run.result == "42"
    name = f'In [{run.execution_count}]: print("hi there")'
    [trace] = traces_named(reader, name)
    assert trace["input"] == {"source": 'print("hi there")\n6 * 7'}
    assert trace["output"] == {"result": "42", "stdout": "hi there\n"}
    assert trace["metadata"] == {
        "notebook_path": "notebooks/test.ipynb",
        "cell_id": "cell-1",
        "execution_count": run.execution_count,
        "kernel_id": kernel.id,
        "traced_by": "%%opik_track",
    }


def test_magic_options__set_name_tags_thread_and_project(
    kernel: Kernel, reader: opik_jupyter.Client, project: str
) -> None:
    other = f"{project}-other"
    run = kernel.run(
        f"%%opik_track --name qa --tags a,b --thread t-1 --project {other} --no-display\nx = 1"
    )
    assert run.ok
    found = wait_for(
        lambda: reader.search_traces('name = "qa"', project_name=other),
        what="the trace in the other project",
    )
    trace = found[0]
    assert trace["tags"] == ["a", "b"]
    assert trace["thread_id"] == "t-1"
    assert reader.search_traces() == []  # nothing in the current project


def test_bad_magic_arguments__report_usage_and_run_nothing(kernel: Kernel) -> None:
    run = kernel.run("%%opik_track --bogus\nprint('ran')")
    assert not run.ok
    assert run.reply["ename"] == "UsageError"
    assert run.stdout == ""


def test_tracked_functions__nest_under_the_cell(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    run = kernel.run(
        traced(
            "nested",
            """
        @oj.track(type='tool')
        def retrieve(q):
            return ['doc']

        @oj.track
        def answer(q):
            return retrieve(q)[0]

        answer('why?')""",
        )
    )
    assert run.ok, run.traceback
    [trace] = traces_named(reader, "nested")
    spans = {s["name"]: s for s in spans_of(reader, trace["id"], 2)}
    assert spans["answer"].get("parent_span_id") is None
    assert spans["retrieve"]["parent_span_id"] == spans["answer"]["id"]
    assert spans["retrieve"]["type"] == "tool"
    assert trace["output"]["result"] == "'doc'"


def test_top_level_await__runs_in_the_traced_cell(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    run = kernel.run(
        traced(
            "async-cell",
            """
        import asyncio
        @oj.track
        async def fetch(n):
            await asyncio.sleep(0.01)
            return n
        sum(await asyncio.gather(fetch(1), fetch(2)))""",
        )
    )
    assert run.ok, run.traceback
    assert run.result == "3"
    [trace] = traces_named(reader, "async-cell")
    spans = spans_of(reader, trace["id"], 2)
    assert sorted(s["name"] for s in spans) == ["fetch", "fetch"]
    assert trace["output"]["result"] == "3"


def test_magics_inside_a_traced_cell__work(kernel: Kernel, reader: opik_jupyter.Client) -> None:
    run = kernel.run(
        "%%opik_track --name with-magic --no-display\n%env OJ_TEST_VAR=yes\n"
        "import os\nos.environ['OJ_TEST_VAR']"
    )
    assert run.ok, run.traceback
    assert run.result == "'yes'"
    traces_named(reader, "with-magic")


def test_failing_cell__is_traced_with_error_info_and_shows_the_usual_traceback(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    code = "def boom():\n    raise ValueError('bad <input>')\nboom()"
    plain = kernel.run(f"#\n{code}")  # a first line, as the magic line is in the traced cell
    traced = kernel.run(f"%%opik_track --name failing --no-display\n{code}")
    assert not traced.ok
    assert traced.reply["ename"] == "ValueError"
    assert traced.reply["evalue"] == "bad <input>"
    # the same traceback as without the magic: same frames, same lines, none of ours
    expected = plain.traceback.replace(
        f"In[{plain.execution_count}]", f"In[{traced.execution_count}]"
    ).replace("1 #", "1 ")
    assert traced.traceback == expected
    assert "opik_jupyter" not in traced.traceback
    [trace] = traces_named(reader, "failing")
    error = trace["error_info"]
    assert error["exception_type"] == "ValueError"
    assert error["message"] == "bad <input>"
    assert "boom()" in error["traceback"]
    assert "interactiveshell.py" not in error["traceback"]


def test_long_cell__sends_spans_before_it_ends(
    kernel: Kernel, reader: opik_jupyter.Client, tmp_path: Any
) -> None:
    release = tmp_path / "release"
    msg_id = kernel.start(
        traced(
            "long",
            f"""
        import os, time
        @oj.track
        def first_step():
            return 1
        first_step()
        while not os.path.exists({str(release)!r}):  # the test releases it
            time.sleep(0.02)
        'released'""",
        )
    )
    try:
        # while the cell still runs: the open trace and its finished span are stored
        [trace] = traces_named(reader, "long", ended=False)
        assert trace.get("end_time") is None
        [step] = spans_of(reader, trace["id"], 1)
        assert step["name"] == "first_step"
    finally:
        release.touch()
    assert kernel.wait(msg_id).ok
    [done] = traces_named(reader, "long")
    assert done["output"]["result"] == "'released'"


def test_track_all__traces_plain_cells_until_switched_off(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    assert kernel.run("%opik_track_all on").result == "tracing every cell: on"  # text, not a repr
    try:
        first = kernel.run("a_value = 40 + 2")
        kernel.run("%opik_status")  # magics only: not traced
    finally:
        assert kernel.run("%opik_track_all off").ok
    kernel.run("b_value = 1")
    [trace] = traces_named(reader, f"In [{first.execution_count}]: a_value = 40 + 2")
    assert trace["metadata"]["traced_by"] == "%opik_track_all"
    assert kernel.run("oj.flush(10).delivered").result == "True"
    names = [t["name"] for t in reader.search_traces()]
    assert len(names) == 1, names  # neither the magic cell nor the cell after "off"


def test_display__shows_a_live_tree_unless_switched_off(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    code = "%%opik_track --name shown\n@oj.track\ndef inner_step():\n    return 1\ninner_step()"
    shown = kernel.run(code)
    assert shown.ok, shown.traceback
    [first, *updates] = shown.displays(WIDGET_MIME)
    assert "running" in first["data"]["text/html"]
    final = updates[-1]["data"]["text/html"]
    assert "inner_step" in final
    assert "running" not in final
    states = shown.widget_states("data")
    assert any(s.get("spans") and s["spans"][0]["name"] == "inner_step" for s in states)
    assert kernel.run("%opik_display off").result == "inline trace display: off"
    try:
        hidden = kernel.run(code.replace("shown", "hidden"))
        assert hidden.ok
        assert hidden.displays() == []
        assert hidden.of("comm_open") == []
    finally:
        kernel.run("%opik_display on")
    traces_named(reader, "hidden")


def test_status__shows_backend_health_and_counters(kernel: Kernel, backend_url: str) -> None:
    run = kernel.run("%opik_status")
    [result] = run.of("execute_result")
    text = result["data"]["text/plain"]
    assert backend_url in text
    assert "health" in text
    assert "up" in text
    for counter in ("queued", "sent", "retrying", "spilled", "dropped"):
        assert counter in text
    assert "<th" in result["data"]["text/html"]


def test_llm_calls__become_llm_spans_under_the_cell_with_no_decorator(
    kernel: Kernel, reader: opik_jupyter.Client
) -> None:
    setup = kernel.run(
        "from opik_jupyter.testing import FakeLLMServer\n"
        "from openai import OpenAI\n"
        "llm_server = FakeLLMServer().__enter__()\n"
        "llm = OpenAI(base_url=llm_server.openai_base_url, api_key='test')\n"
        "def ask(q):\n"
        "    reply = llm.chat.completions.create(model='gpt-4o-mini',\n"
        "        messages=[{'role': 'user', 'content': q}])\n"
        "    return reply.choices[0].message.content\n"
        "ask('outside any trace')"
    )  # untraced: the magic instruments only inside traces
    assert setup.ok, setup.traceback
    try:
        run = kernel.run(
            traced(
                "llm-cell",
                """
            @oj.track
            def pipeline(q):
                return ask(q)
            pipeline('Paris?'), ask('direct')""",
            )
        )
        assert run.ok, run.traceback
        assert run.result == "('Echo: Paris?', 'Echo: direct')"
        [trace] = traces_named(reader, "llm-cell")
        spans = spans_of(reader, trace["id"], 3)
        llm_spans = [s for s in spans if s["type"] == "llm"]
        assert len(llm_spans) == 2
        pipeline = next(s for s in spans if s["name"] == "pipeline")
        parents = sorted(str(s.get("parent_span_id")) for s in llm_spans)
        assert parents == sorted([pipeline["id"], "None"])
        assert all(s["model"].startswith("gpt-4o-mini") for s in llm_spans)
        assert all(s["usage"]["total_tokens"] > 0 for s in llm_spans)
        assert kernel.run("oj.flush(10).delivered").result == "True"
        assert len(reader.search_traces()) == 1  # the untraced call made no trace
    finally:
        kernel.run("llm_server.__exit__(None, None, None)")


def test_backend_down__one_line_error_not_a_traceback_through_http(kernel: Kernel) -> None:
    port = free_port()  # nothing listens there
    done = kernel.run(f"oj.Client(url='http://127.0.0.1:{port}').get_trace('some-id')")
    assert not done.ok
    assert done.reply["ename"] == "TransportError"
    lines = done.traceback.splitlines()
    assert len(lines) == 1, done.traceback
    assert lines[0].startswith(
        f"TransportError: cannot reach the Opik backend at http://127.0.0.1:{port}"
    )
    assert "check that it runs" in lines[0]
    assert "http.client" not in done.traceback


def test_track__tracebacks_leave_out_the_decorators_frames(kernel: Kernel) -> None:
    source = (
        "@oj.track\ndef inner():\n    raise ValueError('boom')\n"
        "@oj.track\ndef outer():\n    return inner()\n"
        "outer()"
    )
    done = kernel.run(source)
    assert not done.ok
    assert "ValueError: boom" in done.traceback
    assert "_decorator.py" not in done.traceback
    assert "wrapper" not in done.traceback

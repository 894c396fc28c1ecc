"""The extension without a kernel (``globalipapp``): parsing, cell selection, the line
magics, the status table, stdout capture and the direct ``run_cell_magic`` path."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import ExecutionInfo
from IPython.testing import globalipapp

import opik_jupyter
from opik_jupyter.magics import CellOptions, tracer_of
from opik_jupyter.magics._cells import default_name, magic_line, magics_only
from opik_jupyter.magics._magics import parse_track_line
from opik_jupyter.magics._status import StatusReport
from opik_jupyter.magics._tee import Tee
from opik_jupyter.sdk import DeliveryStatus
from opik_jupyter.sdk.integrations import instrumented
from opik_jupyter.widgets._cell_view import display_enabled, set_display
from tests.testlib.sdk_env import run_python
from tests.testlib.waiting import wait_for


@pytest.fixture
def ip() -> Iterator[Any]:
    """The global test shell with the extension loaded (unloaded afterwards)."""
    globalipapp.start_ipython()  # once per process; later calls do nothing
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "opik_jupyter")
    yield shell
    set_display(None)
    shell.run_line_magic("unload_ext", "opik_jupyter")
    assert tracer_of(shell) is None
    assert instrumented() == []  # unloading undid the LLM client patches it made


def test_track_line__parses_every_option() -> None:
    options = parse_track_line("--name qa --project p --tags a,b,,c --thread t1 --no-display")
    assert options == CellOptions(
        name="qa", project="p", tags=("a", "b", "c"), thread="t1", display=False
    )
    assert parse_track_line("") == CellOptions()


@pytest.mark.parametrize("line", ["--bogus", "--name", "positional"])
def test_track_line__rejects_bad_arguments(line: str) -> None:
    with pytest.raises(UsageError):
        parse_track_line(line)


def test_magic_line__is_found_only_at_the_top_of_a_cell() -> None:
    assert magic_line("\n%%opik_track --name x\nbody\n") == ("--name x", "body\n")
    assert magic_line("%%opik_track\nbody") == ("", "body")
    assert magic_line("%%opik_tracker\nbody") is None
    assert magic_line("x = 1\n%%opik_track\n") is None


def test_magics_only__spots_cells_with_no_python() -> None:
    assert magics_only("%opik_status\n\n# note\n!ls")
    assert not magics_only("%time x = 1\ny = 2")


def test_default_name__is_the_count_and_first_line_of_code() -> None:
    assert default_name(3, "# comment\n\nanswer = ask('q')\n") == "In [3]: answer = ask('q')"
    assert default_name(4, "# only a comment") == "In [4]"
    assert default_name(5, "x" * 100).endswith("x…")


def test_transform__blanks_a_valid_magic_line_and_keeps_line_numbers(ip: Any) -> None:
    tracer = tracer_of(ip)
    assert tracer is not None
    assert tracer.transform(["%%opik_track --name a\n", "x = 1\n"]) == ["\n", "x = 1\n"]
    bad = ["%%opik_track --bogus\n", "x = 1\n"]
    assert tracer.transform(bad) == bad  # the magic itself reports the bad line


def test_line_magics__switch_display_track_all_and_project(ip: Any) -> None:
    tracer = tracer_of(ip)
    assert ip.run_line_magic("opik_display", "off") == "inline trace display: off"
    assert display_enabled() is False
    assert ip.run_line_magic("opik_display", "on") == "inline trace display: on"
    assert ip.run_line_magic("opik_track_all", "") == "tracing every cell: off"
    assert ip.run_line_magic("opik_track_all", "on") == "tracing every cell: on"
    assert tracer.track_all is True
    ip.run_line_magic("opik_track_all", "off")
    with pytest.raises(UsageError):
        ip.run_line_magic("opik_display", "maybe")
    try:
        assert ip.run_line_magic("opik_project", "my-project") == "my-project"
        assert opik_jupyter.sdk._config.current().project == "my-project"
    finally:
        opik_jupyter.sdk._state.reset()


def test_display_enabled__follows_the_env_var_until_switched(
    ip: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_DISPLAY", "0")
    assert display_enabled() is False
    monkeypatch.setenv("OPIK_JUPYTER_DISPLAY", "1")
    assert display_enabled() is True
    ip.run_line_magic("opik_display", "off")
    assert display_enabled() is False  # the magic wins over the env var
    set_display(None)
    assert display_enabled() is True


@pytest.mark.parametrize(("setting", "loaded"), [("0", False), ("1", True)])
def test_load_ext__imports_the_widgets_only_when_views_are_on(setting: str, loaded: bool) -> None:
    code = (
        f"import os, sys; os.environ['OPIK_JUPYTER_DISPLAY'] = '{setting}'\n"
        "from IPython.testing import globalipapp; globalipapp.start_ipython()\n"
        "globalipapp.get_ipython().run_line_magic('load_ext', 'opik_jupyter')\n"
        "import opik_jupyter.evaluation\n"
        "print('anywidget' in sys.modules)"
    )
    assert run_python(code) == str(loaded)


def test_status_report__renders_a_table_and_escapes_it() -> None:
    status = DeliveryStatus(
        queued=1,
        sent=2,
        retrying=3,
        spilled=4,
        dropped=5,
        superseded=0,
        enqueued=15,
        adopted=0,
        state="down",
        url=None,
        last_error="<refused>",
    )
    report = StatusReport(url="http://127.0.0.1:1/api", healthy=False, project="<p>", status=status)
    text = repr(report)
    assert "health      not answering" in text
    assert "spilled     4" in text
    html = report._repr_html_()
    assert "&lt;refused&gt;" in html
    assert "<p>" not in html


def test_tee__writes_through_and_keeps_a_bounded_copy() -> None:
    out = io.StringIO()
    tee = Tee(out, limit=5)
    tee.write("abc")
    tee.writelines(["defg", "h"])
    assert out.getvalue() == "abcdefgh"
    assert tee.text() == "abcde\n[truncated by opik-jupyter: 3 more characters]"
    assert tee.getvalue() == "abcdefgh"  # anything else goes to the stream


def test_run_cell_magic__called_directly_traces_the_cell(
    ip: Any, sdk: opik_jupyter.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    ip.run_cell_magic("opik_track", "--name direct --no-display", "print('hello')\n2 + 2")
    assert "hello" in capsys.readouterr().out
    assert opik_jupyter.flush(10).delivered
    [trace] = wait_for(
        lambda: sdk.search_traces([{"field": "name", "operator": "=", "value": "direct"}]),
        what="the trace",
    )
    assert trace["input"] == {"source": "print('hello')\n2 + 2"}
    assert trace["output"]["result"] == "4"
    assert trace["output"]["stdout"].startswith("hello\n")
    with pytest.raises(UsageError):
        ip.run_cell_magic("opik_track", "--bogus", "1")


def test_track_all__skips_cells_without_history_and_magic_only_cells(
    ip: Any, sdk: opik_jupyter.Client
) -> None:
    tracer = tracer_of(ip)
    tracer.track_all = True
    try:
        ip.run_cell("%opik_status", store_history=True)
        ip.run_cell("internal = 1", store_history=False)
        ip.run_cell("user_cell = 1", store_history=True)
    finally:
        tracer.track_all = False
    assert opik_jupyter.flush(10).delivered
    names = [t["name"] for t in sdk.search_traces()]
    assert len(names) == 1
    assert names[0].endswith("user_cell = 1")


def test_interrupted_async_cell__closes_its_trace_and_restores_stdout(
    ip: Any, sdk: opik_jupyter.Client
) -> None:
    # ipykernel calls post_run_cell(None) when an interrupt cancels an async cell
    tracer = tracer_of(ip)
    stdout = sys.stdout
    info = ExecutionInfo("%%opik_track --no-display\nawait forever()", True, False, True, "cell-9")
    tracer.pre_run_cell(info)
    [(_, cell)] = tracer._open.values()
    assert sys.stdout is cell.tee
    tracer.post_run_cell(None)
    assert sys.stdout is stdout
    assert cell.trace.ended
    assert cell.trace.error["exception_type"] == "KeyboardInterrupt"
    assert tracer._open == {}

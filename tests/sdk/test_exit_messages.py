"""The warning at interpreter exit agrees with the delivery status shown just before it."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from opik_backend.server import free_port
from opik_jupyter.sdk._delivery_status import FlushResult, idle_status
from opik_jupyter.sdk._lifecycle import exit_message
from tests.testlib.sdk_env import env_without_sdk_settings

SCRIPT = """
    import json, sys
    import opik_jupyter as oj
    url, data_dir = sys.argv[1:3]
    oj.configure(url=url, data_dir=data_dir, spill_dir=data_dir + "/spill", exit_flush_timeout=1)

    @oj.track
    def answer(question):
        return question.upper()

    answer("capital of France?")
    oj.flush(5)
    status = oj.delivery_status()
    print(json.dumps({"spilled": status.spilled, "dropped": status.dropped,
                      "queued": status.queued, "retrying": status.retrying}), flush=True)
"""
EXIT_LINE = re.compile(r"at exit (\d+) event\(s\) were not delivered \((.*)\)")


def test_exit_after_an_outage__names_the_count_the_status_showed(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens: the events spill
    done = subprocess.run(
        [sys.executable, str(script), url, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=env_without_sdk_settings(),
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["spilled"] >= 2  # the trace and its span (start versions may be apart)
    [said] = EXIT_LINE.findall(done.stderr)
    assert int(said[0]) == shown["spilled"] + shown["dropped"] + shown["queued"]
    assert said[1] == f"{shown['spilled']} kept on disk for the next session"


def _result(timed_out: bool, **counts: int) -> FlushResult:
    status = dataclasses.replace(idle_status("http://x/api"), **counts)
    return FlushResult(delivered=False, timed_out=timed_out, status=status)


def test_exit_message__silent_when_a_timed_out_flush_delivered_everything_in_the_end() -> None:
    assert exit_message(_result(True, sent=2)) is None


def test_exit_message__the_total_is_the_sum_of_the_parts_it_names() -> None:
    message = exit_message(_result(True, spilled=2, dropped=1, queued=3))
    assert message == (
        "opik-jupyter: at exit 6 event(s) were not delivered "
        "(2 kept on disk for the next session, 1 dropped, 3 still in memory, lost)"
    )
    assert exit_message(_result(False, spilled=2)) == (
        "opik-jupyter: at exit 2 event(s) were not delivered (2 kept on disk for the next session)"
    )

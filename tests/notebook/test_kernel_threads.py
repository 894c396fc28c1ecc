"""The Threads widget in a real kernel: its synced model carries the project's threads with
their scores and comments and the selected thread's turns; selecting another thread loads
its turns; the static fallback shows the same conversations for saved notebooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testlib.backends import RunningBackend
from tests.testlib.kernel import WIDGET_MIME, Kernel, kernel_after

pytestmark = pytest.mark.slow

SETUP = """
import opik_jupyter as oj
oj.configure(url={url!r}, workspace={workspace!r}, project="conv", flush_interval=0.05)
for thread, turns in {{"late-order": [("My order 123 is late.", "It ships tomorrow."),
                                      ("Again?!", "Refunded.")],
                       "greeting": [("hello", "hi! how can I help?")]}}.items():
    for question, answer in turns:
        with oj.start_trace("chat", input={{"question": question}}, thread_id=thread) as t:
            t.update(output={{"answer": answer}})
oj.flush()
client = oj.Client()
client.log_thread_score("late-order", "user_frustration", 0.8, reason="asked twice")
client.add_thread_comment("late-order", "escalate to a person")
"""


@pytest.fixture
def kernel(backend: RunningBackend, workspace: str, tmp_path: Path) -> Iterator[Kernel]:
    setup = SETUP.format(url=backend.url, workspace=workspace)
    with kernel_after(setup, tmp_path) as running:
        yield running


def test_threads_widget_syncs_threads_turns_and_a_static_fallback(kernel: Kernel) -> None:
    run = kernel.run('w = oj.Threads(selected="late-order"); w')
    assert run.ok, run.traceback
    (shown,) = [r["data"] for r in run.of("execute_result") if WIDGET_MIME in r["data"]]
    assert shown["text/plain"].startswith("Threads of 'conv': 2 conversations")
    html = shown["text/html"]
    assert "escalate to a person" in html
    assert "It ships tomorrow." in html
    assert "user_frustration 0.8" in html
    (data,) = [s for s in run.widget_states("data") if s]
    by_id = {t["id"]: t for t in data["threads"]}
    assert by_id["late-order"]["number_of_messages"] == 2
    assert by_id["late-order"]["comments"][0]["text"] == "escalate to a person"
    assert by_id["late-order"]["feedback_scores"][0]["name"] == "user_frustration"
    (turns,) = [s for s in run.widget_states("turns") if s]
    assert [t["output"] for t in turns] == [
        {"answer": "It ships tomorrow."},
        {"answer": "Refunded."},
    ]
    picked = kernel.run('w.selected = "greeting"')
    assert picked.ok, picked.traceback
    late = list(picked.widget_states("turns")) + [
        m["content"]["data"].get("state", {}).get("turns")
        for m in kernel.comm_messages()
        if m["msg_type"] == "comm_msg"
    ]
    latest = [t for t in late if t][-1]
    assert [t["input"] for t in latest] == [{"question": "hello"}]

"""The AnnotationQueue widget in a real kernel: it opens the first item not done with the
queue's score controls, a Save from the front end (a custom comm message, as the button
sends) stores the scores and the comment on the trace and moves on, bad scores are shown
as an error, and after a kernel restart the progress is read back from the stored scores."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.testlib.backends import RunningBackend
from tests.testlib.kernel import WIDGET_MIME, Kernel, kernel_env

pytestmark = pytest.mark.slow

CONFIGURE = """
import json
import opik_jupyter as oj
oj.configure(url={url!r}, workspace={workspace!r}, project="review", flush_interval=0.05)
"""
SETUP = """
ids = []
for question in ("2+2?", "capital of Peru?", "largest planet?"):
    with oj.start_trace("answer", input={{"question": question}}) as trace:
        trace.update(output={{"answer": "4"}})
    ids.append(trace.id)
oj.flush()
oj.create_annotation_queue(
    "review-answers",
    scores=[{{"name": "correct", "categories": {{"yes": 1, "no": 0}}}},
            {{"name": "quality", "min": 1, "max": 5}}],
    instructions="Is the answer right?",
    items=ids,
)
"""


def state(kernel: Kernel, expression: str) -> Any:
    run = kernel.run(f"print(json.dumps({expression}))")
    assert run.ok, run.traceback
    return json.loads(run.stdout)


@pytest.fixture
def kernel(backend: RunningBackend, workspace: str, tmp_path: Path) -> Iterator[Kernel]:
    env = kernel_env(OPIK_JUPYTER_DATA_DIR=str(tmp_path / "kernel-data"))
    running = Kernel(env, tmp_path)
    assert running.run(configure(backend, workspace)).ok
    setup = running.run(textwrap.dedent(SETUP.format()), timeout=120)
    assert setup.ok, setup.traceback
    yield running
    running.shutdown()


def configure(backend: RunningBackend, workspace: str) -> str:
    return textwrap.dedent(CONFIGURE.format(url=backend.url, workspace=workspace))


def send_to_widget(kernel: Kernel, model_id: str, content: dict[str, Any]) -> None:
    """What the widget's front end sends: an ipywidgets custom message on its comm."""
    message = kernel.client.session.msg(
        "comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": content}}
    )
    kernel.client.shell_channel.send(message)


def test_reviewing_a_queue_survives_a_kernel_restart(
    kernel: Kernel, api: httpx.Client, backend: RunningBackend, workspace: str
) -> None:
    run = kernel.run('w = oj.AnnotationQueue("review-answers"); w')
    assert run.ok, run.traceback
    (shown,) = [r["data"] for r in run.of("execute_result") if WIDGET_MIME in r["data"]]
    assert shown["text/plain"] == "Annotation queue review-answers: 0 of 3 done"
    (definitions,) = run.widget_states("definitions")
    assert definitions[0]["options"] == [
        {"label": "no", "value": 0.0},
        {"label": "yes", "value": 1.0},
    ]
    assert (definitions[1]["min"], definitions[1]["max"]) == (1.0, 5.0)
    first = state(kernel, "[w.index, w.item['id'], w.item['trace']['trace']['name']]")
    ids = state(kernel, "ids")
    assert first == [0, ids[0], "answer"]

    model_id = state(kernel, "w.model_id")
    send_to_widget(
        kernel, model_id, {"type": "save", "scores": {"correct": 1, "quality": 4}, "comment": "ok"}
    )
    kernel.comm_messages(timeout=2.0)  # the kernel handles it in the background
    assert state(kernel, "[w.done, w.index, w.error]") == [1, 1, ""]
    send_to_widget(kernel, model_id, {"type": "save", "scores": {"correct": 0.5, "quality": 9}})
    kernel.comm_messages(timeout=2.0)
    assert "correct: 0.5 is none of no=0, yes=1" in state(kernel, "w.error")
    assert state(kernel, "w.done") == 1

    stored = api.get(f"v1/private/traces/{ids[0]}").json()
    assert {(s["name"], s["value"], s["source"]) for s in stored["feedback_scores"]} == {
        ("correct", 1.0, "ui"),
        ("quality", 4.0, "ui"),
    }
    assert [s.get("category_name") for s in stored["feedback_scores"]] == ["yes", None]
    assert [c["text"] for c in stored["comments"]] == ["ok"]

    kernel.restart()
    assert kernel.run(configure(backend, workspace)).ok
    again = kernel.run('w = oj.AnnotationQueue("review-answers"); w')
    assert again.ok, again.traceback
    (shown,) = [r["data"] for r in again.of("execute_result") if WIDGET_MIME in r["data"]]
    assert shown["text/plain"] == "Annotation queue review-answers: 1 of 3 done"
    assert state(kernel, "[w.done, w.index, w.item['id']]") == [1, 1, ids[1]]
    w_back = state(kernel, "(w.show(0), w.item['scores'], w.item['comments'])[1:]")
    assert w_back == [{"correct": 1.0, "quality": 4.0}, ["ok"]]
    progress = state(kernel, 'oj.annotation_queue_progress("review-answers")["done"]')
    assert progress == 1


def test_a_thread_queue_shows_turns_and_stores_thread_scores(
    kernel: Kernel, api: httpx.Client
) -> None:
    setup = kernel.run(
        textwrap.dedent(
            """
            for thread, question in (("chat-1", "hi"), ("chat-1", "and then?"), ("chat-2", "yo")):
                with oj.start_trace("turn", input={"question": question}, thread_id=thread) as t:
                    t.update(output={"answer": question.upper()})
            oj.flush()
            oj.create_annotation_queue(
                "review-chats", scope="thread", items=["chat-1", "chat-2"],
                scores=[{"name": "resolved", "true_label": "resolved", "false_label": "open"}])
            w = oj.AnnotationQueue("review-chats")
            """
        ),
        timeout=120,
    )
    assert setup.ok, setup.traceback
    turns = state(kernel, "[t['input']['question'] for t in w.item['turns']]")
    assert turns == ["hi", "and then?"]  # chat-1's turns, oldest first
    assert state(kernel, "[o['label'] for o in w.definitions[0]['options']]") == [
        "resolved",
        "open",
    ]
    assert kernel.run("w.save({'resolved': 1})").ok
    assert state(kernel, "[w.done, w.item['id']]") == [1, "chat-2"]
    page = api.get(
        "v1/private/traces/threads", params={"project_name": "review", "size": 10}
    ).json()
    scored = {t["id"]: t.get("feedback_scores", []) for t in page["content"]}
    assert [(s["name"], s["value"], s["category_name"]) for s in scored["chat-1"]] == [
        ("resolved", 1.0, "resolved")
    ]
    assert scored["chat-2"] == []

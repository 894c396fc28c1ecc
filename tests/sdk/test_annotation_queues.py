"""Annotation queues from our SDK against the real backend (SQLite and MariaDB): create a
queue of traces (its score definitions made on the way) or of threads, add and remove
items, read progress from the stored scores, and the errors that say what to do."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import opik_jupyter as oj
from tests.testlib.backends import RunningBackend


@pytest.fixture
def sdk(backend: RunningBackend, workspace: str) -> Iterator[oj.Client]:
    oj.configure(url=backend.url, workspace=workspace, project="queues", flush_interval=0.05)
    client = oj.Client()
    yield client
    client.close()


def traces(count: int, thread_id: str | None = None) -> list[str]:
    ids = []
    for n in range(count):
        with oj.start_trace(f"t{n}", input={"n": n}, thread_id=thread_id) as trace:
            pass
        ids.append(trace.id)
    assert oj.flush().delivered
    return ids


def test_a_trace_queue_from_creation_to_progress(sdk: oj.Client, api: httpx.Client) -> None:
    ids = traces(3)
    queue = oj.create_annotation_queue(
        "grading",
        scores=[{"name": "right", "categories": {"yes": 1, "no": 0}}, {"name": "stars", "max": 5}],
        instructions="Grade it",
        items=ids[:2],
    )
    assert (queue["scope"], queue["items_count"], queue["items_done"]) == ("trace", 2, 0)
    assert queue["feedback_definition_names"] == ["right", "stars"]
    kinds = {
        d["name"]: d["type"]
        for d in api.get("v1/private/feedback-definitions", params={"size": 100}).json()["content"]
    }
    assert (kinds["right"], kinds["stars"]) == ("categorical", "numerical")

    oj.add_to_annotation_queue("grading", [ids[2], ids[0]])
    oj.remove_from_annotation_queue(queue["id"], [ids[1]])
    for name, value in (("right", 1), ("stars", 4)):
        oj.log_feedback_score(name, value, trace_id=ids[2])
    oj.log_feedback_score("right", 0, trace_id=ids[0])
    assert oj.flush().delivered
    progress = oj.annotation_queue_progress("grading")
    assert (progress["done"], progress["total"]) == (1, 2)
    assert [(i["id"], i["done"]) for i in progress["items"]] == [(ids[0], False), (ids[2], True)]
    assert [q["name"] for q in oj.list_annotation_queues()] == ["grading"]
    assert oj.list_annotation_queues("no-such-project") == []

    # an existing definition is used as it is, by name
    again = oj.create_annotation_queue("second", scores=["right"])
    assert again["feedback_definition_names"] == ["right"]
    oj.delete_annotation_queue("second")
    with pytest.raises(LookupError, match="no annotation queue 'second'"):
        oj.get_annotation_queue("second")


def test_a_thread_queue_counts_its_threads(sdk: oj.Client) -> None:
    traces(2, thread_id="chat-1")
    traces(1, thread_id="chat-2")
    queue = oj.create_annotation_queue("chats", scope="thread", items=["chat-1", "chat-2"])
    assert (queue["scope"], queue["items_count"]) == ("thread", 2)


def test_bad_queues_say_what_to_do(sdk: oj.Client) -> None:
    with pytest.raises(oj.AnnotationQueueError, match="no project named 'queues'"):
        oj.create_annotation_queue("q")
    traces(1)
    with pytest.raises(oj.AnnotationQueueError, match="no feedback definition named 'nope'"):
        oj.create_annotation_queue("q", scores=["nope"])
    with pytest.raises(oj.AnnotationQueueError, match=r"min 3\.0 is not below max 1\.0"):
        oj.create_annotation_queue("q", scores=[{"name": "bad", "min": 3, "max": 1}])
    with pytest.raises(oj.AnnotationQueueError, match="scope must be"):
        oj.create_annotation_queue("q", scope="span")  # type: ignore[arg-type]
    with pytest.raises(LookupError, match="list_annotation_queues"):
        oj.add_to_annotation_queue("missing", ["x"])
    oj.create_annotation_queue("q")
    with pytest.raises(oj.HttpStatusError, match="409"):
        oj.create_annotation_queue("q")

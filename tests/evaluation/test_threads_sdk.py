"""Threads from our SDK: ``oj.threads()`` as a DataFrame, thread scores and comments, and
``evaluate_threads`` logging its scores on the threads; against a real backend."""

from __future__ import annotations

import pandas as pd
import pytest

import opik_jupyter
from opik_jupyter.evaluation import metrics as m
from opik_jupyter.sdk import HttpStatusError


def chat(thread_id: str, turns: list[tuple[str, str]]) -> None:
    for question, answer in turns:
        with opik_jupyter.start_trace(
            "chat", input={"question": question}, thread_id=thread_id
        ) as t:
            t.update(output={"answer": answer})


def test_threads_dataframe_one_row_per_thread_with_scores_as_columns(
    sdk: opik_jupyter.Client,
) -> None:
    chat("t-1", [("hi", "hello"), ("how are you?", "fine"), ("bye", "ciao")])
    chat("t-2", [("price?", "$5")])
    with opik_jupyter.start_trace("no thread"):
        pass
    opik_jupyter.flush()
    sdk.log_thread_score("t-1", "helpful", 0.75, reason="kind", project_name="evals")
    sdk.log_thread_scores([{"thread_id": "t-2", "name": "resolved", "value": 1}], "evals")
    frame = opik_jupyter.threads("evals")
    assert isinstance(frame, pd.DataFrame)
    assert sorted(frame["id"]) == ["t-1", "t-2"]
    one = frame.set_index("id").loc["t-1"]
    assert one["number_of_messages"] == 3
    assert one["first_message"] == {"question": "hi"}
    assert one["last_message"] == {"answer": "ciao"}
    assert one["status"] == "active"
    assert one["feedback_scores.helpful"] == pytest.approx(0.75)
    assert pd.isna(one["feedback_scores.resolved"])
    assert frame.set_index("id").loc["t-2", "feedback_scores.resolved"] == 1
    assert str(frame["start_time"].dtype) == "datetime64[ns, UTC]"
    assert {"duration", "total_estimated_cost", "usage.total_tokens", "comments"} <= set(frame)
    only = sdk.threads_dataframe("feedback_scores.helpful > 0.5", project_name="evals")
    assert list(only["id"]) == ["t-1"]


def test_thread_comments_and_turns_from_the_sdk(sdk: opik_jupyter.Client) -> None:
    chat("c-1", [("first", "a"), ("second", "b")])
    opik_jupyter.flush()
    comment_id = sdk.add_thread_comment("c-1", "the user asked twice", project_name="evals")
    comments = sdk.thread_comments("c-1", project_name="evals")
    assert [(c["id"], c["text"]) for c in comments] == [(comment_id, "the user asked twice")]
    assert [t["input"] for t in sdk.thread_turns("c-1", "evals")] == [
        {"question": "first"},
        {"question": "second"},
    ]
    assert sdk.get_thread("nope", "evals") is None
    with pytest.raises(LookupError, match="nope"):
        sdk.add_thread_comment("nope", "x", project_name="evals")
    with pytest.raises(ValueError, match="value"):
        sdk.log_thread_scores([{"thread_id": "c-1", "name": "x"}], "evals")
    with pytest.raises(HttpStatusError):
        sdk.add_thread_comment("c-1", " ", project_name="evals")


def test_evaluate_threads_logs_each_score_on_its_thread(sdk: opik_jupyter.Client) -> None:
    chat("e-1", [("My order 123 is late.", "It ships tomorrow."), ("Again?!", "Refunded.")])
    chat("e-2", [("hello", "hello"), ("hello", "hello")])
    opik_jupyter.flush()
    frame = m.evaluate_threads([m.ConversationDegenerationMetric()], client=sdk)
    assert sorted(frame["thread_id"]) == ["e-1", "e-2"]
    logged = opik_jupyter.threads("evals").set_index("id")
    column = "feedback_scores.conversation_degeneration_metric"
    for row in frame.itertuples():
        assert logged.loc[row.thread_id, column] == pytest.approx(row.value)
    scores = sdk.get_thread("e-1", "evals")["feedback_scores"]
    assert scores[0]["reason"] == frame.set_index("thread_id").loc["e-1", "reason"]
    quiet = m.evaluate_threads(
        [m.KnowledgeRetentionMetric()], thread_ids=["e-1"], client=sdk, log_scores=False
    )
    assert len(quiet) == 1
    names = {s["name"] for s in sdk.get_thread("e-1", "evals")["feedback_scores"]}
    assert names == {"conversation_degeneration_metric"}

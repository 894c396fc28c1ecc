"""Interrupted runs: Ctrl-C keeps the finished items, a killed kernel keeps those it had
linked, and ``resume=True`` runs only the rest, each item ending up in the experiment once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

import opik_jupyter
from opik_jupyter.evaluation import Dataset, Equals, evaluate
from tests.testlib.backends import RunningBackend
from tests.testlib.evaluation import MAPPING, answer, experiment, linked_items
from tests.testlib.sdk_env import env_without_sdk_settings
from tests.testlib.waiting import wait_for

pytestmark = pytest.mark.slow


def test_resume__after_ctrl_c_runs_only_the_unfinished_items(
    capitals: Dataset, api: httpx.Client
) -> None:
    calls: list[str] = []
    interrupted: list[bool] = []

    def interrupted_at_chad(item: dict[str, Any]) -> str:
        calls.append(item["input"])
        if item["input"] == "chad" and not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # what the notebook's interrupt button does
            time.sleep(1)  # still running when the interrupt lands
        return answer(item)

    with pytest.raises(KeyboardInterrupt):
        evaluate(
            capitals,
            interrupted_at_chad,
            [Equals()],
            scoring_key_mapping=MAPPING,
            experiment_name="long-run",
            workers=1,
            progress=False,
        )
    first = {i["dataset_item_id"] for i in linked_items(api, "long-run")}
    assert len(first) == 2  # france and peru; chad was cut off
    assert (
        experiment(api, next(iter(linked_items(api, "long-run")))["experiment_id"])["status"]
        == "running"
    )
    calls.clear()
    result = evaluate(
        capitals,
        interrupted_at_chad,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="long-run",
        resume=True,
        workers=1,
        progress=False,
    )
    assert calls == ["chad", "japan"]
    assert [(i.item["input"], i.resumed) for i in result.items] == [
        ("france", True),
        ("peru", True),
        ("chad", False),
        ("japan", False),
    ]
    assert result.scores["equals_metric"].count == 4
    assert not result.interrupted
    linked = Counter(i["dataset_item_id"] for i in linked_items(api, "long-run"))
    assert set(linked.values()) == {1}
    assert len(linked) == 4
    stored = wait_for(
        lambda: (e := experiment(api, result.experiment_id))["trace_count"] == 4 and e,
        what="four traces",
    )
    assert stored["status"] == "completed"


def test_resume__when_everything_is_done_reads_the_results_back(capitals: Dataset) -> None:
    done = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="finished",
        progress=False,
    )
    again = evaluate(
        capitals,
        lambda item: pytest.fail("nothing should run"),
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="finished",
        resume=True,
        progress=False,
    )
    assert again.experiment_id == done.experiment_id
    assert [i.trace_id for i in again.items] == [i.trace_id for i in done.items]
    assert again.scores["equals_metric"].mean == 1.0
    assert all(i.resumed for i in again.items)


def test_resume__of_a_name_not_used_yet_starts_the_experiment(capitals: Dataset) -> None:
    result = evaluate(
        capitals,
        answer,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="fresh",
        resume=True,
        progress=False,
    )
    assert len(result.items) == 4


KILLED_RUN = """
import time
import opik_jupyter as oj
from opik_jupyter.evaluation import Dataset, Equals, evaluate

def slow(item):
    time.sleep(0.3)
    return item["input"].upper()

evaluate(Dataset.get("letters"), slow, [Equals()], experiment_name="killed",
         scoring_key_mapping={"reference": "expected_output"}, workers=1, progress=False)
"""


def test_resume__after_the_process_was_killed(
    sdk: opik_jupyter.Client,
    backend: RunningBackend,
    workspace: str,
    api: httpx.Client,
    tmp_path: Path,
) -> None:
    letters = Dataset("letters", client=sdk)
    letters.insert([{"input": c, "expected_output": c.upper()} for c in "abcdefghij"])
    env = {
        **env_without_sdk_settings(),
        "OPIK_JUPYTER_URL": backend.url,
        "OPIK_JUPYTER_WORKSPACE": workspace,
        "OPIK_JUPYTER_PROJECT": "evals",
        "OPIK_JUPYTER_DATA_DIR": str(tmp_path / "child"),
    }
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_RUN)], env=env)
    try:
        wait_for(
            lambda: len(linked_items(api, "killed")) >= 3,
            timeout=60,
            what="some items linked by the child",
        )
    finally:
        child.kill()
        child.wait(30)
    before = {i["dataset_item_id"] for i in linked_items(api, "killed")}
    calls: list[str] = []

    def task(item: dict[str, Any]) -> str:
        calls.append(item["input"])
        return str(item["input"]).upper()

    result = evaluate(
        letters,
        task,
        [Equals()],
        scoring_key_mapping=MAPPING,
        experiment_name="killed",
        resume=True,
        progress=False,
    )
    redone = {i.dataset_item_id for i in result.items if not i.resumed}
    assert redone.isdisjoint(before)
    assert len(calls) == 10 - len(before)
    linked = Counter(i["dataset_item_id"] for i in linked_items(api, "killed"))
    assert len(linked) == 10
    assert set(linked.values()) == {1}
    assert result.scores["equals_metric"].mean == 1.0
    assert result.scores["equals_metric"].count == 10

"""Online evaluation when things fail: a scorer killed mid-event, and rate limiting.

These run real backend processes (the queue must outlive the process that held an event).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import httpx
import pytest

from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import REDIS_URL, start_backend_process
from tests.testlib.builders import trace
from tests.testlib.online_rules import judge_rule
from tests.testlib.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("queue", ["embedded", "redis"])
def test_an_event_held_by_a_killed_worker_is_scored_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, queue: str
) -> None:
    with FakeLLMServer(latency=30) as judge:  # the judge holds the worker's event
        judge.replies = lambda request: json.dumps({"helpfulness": 1})
        monkeypatch.setenv("OPIK_JUPYTER_JUDGE_BASE_URL", judge.openai_base_url)
        monkeypatch.setenv("OPIK_JUPYTER_ONLINE_RETRY_SECONDS", "1")
        monkeypatch.setenv("OPIK_JUPYTER_REDIS_PREFIX", f"kill-test-{uuid.uuid4().hex[:8]}")
        if queue == "redis":
            monkeypatch.setenv("OPIK_JUPYTER_REDIS_URL", REDIS_URL)
        backend = start_backend_process(tmp_path)
        with httpx.Client(base_url=backend.url + "/") as api:
            api.post("v1/private/automations/evaluators", json=judge_rule("killed"))
            body = trace("killed", input={"question": "q"}, output={"answer": "a"})
            api.post("v1/private/traces/batch", json={"traces": [body]})
        wait_for(lambda: judge.requests, interval=0.1, what="the worker to call the judge")
        os.kill(backend.process.pid, signal.SIGKILL)
        backend.process.wait(30)

        judge.latency = 0
        again = start_backend_process(tmp_path)
        try:
            with httpx.Client(base_url=again.url + "/") as api:
                scores = wait_for(
                    lambda: (
                        api.get(f"v1/private/traces/{body['id']}").json().get("feedback_scores", [])
                    ),
                    interval=0.1,
                    what="the score after the restart",
                )
                assert [(s["name"], s["value"]) for s in scores] == [("helpfulness", 1.0)]
                assert len(judge.requests) == 2  # the killed attempt and the redelivery
        finally:
            again.stop()


def test_rate_limit_answers_429_and_the_sdk_delivers_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_RATE_LIMIT_PER_SECOND", "300")
    backend = start_backend_process(tmp_path / "backend")
    try:
        with httpx.Client(base_url=backend.url + "/") as api:
            first = api.post(
                "v1/private/traces/batch", json={"traces": [trace("limited") for _ in range(300)]}
            )
            second = api.post("v1/private/traces/batch", json={"traces": [trace("limited")]})
            assert first.status_code == 204
            assert second.status_code == 429
            assert int(second.headers["Retry-After"]) >= 1
            assert "limit" in second.json()["message"]
        script = textwrap.dedent(f"""
            import json, opik_jupyter as oj
            oj.configure(url={backend.url!r}, project="sdk-limited",
                         data_dir={str(tmp_path / "sdk")!r})
            for i in range(3000):
                with oj.start_trace(f"t{{i}}"):
                    pass
            result = oj.flush(timeout=120)
            print(json.dumps({{"delivered": result.delivered,
                              "dropped": result.status.dropped}}))
        """)
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]) == {"delivered": True, "dropped": 0}
        with httpx.Client(base_url=backend.url + "/") as api:
            total = api.get(
                "v1/private/traces", params={"project_name": "sdk-limited", "size": 1}
            ).json()["total"]
        assert total == 3000
        log = (tmp_path / "backend-backend.log").read_text()
        assert " 429 POST /api/v1/private/" in log, "the SDK was never rate limited"
    finally:
        backend.stop()

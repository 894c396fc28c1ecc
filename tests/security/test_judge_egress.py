"""LLM-judge rules cannot take the server's judge key elsewhere, nor make the backend call
internal addresses: a listener that a rule points at counts what it receives."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from opik_backend.config import Settings
from opik_backend.online.egress import EgressRefused, JudgeEndpoints, post_json
from opik_jupyter.testing import FakeLLMServer
from tests.testlib.backends import RunningBackend, start_backend_in_process
from tests.testlib.builders import trace
from tests.testlib.online_rules import judge_rule
from tests.testlib.rest import assert_error
from tests.testlib.waiting import wait_for

SERVER_KEY = "sk-the-operators-judge-key"
RULES = "v1/private/automations/evaluators"
VERDICT = json.dumps({"helpfulness": {"score": 0.8, "reason": "fine"}})


@pytest.fixture(scope="module")
def operator_judge() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lambda request: VERDICT) as server:
        yield server


@pytest.fixture(scope="module")
def listener() -> Iterator[FakeLLMServer]:
    """A server a rule's author controls."""
    with FakeLLMServer(lambda request: VERDICT) as server:
        yield server


def _backend(session_dir: Path, name: str, **judge: object) -> tuple[object, RunningBackend]:
    own = session_dir / f"egress-{name}"
    own.mkdir(exist_ok=True)
    settings = Settings(
        data_dir=session_dir / "data",
        optimize_idle_seconds=0,
        metadata_url=f"sqlite:///{own / 'metadata.sqlite3'}",
        judge_api_key=SERVER_KEY,
        online_retry_seconds=0.5,
        online_max_attempts=1,
        **judge,  # type: ignore[arg-type]
    )
    return start_backend_in_process(settings)


@pytest.fixture(scope="module")
def strict(session_dir: Path, operator_judge: FakeLLMServer) -> Iterator[RunningBackend]:
    """The key goes to the operator's judge only; no internal addresses (server mode's default)."""
    thread, running = _backend(
        session_dir,
        "strict",
        judge_base_url=operator_judge.openai_base_url,
        judge_allow_private_network="off",  # as with --auth, where "local" means off
    )
    yield running
    thread.stop()  # type: ignore[attr-defined]
    running.services.close()


@pytest.fixture(scope="module")
def private_allowed(session_dir: Path, operator_judge: FakeLLMServer) -> Iterator[RunningBackend]:
    """An operator who lets rules call endpoints on the internal network."""
    thread, running = _backend(
        session_dir,
        "private",
        judge_base_url=operator_judge.openai_base_url,
        judge_allow_private_network="on",
    )
    yield running
    thread.stop()  # type: ignore[attr-defined]
    running.services.close()


def _client(backend: RunningBackend) -> httpx.Client:
    return backend.client(f"egress-{uuid.uuid4().hex[:8]}")


def _rule_at(project: str, base_url: str) -> dict[str, object]:
    rule = judge_rule(project)
    rule["code"]["model"]["base_url"] = base_url  # type: ignore[index]
    return rule


def _scored(api: httpx.Client, trace_id: str) -> bool:
    found = api.get(f"v1/private/traces/{trace_id}").json()
    return bool(found.get("feedback_scores"))


def test_a_rule_cannot_point_the_key_at_its_own_listener(
    strict: RunningBackend, listener: FakeLLMServer
) -> None:
    listener.requests.clear()
    with _client(strict) as api:
        response = api.post(RULES, json=_rule_at("stolen", listener.openai_base_url))
        assert_error(response, 422, "code.model.base_url", "internal address")
        good = api.post(RULES, json=judge_rule("stolen")).json()
        patched = api.patch(
            f"{RULES}/{good['id']}",
            json={"code": _rule_at("stolen", listener.openai_base_url)["code"]},
        )
        assert_error(patched, 422, "code.model.base_url")
    assert listener.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest",  # cloud metadata
        "http://10.0.0.7:8080/v1",
        "http://192.168.1.1/v1",
        "http://100.64.0.1/v1",
        "http://[::1]:9/v1",
        "http://localhost:9/v1",
        "file:///etc/passwd",
    ],
)
def test_internal_and_odd_endpoints_are_refused(strict: RunningBackend, url: str) -> None:
    with _client(strict) as api:
        assert_error(api.post(RULES, json=_rule_at("ssrf", url)), 422, "code.model.base_url")


def test_the_operators_judge_gets_the_key(
    strict: RunningBackend, operator_judge: FakeLLMServer
) -> None:
    operator_judge.requests.clear()
    with _client(strict) as api:
        assert api.post(RULES, json=judge_rule("served")).status_code == 201
        body = trace("served", input={"question": "q"}, output={"answer": "a"})
        assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
        wait_for(lambda: _scored(api, body["id"]), timeout=60, what="the judge's score")
    assert operator_judge.requests
    assert all(
        r.headers["Authorization"] == f"Bearer {SERVER_KEY}" for r in operator_judge.requests
    )


def test_a_rules_own_endpoint_never_gets_the_key(
    private_allowed: RunningBackend, listener: FakeLLMServer
) -> None:
    listener.requests.clear()
    with _client(private_allowed) as api:
        rule = _rule_at("own-endpoint", listener.openai_base_url)
        assert api.post(RULES, json=rule).status_code == 201
        body = trace("own-endpoint", input={"question": "q"}, output={"answer": "a"})
        assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
        wait_for(lambda: _scored(api, body["id"]), timeout=60, what="the listener's score")
    assert len(listener.requests) == 1
    assert "Authorization" not in listener.requests[0].headers
    assert SERVER_KEY not in json.dumps(listener.requests[0].body)


class _Redirect(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", self.server.target)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_redirects_are_not_followed(listener: FakeLLMServer) -> None:
    """A judge answering 307 to elsewhere does not make the backend go there (with the key)."""
    listener.requests.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    server.target = listener.openai_base_url + "/chat/completions"  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
        with pytest.raises(OSError, match="307"):
            post_json(url, b"{}", {"Authorization": f"Bearer {SERVER_KEY}"}, 10)
    finally:
        server.shutdown()
        server.server_close()
    assert listener.requests == []


def test_an_allow_listed_endpoint_gets_the_key() -> None:
    judges = JudgeEndpoints.from_settings(
        "https://judge.internal.example/v1", "http://10.1.2.3:8000/v1/", allow_private=False
    )
    assert judges.endpoint(None).with_key
    assert judges.endpoint("http://10.1.2.3:8000/v1").with_key  # configured: trusted
    public = judges.endpoint("http://93.184.216.34/v1")
    assert (public.base_url, public.with_key) == ("http://93.184.216.34/v1", False)
    with pytest.raises(EgressRefused):
        judges.endpoint("http://10.1.2.4:8000/v1")


@pytest.mark.parametrize(
    ("value", "auth", "allowed"),
    [("local", False, True), ("local", True, False), ("off", False, False), ("on", True, True)],
)
def test_internal_judge_endpoints_by_default_only_without_auth(
    value: str, auth: bool, allowed: bool
) -> None:
    """Without --auth every caller is the backend's own user, who reaches a local model server
    anyway; with --auth a workspace's rule must not reach the host's network."""
    settings = Settings(judge_allow_private_network=value, auth=auth)
    assert settings.judge_private_network_allowed is allowed

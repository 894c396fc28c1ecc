"""Server mode: API keys on every route but the ping, workspaces isolated, no open binds."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opik_backend.config import ConfigError, Settings
from opik_backend.server import check_exposure
from tests.testlib.backends import MYSQL_URL, REDIS_URL, RunningBackend, start_backend_in_process
from tests.testlib.builders import new_id, trace
from tests.testlib.rest import JSON

ANY_ID = "0190a000-0000-7000-8000-000000000000"


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def secured(request: pytest.FixtureRequest, session_dir: Path) -> Iterator[RunningBackend]:
    stores = {"metadata_url": MYSQL_URL, "redis_url": REDIS_URL} if request.param == "mysql" else {}
    settings = Settings(data_dir=session_dir / "data", auth=True, optimize_idle_seconds=0, **stores)
    thread, running = start_backend_in_process(settings)
    yield running
    thread.stop()
    running.services.close()


def client(backend: RunningBackend, key: str | None, workspace: str | None = None) -> httpx.Client:
    headers = {}
    if key:
        headers["Authorization"] = key
    if workspace:
        headers["Comet-Workspace"] = workspace
    return httpx.Client(base_url=backend.url + "/", headers=headers, timeout=30)


def test_openapi_itself_needs_a_key(secured: RunningBackend) -> None:
    with client(secured, None) as anonymous:
        assert anonymous.get("/openapi.json").status_code == 401


def test_every_route_but_the_ping_needs_a_key(secured: RunningBackend) -> None:
    _, key = secured.services.api_keys.create("team-a", "docs")
    with client(secured, key) as keyed:
        document = keyed.get("/openapi.json").json()
    with client(secured, None) as anonymous:
        for path, item in document["paths"].items():
            concrete = re.sub(r"\{\w+\}", ANY_ID, path).lstrip("/")
            for method in item:
                response = anonymous.request(method.upper(), concrete, content=b"{}", headers=JSON)
                expected = 200 if path == "/is-alive/ping" else 401
                assert response.status_code == expected, (method, path, response.text)
                if expected == 401:
                    assert "API key" in response.json()["message"]


def test_a_wrong_key_is_401(secured: RunningBackend) -> None:
    with client(secured, "opk_not-a-real-key") as wrong:
        response = wrong.get("v1/private/projects")
    assert response.status_code == 401
    assert response.json()["message"] == "the API key is not valid"


def test_a_key_opens_its_own_workspace_only(secured: RunningBackend) -> None:
    _, key_a = secured.services.api_keys.create("team-a", "a")
    _, key_b = secured.services.api_keys.create("team-b", "b")
    body = trace("secret-project")
    with client(secured, key_a) as a:  # no workspace header: the key's workspace
        assert a.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
        assert a.get(f"v1/private/traces/{body['id']}").status_code == 200
    with client(secured, f"Bearer {key_a}", "team-a") as a:
        assert a.get(f"v1/private/traces/{body['id']}").status_code == 200
    with client(secured, key_b) as b:
        assert b.get(f"v1/private/traces/{body['id']}").status_code == 404
        listing = b.get("v1/private/projects").json()
        assert [p["name"] for p in listing["content"]] == []


def test_comments_are_read_in_the_key_workspace_only(secured: RunningBackend) -> None:
    _, key_a = secured.services.api_keys.create("team-a", "alice")
    _, key_b = secured.services.api_keys.create("team-b", "bob")
    body = trace("commented")
    with client(secured, key_a) as a:
        assert a.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
        added = a.post(f"v1/private/traces/{body['id']}/comments", json={"text": "mine"})
        assert added.status_code == 201
        comment_id = added.headers["Location"].rsplit("/", 1)[1]
        comment_path = f"v1/private/traces/{body['id']}/comments/{comment_id}"
        comment = a.get(comment_path).json()
        assert comment["created_by"] == "alice"  # the key's name stands for its user
        assert [c["text"] for c in a.get(f"v1/private/traces/{body['id']}").json()["comments"]] == [
            "mine"
        ]
    with client(secured, key_b) as b:
        assert b.get(comment_path).status_code == 404
        assert (
            b.post(f"v1/private/traces/{body['id']}/comments", json={"text": "x"}).status_code
            == 404
        )
        assert (
            b.patch(f"v1/private/traces/comments/{comment_id}", json={"text": "x"}).status_code
            == 404
        )
        assert (
            b.post("v1/private/traces/comments/delete", json={"ids": [comment_id]}).status_code
            == 204
        )
    with client(secured, key_a) as a:
        assert a.get(comment_path).json()["text"] == "mine"


def test_a_key_cannot_reach_another_workspace_on_any_route(secured: RunningBackend) -> None:
    _, key_a = secured.services.api_keys.create("team-a", "a")
    with client(secured, key_a) as a:
        document = a.get("/openapi.json").json()
    with client(secured, key_a, "team-b") as crossing:
        for path, item in document["paths"].items():
            if path == "/is-alive/ping":
                continue
            concrete = re.sub(r"\{\w+\}", ANY_ID, path).lstrip("/")
            for method in item:
                response = crossing.request(method.upper(), concrete, content=b"{}", headers=JSON)
                assert response.status_code == 403, (method, path, response.text)
    with client(secured, key_a, "team-b") as crossing:
        write = crossing.post("v1/private/traces/batch", json={"traces": [trace(id=new_id())]})
        assert write.status_code == 403


def test_keys_are_stored_hashed(secured: RunningBackend) -> None:
    record, key = secured.services.api_keys.create("team-c", "hashed")
    rows = secured.services.db.fetch("SELECT * FROM api_keys WHERE id = ?", (record.id,))
    assert len(rows) == 1
    assert all(key not in str(value) for value in rows[0].values())
    assert rows[0]["prefix"] == key[:10]


def test_revoked_keys_stop_working(secured: RunningBackend) -> None:
    record, key = secured.services.api_keys.create("team-d", "temp")
    with client(secured, key) as keyed:
        assert keyed.get("v1/private/projects").status_code == 200
        secured.services.api_keys.revoke(record.id)
        assert keyed.get("v1/private/projects").status_code == 401


def test_cli_creates_lists_and_revokes_keys(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "opik_jupyter", "api-key", "--data-dir", str(tmp_path), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = cli("create", "--workspace", "ops", "--name", "ci")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("opk_")
    listed = cli("list")
    assert "ops" in listed.stdout
    assert key not in listed.stdout
    key_id = listed.stdout.split()[0]
    assert cli("revoke", key_id).returncode == 0
    assert cli("revoke", key_id).returncode == 1
    assert cli("list").stdout.strip() == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_non_loopback_bind_without_auth_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="without authentication"):
        check_exposure(Settings(host=host))
    check_exposure(Settings(host=host, auth=True))
    check_exposure(Settings(host=host, allow_unauthenticated_bind=True))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_auth(host: str) -> None:
    check_exposure(Settings(host=host))


def test_the_server_exits_with_the_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "opik_backend", "--host", "0.0.0.0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--auth" in done.stderr
    assert "Traceback" not in done.stderr

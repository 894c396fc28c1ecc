"""The local backend (no ``--auth``) against web pages and other users of the machine.

Web pages: a cross-site ``text/plain`` POST (no CORS preflight) is 415, a DNS-rebound
``Host`` and a foreign ``Origin`` are 403, and nothing is stored or deleted. Other users:
the data directory is 0700 and its files 0600, and a process of another Unix user reaching
the port over loopback is 401 unless it has the start-up token of ``backend.json``. The
notebook package (SDK, sender) sends that token itself, which a backend with
``require_token`` proves; the official Opik SDK works unchanged (tests/backend).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opik_backend import runtime
from opik_backend.access import peer_uid
from tests.testlib.backends import BackendProcess, start_backend_process
from tests.testlib.builders import trace
from tests.testlib.rest import JSON, assert_error
from tests.testlib.sdk_env import env_without_sdk_settings

TRACES = "v1/private/traces"
DATASETS = "v1/private/datasets"


def _world_readable_parent() -> Path:
    """A directory others may enter (as a home directory usually is)."""
    parent = Path(tempfile.mkdtemp(prefix="opik-jupyter-access-"))
    parent.chmod(0o755)
    return parent


@pytest.fixture(scope="module")
def local_backend() -> Iterator[BackendProcess]:
    """A backend process on a data directory that was world-readable before it started,
    holding a file from an older install that was world-readable too."""
    parent = _world_readable_parent()
    data_dir = parent / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    old = data_dir / "metadata.sqlite3"
    old.touch()
    old.chmod(0o644)
    backend = start_backend_process(data_dir)
    yield backend
    backend.stop()
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def client(local_backend: BackendProcess) -> Iterator[httpx.Client]:
    workspace = f"access-{uuid.uuid4().hex[:8]}"
    with httpx.Client(
        base_url=local_backend.url + "/", headers={"Comet-Workspace": workspace}, timeout=30
    ) as http:
        yield http


# -- web pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
def test_a_cross_site_simple_post_is_415_and_stores_nothing(
    client: httpx.Client, content_type: str | None
) -> None:
    body = trace(project="cross-site")
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(
        f"{TRACES}/batch", content=json.dumps({"traces": [body]}).encode(), headers=headers
    )
    assert_error(response, 415, "application/json")
    assert client.get(f"{TRACES}/{body['id']}").status_code == 404


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_the_otlp_route_takes_protobuf_but_no_simple_type(
    client: httpx.Client, content_type: str
) -> None:
    """OTLP's protobuf is a body type of its own route only; a page's simple POST is 415 there
    too, and a JSON route refuses protobuf."""
    refused = client.post("v1/traces", content=b"\x0a\x00", headers={"Content-Type": content_type})
    assert_error(refused, 415, "application/x-protobuf")
    accepted = client.post(
        "v1/traces", content=b"\x0a\x00", headers={"Content-Type": "application/x-protobuf"}
    )
    assert accepted.status_code == 200
    on_json_route = client.post(
        f"{TRACES}/batch", content=b"\x0a\x00", headers={"Content-Type": "application/x-protobuf"}
    )
    assert_error(on_json_route, 415, "application/json")


def test_the_upload_route_takes_raw_bytes_by_put_only(client: httpx.Client) -> None:
    """A file's bytes go up by PUT, which no page sends without a preflight; a page's simple
    POST of the same bytes is 415."""
    refused = client.post(
        f"v1/private/attachment/upload?file_name=a.txt&entity_type=trace&entity_id={uuid.uuid4()}",
        content=b"hello",
        headers={"Content-Type": "text/plain"},
    )
    assert_error(refused, 415, "PUT only")


def test_a_cross_site_post_cannot_delete_a_dataset(client: httpx.Client) -> None:
    name = f"keep-{uuid.uuid4().hex[:6]}"
    assert client.post(DATASETS, json={"name": name}).status_code == 201
    response = client.post(
        f"{DATASETS}/delete",
        content=json.dumps({"dataset_name": name}).encode(),
        headers={"Content-Type": "text/plain"},
    )
    assert_error(response, 415, "Content-Type")
    assert client.post(f"{DATASETS}/retrieve", json={"dataset_name": name}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "192.168.1.10:{port}", "127.0.0.1.nip.io"]
)
def test_a_foreign_host_header_is_403(
    client: httpx.Client, local_backend: BackendProcess, host: str
) -> None:
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1."""
    host = host.format(port=local_backend.port)
    response = client.get("v1/private/projects", headers={"Host": host})
    assert_error(response, 403, "Host", host)
    posted = client.post(
        f"{TRACES}/batch", json={"traces": [trace(project="rebound")]}, headers={"Host": host}
    )
    assert_error(posted, 403, "Host")


@pytest.mark.parametrize(
    "host",
    ["localhost:{port}", "127.0.0.1:{port}", "127.0.0.2:{port}", "[::1]:{port}", "a.localhost"],
)
def test_loopback_host_headers_are_served(
    client: httpx.Client, local_backend: BackendProcess, host: str
) -> None:
    response = client.get(
        "v1/private/projects", headers={"Host": host.format(port=local_backend.port)}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"]
)
def test_a_foreign_origin_is_403_and_stores_nothing(client: httpx.Client, origin: str) -> None:
    body = trace(project="from-a-page")
    response = client.post(f"{TRACES}/batch", json={"traces": [body]}, headers={"Origin": origin})
    assert_error(response, 403, "web pages")
    assert client.get(f"{TRACES}/{body['id']}").status_code == 404


def test_a_loopback_origin_is_served(client: httpx.Client) -> None:
    body = trace(project="from-jupyter")
    response = client.post(
        f"{TRACES}/batch", json={"traces": [body]}, headers={"Origin": "http://localhost:8888"}
    )
    assert response.status_code == 204, response.text


# -- files ---------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_private(local_backend: BackendProcess) -> None:
    data_dir = local_backend.data_dir
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / runtime.RUNTIME_FILE) == 0o600
    assert _mode(data_dir / "metadata.sqlite3") == 0o600  # made by an older install as 0644
    assert _mode(data_dir / "clickhouse") == 0o700
    for path in data_dir.rglob("*"):
        others = _mode(path) & 0o077
        assert others == 0 or path.is_symlink(), f"{path} is {oct(_mode(path))}"


# -- the caller's Unix user ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("family", "address"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
)
def test_peer_uid_finds_the_user_at_the_other_end(
    family: socket.AddressFamily, address: str
) -> None:
    with socket.socket(family) as listener:
        listener.bind((address, 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()[:2]) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert peer_uid(accepted) == os.getuid()


@pytest.fixture
def other_user() -> Iterator[str]:
    """A Unix user made for this test (and removed after it)."""
    if os.geteuid() != 0:
        pytest.skip("making a second Unix user needs root")
    if shutil.which("useradd") is None or shutil.which("setpriv") is None:
        pytest.skip("useradd and setpriv are needed to act as a second Unix user")
    name = f"opikj{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    yield name
    subprocess.run(["userdel", name], check=False, capture_output=True)


OTHER_USER_PROBE = """
import json, sys, urllib.request, urllib.error
data_dir, url, token = sys.argv[1:4]
result = {}
try:
    open(data_dir + "/backend.json").read()
    result["runtime_file"] = "read"
except OSError as exc:
    result["runtime_file"] = type(exc).__name__
def get(headers):
    request = urllib.request.Request(url + "/v1/private/projects", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
result["without_token"] = get({})
result["with_token"] = get({"Opik-Jupyter-Token": token}) if token else None
print(json.dumps(result))
"""


def _probe_as(user: str | None, backend: BackendProcess, token: str) -> dict[str, object]:
    """Run the probe as ``user`` (None: as this process's user)."""
    command = ["/usr/bin/python3", "-I", "-c", OTHER_USER_PROBE]
    if user is not None:
        uid = pwd.getpwnam(user).pw_uid
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
    args = [str(backend.data_dir), backend.url, token]
    out = subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, check=True, cwd="/"
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_another_unix_user_gets_nothing_without_the_token(
    local_backend: BackendProcess, other_user: str
) -> None:
    info = runtime.read(local_backend.data_dir)
    assert info is not None
    assert info.token
    stranger = _probe_as(other_user, local_backend, info.token)
    assert stranger["runtime_file"] == "PermissionError"
    assert stranger["without_token"] == 401
    assert stranger["with_token"] == 200  # the token is what lets a caller in
    owner = _probe_as(None, local_backend, "")
    assert owner == {"runtime_file": "read", "without_token": 200, "with_token": None}


def test_a_wrong_token_from_another_user_is_401(
    local_backend: BackendProcess, other_user: str
) -> None:
    stranger = _probe_as(other_user, local_backend, "not-the-token")
    assert stranger["with_token"] == 401


# -- the notebook package sends the token ------------------------------------------------------


@pytest.fixture(scope="module")
def token_only_backend() -> Iterator[BackendProcess]:
    """A backend that trusts no caller without the token, its own user's included."""
    parent = _world_readable_parent()
    os.environ["OPIK_JUPYTER_REQUIRE_TOKEN"] = "1"
    try:
        backend = start_backend_process(parent / "data")
    finally:
        del os.environ["OPIK_JUPYTER_REQUIRE_TOKEN"]
    yield backend
    backend.stop()
    shutil.rmtree(parent, ignore_errors=True)


def test_without_the_token_even_the_owner_is_401(token_only_backend: BackendProcess) -> None:
    response = httpx.get(f"{token_only_backend.url}/v1/private/projects", timeout=30)
    assert_error(response, 401, "Opik-Jupyter-Token")
    info = runtime.read(token_only_backend.data_dir)
    assert info is not None
    keyed = httpx.get(
        f"{token_only_backend.url}/v1/private/projects",
        headers={runtime.TOKEN_HEADER: info.token},
        timeout=30,
    )
    assert keyed.status_code == 200


SDK_SCRIPT = """
import opik_jupyter as oj
from opik_jupyter.sdk._rest import RestClient

@oj.track(project_name="with-token")
def answer(question):
    return question.upper()

answer("is the token sent?")
result = oj.flush(timeout=30)
assert result.delivered, result
rows = RestClient().json("GET", "v1/private/traces", params={"project_name": "with-token"})
print(rows["total"])
"""


def test_the_sdk_and_its_sender_send_the_token(token_only_backend: BackendProcess) -> None:
    env = {
        **env_without_sdk_settings(),
        "OPIK_JUPYTER_DATA_DIR": str(token_only_backend.data_dir),
    }
    out = subprocess.run(
        [sys.executable, "-c", SDK_SCRIPT],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_the_body_of_a_json_post_needs_its_content_type(client: httpx.Client) -> None:
    body = trace(project="typed")
    sent = client.post(
        f"{TRACES}/batch", content=json.dumps({"traces": [body]}).encode(), headers=JSON
    )
    assert sent.status_code == 204, sent.text

"""The one REST client: headers shared with the sender, gzip, paging, and a backend that is
down (one line, not a chain of socket errors)."""

from __future__ import annotations

import fcntl
import os
import socket
import time
import traceback
import uuid
import zlib
from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_backend import runtime
from opik_jupyter.sdk import _state
from opik_jupyter.sdk._ids import new_id
from opik_jupyter.sdk._transport import HttpTransport, Request, Response
from tests.testlib.backends import BackendProcess
from tests.testlib.proxy import FlakyProxy

MISSING = "01a21921-8f9c-7ff8-91a9-078917b2c945"
IDENTITY = ("Comet-Workspace", "Authorization", "User-Agent")


class Recording(HttpTransport):
    """The real HTTP transport, keeping what it sent."""

    def __init__(self) -> None:
        super().__init__(timeout=30.0)
        self.sent: list[Request] = []

    def send(self, base_url: str, request: Request) -> Response:
        self.sent.append(request)
        return super().send(base_url, request)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _traces(count: int) -> None:
    for i in range(count):
        with oj.start_trace(f"t{i}", input={"i": i}):
            pass
    assert oj.flush(30).delivered


def test_headers__the_sender_and_the_client_say_the_same_about_who_asks(
    traced: oj.Client, clean_sdk: Path
) -> None:
    transport = Recording()
    _state.set_transport_factory(lambda _config: transport)
    oj.configure(workspace="default", api_key="key-1")
    _traces(1)
    client = oj.Client(url=traced.url, transport=transport)
    assert client.search_traces(project_name=traced.project)
    sent = {r.path.split("?")[0]: {k: r.headers.get(k) for k in IDENTITY} for r in transport.sent}
    assert set(sent) == {"v1/private/traces/batch", "v1/private/traces/search"}
    assert list(sent.values()) == 2 * [
        {"Comet-Workspace": "default", "Authorization": "key-1", "User-Agent": "opik-jupyter"}
    ]


def test_large_bodies__go_gzipped_and_arrive_whole(traced: oj.Client) -> None:
    transport = Recording()
    client = oj.Client(url=traced.url, transport=transport)
    name = f"big-{uuid.uuid4().hex[:8]}"
    dataset = client.json("POST", "v1/private/datasets", {"name": name})
    dataset = dataset or client.json("POST", "v1/private/datasets/retrieve", {"dataset_name": name})
    text = "lorem ipsum " * 4000  # 48 kB, over the gzip threshold
    item = {"id": new_id(), "data": {"text": text}, "source": "sdk"}
    client.request(
        "PUT", "v1/private/datasets/items", {"dataset_id": dataset["id"], "items": [item]}
    )
    put = next(r for r in transport.sent if r.method == "PUT")
    assert put.headers["Content-Encoding"] == "gzip"
    assert len(put.body) < len(text) // 10
    assert text in zlib.decompress(put.body, 31).decode()
    (page,) = client.stream(
        "v1/private/datasets/items/stream", {"dataset_name": name}, "steam_limit"
    )
    assert [row["data"]["text"] for row in page] == [text]
    small = [r for r in transport.sent if r.method == "POST"]
    assert all("Content-Encoding" not in r.headers for r in small)


def test_pages__stop_at_the_total_without_an_empty_request(traced: oj.Client) -> None:
    _traces(4)
    transport = Recording()
    client = oj.Client(url=traced.url, project=traced.project, transport=transport)
    pages = list(client.pages("v1/private/traces", {"project_name": traced.project}, size=3))
    assert [len(p) for p in pages] == [3, 1]
    pages = list(client.pages("v1/private/traces", {"project_name": traced.project}, size=2))
    assert [len(p) for p in pages] == [2, 2]
    assert len(transport.sent) == 4  # 2 + 2 requests: the total said there was no third page


def test_list_traces__one_page_searched_and_trimmed(traced: oj.Client) -> None:
    _traces(3)
    page = traced.list_traces(size=2, exclude=("input", "output"))
    assert page["total"] == 3
    assert [t["name"] for t in page["content"]] == ["t2", "t1"]
    assert all("input" not in t for t in page["content"])
    assert [t["name"] for t in traced.list_traces(search="t0")["content"]] == ["t0"]


def test_backend_down__one_line_that_names_the_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}/api"
    with oj.Client(url=url) as client, pytest.raises(oj.TransportError) as failure:
        client.get_trace(MISSING)
    error = failure.value
    assert url in str(error)
    assert "refused" in str(error)
    assert "configure(url=" in str(error)
    text = "".join(traceback.format_exception(error))
    assert "ConnectionRefusedError" not in text
    assert "direct cause" not in text
    assert "During handling" not in text
    assert isinstance(error, oj.OpikJupyterError)


def test_local_backend_moved__the_next_call_looks_for_it_again(
    backend_process: BackendProcess, clean_sdk: Path
) -> None:
    clean_sdk.mkdir(parents=True)
    proxy = FlakyProxy("127.0.0.1", backend_process.port)  # where the backend listens first
    with (clean_sdk / runtime.LOCK_FILE).open("a+") as lock, oj.Client() as client:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as the backend owning the data directory does
        _publish(clean_sdk, proxy.port)
        assert client.get_trace(MISSING) is None
        assert client.url == f"http://127.0.0.1:{proxy.port}/api"
        proxy.close()
        _publish(clean_sdk, backend_process.port)  # the backend now listens elsewhere
        with pytest.raises(oj.TransportError, match="looks for it"):
            client.get_trace(MISSING)
        assert client.get_trace(MISSING) is None
        assert client.url == backend_process.url


def _publish(data_dir: Path, port: int) -> None:
    info = runtime.RuntimeInfo(os.getpid(), "127.0.0.1", port, str(data_dir), "0", time.time())
    runtime.write(data_dir, info)

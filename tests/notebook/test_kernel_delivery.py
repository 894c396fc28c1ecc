"""A cell's tree says whether its trace is stored: ``spilled · not yet stored`` while the
backend does not answer (the trace waits on disk), the stored trace once it is back."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

from tests.testlib.kernel import WIDGET_MIME, Kernel
from tests.testlib.proxy import FlakyProxy


def _later_states(kernel: Kernel, until: Any, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Messages the kernel's background threads publish, until ``until(messages)`` holds."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += kernel.comm_messages(timeout=0.5)
        if until(seen):
            return seen
    raise AssertionError(f"not seen in {timeout} s; last messages: {seen[-3:]}")


def _data_states(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    states = [m["content"].get("data", {}).get("state", {}) for m in messages]
    return [s["data"] for s in states if "data" in s]


def _htmls(messages: list[dict[str, Any]]) -> list[str]:
    return [
        m["content"]["data"]["text/html"]
        for m in messages
        if m["msg_type"] == "update_display_data" and WIDGET_MIME in m["content"]["data"]
    ]


def test_tree__says_spilled_while_the_backend_is_down_and_ok_once_stored(
    kernel: Kernel, backend_url: str
) -> None:
    target = urlparse(backend_url)
    proxy = FlakyProxy(target.hostname or "127.0.0.1", target.port or 80)
    proxy.cut()
    via_proxy = f"http://127.0.0.1:{proxy.port}/api"
    setup = kernel.run(
        f"oj.configure(url={via_proxy!r}, retry_max_delay=0.5)\n"
        "from opik_jupyter.widgets._cell_view import refresher\nrefresher.retry = 1.0"
    )
    assert setup.ok, setup.traceback
    try:
        done = kernel.run("%%opik_track --name offline-cell\nanswer = 42")
        assert done.ok, done.traceback
        spilled = _later_states(
            kernel, lambda ms: any(d.get("delivery") == "spilled" for d in _data_states(ms))
        )
        [html] = [h for h in _htmls(spilled) if "not yet stored" in h][-1:]
        assert "spilled · not yet stored" in html
        assert "(ok" not in html  # the static header does not say ok as well
        status = kernel.run("oj.delivery_status().spilled")
        assert int(status.result or 0) >= 1  # the trace (its start and end may be one event)
        proxy.restore()
        stored = _later_states(
            kernel,
            lambda ms: any(
                d.get("trace", {}).get("name") == "offline-cell" and "delivery" not in d
                for d in _data_states(ms)
            ),
        )
        assert any("(ok" in h for h in _htmls(stored))
    finally:
        kernel.run(f"oj.configure(url={backend_url!r}, retry_max_delay=30.0)")
        kernel.run("refresher.retry = 15.0")
        proxy.close()

"""A real IPython kernel (ipykernel via jupyter_client) and what one execution produced."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import re
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclasses.dataclass
class Execution:
    """The iopub messages and the reply of one ``execute_request``."""

    reply: dict[str, Any]
    messages: list[dict[str, Any]]

    def of(self, *types: str) -> list[dict[str, Any]]:
        return [m["content"] for m in self.messages if m["msg_type"] in types]

    @property
    def ok(self) -> bool:
        return self.reply["status"] == "ok"

    @property
    def execution_count(self) -> int:
        return int(self.reply["execution_count"])

    @property
    def stdout(self) -> str:
        return "".join(c["text"] for c in self.of("stream") if c["name"] == "stdout")

    @property
    def result(self) -> str | None:
        found = self.of("execute_result")
        return found[0]["data"]["text/plain"] if found else None

    @property
    def traceback(self) -> str:
        return _ANSI.sub("", "\n".join(self.reply.get("traceback", [])))

    def displays(self, mime: str | None = None) -> list[dict[str, Any]]:
        found = self.of("display_data", "update_display_data")
        return [c for c in found if mime is None or mime in c["data"]]

    def widget_states(self, key: str) -> list[Any]:
        """Values of a synced trait in the comm messages of this execution, in order."""
        states = [c["data"].get("state", {}) for c in self.of("comm_open", "comm_msg")]
        return [s[key] for s in states if key in s]


class Kernel:
    """One kernel, started with ``env``; ``run`` executes a cell and waits for it."""

    def __init__(self, env: Mapping[str, str], runtime_dir: Path) -> None:
        # named like jupyter_server names them, which is where the kernel id comes from
        kernel_id = str(uuid.uuid4())
        self.manager = KernelManager(
            kernel_name="python3",
            kernel_id=kernel_id,
            connection_file=str(runtime_dir / f"kernel-{kernel_id}.json"),
        )
        self.manager.start_kernel(env=dict(env))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def start(self, code: str, cell_id: str | None = None) -> str:
        """Send a cell (with ``cellId`` metadata, as front ends do); its message id."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": False,
        }
        message = self.client.session.msg(
            "execute_request", content, metadata={"cellId": cell_id} if cell_id else {}
        )
        self.client.shell_channel.send(message)
        return str(message["header"]["msg_id"])

    def wait(self, msg_id: str, timeout: float = 60.0) -> Execution:
        """The messages of ``msg_id`` until the kernel is idle again, and the reply."""
        deadline = time.monotonic() + timeout
        messages: list[dict[str, Any]] = []
        while True:
            message = self.client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.1))
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
            messages.append(message)
        while True:
            reply = self.client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.1))
            if reply["parent_header"].get("msg_id") == msg_id:
                return Execution(reply["content"], messages)

    def run(self, code: str, cell_id: str | None = None, timeout: float = 60.0) -> Execution:
        return self.wait(self.start(code, cell_id), timeout)

    def comm_messages(self, timeout: float = 0.5) -> list[dict[str, Any]]:
        """Messages that arrived after their cell went idle (background threads)."""
        found = []
        try:
            while True:
                found.append(self.client.get_iopub_msg(timeout=timeout))
        except queue.Empty:
            return found

    def restart(self) -> None:
        """Restart the kernel process (as the front ends' Restart does); state is lost."""
        self.manager.restart_kernel(now=True)
        self.client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=False)

    @property
    def id(self) -> str | None:
        return self.manager.kernel_id


def kernel_env(**settings: str) -> dict[str, str]:
    """This process's environment without SDK settings, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPIK_", "JPY_"))}
    return {**env, **settings}


@contextlib.contextmanager
def kernel_after(setup: str, tmp_path: Path, timeout: float = 120.0) -> Iterator[Kernel]:
    """A kernel with its own SDK data directory under ``tmp_path`` that has run ``setup``
    (dedented) without an error; shut down afterwards."""
    running = Kernel(kernel_env(OPIK_JUPYTER_DATA_DIR=str(tmp_path / "kernel-data")), tmp_path)
    try:
        done = running.run(textwrap.dedent(setup), timeout=timeout)
        assert done.ok, done.traceback
        yield running
    finally:
        running.shutdown()

"""Linking finished items to their experiment, in batches, from a thread of its own.

An experiment item is what marks a dataset item as done (a resumed run skips it), so it is
written only after the SDK has delivered that item's trace and scores (``flush()``): a
kernel that dies mid-run leaves items either fully recorded or not at all.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..sdk import Client, flush
from ..sdk._ids import new_id
from . import _api

log = logging.getLogger("opik_jupyter")
FLUSH_TIMEOUT = 30.0


class LinkWriter:
    """Collects ``(dataset item, trace)`` pairs and writes them every ``interval`` seconds
    (thread ``opik-jupyter-eval-links``)."""

    def __init__(
        self, client: Client, experiment_id: str, project_name: str, interval: float = 1.0
    ) -> None:
        self.client = client
        self.experiment_id = experiment_id
        self.project_name = project_name
        self.interval = interval
        self.written: list[str] = []
        """Ids of the experiment items written so far."""
        self.last_error: str | None = None
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="opik-jupyter-eval-links", daemon=True
        )
        self._thread.start()

    def add(self, dataset_item_id: str, trace_id: str) -> None:
        """Queue a link (cheap; called as each item finishes)."""
        link = {
            "id": new_id(),
            "experiment_id": self.experiment_id,
            "dataset_item_id": dataset_item_id,
            "trace_id": trace_id,
            "project_name": self.project_name,
        }
        with self._lock:
            self._pending.append(link)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self.write()

    def write(self) -> bool:
        """Flush the SDK, then write the queued links; False (they stay queued) on failure."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return True
            try:
                self._send(batch)
            except Exception as exc:  # kept for the next attempt; reported at the end
                self.last_error = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self._pending[:0] = batch
                return False
            self.written.extend(link["id"] for link in batch)
            return True

    def _send(self, batch: list[dict[str, Any]]) -> None:
        delivered = flush(FLUSH_TIMEOUT)
        if not delivered:
            raise ConnectionError(
                f"the traces are not delivered yet ({delivered.pending} events pending)"
            )
        _api.link_items(self.client, batch)

    def close(self, write: bool = True) -> int:
        """Stop the thread and write what is left (or drop it); returns how many links are
        left unwritten."""
        self._stopped.set()
        self._wake.set()
        self._thread.join(FLUSH_TIMEOUT)
        if not write:
            with self._lock:
                self._pending.clear()
        elif not self.write():
            log.warning(
                "opik-jupyter: %d finished items could not be linked to their experiment: %s",
                len(self._pending),
                self.last_error,
            )
        with self._lock:
            return len(self._pending)

"""The newest traces of each project, kept in memory and brought up to date by every write.

The first pages of a trace list (and a single trace among the newest) are then read without
a query: ClickHouse is only asked once per project, to fill the window, and after that the
writer hands each stored group of trace, span and score rows to :meth:`RecentTraces.stored`.

A window holds, for one project, every trace whose id is at or above its ``floor`` (UUID v7
ids sort by creation time), with each trace's newest version, the newest version of each of
its spans (the columns a trace's aggregates need) and of each of its scores, and its
comments. Versions are compared as ClickHouse's ReplacingMergeTree compares them (the
newest ``last_updated_at`` wins, a later write on a tie), so rows may arrive in any order and
twice. Spans and scores that arrive before their trace are kept by trace id and counted
when it comes. Deletes and comment changes drop the windows; they are rebuilt on the next
read. The window serves one process's writes only: with replicas it is not used.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from .rows import Row

Public = dict[str, Any]
SPAN_PARTS = (
    "trace_id",
    "id",
    "last_updated_at",
    "type",
    "usage",
    "total_estimated_cost",
    "provider",
)


@dataclasses.dataclass
class Snapshot:
    """What ClickHouse holds for a new window: the newest traces, and everything keyed by
    their ids (spans, scores, comments) from ``floor`` up."""

    floor: str  # "" when ``traces`` are all of the project's traces
    traces: list[Row]
    spans: list[Row]
    scores: list[Row]
    comments: dict[str, list[Public]]


@dataclasses.dataclass
class Slice:
    """The rows a page is built from, copied out of a window."""

    traces: list[Row]
    spans: dict[str, list[Row]]
    scores: dict[str, list[Row]]
    comments: dict[str, list[Public]]
    total: int | None  # the project's trace count, when the window knows it
    floor: str = ""  # the window's floor then ("" when it held every trace)
    held: int = 0  # how many traces the window held
    mark: int = 0  # what :meth:`RecentTraces.counted_below` checks the window against


@dataclasses.dataclass
class _Window:
    workspace: str
    project_id: str
    floor: str = ""
    ready: bool = False
    traces: dict[str, Row] = dataclasses.field(default_factory=dict)
    spans: dict[str, dict[str, Row]] = dataclasses.field(default_factory=dict)
    scores: dict[str, dict[str, Row]] = dataclasses.field(default_factory=dict)
    comments: dict[str, list[Public]] = dataclasses.field(default_factory=dict)
    early: list[tuple[list[Row], list[Row], list[Row]]] = dataclasses.field(
        default_factory=list
    )  # groups stored while the window was being filled
    used: float = 0.0
    order: list[str] | None = None  # trace ids, newest first (None: to be sorted again)
    bytes: int = 0  # about what the traces' text columns take
    below: int | None = None  # the project's traces under the floor, once counted
    mark: int = 0  # moves whenever ``below`` is forgotten

    def holds(self, trace_id: str) -> bool:
        return trace_id >= self.floor

    def keyed(self) -> int:
        """Trace ids that spans and scores are kept under (their traces' or orphans')."""
        return len(self.spans) + len(self.scores)

    def newest_first(self) -> list[str]:
        if self.order is None:
            self.order = sorted(self.traces, reverse=True)
        return self.order

    def put_trace(self, row: Row) -> None:
        kept = self.traces.get(row["id"])
        if kept is None or row["last_updated_at"] >= kept["last_updated_at"]:
            if kept is None:
                self.order = None
            else:
                self.bytes -= _weight(kept)
            self.traces[row["id"]] = {k: v for k, v in row.items() if k != "patches"}
            self.bytes += _weight(row)

    def put_span(self, row: Row) -> None:
        spans = self.spans.setdefault(row["trace_id"], {})
        kept = spans.get(row["id"])
        if kept is None or row["last_updated_at"] >= kept["last_updated_at"]:
            spans[row["id"]] = {k: row[k] for k in SPAN_PARTS}

    def put_score(self, row: Row) -> None:
        scores = self.scores.setdefault(row["entity_id"], {})
        kept = scores.get(row["name"])
        if kept is None or row["last_updated_at"] >= kept["last_updated_at"]:
            scores[row["name"]] = row

    def apply(self, traces: list[Row], spans: list[Row], scores: list[Row]) -> None:
        """Take in the project's stored traces and spans, and its workspace's trace scores."""
        for row in traces:
            if self.holds(row["id"]):
                self.put_trace(row)
            elif self.below is not None:  # perhaps a trace under the floor that is new
                self.below, self.mark = None, self.mark + 1
        for row in spans:
            if self.holds(row["trace_id"]):
                self.put_span(row)
        for row in scores:  # a score may name another project than its trace's
            if self.holds(row["entity_id"]):
                self.put_score(row)

    def fill(self, snapshot: Snapshot) -> None:
        self.floor = snapshot.floor
        for row in snapshot.traces:
            self.put_trace(row)
        for row in snapshot.spans:
            self.put_span(row)
        for row in snapshot.scores:
            self.put_score(row)
        self.comments = snapshot.comments
        for group in self.early:
            self.apply(*group)
        self.early.clear()
        self.ready = True

    def trim(self, keep: int) -> None:
        """Raise the floor so that the newest ``keep`` traces stay."""
        order = self.newest_first()
        if len(order) <= keep:
            return
        complete = not self.floor
        self.floor = order[keep - 1]
        self.order = order[:keep]
        self.bytes -= sum(_weight(self.traces[trace_id]) for trace_id in order[keep:])
        if self.below is not None or complete:
            self.below = (self.below or 0) + len(order) - keep
        for table in (self.traces, self.spans, self.scores, self.comments):
            for trace_id in [k for k in table if k < self.floor]:
                del table[trace_id]

    def slice(self, offset: int, limit: int) -> Slice | None:
        """Rows ``offset`` to ``offset + limit`` of the window, newest first, if it holds
        them all (a window that starts above the project's oldest trace holds only its own
        first pages)."""
        order = self.newest_first()
        if self.floor and offset + limit > len(order):
            return None
        ids = order[offset : offset + limit]
        return Slice(
            traces=[self.traces[i] for i in ids],
            spans={i: list(self.spans.get(i, {}).values()) for i in ids},
            scores={i: list(self.scores.get(i, {}).values()) for i in ids},
            comments={i: self.comments[i] for i in ids if i in self.comments},
            total=self._total(),
            floor=self.floor,
            held=len(order),
            mark=self.mark,
        )

    def _total(self) -> int | None:
        if not self.floor:
            return len(self.traces)
        return None if self.below is None else self.below + len(self.traces)


class RecentTraces:
    """Windows of the newest traces, one per recently read project.

    ``keep`` traces are loaded into a new window; a window grows with new traces up to
    ``grow`` before its oldest are let go (back to ``keep``); at most ``projects`` windows
    are kept (the least recently read go first). A window whose traces' text passes
    ``max_bytes`` keeps fewer of them (its later pages are then read from ClickHouse).
    A window that keeps spans or scores under more than ``2 * grow + orphans`` trace ids
    (scores of other projects' new traces, spans ahead of their trace) is dropped, so
    memory stays bounded.
    """

    def __init__(
        self,
        keep: int = 200,
        grow: int = 1000,
        projects: int = 32,
        orphans: int = 5000,
        max_bytes: int = 8 * 2**20,
    ) -> None:
        self.keep, self.grow, self._projects, self._orphans = keep, grow, projects, orphans
        self.max_bytes = max_bytes
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def read(
        self,
        workspace: str,
        project_id: str,
        offset: int,
        limit: int,
        load: Callable[[], Snapshot] | None = None,
    ) -> Slice | None:
        """The window's rows for a page; with ``load``, the window is filled first if there
        is none (without it, nothing here waits for ClickHouse)."""
        key = (workspace, project_id)
        with self._lock:
            window = self._windows.get(key)
            if window is not None and window.ready:
                window.used = time.monotonic()
                return window.slice(offset, limit)
            if window is not None or load is None:  # another reader is filling it
                return None
            window = _Window(workspace, project_id)
            self._windows[key] = window
        return self._fill(window, load, offset, limit)

    def _fill(
        self, window: _Window, load: Callable[[], Snapshot], offset: int, limit: int
    ) -> Slice | None:
        key = (window.workspace, window.project_id)
        try:
            snapshot = load()
        except BaseException:
            with self._lock:
                if self._windows.get(key) is window:
                    del self._windows[key]
            raise
        with self._lock:
            if self._windows.get(key) is not window:
                return None  # dropped meanwhile: what was loaded may be stale
            window.fill(snapshot)
            self._bound(window)
            window.used = time.monotonic()
            self._evict()
            return window.slice(offset, limit)

    def counted_below(self, workspace: str, project_id: str, seen: Slice, below: int) -> None:
        """Tell the window how many of the project's traces lie under the floor ``seen``
        had (counted after ``seen`` was read); kept unless the window changed meanwhile."""
        with self._lock:
            window = self._windows.get((workspace, project_id))
            if window is not None and (window.floor, window.mark) == (seen.floor, seen.mark):
                window.below = below

    def ready(self, workspace: str, project_id: str) -> bool:
        """Whether the project's window is filled (its newest pages are read from memory)."""
        window = self._windows.get((workspace, project_id))
        return window is not None and window.ready

    def find(self, workspace: str, trace_id: str) -> Slice | None:
        """One trace, if a ready window of the workspace holds it."""
        with self._lock:
            for (ws, _), window in self._windows.items():
                if ws != workspace or not window.ready or trace_id not in window.traces:
                    continue
                return Slice(
                    traces=[window.traces[trace_id]],
                    spans={trace_id: list(window.spans.get(trace_id, {}).values())},
                    scores={trace_id: list(window.scores.get(trace_id, {}).values())},
                    comments={trace_id: window.comments.get(trace_id, [])},
                    total=None,
                )
        return None

    def stored(self, traces: list[Row], spans: list[Row], scores: list[Row]) -> None:
        """Take in a group of rows the writer has just stored."""
        if not self._windows:
            return
        of_project = _by_key(traces, spans, key=_project)
        trace_scores = _by_key([r for r in scores if r["entity_type"] == "trace"], key=_workspace)
        with self._lock:
            for key, window in list(self._windows.items()):
                own_traces, own_spans = of_project.get(key, ([], []))
                (workspace_scores,) = trace_scores.get(key[0], ([],))
                mine = (own_traces, own_spans, workspace_scores)
                if not any(mine):
                    continue
                if not window.ready:
                    window.early.append(mine)
                    continue
                window.apply(*mine)
                if len(window.traces) > self.grow:
                    window.trim(self.keep)
                self._bound(window)
                if window.keyed() > 2 * self.grow + self._orphans:
                    del self._windows[key]

    def drop(self, workspace: str | None = None) -> None:
        """Forget the windows (of a workspace): their data changed in a way they cannot follow."""
        with self._lock:  # a window being filled goes too: what it loads may be stale
            for key in [k for k in self._windows if workspace is None or k[0] == workspace]:
                del self._windows[key]

    def _bound(self, window: _Window) -> None:
        """Keep fewer traces while their text takes more than ``max_bytes``."""
        keep = len(window.traces)
        while window.bytes > self.max_bytes and keep > 1:
            keep //= 2
            window.trim(keep)

    def _evict(self) -> None:
        ready = sorted((w.used, k) for k, w in self._windows.items() if w.ready)
        for _, key in ready[: max(0, len(ready) - self._projects)]:
            del self._windows[key]


def _weight(row: Row) -> int:
    """About the memory a trace row takes: its text columns, and a little for the rest."""
    return 256 + sum(len(row[column]) for column in ("input", "output", "metadata", "error_info"))


def _project(row: Row) -> tuple[str, str]:
    return row["workspace_id"], row["project_id"]


def _workspace(row: Row) -> str:
    return str(row["workspace_id"])


def _by_key(*kinds: list[Row], key: Callable[[Row], Hashable]) -> dict[Hashable, list[list[Row]]]:
    """Rows of each kind grouped by ``key``: one list per kind under each key, in one pass."""
    found: dict[Hashable, list[list[Row]]] = {}
    for i, rows in enumerate(kinds):
        for row in rows:
            found.setdefault(key(row), [[] for _ in kinds])[i].append(row)
    return found

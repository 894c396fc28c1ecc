"""The in-memory window of each project's newest traces answers exactly as ClickHouse does.

Every check compares the window's answer (a plain trace list, a single trace) with the same
answer computed by a :class:`Reads` that has no window, on the same stored data, after
writes of every kind arrive in random orders: traces older and newer than the window's
floor, spans before their trace, upserts, PATCHes, scores (under another project too),
comments and deletes.
"""

from __future__ import annotations

import datetime as dt
import random

import httpx
import msgspec
import pytest

from opik_backend.ids import id_at
from opik_backend.storage.reads import Query, Reads
from opik_backend.storage.recent import RecentTraces, Snapshot
from tests.testlib.builders import at, new_id, span, trace

TRACES = "v1/private/traces"


def old_id(seconds_ago: float) -> str:
    """A UUID v7 made ``seconds_ago`` (sorts below every id made since)."""
    return id_at(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago))


def plain(data: object) -> object:
    return msgspec.json.decode(msgspec.json.encode(data))


class World:
    """One project's writes, and the comparison of the window with ClickHouse."""

    def __init__(self, api: httpx.Client, backend, workspace: str, seed: int) -> None:
        self.api, self.rng = api, random.Random(seed)
        self.project = f"recent-{seed}-{new_id()[-6:]}"
        self.other = self.project + "-other"
        self.services = backend.services
        self.workspace = workspace
        self.cold = Reads(self.services.ch, self.services.reads.changes)
        self.traces: list[str] = []
        self.spans: dict[str, str] = {}  # span id -> trace id
        self.comments: list[str] = []

    def post(self, path: str, body: dict, status: int = 204) -> httpx.Response:
        response = self.api.post(path, json=body)
        assert response.status_code == status, response.text
        return response

    def traces_batch(self, ids: list[str], **fields) -> None:
        bodies = [
            trace(self.project, id=i, name=f"t{self.rng.randrange(99)}", **fields) for i in ids
        ]
        self.post(f"{TRACES}/batch", {"traces": bodies})
        self.traces += [i for i in ids if i not in self.traces]

    def spans_batch(self, trace_id: str, count: int, again: str | None = None) -> None:
        """``count`` new spans of a trace (or the span ``again`` sent again, changed)."""
        bodies: list[dict] = []
        for _ in range(count):
            kind = self.rng.choice(["llm", "tool", "general"])
            span_id = again or new_id()
            self.spans[span_id] = trace_id
            bodies.append(
                span(
                    trace_id,
                    self.project,
                    id=span_id,
                    type=kind,
                    provider=self.rng.choice(["openai", "anthropic", None]),
                    usage={"prompt_tokens": self.rng.randrange(50), "completion_tokens": 3},
                    total_estimated_cost=self.rng.choice([None, 0.25, 1.5]),
                )
            )
        self.post("v1/private/spans/batch", {"spans": bodies})

    def step(self) -> str:
        """One random write; returns its name (for the failure message)."""
        rng, known = self.rng, self.traces or [new_id()]
        op = rng.choice(
            ["new", "new", "old", "upsert", "spans", "respan", "early-span", "patch", "score",
             "score-other", "early-score", "delete", "comment", "uncomment"]
        )  # fmt: skip
        if op == "new":
            self.traces_batch([new_id() for _ in range(rng.randrange(1, 6))])
        elif op == "old":
            self.traces_batch([old_id(rng.uniform(1, 3600))])
        elif op == "upsert":
            self.traces_batch([rng.choice(known)], output={"v": rng.random()}, end_time=at(5))
        elif op == "spans":
            self.spans_batch(rng.choice(known), rng.randrange(1, 4))
        elif op == "respan" and self.spans:
            span_id = rng.choice(list(self.spans))
            self.spans_batch(self.spans[span_id], 1, again=span_id)
        elif op == "early-span":  # the trace comes later
            pending = new_id()
            self.spans_batch(pending, 2)
            self.traces_batch([pending])
        elif op == "patch":
            trace_id = rng.choice(known)
            response = self.api.patch(
                f"{TRACES}/{trace_id}",
                json={"project_name": self.project, "name": "patched", "tags": ["p"]},
            )
            assert response.status_code == 204, response.text
            if trace_id not in self.traces:
                self.traces.append(trace_id)
        elif op in ("score", "score-other", "early-score"):
            trace_id = new_id() if op == "early-score" else rng.choice(known)
            project = self.other if op == "score-other" else self.project
            score = {"id": trace_id, "project_name": project, "name": rng.choice("ab")}
            score["value"] = rng.random()
            self.api.put(f"{TRACES}/feedback-scores", json={"scores": [score]})
            if op == "early-score":
                self.traces_batch([trace_id])
        elif op == "delete" and self.traces:
            gone = rng.sample(self.traces, min(2, len(self.traces)))
            self.post(f"{TRACES}/delete", {"ids": gone})
            self.traces = [t for t in self.traces if t not in gone]
        elif op == "comment" and self.traces:
            response = self.post(
                f"{TRACES}/{rng.choice(self.traces)}/comments", {"text": "note"}, status=201
            )
            self.comments.append(response.headers["Location"].rsplit("/", 1)[1])
        elif op == "uncomment" and self.comments:
            self.post(f"{TRACES}/comments/delete", {"ids": [self.comments.pop()]})
        return op

    def compare(self, where: str) -> None:
        """The window's pages and single traces equal ClickHouse's."""
        project = self.services.projects.by_name(self.workspace, self.project)
        query = Query(workspace=self.workspace, project_id=project.id)
        for page, size in ((1, 10), (1, 50), (3, 7), (40, 5)):
            hot = self.services.reads.traces_page(query, page, size)
            cold = self.cold.traces_page(query, page, size)
            assert plain(hot) == plain(cold), f"page {page} size {size} after {where}"
            from_memory = self.services.reads.recent_page(query, page, size)
            if from_memory is not None:
                assert plain(from_memory) == plain(cold), f"memory, page {page} after {where}"
            if self.services.reads.recent is not None:  # the window served the page
                assert self.services.reads.recent.ready(self.workspace, project.id), where
        for trace_id in self.rng.sample(self.traces, min(3, len(self.traces))):
            assert plain(self.services.reads.trace(self.workspace, trace_id)) == plain(
                self.cold.trace(self.workspace, trace_id)
            ), f"trace {trace_id} after {where}"


@pytest.fixture
def recent(backend, monkeypatch) -> RecentTraces | None:
    """The backend's window (None where replicas share a Redis: then there is none)."""
    found = backend.services.reads.recent
    if found is not None:
        found.drop()
        yield found
        found.drop()
    else:
        assert backend.services.settings.redis_url, "without replicas the window is kept"
        yield None


@pytest.mark.parametrize(("seed", "keep", "grow"), [(1, 200, 1000), (2, 8, 20), (3, 5, 12)])
def test_the_window_answers_as_clickhouse_after_any_writes(
    api, backend, workspace, recent, monkeypatch, seed: int, keep: int, grow: int
) -> None:
    if recent is not None:
        monkeypatch.setattr(recent, "keep", keep)
        monkeypatch.setattr(recent, "grow", grow)
    world = World(api, backend, workspace, seed)
    world.traces_batch([new_id() for _ in range(30)])
    world.compare("the first traces")
    for i in range(45):
        op = world.step()
        world.compare(f"step {i} ({op})")


# -- the window's own bounds and races, on rows made here ----------------------------------

WS, PROJECT = "ws", "p" * 36


def row(trace_id: str, updated: int, text: str = "") -> dict:
    return {
        "workspace_id": WS,
        "project_id": PROJECT,
        "id": trace_id,
        "input": text,
        "output": "",
        "metadata": "",
        "error_info": "",
        "last_updated_at": updated,
    }


def score(trace_id: str, updated: int, value: float, project: str = "q" * 36) -> dict:
    return {
        "workspace_id": WS,
        "entity_type": "trace",
        "entity_id": trace_id,
        "project_id": project,
        "name": "s",
        "value": value,
        "last_updated_at": updated,
    }


def snapshot_of(ids: list[str], floor: str = "", text: str = "") -> Snapshot:
    return Snapshot(floor, [row(i, 1, text) for i in ids], [], [], {})


def ids(count: int) -> list[str]:
    return sorted((new_id() for _ in range(count)), reverse=True)


def test_an_older_version_arriving_late_does_not_replace_a_newer_one() -> None:
    recent, made = RecentTraces(), ids(3)
    assert recent.read(WS, PROJECT, 0, 3, lambda: snapshot_of(made)) is not None
    recent.stored([row(made[0], 5)], [], [score(made[1], 5, 1.0)])
    recent.stored([row(made[0], 4)], [], [score(made[1], 4, 0.0)])
    found = recent.read(WS, PROJECT, 0, 3, lambda: pytest.fail("filled twice"))
    assert found is not None
    assert found.traces[0]["last_updated_at"] == 5
    assert [s["value"] for s in found.scores[made[1]]] == [1.0]  # another project's score too


def test_a_window_keeps_fewer_traces_when_their_text_is_large() -> None:
    recent, made = RecentTraces(max_bytes=100_000), ids(40)
    first = recent.read(WS, PROJECT, 0, 5, lambda: snapshot_of(made, text="x" * 10_000))
    assert first is not None
    assert [r["id"] for r in first.traces] == made[:5]
    assert (first.total, first.held) == (40, 5)  # the rest counted under its floor
    assert recent.read(WS, PROJECT, 0, 20, lambda: snapshot_of(made)) is None  # cold


def test_writes_during_a_fill_are_applied_and_a_drop_during_it_discards_it() -> None:
    recent, made = RecentTraces(), ids(2)
    late = new_id()

    def load_while_a_write_lands() -> Snapshot:
        recent.stored([row(late, 1)], [], [])
        return snapshot_of(made)

    found = recent.read(WS, PROJECT, 0, 10, load_while_a_write_lands)
    assert found is not None
    assert [r["id"] for r in found.traces] == [late, *made]

    def load_while_a_delete_lands() -> Snapshot:
        recent.drop()
        return snapshot_of(made)

    recent.drop()
    assert recent.read(WS, PROJECT, 0, 10, load_while_a_delete_lands) is None
    assert not recent.ready(WS, PROJECT)


def test_the_least_recently_read_windows_go_and_orphans_are_bounded() -> None:
    recent = RecentTraces(projects=2, orphans=10, grow=5)
    for project in ("a", "b", "c"):
        recent.read(WS, project * 36, 0, 1, lambda: snapshot_of(ids(1)))
    assert [recent.ready(WS, p * 36) for p in "abc"] == [False, True, True]
    recent.stored([], [], [score(new_id(), 1, 0.5) for _ in range(25)])  # traces never seen
    assert not recent.ready(WS, "b" * 36)


def test_the_window_counts_the_traces_it_lets_go_under_its_floor() -> None:
    recent = RecentTraces(keep=5, grow=8)
    first = recent.read(WS, PROJECT, 0, 5, lambda: snapshot_of(ids(5)))
    assert first is not None
    assert first.total == 5  # every trace of the project
    recent.stored([row(i, 1) for i in ids(4)], [], [])  # 9 traces: the 4 oldest let go
    trimmed = recent.read(WS, PROJECT, 0, 5)
    assert trimmed is not None
    assert (trimmed.total, trimmed.held) == (9, 5)
    assert recent.read(WS, PROJECT, 0, 6) is None  # the 6th is under the floor now
    recent.stored([row(old_id(60), 1)], [], [])  # a trace under the floor: count unknown
    unknown = recent.read(WS, PROJECT, 0, 5)
    assert unknown is not None
    assert unknown.total is None
    recent.counted_below(WS, PROJECT, unknown, 5)
    counted = recent.read(WS, PROJECT, 0, 5)
    assert counted is not None
    assert counted.total == 10

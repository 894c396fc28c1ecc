"""Publishing scoring events as traces complete, and the workers that score them."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

import msgspec

from ..errors import NotFound
from ..ids import new_id
from ..schemas import FeedbackScore
from ..storage.filter_sql import Filter, parse
from ..storage.ingest import IngestJob, InsertScores
from ..storage.online_rules import Rule, Rules
from ..storage.reads import Query, Reads
from ..storage.rows import Row, now, score_row
from .queue import Delivery, EventQueue
from .scoring import ScoringFailed, ScoringSettings, score

log = logging.getLogger(__name__)
Submit = Callable[[IngestJob], "Future[None]"]


def sampled(rule: Rule, trace_id: str) -> bool:
    """Deterministic per (rule, trace): the same trace is always in or out of the sample."""
    digest = hashlib.sha256(f"{rule.id}:{trace_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rule.sampling_rate


class Publisher:
    """Called with the trace rows of each committed group; queues one event per rule."""

    def __init__(self, rules: Rules, queue: EventQueue) -> None:
        self._rules, self._queue = rules, queue
        self.published = 0

    def traces_stored(self, rows: Sequence[Row]) -> None:
        events = []
        for row in rows:
            if row["end_time"] is None:
                continue
            for rule in self._rules.enabled_for(row["workspace_id"], row["project_id"]):
                if sampled(rule, row["id"]):
                    events.append(
                        (
                            f"{rule.id}:{row['id']}",
                            {
                                "workspace": row["workspace_id"],
                                "project_id": row["project_id"],
                                "trace_id": row["id"],
                                "rule_id": rule.id,
                            },
                        )
                    )
        if events:
            self.published += self._queue.publish(events)

    def manual(
        self, workspace: str, project_id: str, trace_ids: Sequence[str], rules: Sequence[Rule]
    ) -> int:
        """Queue every (rule, trace) pair, sampling bypassed (Opik's manual evaluation); a
        rule's filters still apply when it runs. Each call queues afresh. Returns how many."""
        events = [
            (
                f"manual:{rule.id}:{trace_id}:{new_id()}",
                {
                    "workspace": workspace,
                    "project_id": project_id,
                    "trace_id": trace_id,
                    "rule_id": rule.id,
                },
            )
            for rule in rules
            for trace_id in trace_ids
        ]
        published = self._queue.publish(events) if events else 0
        self.published += published
        return published


class Worker(threading.Thread):
    """Takes events, scores them, writes the scores, acknowledges; retries what failed."""

    def __init__(
        self,
        number: int,
        rules: Rules,
        queue: EventQueue,
        reads: Reads,
        submit: Submit,
        scoring: ScoringSettings,
        retry_seconds: float,
        max_attempts: int,
    ) -> None:
        super().__init__(name=f"opik-backend-scorer-{number}", daemon=True)
        self.consumer = f"{os.uname().nodename}-{os.getpid()}-{number}"
        self._rules, self._queue, self._reads = rules, queue, reads
        self._submit = submit
        self._scoring, self._retry, self._attempts = scoring, retry_seconds, max_attempts
        self._stopping = threading.Event()
        self.scored = 0

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                deliveries = self._queue.reclaim(
                    self.consumer, self._retry, 10
                ) or self._queue.take(self.consumer, 10, block_seconds=1.0)
                for delivery in deliveries:
                    self._handle(delivery)
            except Exception:
                log.exception("online evaluation worker: queue error; retrying")
                self._stopping.wait(1.0)

    def _handle(self, delivery: Delivery) -> None:
        try:
            self._process(delivery.event)
        except (ScoringFailed, NotFound) as exc:
            self._failed(delivery, str(exc))
            return
        except Exception as exc:
            log.exception("online evaluation of %s failed", delivery.event)
            self._failed(delivery, f"{type(exc).__name__}: {exc}")
            return
        self._queue.ack(delivery)

    def _failed(self, delivery: Delivery, reason: str) -> None:
        if delivery.deliveries >= self._attempts:
            self._queue.dead_letter(delivery, reason)
        else:
            self._queue.fail(delivery, reason)

    def _process(self, event: dict[str, str]) -> None:
        try:
            rule = self._rules.get(event["workspace"], event["rule_id"])
        except NotFound:
            return  # the rule was deleted: nothing to do
        if not rule.enabled:
            return
        trace = self._matching_trace(rule, event)
        if trace is None:
            return  # the trace does not match the rule's filters
        scores = score(rule, trace, self._scoring)
        received = now()
        rows = [
            score_row(
                rule.workspace,
                "trace",
                event["trace_id"],
                trace["project_id"],
                FeedbackScore(
                    name=s.name, value=s.value, reason=s.reason or None, source="online_scoring"
                ),
                received,
                created_by=f"online_scoring:{rule.name}",
            )
            for s in scores
        ]
        self._submit(InsertScores(rows)).result(timeout=120)
        self.scored += 1

    def _matching_trace(self, rule: Rule, event: dict[str, str]) -> dict[str, Any] | None:
        filters = [*parse(rule.filters), Filter(field="id", operator="=", value=event["trace_id"])]
        found = self._reads.traces_after(
            Query(workspace=event["workspace"], project_id=event["project_id"], filters=filters),
            None,
            1,
        )
        return _decoded(found[0]) if found else None

    def stop(self) -> None:
        self._stopping.set()


def _decoded(trace: dict[str, Any]) -> dict[str, Any]:
    """The trace with its JSON fields as Python values (they are read as raw JSON text)."""
    return {
        key: msgspec.json.decode(value) if isinstance(value, msgspec.Raw) else value
        for key, value in trace.items()
    }


class OnlineEvaluation:
    """The publisher and the worker threads of one backend process."""

    def __init__(
        self,
        rules: Rules,
        queue: EventQueue,
        reads: Reads,
        submit: Submit,
        scoring: ScoringSettings,
        workers: int,
        retry_seconds: float,
        max_attempts: int,
    ) -> None:
        self.rules, self.queue = rules, queue
        self.publisher = Publisher(rules, queue)
        self.workers = [
            Worker(i, rules, queue, reads, submit, scoring, retry_seconds, max_attempts)
            for i in range(workers)
        ]
        for worker in self.workers:
            worker.start()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.join(timeout=10)

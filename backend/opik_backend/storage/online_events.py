"""The online evaluation queue's table in the metadata database: the queue of
``online/queue`` when no Redis is configured (embedded mode: it survives a crash too)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from typing import Any

from ..ids import new_id
from .metadata import MetadataDB, utcnow

Event = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Delivery:
    id: str
    event: Event
    deliveries: int


class DatabaseQueue:
    """The same queue in the metadata database (embedded mode: it survives a crash too)."""

    _SELECT = "SELECT id, payload, deliveries, claimed_at FROM online_events"

    def __init__(self, db: MetadataDB) -> None:
        self._db = db
        self._published = threading.Condition()

    def publish(self, events: list[tuple[str, Event]]) -> int:
        fresh = sum(
            self._db.execute(
                f"{self._db.dialect.insert_ignore} INTO online_events "
                "(id, dedup_key, payload, state, deliveries, claimed_at, consumer, last_error, "
                "created_at) "
                "VALUES (?, ?, ?, 'ready', 0, 0, '', '', ?)",
                (new_id(), key, json.dumps(event), utcnow()),
            )
            for key, event in events
        )
        if fresh:
            with self._published:
                self._published.notify_all()
        return fresh

    def take(self, consumer: str, count: int, block_seconds: float) -> list[Delivery]:
        taken = self._claim(consumer, "state = 'ready'", (), count)
        if not taken:
            with self._published:
                self._published.wait(block_seconds)
            taken = self._claim(consumer, "state = 'ready'", (), count)
        return taken

    def reclaim(self, consumer: str, idle_seconds: float, count: int) -> list[Delivery]:
        return self._claim(
            consumer, "state = 'taken' AND claimed_at < ?", (time.time() - idle_seconds,), count
        )

    def _claim(
        self, consumer: str, where: str, params: tuple[Any, ...], count: int
    ) -> list[Delivery]:
        rows = self._db.fetch(f"{self._SELECT} WHERE {where} ORDER BY id LIMIT ?", (*params, count))
        claimed = []
        for row in rows:  # optimistic: another worker may claim the same row first
            changed = self._db.execute(
                "UPDATE online_events SET state = 'taken', consumer = ?, claimed_at = ?, "
                "deliveries = deliveries + 1 WHERE id = ? AND claimed_at = ?",
                (consumer, time.time(), row["id"], row["claimed_at"]),
            )
            if changed:
                claimed.append(
                    Delivery(row["id"], json.loads(row["payload"]), int(row["deliveries"]) + 1)
                )
        return claimed

    def ack(self, delivery: Delivery) -> None:
        self._db.execute(
            "UPDATE online_events SET state = 'done', payload = '' WHERE id = ?", (delivery.id,)
        )

    def fail(self, delivery: Delivery, reason: str) -> None:
        self._db.execute(
            "UPDATE online_events SET last_error = ? WHERE id = ?", (reason, delivery.id)
        )

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self._db.execute(
            "UPDATE online_events SET state = 'dead', last_error = ? WHERE id = ?",
            (reason, delivery.id),
        )

    def dead_letters(self, limit: int) -> list[dict[str, Any]]:
        rows = self._db.fetch(
            "SELECT id, payload, deliveries, last_error, claimed_at FROM online_events "
            "WHERE state = 'dead' ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            {
                "id": r["id"],
                "event": json.loads(r["payload"]),
                "reason": r["last_error"],
                "deliveries": int(r["deliveries"]),
                "at": float(r["claimed_at"]),
            }
            for r in rows
        ]

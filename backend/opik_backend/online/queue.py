"""The queue of scoring events: a Redis stream with a consumer group, or a database table
(``storage/online_events``, where its SQL lives).

Both give the same semantics: an event is published once per key (a rule and a trace), a
worker takes it and acknowledges it when done; what a worker took and never acknowledged
(it failed, or died) is taken again after ``idle`` seconds, counting deliveries; after the
last attempt it goes to a dead-letter list with the reason.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

import redis
from redis.typing import EncodableT, FieldT

from ..errors import StorageUnavailable
from ..storage.metadata import MetadataDB
from ..storage.online_events import DatabaseQueue, Delivery, Event

DEDUP_SECONDS = 7 * 24 * 3600


class EventQueue(Protocol):
    def publish(self, events: list[tuple[str, Event]]) -> int: ...
    def take(self, consumer: str, count: int, block_seconds: float) -> list[Delivery]: ...
    def reclaim(self, consumer: str, idle_seconds: float, count: int) -> list[Delivery]: ...
    def ack(self, delivery: Delivery) -> None: ...
    def fail(self, delivery: Delivery, reason: str) -> None: ...
    def dead_letter(self, delivery: Delivery, reason: str) -> None: ...
    def dead_letters(self, limit: int) -> list[dict[str, Any]]: ...


class RedisQueue:
    """A stream read by the consumer group ``scorers``; failures and dead letters beside it."""

    def __init__(self, url: str, prefix: str = "opik-jupyter:online") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=30, decode_responses=True)
        self._stream, self._dead = f"{prefix}:events", f"{prefix}:dead"
        self._errors, self._dedup = f"{prefix}:errors", f"{prefix}:seen:"
        self._group = "scorers"
        try:
            self._redis.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        except redis.RedisError as exc:
            raise StorageUnavailable(f"Redis is unavailable: {exc}") from exc

    def publish(self, events: list[tuple[str, Event]]) -> int:
        pipe = self._redis.pipeline()
        for key, _ in events:
            pipe.set(self._dedup + key, 1, nx=True, ex=DEDUP_SECONDS)
        fresh = [event for (_, event), new in zip(events, pipe.execute(), strict=True) if new]
        pipe = self._redis.pipeline()
        for event in fresh:
            pipe.xadd(self._stream, {"event": json.dumps(event)})
        pipe.execute()
        return len(fresh)

    def take(self, consumer: str, count: int, block_seconds: float) -> list[Delivery]:
        found: Reply = self._redis.xreadgroup(
            self._group,
            consumer,
            {self._stream: ">"},
            count=count,
            block=max(1, int(block_seconds * 1000)),
        )
        return [
            Delivery(msg_id, json.loads(fields["event"]), 1)
            for _, messages in found or []
            for msg_id, fields in _entries(messages)
        ]

    def reclaim(self, consumer: str, idle_seconds: float, count: int) -> list[Delivery]:
        reply: Reply = self._redis.xautoclaim(
            self._stream, self._group, consumer, int(idle_seconds * 1000), "0-0", count=count
        )
        _, messages, *_ = reply
        claimed = []
        for msg_id, fields in _entries(messages):
            info = self._redis.xpending_range(self._stream, self._group, msg_id, msg_id, 1)
            deliveries = int(info[0]["times_delivered"]) if info else 1
            claimed.append(Delivery(msg_id, json.loads(fields["event"]), deliveries))
        return claimed

    def ack(self, delivery: Delivery) -> None:
        pipe = self._redis.pipeline()
        pipe.xack(self._stream, self._group, delivery.id)
        pipe.xdel(self._stream, delivery.id)
        pipe.hdel(self._errors, delivery.id)
        pipe.execute()

    def fail(self, delivery: Delivery, reason: str) -> None:
        self._redis.hset(self._errors, delivery.id, reason)

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        record: dict[FieldT, EncodableT] = {
            "event": json.dumps(delivery.event),
            "reason": reason,
            "deliveries": str(delivery.deliveries),
            "at": str(time.time()),
        }
        self._redis.xadd(self._dead, record, maxlen=10_000, approximate=True)
        self.ack(delivery)

    def dead_letters(self, limit: int) -> list[dict[str, Any]]:
        return [
            {
                "id": msg_id,
                "event": json.loads(f["event"]),
                "reason": f["reason"],
                "deliveries": int(f["deliveries"]),
                "at": float(f["at"]),
            }
            for msg_id, f in _entries(self._redis.xrevrange(self._dead, count=limit))
        ]


def open_queue(redis_url: str, redis_prefix: str, db: MetadataDB) -> EventQueue:
    return RedisQueue(redis_url, f"{redis_prefix}:online") if redis_url else DatabaseQueue(db)


Reply = Any
"""A Redis reply whose shape redis-py's types do not describe (streams, decoded to str)."""


def _entries(reply: Reply) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) entries of a stream reply."""
    return [(msg_id, fields) for msg_id, fields in reply]

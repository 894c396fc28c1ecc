"""A small key-value cache: Redis when configured (shared by replicas), in-process otherwise."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, Protocol, TypeVar

import redis

from ..errors import StorageUnavailable

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Cache(Protocol):
    """String keys to string values with a time to live."""

    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str, ttl: float) -> None: ...
    def delete(self, key: str) -> None: ...
    def close(self) -> None: ...


class LocalCache:
    """An LRU dict with expiry, for one process."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def close(self) -> None:
        with self._lock:
            self._data.clear()


class RedisCache:
    """The same interface on Redis, under a key prefix."""

    def __init__(self, url: str, prefix: str = "opik-jupyter:") -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
        )
        self._prefix = prefix
        self._call(self._redis.ping)

    def _call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except redis.RedisError as exc:
            raise StorageUnavailable(f"Redis is unavailable: {exc}") from exc

    def get(self, key: str) -> str | None:
        value: str | None = self._call(self._redis.get, self._prefix + key)
        return value

    def set(self, key: str, value: str, ttl: float) -> None:
        self._call(self._redis.set, self._prefix + key, value, px=max(1, int(ttl * 1000)))

    def delete(self, key: str) -> None:
        self._call(self._redis.delete, self._prefix + key)

    def close(self) -> None:
        self._redis.close()


def open_cache(url: str) -> Cache:
    """Redis for a ``redis://`` URL, the in-process cache for an empty one."""
    return RedisCache(url) if url else LocalCache()


class Memo(Generic[K, V]):
    """Answers kept until the data they were computed from changes, or ``ttl`` passes.

    The version is whatever the caller compares (a :class:`~.changes.ChangeLog` version);
    the TTL bounds staleness when another process changed the data.
    """

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._data: dict[K, tuple[object, float, V]] = {}
        self._running: dict[K, tuple[object, Future[V]]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, version: object) -> V | None:
        """The answer stored for ``key`` at ``version``, if it is still fresh."""
        entry = self._data.get(key)
        if entry is None or entry[0] != version or entry[1] < time.monotonic():
            return None
        return entry[2]

    def aged(self, key: K, version: object) -> tuple[V, float] | None:
        """The answer stored for ``key`` at ``version`` and the seconds it has left."""
        entry = self._data.get(key)
        if entry is None or entry[0] != version:
            return None
        left = entry[1] - time.monotonic()
        return (entry[2], left) if left > 0 else None

    def put(self, key: K, version: object, value: V) -> None:
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()
            self._data[key] = (version, time.monotonic() + self._ttl, value)

    def get_or_compute(self, key: K, version: object, compute: Callable[[], V]) -> V:
        """The fresh answer for ``key``, computed (and kept) when there is none.

        Callers asking for the same key and version while it is computed wait for that one
        computation instead of each starting the same scan.
        """
        found = self.get(key, version)
        if found is not None:
            return found
        with self._lock:
            running = self._running.get(key)
            mine = running is None or running[0] != version
            if mine:
                running = (version, Future())
                self._running[key] = running
        assert running is not None
        if not mine:
            return running[1].result()
        try:
            found = compute()
        except BaseException as exc:
            running[1].set_exception(exc)
            raise
        finally:
            with self._lock:
                if self._running.get(key) is running:
                    del self._running[key]
        self.put(key, version, found)
        running[1].set_result(found)
        return found

"""What replicas of a server deployment coordinate through Redis: rate limits and locks.

Without Redis (embedded mode, one process) the same interfaces work in-process.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Protocol

import redis

from ..errors import StorageUnavailable

_RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1])
else return 0 end"""


class RateLimiter(Protocol):
    def over_limit(self, workspace: str, events: int) -> bool:
        """Count ``events`` for the current second; True if that exceeds the limit."""
        ...


class NoLimit:
    def over_limit(self, workspace: str, events: int) -> bool:  # noqa: ARG002
        return False


class LocalRateLimiter:
    """A fixed one-second window per workspace, in this process."""

    def __init__(self, per_second: int) -> None:
        self._limit = per_second
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def over_limit(self, workspace: str, events: int) -> bool:
        second = int(time.time())
        with self._lock:
            start, used = self._windows.get(workspace, (second, 0))
            used = used if start == second else 0
            self._windows[workspace] = (second, used + events)
        return used > 0 and used + events > self._limit


class RedisRateLimiter:
    """The same window, shared by every replica."""

    def __init__(self, url: str, per_second: int, prefix: str = "opik-jupyter:rate:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5)
        self._limit, self._prefix = per_second, prefix

    def over_limit(self, workspace: str, events: int) -> bool:
        key = f"{self._prefix}{workspace}:{int(time.time())}"
        try:
            pipe = self._redis.pipeline()
            pipe.incrby(key, events)
            pipe.expire(key, 2)
            total, _ = pipe.execute()
        except redis.RedisError as exc:
            raise StorageUnavailable(f"Redis is unavailable: {exc}") from exc
        return total > events and total > self._limit


def open_rate_limiter(redis_url: str, per_second: int) -> RateLimiter:
    if per_second <= 0:
        return NoLimit()
    return RedisRateLimiter(redis_url, per_second) if redis_url else LocalRateLimiter(per_second)


@contextlib.contextmanager
def redis_lock(
    url: str, name: str, hold_seconds: float = 600, wait_seconds: float = 600
) -> Iterator[None]:
    """Hold ``name`` across every replica (migrations, merges); a dead holder's lock expires."""
    client = redis.Redis.from_url(url, socket_timeout=10)
    key, token = f"opik-jupyter:lock:{name}", secrets.token_hex(16)
    deadline = time.monotonic() + wait_seconds
    while not client.set(key, token, nx=True, px=int(hold_seconds * 1000)):
        if time.monotonic() > deadline:
            raise StorageUnavailable(f"could not take the {name} lock within {wait_seconds}s")
        time.sleep(0.2)
    try:
        yield
    finally:
        client.eval(_RELEASE, 1, key, token)
        client.close()


@contextlib.contextmanager
def shared_lock(redis_url: str, name: str) -> Iterator[None]:
    """The Redis lock when replicas share Redis; nothing to coordinate otherwise."""
    if not redis_url:
        yield
        return
    with redis_lock(redis_url, name):
        yield

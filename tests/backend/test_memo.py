"""The memo that keeps aggregates until their project changes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from opik_backend.storage.cache import Memo


def test_an_answer_is_kept_for_its_version_only() -> None:
    memo: Memo[str, int] = Memo(ttl=60)
    calls: list[int] = []

    def compute(value: int) -> int:
        calls.append(value)
        return value

    assert memo.get_or_compute("k", (0, 1), lambda: compute(1)) == 1
    assert memo.get_or_compute("k", (0, 1), lambda: compute(2)) == 1
    assert memo.get_or_compute("k", (0, 2), lambda: compute(3)) == 3
    assert calls == [1, 3]


def test_an_answer_expires_after_its_ttl() -> None:
    memo: Memo[str, int] = Memo(ttl=0.05)
    memo.put("k", 1, 10)
    assert memo.get("k", 1) == 10
    time.sleep(0.1)
    assert memo.get("k", 1) is None


def test_callers_of_the_same_key_share_one_computation() -> None:
    memo: Memo[str, int] = Memo(ttl=60)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(memo.get_or_compute, "k", 1, slow)
        started.wait(5)
        others = [pool.submit(memo.get_or_compute, "k", 1, slow) for _ in range(3)]
        time.sleep(0.05)
        release.set()
        assert [f.result(5) for f in (first, *others)] == [42] * 4
    assert calls == [1]


def test_a_failed_computation_is_not_kept() -> None:
    memo: Memo[str, int] = Memo(ttl=60)

    def broken() -> int:
        raise RuntimeError("the store is down")

    with pytest.raises(RuntimeError, match="store is down"):
        memo.get_or_compute("k", 1, broken)
    assert memo.get_or_compute("k", 1, lambda: 7) == 7

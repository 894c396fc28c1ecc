"""UUID v7 ids, made fast enough for the ``@track`` hot path.

``uuid6.uuid7()`` costs about 3 µs; this builds the same layout (48-bit Unix milliseconds,
version 7, 12 bits of sub-millisecond time, the RFC 4122 variant, 62 random bits) as a
string in well under 1 µs. ``random`` is reseeded in forked children by CPython, and ids
are not secrets, so the Mersenne Twister is enough.
"""

from __future__ import annotations

import time
from random import getrandbits

_LOW48 = 0xFFFFFFFFFFFF


def new_id(ns: int | None = None) -> str:
    """A UUID v7 string whose timestamp is ``ns`` (nanoseconds since the epoch; default now)."""
    if ns is None:
        ns = time.time_ns()
    ms, sub = divmod(ns, 1_000_000)
    rand = getrandbits(62)
    # one %-format is ~25% faster than the f-string equivalent, and this is the hot path
    return "%08x-%04x-7%03x-%04x-%012x" % (  # noqa: UP031
        ms >> 16,
        ms & 0xFFFF,
        (sub << 12) // 1_000_000,
        0x8000 | (rand >> 48),
        rand & _LOW48,
    )

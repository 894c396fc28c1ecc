"""UUID v7 ids: the only ids the API accepts for traces, spans and the entities it creates."""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid

import uuid6

from .errors import BadRequest, NotFound


def new_id() -> str:
    """A fresh UUID v7 in canonical lowercase text form."""
    return str(uuid6.uuid7())


def id_at(moment: dt.datetime) -> str:
    """A UUID v7 whose creation time is ``moment`` (random in the rest), as a client makes
    one when a trace starts then."""
    millis = int(moment.timestamp() * 1000)
    value = (millis << 80) | (0x7 << 76) | (random.getrandbits(12) << 64)
    return str(uuid.UUID(int=value | (0b10 << 62) | random.getrandbits(62)))


V7_PATTERN = (
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
"""A UUID v7 as the API documents it (hyphenated, either case)."""
_CANONICAL_V7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


_LAST_MILLIS = int(dt.datetime(2299, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp() * 1000)
"""The latest creation time an id may carry: what ClickHouse's DateTime64 holds."""


def check_v7(value: str, field: str) -> str:
    """Return ``value`` in canonical form, or raise 400 naming ``field``."""
    if isinstance(value, str) and _CANONICAL_V7.fullmatch(value):
        canonical = value  # the common case, without building a UUID object
    else:
        try:
            parsed = uuid.UUID(value)
        except (ValueError, AttributeError, TypeError):
            raise BadRequest(f"{field}: {value!r} is not a UUID") from None
        if parsed.version != 7:
            raise BadRequest(f"{field}: {value} must be a version 7 UUID")
        canonical = str(parsed)
    if int(canonical[:8] + canonical[9:13], 16) > _LAST_MILLIS:
        raise BadRequest(f"{field}: {value} carries a creation time after the year 2299")
    return canonical


def path_id(value: str, what: str) -> str:
    """A v7 id taken from the URL path, canonical; 404 naming ``what`` when it is not one.

    Opik answers a malformed id in the path with 404: no entity can have it. The official
    SDK maps 404 to its "not found" errors and the CLI falls back to a name lookup on 404.
    """
    try:
        return check_v7(value, what)
    except BadRequest as exc:
        raise NotFound(f"{what} {value!r} not found: {exc.message}") from None


def check_uuid(value: str, field: str) -> str:
    """Return any-version UUID ``value`` in canonical form, or raise 400 naming ``field``."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise BadRequest(f"{field}: {value!r} is not a UUID") from None


def timestamp_of(v7: str) -> dt.datetime:
    """The creation time embedded in a UUID v7 (milliseconds since the epoch, UTC)."""
    millis = uuid.UUID(v7).int >> 80
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)

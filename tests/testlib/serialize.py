"""Serialisation helpers shared by the example-based and the property-based SDK tests."""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

from opik_jupyter.sdk._serialize import scrub_surrogates


def encodes(value: Any) -> bytes:
    """JSON bytes as the sender would send them."""
    return msgspec.json.encode(scrub_surrogates(value))


@dataclasses.dataclass
class Point:
    """A dataclass: serialised as its fields."""

    x: int
    y: float

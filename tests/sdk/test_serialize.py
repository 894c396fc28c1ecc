"""Serialisation of arbitrary values: never raises, always JSON, visibly truncated."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import uuid
from pathlib import Path
from typing import Any

import msgspec
import pytest

from opik_jupyter.sdk._serialize import TRUNCATED, Limits, to_field, to_json
from tests.testlib.serialize import Point, encodes


class Colour(enum.Enum):
    RED = "red"


def test_to_json__known_types__get_faithful_shapes() -> None:
    value = {
        "point": Point(1, 2.5),
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 2),
        "gap": dt.timedelta(seconds=90),
        "tags": {"b", "a"},
        "frozen": frozenset({3, 1}),
        "tuple": (1, "x"),
        "id": uuid.UUID(int=1),
        "path": Path("/tmp/x"),
        "money": decimal.Decimal("1.10"),
        "colour": Colour.RED,
        "bytes": b"hi",
        "error": ValueError("nope"),
        1: "int key",
        None: "none key",
    }
    assert to_json(value) == {
        "point": {"x": 1, "y": 2.5},
        "when": "2026-01-02T03:04:05+00:00",
        "day": "2026-01-02",
        "gap": 90.0,
        "tags": ["a", "b"],
        "frozen": [1, 3],
        "tuple": [1, "x"],
        "id": "00000000-0000-0000-0000-000000000001",
        "path": "/tmp/x",
        "money": "1.10",
        "colour": "red",
        "bytes": {"bytes_length": 2, "base64": "aGk="},
        "error": {"exception_type": "ValueError", "message": "nope"},
        "1": "int key",
        "None": "none key",
    }


def test_to_json__numpy_and_pandas() -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1, 2], "when": pd.to_datetime(["2026-01-01", "2026-01-02"])})
    out = to_json(
        {
            "scalar": np.float32(1.5),
            "int": np.int64(3),
            "array": np.arange(3),
            "frame": frame,
            "series": pd.Series([1.0, 2.0], index=["x", "y"]),
        }
    )
    assert out == {
        "scalar": 1.5,
        "int": 3,
        "array": [0, 1, 2],
        "frame": {
            "columns": ["a", "when"],
            "data": [
                {"a": 1, "when": "2026-01-01T00:00:00"},
                {"a": 2, "when": "2026-01-02T00:00:00"},
            ],
        },
        "series": {"x": 1.0, "y": 2.0},
    }
    big = to_json(np.zeros((200, 200)))
    assert big[TRUNCATED] is True
    assert big["ndarray"] == {"shape": [200, 200], "dtype": "float64"}


def test_to_json__pydantic_models() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Message(pydantic.BaseModel):
        role: str
        sent: dt.datetime

    out = to_json([Message(role="user", sent=dt.datetime(2026, 1, 1))])
    assert out == [{"role": "user", "sent": "2026-01-01T00:00:00"}]


def test_to_json__cycles_depth_and_broken_objects_become_markers() -> None:
    loop: list[Any] = [1]
    loop.append(loop)

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    nested: Any = "bottom"
    for _ in range(200):
        nested = [nested]
    out = to_json({"loop": loop, "broken": Broken(), "deep": nested})
    assert out["loop"] == [1, "[circular reference]"]
    assert out["broken"] == "<Broken object (repr failed)>"
    encodes(out)
    assert "[max depth reached]" in msgspec.json.encode(out["deep"]).decode()


def test_to_json__shared_objects_are_not_cycles() -> None:
    shared = {"a": 1}
    assert to_json([shared, shared]) == [{"a": 1}, {"a": 1}]


def test_to_json__large_payloads_are_truncated_with_a_marker() -> None:
    limits = Limits(max_bytes=1000, max_string_chars=100, max_items=50)
    out = to_json({"text": "x" * 500, "items": list(range(1000))}, limits)
    assert out["text"].startswith("x" * 100)
    assert TRUNCATED in out["text"]
    assert "400 more characters" in out["text"]
    assert out["items"][-1] == f"{TRUNCATED}: 950 more items"
    huge = to_json(["y" * 300 for _ in range(100)], limits)
    assert len(encodes(huge)) < 3000
    assert any(TRUNCATED in item for item in huge)


def test_to_field__wraps_values_that_are_not_objects_arrays_or_strings() -> None:
    assert to_field(3, "output") == {"output": 3}
    assert to_field(None, "input") == {"input": None}
    assert to_field("text", "output") == "text"
    assert to_field([1], "output") == [1]


def test_to_json__non_finite_floats_and_huge_ints_encode() -> None:
    out = to_json({"nan": math.nan, "inf": math.inf, "big": 2**80})
    assert out["big"] == str(2**80)
    assert msgspec.json.decode(encodes(out)) == {"nan": None, "inf": None, "big": str(2**80)}


def test_scrub_surrogates__makes_lone_surrogates_encodable() -> None:
    assert msgspec.json.decode(encodes({"k\ud800": "v\udfff"})) == {"k?": "v?"}

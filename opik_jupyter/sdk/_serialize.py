"""Turning arbitrary Python values into JSON-safe ones, on the sender thread.

:func:`to_json` never raises and always returns something ``msgspec.json.encode`` accepts:
dicts with string keys, lists, strings, finite or non-finite floats (encoded as ``null``),
ints, bools and None. Known rich types get a faithful shape (dataclasses, pydantic models,
numpy, pandas, datetimes, sets, bytes); anything else becomes its ``repr``. Cycles and
excessive depth become markers, and a size budget truncates large payloads visibly.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import logging
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

log = logging.getLogger(__name__)

MAX_DEPTH = 50
MAX_BYTES_INLINE = 1024
TRUNCATED = "[truncated by opik-jupyter]"
_SCALARS = (str, int, float, bool, type(None))
_INT64 = (-(2**63), 2**64 - 1)


@dataclasses.dataclass
class Limits:
    """How much of a value is kept."""

    max_bytes: int = 1024 * 1024
    """Approximate JSON size budget of one field."""
    max_string_chars: int = 100_000
    max_items: int = 10_000
    """Items kept of one list or dict."""


class _Converter:
    """One conversion, with its remaining size budget and the containers on its path."""

    def __init__(self, limits: Limits, extract: Callable[[str], str] | None = None) -> None:
        self.limits = limits
        self.extract = extract
        self.budget = limits.max_bytes
        self.path: set[int] = set()
        self.truncated = False

    def convert(self, value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if kind is str:
            return self._string(value)
        if kind in _SCALARS:
            self.budget -= 8
            return value if kind is not int or _INT64[0] <= value <= _INT64[1] else str(value)
        if self.budget <= 0:
            self.truncated = True
            return TRUNCATED
        if depth >= MAX_DEPTH:
            return "[max depth reached]"
        key = id(value)
        if key in self.path:
            return "[circular reference]"
        self.path.add(key)
        try:
            return self._container_or_object(value, depth + 1)
        finally:
            self.path.discard(key)

    def _string(self, text: str) -> str:
        if self.extract is not None:
            text = self.extract(text)  # before the cut: a base64 file becomes a reference
        limit = min(self.limits.max_string_chars, max(self.budget, 0))
        self.budget -= len(text) + 2
        if len(text) <= limit:
            return text
        self.truncated = True
        return f"{text[:limit]}... {TRUNCATED}: {len(text) - limit} more characters"

    def _container_or_object(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is dict:
            return self._mapping(value, depth)
        if kind is list or kind is tuple:
            return self._sequence(value, depth)
        if isinstance(value, Mapping):
            return self._mapping(value, depth)
        if isinstance(value, (list, tuple)):
            return self._sequence(value, depth)
        if isinstance(value, (set, frozenset)):
            return self._sequence(_sorted(value), depth)
        return self._object(value, depth)

    def _mapping(self, value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, (key, item) in enumerate(value.items()):
            if i >= self.limits.max_items or self.budget <= 0:
                out[TRUNCATED] = f"{len(value) - i} more items"
                self.truncated = True
                break
            name = key if type(key) is str else _key(key)
            self.budget -= len(name) + 4
            out[name] = self.convert(item, depth)
        return out

    def _sequence(self, value: Any, depth: int) -> list[Any]:
        out = []
        for i, item in enumerate(value):
            if i >= self.limits.max_items or self.budget <= 0:
                out.append(f"{TRUNCATED}: {len(value) - i} more items")
                self.truncated = True
                break
            out.append(self.convert(item, depth))
        return out

    def _object(self, value: Any, depth: int) -> Any:
        for convert in _CONVERTERS:
            found = convert(value, self.limits)
            if found is not _NO:
                return self.convert(found, depth) if found is not value else repr(found)
        return self._string(_repr(value))


_NO = object()
_DEFAULT_LIMITS = Limits()


def _key(key: Any) -> str:
    if isinstance(key, (dt.date, dt.time)):
        return key.isoformat()
    if isinstance(key, enum.Enum):
        return str(key.value)
    if isinstance(key, _SCALARS):
        return str(key)
    return _repr(key)


def _sorted(items: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not break tracing
        return f"<{type(value).__name__} object (repr failed)>"


# -- converters for known types: return a simpler value, or _NO ------------------------------


def _stdlib(value: Any, limits: Limits) -> Any:  # noqa: PLR0911 - one branch per type
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes(bytes(value), limits)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, PurePath, decimal.Decimal, complex)):
        return str(value)
    if isinstance(value, (str, int, float)):  # subclasses of scalars
        return _scalar_subclass(value)
    if isinstance(value, BaseException):
        return {"exception_type": type(value).__name__, "message": _safe_str(value)}
    return _NO


def _scalar_subclass(value: str | int | float) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    return float(value)


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not break tracing
        return _repr(value)


def _bytes(data: bytes, limits: Limits) -> dict[str, Any]:
    if len(data) <= min(MAX_BYTES_INLINE, limits.max_bytes):
        return {"bytes_length": len(data), "base64": base64.b64encode(data).decode()}
    return {"bytes_length": len(data), "base64": TRUNCATED}


def _dataclass(value: Any, _limits: Limits) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
    return _NO


def _pydantic(value: Any, _limits: Limits) -> Any:
    dump = getattr(type(value), "model_dump", None)
    if dump is None or isinstance(value, type):
        return _NO
    try:
        return value.model_dump(mode="json")
    except Exception:  # fall back to the python dump, then repr
        try:
            return value.model_dump()
        except Exception:  # then repr
            return _NO


def _numpy(value: Any, limits: Limits) -> Any:
    np = sys.modules.get("numpy")
    if np is None:
        return _NO
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.size > limits.max_items:
            return {
                "ndarray": {"shape": list(value.shape), "dtype": str(value.dtype)},
                "head": value.reshape(-1)[:100].tolist(),
                TRUNCATED: True,
            }
        return value.tolist()
    return _NO


def _pandas(value: Any, limits: Limits) -> Any:
    pd = sys.modules.get("pandas")
    if pd is None:
        return _NO
    if isinstance(value, pd.DataFrame):
        return _frame(value, limits)
    if isinstance(value, pd.Series):
        return value.head(limits.max_items).to_dict()
    if isinstance(value, (pd.Index, pd.Categorical)):
        return list(value[: limits.max_items])
    if value is pd.NaT:
        return None
    return _NO  # Timestamp and friends have isoformat (see _duck)


def _frame(frame: Any, limits: Limits) -> dict[str, Any]:
    rows = frame.head(limits.max_items // max(len(frame.columns), 1) or 1)
    out: dict[str, Any] = {
        "columns": [str(c) for c in frame.columns],
        "data": rows.to_dict(orient="records"),
    }
    if len(rows) < len(frame):
        out[TRUNCATED] = f"{len(frame) - len(rows)} more rows"
    return out


def _duck(value: Any, _limits: Limits) -> Any:
    """Objects that describe themselves: ``to_dict`` / ``dict`` (pydantic v1) / ``isoformat``."""
    for name in ("to_dict", "dict", "isoformat"):
        method = getattr(value, name, None)
        if callable(method) and not isinstance(value, type):
            try:
                return method()
            except Exception:  # noqa: S112 - try the next way, then repr
                continue
    return _NO


_CONVERTERS = (_stdlib, _dataclass, _pydantic, _numpy, _pandas, _duck)


_FLAT = frozenset({int, float, bool, type(None)})


def _flat_copy(value: dict[Any, Any], limits: Limits) -> dict[str, Any] | None:
    """A small dict of plain scalars and short strings, copied; None if it is anything else."""
    if len(value) > 64:
        return None
    room = min(limits.max_bytes, limits.max_string_chars)
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str or (kind not in _FLAT and kind is not str):
            return None
        if kind is str:
            room -= len(item)
        elif kind is int and not _INT64[0] <= item <= _INT64[1]:
            return None
    return dict(value) if room > 0 else None


def to_json(
    value: Any, limits: Limits | None = None, extract: Callable[[str], str] | None = None
) -> Any:
    """A JSON-safe copy of ``value`` (never raises); ``extract`` may rewrite strings first."""
    limits = limits or _DEFAULT_LIMITS
    if type(value) is dict and extract is None:
        try:
            flat = _flat_copy(value, limits)
        except RuntimeError:  # changed size while we looked: take the careful path
            flat = None
        if flat is not None:
            return flat
    converter = _Converter(limits, extract)
    try:
        return converter.convert(value)
    except RecursionError:
        return "[too deeply nested to serialise]"
    except Exception as exc:  # tracing must never break user code
        log.debug("could not serialise a %s", type(value).__name__, exc_info=True)
        return f"[could not serialise {type(value).__qualname__}: {_safe_str(exc)[:200]}]"


def to_field(
    value: Any,
    wrap: str,
    limits: Limits | None = None,
    extract: Callable[[str], str] | None = None,
) -> Any:
    """``value`` as an ``input``/``output``/``metadata`` field: an object, array or string.

    Other JSON values (numbers, booleans, null) are wrapped as ``{wrap: value}``.
    """
    out = to_json(value, limits, extract)
    if isinstance(out, (dict, list, str)):
        return out
    return {wrap: out}


def scrub_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in strings replaced (they are not valid UTF-8)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {scrub_surrogates(k): scrub_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_surrogates(v) for v in value]
    return value

"""Request and response bodies: gzip, JSON with bare NaN/Infinity, typed decoding.

The fast path is ``msgspec`` straight from bytes. Python SDKs send bare ``NaN`` and
``Infinity`` tokens (``json.dumps`` does by default), which strict JSON parsers reject, so a
body that fails to parse is read once more with the stdlib parser, its non-finite numbers
become ``null`` and it is decoded again. Stored JSON is therefore always strict JSON.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any, TypeVar

import msgspec

from .errors import BadRequest, PayloadTooLarge, ValidationFailed

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
encode = _encoder.encode


def gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a gzip body, refusing one that inflates past ``limit`` bytes (zip bombs)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"body is not valid gzip: {exc}") from exc
    if len(data) > limit:
        raise PayloadTooLarge(f"body inflates to more than {limit} bytes")
    if not inflater.eof:
        raise BadRequest("body is not valid gzip: the stream is truncated")
    return data


def decode(body: bytes, kind: type[T]) -> T:
    """Parse a JSON body into ``kind``; malformed JSON is 400, a schema mismatch is 422."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(_describe(exc)) from exc
    except UnicodeDecodeError as exc:
        raise BadRequest(f"body is not valid UTF-8: {exc.reason} at byte {exc.start}") from exc
    except msgspec.DecodeError:
        strict = _strict_json(body)
    try:
        return msgspec.json.decode(strict, type=kind)
    except msgspec.ValidationError as exc:
        raise ValidationFailed(_describe(exc)) from exc


def _strict_json(body: bytes) -> bytes:
    """Re-encode a body that only the lenient stdlib parser accepts (NaN, Infinity)."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from exc
    return encode(_finite(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _describe(exc: msgspec.ValidationError) -> str:
    """msgspec says ``Expected `str`, got `int` - at `$.traces[0].name```; keep it, minus `$.`."""
    return str(exc).replace("`$.", "`").replace("`$`", "`body`")

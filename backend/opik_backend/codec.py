"""Request and response bodies: gzip, JSON with bare NaN/Infinity, typed decoding.

The fast path is ``msgspec`` straight from bytes. Python SDKs send bare ``NaN`` and
``Infinity`` tokens (``json.dumps`` does by default), which strict JSON parsers reject, so a
body that fails to parse is read once more with the stdlib parser, its non-finite numbers
become ``null`` and it is decoded again. Stored JSON is therefore always strict JSON.
"""

from __future__ import annotations

import json
import math
import re
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


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
TOO_DEEP = "body: JSON nested too deeply for this server (a few hundred levels at most)"


def decode(body: bytes, kind: type[T]) -> T:
    """Parse a JSON body into ``kind``; malformed JSON is 400, a schema mismatch is 422."""
    try:
        return _decode(body, kind)
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None


def _decode(body: bytes, kind: type[T]) -> T:
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


def _refuse_lone_surrogates(value: Any, where: str) -> None:
    """400 naming the first string (or key) holding half of a UTF-16 surrogate pair, which
    no UTF-8 store can hold (JSON escapes such as ``\\ud800``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(
                f"{where or 'body'}: a string holds a lone UTF-16 surrogate "
                "(an unpaired \\ud800-\\udfff escape); send valid Unicode"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key, where)
            _refuse_lone_surrogates(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_lone_surrogates(item, f"{where}[{index}]")


def _strict_json(body: bytes) -> bytes:
    """Re-encode a body that only the lenient stdlib parser accepts (NaN, Infinity)."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from exc
    if _SURROGATE_ESCAPE.search(body):  # msgspec refuses them; the stdlib parser does not
        _refuse_lone_surrogates(value, "")
    try:
        return encode(_finite(value))
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None


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

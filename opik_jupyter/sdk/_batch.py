"""Turning a run of queued messages into request bodies: dedupe, encode, split, gzip.

Runs on the sender thread. A start message whose observation has already ended is
skipped (its complete version follows in the queue), and within one batch the newest
version of each id wins: the backend answers 422 to a batch holding an id twice.
"""

from __future__ import annotations

import dataclasses
import logging
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from ._config import Config
from ._context import Span
from ._messages import END, SCORE, Message, WireBuilder, events_of
from ._serialize import Limits, scrub_surrogates

log = logging.getLogger("opik_jupyter")

GZIP_MIN_BYTES = 256
MAX_ITEMS_PER_REQUEST = 10_000  # the backend answers 422 to a bigger batch
_encode = msgspec.json.Encoder().encode


@dataclasses.dataclass(frozen=True, slots=True)
class Batch:
    """One request body ready to send (and, if need be, to spill to disk)."""

    method: str
    path: str
    body: bytes
    gzipped: bool
    events: int
    workspace: str


@dataclasses.dataclass
class Built:
    batches: list[Batch]
    superseded: int = 0
    """Events replaced by a newer version of the same id before sending (not lost)."""
    failed: int = 0
    """Events that could not be turned into JSON at all (lost, and logged)."""


ENDPOINTS = (
    ("traces", "POST", "v1/private/traces/batch"),
    ("spans", "POST", "v1/private/spans/batch"),
    ("trace_scores", "PUT", "v1/private/traces/feedback-scores"),
    ("span_scores", "PUT", "v1/private/spans/feedback-scores"),
)
_WRAPPER = {
    "traces": b"traces",
    "spans": b"spans",
    "trace_scores": b"scores",
    "span_scores": b"scores",
}


class Batcher:
    """Builds :class:`Batch` objects under the configured count and size limits."""

    def __init__(self, config: Config) -> None:
        self.wire = WireBuilder(
            Limits(max_bytes=config.max_field_bytes, max_string_chars=config.max_string_chars)
        )
        self.max_items = min(config.batch_max_items, MAX_ITEMS_PER_REQUEST)
        self.max_bytes = config.batch_max_bytes
        self.workspace = config.workspace
        self._warned = False

    def build(self, messages: Sequence[Message]) -> Built:
        groups: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name, _, _ in ENDPOINTS}
        built = Built([])
        for message in messages:
            try:
                self._add(groups, message, built)
            except Exception:  # one bad event must not stop the others
                built.failed += events_of(message)
                self._warn_once("could not build an event; it was dropped")
        for name, method, path in ENDPOINTS:
            items = self._encoded(groups[name].values(), built)
            built.batches.extend(self._split(name, method, path, items))
        return built

    def _add(
        self, groups: dict[str, dict[Any, dict[str, Any]]], message: Message, built: Built
    ) -> None:
        kind, item = message
        if kind == SCORE:
            group = groups["trace_scores" if item.entity == "trace" else "span_scores"]
            built.superseded += self._keep(group, (item.id, item.name), self.wire.score(item))
            return
        final = kind == END
        if not final and item.end_ns is not None:
            built.superseded += events_of(message)  # its complete version is queued behind it
            return
        if type(item) is Span:
            wire = self.wire.span(item, final)
            built.superseded += self._keep(groups["spans"], item.id, wire)
            if item.trace.root_span is item:
                wire = self.wire.trace(item.trace, final, wire)
                built.superseded += self._keep(groups["traces"], item.trace.id, wire)
        else:
            built.superseded += self._keep(groups["traces"], item.id, self.wire.trace(item, final))

    @staticmethod
    def _keep(group: dict[Any, dict[str, Any]], key: Any, wire: dict[str, Any]) -> int:
        replaced = key in group
        group[key] = wire
        return int(replaced)

    def _encoded(self, items: Iterable[dict[str, Any]], built: Built) -> list[bytes]:
        out = []
        for item in items:
            try:
                out.append(_encode(item))
            except (UnicodeEncodeError, TypeError, ValueError, OverflowError):
                try:
                    out.append(_encode(scrub_surrogates(item)))
                except (UnicodeEncodeError, TypeError, ValueError, OverflowError):
                    built.failed += 1
                    self._warn_once("could not encode an event as JSON; it was dropped")
        return out

    def _split(self, name: str, method: str, path: str, items: list[bytes]) -> list[Batch]:
        batches: list[Batch] = []
        chunk: list[bytes] = []
        size = 0
        for item in items:
            if chunk and (len(chunk) >= self.max_items or size + len(item) > self.max_bytes):
                batches.append(self._batch(name, method, path, chunk))
                chunk, size = [], 0
            chunk.append(item)
            size += len(item) + 1
        if chunk:
            batches.append(self._batch(name, method, path, chunk))
        return batches

    def _batch(self, name: str, method: str, path: str, chunk: list[bytes]) -> Batch:
        body = b'{"%s":[%s]}' % (_WRAPPER[name], b",".join(chunk))
        gzipped = len(body) >= GZIP_MIN_BYTES
        if gzipped:
            body = gzip_compress(body)
        return Batch(method, path, body, gzipped, len(chunk), self.workspace)

    def _warn_once(self, what: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("opik-jupyter: %s (further cases are only counted)", what, exc_info=True)


def gzip_compress(data: bytes) -> bytes:
    """gzip at level 1: several times faster than level 6, for a slightly larger body."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def merge_batches(batches: Sequence[Batch]) -> list[Batch]:
    """One request per endpoint (method, path, workspace) for the items of ``batches``,
    each in order: many small spilled batches replay as a few big requests. Order only
    matters within an endpoint (between versions of one id)."""
    groups: dict[tuple[str, str, str], list[Batch]] = {}
    for batch in batches:
        groups.setdefault((batch.method, batch.path, batch.workspace), []).append(batch)
    return [_merged(group) for group in groups.values()]


def _merged(batches: list[Batch]) -> Batch:
    if len(batches) == 1:
        return batches[0]
    first = batches[0]
    bodies = [zlib.decompress(b.body, 31) if b.gzipped else b.body for b in batches]
    opening = bodies[0][: bodies[0].index(b"[") + 1]  # b'{"spans":['
    items = b",".join(body[len(opening) : -2] for body in bodies)
    body = b"%s%s]}" % (opening, items)
    gzipped = len(body) >= GZIP_MIN_BYTES
    return Batch(
        first.method,
        first.path,
        gzip_compress(body) if gzipped else body,
        gzipped,
        sum(b.events for b in batches),
        first.workspace,
    )


def split_batch(batch: Batch) -> tuple[Batch, Batch] | None:
    """``batch`` cut in two halves (to isolate a rejected event), or None for one event."""
    if batch.events < 2:
        return None
    body = zlib.decompress(batch.body, 31) if batch.gzipped else batch.body
    key, items = next(iter(msgspec.json.decode(body).items()))
    halves = []
    for part in (items[: len(items) // 2], items[len(items) // 2 :]):
        raw = _encode({key: part})
        gzipped = len(raw) >= GZIP_MIN_BYTES
        halves.append(
            Batch(
                batch.method,
                batch.path,
                gzip_compress(raw) if gzipped else raw,
                gzipped,
                len(part),
                batch.workspace,
            )
        )
    return halves[0], halves[1]

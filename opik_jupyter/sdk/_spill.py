"""Append-only spill files: where batches wait on disk while the backend is unreachable.

One file per sender, ``<spill_dir>/<pid>-<random>.spill``, locked (``flock``) by its
owner for as long as it lives. Layout::

    b"OPIKJSP1" | replay offset (8 bytes, big endian) | meta record | batch records...
    record = length (4 bytes) + JSON header | length (4 bytes) + body as it would be sent

Batches are replayed in order; after each one the backend acknowledged, the offset is
rewritten in place, so a crash replays at most one batch twice (and the backend upserts by
id, so that is harmless). A file whose owner died is adopted and replayed by the next
sender with the same target (URL and workspace).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path

from ._batch import Batch

log = logging.getLogger("opik_jupyter")

MAGIC = b"OPIKJSP1"
_OFFSET = struct.Struct(">Q")
_LEN = struct.Struct(">I")
HEADER_SIZE = len(MAGIC) + _OFFSET.size
SUFFIX = ".spill"


class SpillFile:
    """A locked spill file: append batches, read them back in order, acknowledge them."""

    def __init__(self, path: Path, fd: int, target: str) -> None:
        self.path = path
        self.target = target
        self._fd = fd
        self.size = os.fstat(fd).st_size
        self.offset = _OFFSET.unpack(os.pread(fd, _OFFSET.size, len(MAGIC)))[0]
        self.pending_events = sum(batch.events for _, batch in self.records())

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, directory: Path, target: str) -> SpillFile:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        meta = _record(json.dumps({"target": target, "pid": os.getpid()}).encode(), b"")
        os.write(fd, MAGIC + _OFFSET.pack(HEADER_SIZE + len(meta)) + meta)
        return cls(path, fd, target)

    @classmethod
    def adopt(cls, path: Path, target: str) -> SpillFile | None:
        """Lock an orphaned file of ``target``; None if it is owned, foreign or unreadable."""
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.pread(fd, len(MAGIC), 0) != MAGIC or _read_meta(fd).get("target") != target:
                raise ValueError(path)
        except (OSError, ValueError):
            os.close(fd)
            return None
        return cls(path, fd, target)

    # -- writing and replaying -------------------------------------------------------------

    def append(self, batch: Batch) -> None:
        header = json.dumps(
            {
                "m": batch.method,
                "p": batch.path,
                "n": batch.events,
                "g": batch.gzipped,
                "w": batch.workspace,
            }
        ).encode()
        data = _record(header, batch.body)
        os.pwrite(self._fd, data, self.size)
        self.size += len(data)
        self.pending_events += batch.events

    def records(self) -> Iterator[tuple[int, Batch]]:
        """``(end offset, batch)`` of every batch not yet acknowledged, in order."""
        position = self.offset
        while position < self.size:
            found = _read_record(self._fd, position, self.size)
            if found is None:  # a torn write at the end (the owner died mid-append)
                return
            position, header, body = found
            meta = json.loads(header)
            yield position, Batch(meta["m"], meta["p"], body, meta["g"], meta["n"], meta["w"])

    def ack(self, end_offset: int, events: int) -> None:
        """Batches up to ``end_offset`` are delivered (or given up)."""
        self.offset = end_offset
        self.pending_events = max(0, self.pending_events - events)
        os.pwrite(self._fd, _OFFSET.pack(end_offset), len(MAGIC))
        if self.offset >= self.size:
            self._truncate()

    def _truncate(self) -> None:
        meta_end = HEADER_SIZE + _meta_length(self._fd)
        os.ftruncate(self._fd, meta_end)
        os.pwrite(self._fd, _OFFSET.pack(meta_end), len(MAGIC))
        self.size = self.offset = meta_end
        self.pending_events = 0

    @property
    def empty(self) -> bool:
        return self.offset >= self.size

    def close(self, remove_if_empty: bool = True) -> None:
        """Release the file; delete it when nothing in it waits for delivery."""
        if self._fd < 0:
            return
        if remove_if_empty and self.empty:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(self._fd)
        self._fd = -1


def orphans(directory: Path) -> list[Path]:
    """Spill files in ``directory``, oldest first (candidates for :meth:`SpillFile.adopt`)."""
    try:
        paths = [p for p in directory.iterdir() if p.name.endswith(SUFFIX)]
    except OSError:
        return []
    return sorted(paths, key=_mtime)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _record(header: bytes, body: bytes) -> bytes:
    return _LEN.pack(len(header)) + header + _LEN.pack(len(body)) + body


def _read_record(fd: int, position: int, size: int) -> tuple[int, bytes, bytes] | None:
    if position + _LEN.size > size:
        return None
    (header_len,) = _LEN.unpack(os.pread(fd, _LEN.size, position))
    position += _LEN.size
    header = os.pread(fd, header_len, position)
    position += header_len
    if position + _LEN.size > size or len(header) != header_len:
        return None
    (body_len,) = _LEN.unpack(os.pread(fd, _LEN.size, position))
    position += _LEN.size
    body = os.pread(fd, body_len, position)
    if len(body) != body_len:
        return None
    return position + body_len, header, body


def _meta_length(fd: int) -> int:
    (header_len,) = _LEN.unpack(os.pread(fd, _LEN.size, HEADER_SIZE))
    return 2 * _LEN.size + header_len


def _read_meta(fd: int) -> dict[str, object]:
    found = _read_record(fd, HEADER_SIZE, os.fstat(fd).st_size)
    if found is None:
        raise ValueError("no meta record")
    meta = json.loads(found[1])
    if not isinstance(meta, dict):
        raise ValueError("bad meta record")
    return meta

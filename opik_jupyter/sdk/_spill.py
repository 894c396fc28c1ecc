"""Append-only spill files: where batches wait on disk while they cannot be sent.

One file per writer, ``<spill_dir>/<pid>-<random>.spill``, locked (``flock``) by its
owner for as long as it lives. Layout::

    b"OPIKJSP1" | replay offset (8 bytes, big endian) | meta record | batch records...
    record = length (4 bytes) + JSON header | length (4 bytes) + body as it would be sent

Batches are replayed in order; after each one the backend acknowledged, the offset is
rewritten in place, so a crash replays at most one batch twice (and the backend upserts by
id, so that is harmless). A file whose owner died is adopted and replayed by the next
sender with the same target (URL and workspace).

Damage: a record cut short at the end of the file (its writer died mid-append) is cut off
when the file is adopted, losing only that record. A file that does not parse (bad magic,
meta or record header) is renamed ``*.spill.corrupt`` with one warning naming it; the
records before the damage are still replayed, and the file is kept for inspection.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import secrets
import struct
import threading
from pathlib import Path

from ._batch import Batch

log = logging.getLogger("opik_jupyter")

MAGIC = b"OPIKJSP1"
_OFFSET = struct.Struct(">Q")
_LEN = struct.Struct(">I")
HEADER_SIZE = len(MAGIC) + _OFFSET.size
SUFFIX = ".spill"
CORRUPT_SUFFIX = ".corrupt"


class SpillFileDamaged(ValueError):
    """A spill file (or part of it) does not parse."""


@dataclasses.dataclass(frozen=True)
class _Scan:
    end: int  # where the last whole, readable record ends
    events: int
    torn: bool  # the bytes after ``end`` are one record cut short by the end of the file
    damaged: bool  # the bytes after ``end`` do not parse


class SpillFile:
    """A locked spill file: append batches, read them back in order, acknowledge them.

    Appends and acknowledgements may come from different threads (a lock orders them).
    """

    def __init__(self, path: Path, fd: int, target: str) -> None:
        self.path = path
        self.target = target
        self._fd = fd
        self._lock = threading.Lock()
        self.size = os.fstat(fd).st_size
        self.offset = _OFFSET.unpack(os.pread(fd, _OFFSET.size, len(MAGIC)))[0]
        self.kept = False
        """Keep the file when it is closed, even if nothing in it waits (a damaged one)."""
        self.pending_events = self._scan().events

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
        """Lock an orphaned file of ``target`` and make it safe to replay.

        None if it is owned, foreign or gone. A torn last record is cut off; a file that
        does not parse is renamed ``*.corrupt`` (with a warning) and only what precedes
        the damage is replayed. Never raises for a file's content.
        """
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _read_target(fd) != target:
                os.close(fd)
                return None
            return cls._opened(path, fd, target)
        except OSError:
            os.close(fd)
            return None
        except SpillFileDamaged:  # no header or meta that parses: nothing to replay
            _set_aside(path, "its header does not parse", 0)
            os.close(fd)
            return None

    @classmethod
    def _opened(cls, path: Path, fd: int, target: str) -> SpillFile:
        spill = cls(path, fd, target)
        if not HEADER_SIZE <= spill.offset <= spill.size:
            spill.path = _set_aside(path, "its replay offset is out of range", 0)
            spill.offset, spill.pending_events, spill.kept = spill.size, 0, True
            return spill
        scan = spill._scan()
        if scan.damaged:
            spill.path = _set_aside(path, f"it is damaged at byte {scan.end}", scan.events)
            spill.size = scan.end
            spill.kept = True
        elif scan.torn:
            log.warning(
                "opik-jupyter: the last record of %s was cut short (its process died while "
                "writing it) and was discarded; the %d event(s) before it are replayed",
                path,
                scan.events,
            )
            os.ftruncate(fd, scan.end)
            spill.size = scan.end
        return spill

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
        with self._lock:
            os.pwrite(self._fd, data, self.size)
            self.size += len(data)
            self.pending_events += batch.events

    def next_run(self, max_items: int, max_bytes: int) -> tuple[int, list[Batch]] | None:
        """The oldest batches not yet acknowledged, up to ``max_items`` events and
        ``max_bytes`` of bodies (the first always), with the offset where the last ends;
        None when there are none."""
        run: list[Batch] = []
        with self._lock:
            position, size = self.offset, self.size
        while position < size:
            found = _read_record(self._fd, position, size)
            if found is None:  # cannot happen after a scan; treat as the end
                break
            end, header, body = found
            batch = _batch(header, body)
            if run and not _fits(run, batch, max_items, max_bytes):
                break
            run.append(batch)
            position = end
        return (position, run) if run else None

    def _scan(self) -> _Scan:
        position, events = self.offset, 0
        while position < self.size:
            found = _read_record(self._fd, position, self.size)
            if found is None:
                return _Scan(position, events, torn=True, damaged=False)
            end, header, body = found
            try:
                events += _batch(header, body).events
            except SpillFileDamaged:
                return _Scan(position, events, torn=False, damaged=True)
            position = end
        return _Scan(position, events, torn=False, damaged=False)

    def ack(self, end_offset: int, events: int) -> None:
        """Batches up to ``end_offset`` are delivered (or given up)."""
        with self._lock:
            self.offset = end_offset
            self.pending_events = max(0, self.pending_events - events)
            os.pwrite(self._fd, _OFFSET.pack(end_offset), len(MAGIC))
            if self.offset >= self.size and not self.kept:
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
        with self._lock:
            if self._fd < 0:
                return
            if remove_if_empty and self.empty and not self.kept:
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


def _set_aside(path: Path, why: str, events: int) -> Path:
    """Rename a damaged file ``*.corrupt`` (never listed as an orphan again) and say so."""
    aside = path.with_name(path.name + CORRUPT_SUFFIX)
    try:
        os.rename(path, aside)
    except OSError:
        aside = path
    log.warning(
        "opik-jupyter: the spill file %s could not be read whole (%s); the %d event(s) "
        "before the damage are replayed and the file is kept as %s",
        path,
        why,
        events,
        aside,
    )
    return aside


def _fits(run: list[Batch], batch: Batch, max_items: int, max_bytes: int) -> bool:
    return (
        sum(b.events for b in run) + batch.events <= max_items
        and sum(len(b.body) for b in run) + len(batch.body) <= max_bytes
    )


def _record(header: bytes, body: bytes) -> bytes:
    return _LEN.pack(len(header)) + header + _LEN.pack(len(body)) + body


def _batch(header: bytes, body: bytes) -> Batch:
    try:
        meta = json.loads(header)
        return Batch(meta["m"], meta["p"], body, meta["g"], int(meta["n"]), meta["w"])
    except (ValueError, TypeError, KeyError) as exc:
        raise SpillFileDamaged(f"a record header does not parse: {exc}") from exc


def _read_record(fd: int, position: int, size: int) -> tuple[int, bytes, bytes] | None:
    """The record at ``position``, or None if it runs past ``size`` (cut short)."""
    if position + _LEN.size > size:
        return None
    (header_len,) = _LEN.unpack(os.pread(fd, _LEN.size, position))
    position += _LEN.size
    if position + header_len + _LEN.size > size:
        return None
    header = os.pread(fd, header_len, position)
    position += header_len
    (body_len,) = _LEN.unpack(os.pread(fd, _LEN.size, position))
    position += _LEN.size
    if position + body_len > size:
        return None
    body = os.pread(fd, body_len, position)
    return position + body_len, header, body


def _meta_length(fd: int) -> int:
    (header_len,) = _LEN.unpack(os.pread(fd, _LEN.size, HEADER_SIZE))
    return 2 * _LEN.size + header_len


def _read_target(fd: int) -> object:
    """The target the file's meta record names; SpillFileDamaged if there is none."""
    if os.pread(fd, len(MAGIC), 0) != MAGIC:
        raise SpillFileDamaged("no spill file magic")
    found = _read_record(fd, HEADER_SIZE, os.fstat(fd).st_size)
    if found is None:
        raise SpillFileDamaged("no meta record")
    try:
        meta = json.loads(found[1])
    except ValueError as exc:
        raise SpillFileDamaged("bad meta record") from exc
    if not isinstance(meta, dict):
        raise SpillFileDamaged("bad meta record")
    return meta.get("target")

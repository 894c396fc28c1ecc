"""Files on traces and spans: ``Attachment`` (a path or bytes), the extraction of base64
images and data URLs from payloads into attachments, their upload, and reading them back.

Extraction runs on the sender thread while a finished trace or span is serialised, before
the string cut: a 200 KB image in a message becomes an attachment and a reference such as
``[input-attachment-1-1700000000000-sdk.png]`` in the payload (Opik's naming, so Opik's
backend and UI, and ours, put the image back in its place).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import itertools
import logging
import mimetypes
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

if TYPE_CHECKING:
    from ._rest import RestClient

log = logging.getLogger("opik_jupyter")

EntityType = Literal["trace", "span"]
UPLOAD_PATH = "v1/private/attachment/upload"
_IDS_PER_LIST = 200  # entity ids in one list request (its query string stays short)
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+);base64,([A-Za-z0-9+/]+={0,2})")
_BARE_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"RIFF", "audio/wav"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
)
_sequence = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A file for a trace or span: a path, or bytes with a ``file_name``.

    ``content_type`` defaults to what the file name says (``application/octet-stream``
    when it says nothing).
    """

    data: str | os.PathLike[str] | bytes
    file_name: str | None = None
    content_type: str | None = None

    @property
    def name(self) -> str:
        if self.file_name:
            return self.file_name
        if isinstance(self.data, bytes):
            return "attachment." + _extension(self.mime_type)
        return Path(self.data).name

    @property
    def mime_type(self) -> str:
        if self.content_type:
            return self.content_type
        guessed, _ = mimetypes.guess_type(self.file_name or _path_name(self.data))
        return guessed or "application/octet-stream"

    def read(self) -> bytes:
        if isinstance(self.data, bytes):
            return self.data
        return Path(self.data).read_bytes()


def _path_name(data: str | os.PathLike[str] | bytes) -> str:
    return "" if isinstance(data, bytes) else Path(data).name


def _extension(mime_type: str) -> str:
    guessed = mimetypes.guess_extension(mime_type, strict=False)
    return {".jpe": "jpg", None: "bin"}.get(guessed, (guessed or ".bin").lstrip("."))


@dataclasses.dataclass(frozen=True)
class Upload:
    """One file to send for one trace or span."""

    entity_type: EntityType
    entity_id: str
    project_name: str
    file_name: str
    mime_type: str
    data: bytes


Extract = Callable[[str], str]


class Extractor:
    """Replaces base64 files in the strings of one payload field with references, keeping
    the files (``found``). Only strings of at least ``min_chars`` are looked at."""

    def __init__(self, field: str, min_chars: int) -> None:
        self.field = field
        self.min_chars = min_chars
        self.found: list[tuple[str, str, bytes]] = []

    def __call__(self, text: str) -> str:
        if len(text) < self.min_chars:
            return text
        if _BARE_BASE64.fullmatch(text):
            data = _decode(text)
            kind = _sniff(data) if data else None
            return f"[{self._keep(kind, data)}]" if kind and data else text
        return _DATA_URL.sub(self._data_url, text)

    def _data_url(self, match: re.Match[str]) -> str:
        if len(match[2]) < self.min_chars // 2:
            return match[0]
        data = _decode(match[2])
        if data is None:
            return match[0]
        # the payload only: the reference keeps its data: prefix, and the backend puts the
        # base64 back in its place
        return f"data:{match[1]};base64,[{self._keep(match[1], data)}]"

    def _keep(self, mime_type: str, data: bytes) -> str:
        name = (
            f"{self.field}-attachment-{next(_sequence)}-{time.time_ns() // 1_000_000}-sdk."
            f"{_extension(mime_type)}"
        )
        self.found.append((name, mime_type, data))
        return name


def _decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[8:12] == b"WEBP":
        return "image/webp"
    return None


def send(rest: RestClient, upload: Upload) -> None:
    """PUT one file to the backend (which streams it to its attachment store)."""
    rest.put_bytes(
        UPLOAD_PATH,
        upload.data,
        {
            "file_name": upload.file_name,
            "mime_type": upload.mime_type,
            "entity_type": upload.entity_type,
            "entity_id": upload.entity_id,
            "project_name": upload.project_name,
        },
    )


@dataclasses.dataclass(frozen=True)
class StoredAttachment:
    """An attachment read back: its name, type and bytes (and where it was saved, if asked)."""

    file_name: str
    mime_type: str
    size: int
    entity_type: EntityType
    entity_id: str
    data: bytes
    path: Path | None = None


def read_attachments(
    rest: RestClient,
    project_id: str,
    entity_type: EntityType,
    entity_ids: list[str],
    to_dir: str | os.PathLike[str] | None = None,
) -> list[StoredAttachment]:
    """The attachments of traces or spans, with their bytes (saved under ``to_dir``)."""
    out: list[StoredAttachment] = []
    for start in range(0, len(entity_ids), _IDS_PER_LIST):
        chunk = entity_ids[start : start + _IDS_PER_LIST]
        params = [
            ("project_id", project_id),
            ("entity_type", entity_type),
            ("path", base64.b64encode(rest.url.encode()).decode()),
            ("size", "10000"),
            *(("entity_id", entity_id) for entity_id in chunk),
        ]
        listing = rest.json("GET", "v1/private/attachment/list?" + urlencode(params))
        out += [
            _download(rest, project_id, entity_type, item, to_dir)
            for item in (listing or {}).get("content", [])
        ]
    return out


def _download(
    rest: RestClient,
    project_id: str,
    entity_type: EntityType,
    item: dict[str, Any],
    to_dir: str | os.PathLike[str] | None,
) -> StoredAttachment:
    entity_id = item["entity_id"]
    data = (
        rest.request(
            "GET",
            "v1/private/attachment/download",
            params={
                "container_id": project_id,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "file_name": item["file_name"],
            },
        )
        or b""
    )
    path = _save(to_dir, entity_id, item["file_name"], data) if to_dir else None
    return StoredAttachment(
        item["file_name"],
        item["mime_type"],
        int(item["file_size"]),
        entity_type,
        entity_id,
        data,
        path,
    )


def _save(to_dir: str | os.PathLike[str], entity_id: str, file_name: str, data: bytes) -> Path:
    folder = Path(to_dir) / entity_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(file_name).name  # never outside the folder
    path.write_bytes(data)
    return path


def uploads_of(
    entity_type: EntityType, entity_id: str, project_name: str, attachments: list[Any]
) -> list[Upload]:
    """Uploads for explicit :class:`Attachment` objects; unreadable files are logged."""
    out = []
    for attachment in attachments:
        try:
            data = attachment.read()
        except OSError as exc:
            log.warning("opik-jupyter: attachment %s could not be read: %s", attachment.name, exc)
            continue
        out.append(
            Upload(
                entity_type, entity_id, project_name, attachment.name, attachment.mime_type, data
            )
        )
    return out

"""Attachments of traces and spans: their rows in the metadata database, their bytes in the
file store (:mod:`.files`), and their references inside a trace's or span's JSON.

An attachment is named by (workspace, project, entity type, entity id, file name); storing the
same name again replaces it. With the content-addressed local store several rows may share
one file, which is deleted when the last row naming it goes (under a lock, so a concurrent
upload of the same bytes never loses its file).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Iterator
from typing import Any, Literal

from msgspec import Raw

from ..errors import Conflict, NotFound, PayloadTooLarge
from ..ids import new_id
from . import mime
from .files import FileWriter, LocalFiles, S3Files, UploadPart
from .metadata import MetadataDB, Row, utcnow

EntityType = Literal["trace", "span"]
ENTITY_TYPES: tuple[EntityType, ...] = ("trace", "span")
_COLUMNS = (
    "id, workspace, project_id, entity_type, entity_id, file_name, mime_type, file_size, "
    "file_ref, created_by, created_at, last_updated_at"
)
_MARKS = ", ".join("?" for _ in _COLUMNS.split(","))
# What the Opik SDKs leave in a payload in place of a base64 file they extracted from it.
REFERENCE = re.compile(r"\[((?:input|output|metadata)-attachment-\d+-\d+(?:-sdk)?\.\w+)\]")


@dataclasses.dataclass(frozen=True)
class AttachmentKey:
    workspace: str
    project_id: str
    entity_type: EntityType
    entity_id: str
    file_name: str

    def object_name(self) -> str:
        """Where an object store keeps it (the layout Opik uses)."""
        return (
            f"workspaces/{self.workspace}/projects/{self.project_id}/{self.entity_type}s/"
            f"{self.entity_id}/files/{self.file_name}"
        )

    def params(self) -> tuple[str, str, str, str, str]:
        return (self.workspace, self.entity_type, self.entity_id, self.project_id, self.file_name)


@dataclasses.dataclass(frozen=True)
class Attachment:
    key: AttachmentKey
    mime_type: str
    file_size: int
    file_ref: str
    created_at: dt.datetime

    def public(self, link: str) -> dict[str, Any]:
        return {
            "link": link,
            "entity_id": self.key.entity_id,
            "file_name": self.key.file_name,
            "file_size": self.file_size,
            "mime_type": self.mime_type,
        }


_KEY_WHERE = "workspace = ? AND entity_type = ? AND entity_id = ? AND project_id = ?"


def _attachment(row: Row) -> Attachment:
    key = AttachmentKey(
        row["workspace"], row["project_id"], row["entity_type"], row["entity_id"], row["file_name"]
    )
    return Attachment(
        key, row["mime_type"], int(row["file_size"]), row["file_ref"], row["created_at"]
    )


class Attachments:
    """Store, list, read and delete attachments; reinject extracted ones into payloads."""

    def __init__(self, db: MetadataDB, files: LocalFiles | S3Files, max_bytes: int) -> None:
        self._db = db
        self.files = files
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------

    def writer(self, key: AttachmentKey) -> FileWriter:
        return self.files.writer(key.object_name())

    def commit(
        self, key: AttachmentKey, writer: FileWriter, declared: str | None, user: str
    ) -> Attachment:
        """Make ``writer``'s bytes durable and record them under ``key``."""
        if writer.size > self.max_bytes:
            writer.abort()
            raise self.too_large(writer.size)
        mime_type = mime.detect(declared, key.file_name, writer.head)
        with self._lock:
            ref = writer.commit()
            return self._record(key, mime_type, writer.size, ref, user)

    def too_large(self, size: int) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"the attachment is {size} bytes; the limit is {self.max_bytes} "
            "(the server's max_attachment_mb setting)"
        )

    def start_multipart(
        self, key: AttachmentKey, declared: str | None, parts: int
    ) -> tuple[str, list[str]]:
        assert isinstance(self.files, S3Files)
        return self.files.start_multipart(
            key.object_name(), mime.detect(declared, key.file_name), parts
        )

    def complete_multipart(
        self,
        key: AttachmentKey,
        declared: str | None,
        upload_id: str,
        parts: list[UploadPart],
        user: str,
    ) -> Attachment:
        """Finish a presigned multipart upload and record it (413 and removed if too big)."""
        assert isinstance(self.files, S3Files)
        try:
            ref = self.files.complete_multipart(key.object_name(), upload_id, parts)
        except FileNotFoundError as exc:
            raise NotFound(f"upload {upload_id} of {key.file_name!r}: {exc}") from None
        size = self.files.size(ref)
        if size > self.max_bytes:
            self.files.delete(ref)
            raise self.too_large(size)
        return self._record(key, mime.detect(declared, key.file_name), size, ref, user)

    def _record(
        self, key: AttachmentKey, mime_type: str, size: int, ref: str, user: str
    ) -> Attachment:
        previous = self.find(key)
        now = utcnow()
        if previous is None:
            try:
                self._db.execute(
                    f"INSERT INTO attachments ({_COLUMNS}) VALUES ({_MARKS})",
                    (
                        new_id(),
                        key.workspace,
                        key.project_id,
                        key.entity_type,
                        key.entity_id,
                        key.file_name,
                        mime_type,
                        size,
                        ref,
                        user,
                        now,
                        now,
                    ),
                )
            except Conflict:  # the same name stored concurrently: this one replaces it
                previous = self.find(key)
        if previous is not None:
            self._db.execute(
                "UPDATE attachments SET mime_type = ?, file_size = ?, file_ref = ?, "
                f"last_updated_at = ? WHERE {_KEY_WHERE} AND file_name = ?",
                (mime_type, size, ref, now, *key.params()),
            )
            if previous.file_ref != ref:
                self._release([previous.file_ref])
        found = self.find(key)
        assert found is not None
        return found

    # -- reading ---------------------------------------------------------------------------

    def find(self, key: AttachmentKey) -> Attachment | None:
        row = self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM attachments WHERE {_KEY_WHERE} AND file_name = ?",
            key.params(),
        )
        return _attachment(row) if row else None

    def of_entity(
        self,
        workspace: str,
        project_id: str,
        entity_type: str,
        entity_id: str,
        page: int = 1,
        size: int = 1_000_000,
    ) -> tuple[list[Attachment], int]:
        """One page of an entity's attachments, oldest first, and how many there are."""
        return self.of_entities(workspace, project_id, entity_type, [entity_id], page, size)

    def of_entities(
        self,
        workspace: str,
        project_id: str,
        entity_type: str,
        entity_ids: list[str],
        page: int = 1,
        size: int = 1_000_000,
    ) -> tuple[list[Attachment], int]:
        """One page of the attachments of several entities of a type (a trace's spans)."""
        marks = ", ".join("?" for _ in entity_ids)
        where = f"workspace = ? AND entity_type = ? AND project_id = ? AND entity_id IN ({marks})"
        params = (workspace, entity_type, project_id, *entity_ids)
        total = self._db.fetch_one(f"SELECT COUNT(*) AS n FROM attachments WHERE {where}", params)
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM attachments WHERE {where} "
            "ORDER BY created_at, file_name LIMIT ? OFFSET ?",
            (*params, size, (page - 1) * size),
        )
        return [_attachment(row) for row in rows], int(total["n"] if total else 0)

    def read(self, attachment: Attachment) -> Iterator[bytes]:
        return self.files.read(attachment.file_ref)

    def content(self, attachment: Attachment) -> bytes:
        return b"".join(self.read(attachment))

    # -- deleting --------------------------------------------------------------------------

    def delete(
        self,
        workspace: str,
        project_id: str,
        entity_type: str,
        entity_id: str,
        file_names: list[str],
    ) -> int:
        """Delete the named attachments of one entity; return how many there were."""
        found, _ = self.of_entity(workspace, project_id, entity_type, entity_id)
        doomed = [a for a in found if a.key.file_name in set(file_names)]
        return self._delete(doomed)

    def delete_entities(self, workspace: str, entity_type: str, entity_ids: list[str]) -> int:
        """Delete every attachment of the given traces or spans (any project)."""
        if not entity_ids:
            return 0
        marks = ", ".join("?" for _ in entity_ids)
        rows = self._db.fetch(
            f"SELECT {_COLUMNS} FROM attachments WHERE workspace = ? AND entity_type = ? "
            f"AND entity_id IN ({marks})",
            (workspace, entity_type, *entity_ids),
        )
        return self._delete([_attachment(row) for row in rows])

    def _delete(self, attachments: list[Attachment]) -> int:
        with self._lock:
            for attachment in attachments:
                self._db.execute(
                    f"DELETE FROM attachments WHERE {_KEY_WHERE} AND file_name = ?",
                    attachment.key.params(),
                )
            self._release([a.file_ref for a in attachments])
        return len(attachments)

    def _release(self, refs: list[str]) -> None:
        """Delete the files no row names any more."""
        for ref in set(refs):
            if self.files.shared_refs:
                still = self._db.fetch_one(
                    "SELECT COUNT(*) AS n FROM attachments WHERE file_ref = ?", (ref,)
                )
                if still and int(still["n"]) > 0:
                    continue
            self.files.delete(ref)

    # -- references in payloads -------------------------------------------------------------

    def reinject(self, workspace: str, entity_type: str, entity: dict[str, Any]) -> dict[str, Any]:
        """``entity`` with each ``[input-attachment-1-....png]`` reference in its input,
        output and metadata replaced by the base64 of that attachment (as Opik returns it)."""
        fields = [f for f in ("input", "output", "metadata") if isinstance(entity.get(f), Raw)]
        texts = {f: bytes(entity[f]).decode() for f in fields}
        names = {m for text in texts.values() for m in REFERENCE.findall(text)}
        if not names:
            return entity
        found, _ = self.of_entity(workspace, entity["project_id"], entity_type, entity["id"])
        encoded = {
            a.key.file_name: base64.b64encode(self.content(a)).decode()
            for a in found
            if a.key.file_name in names
        }
        if not encoded:
            return entity

        def swap(match: re.Match[str]) -> str:
            return encoded.get(match[1], match[0])

        out = dict(entity)
        for field, text in texts.items():
            out[field] = Raw(REFERENCE.sub(swap, text).encode())
        return out

"""Attachments of traces and spans: Opik's upload (start, the backend upload, complete),
list, download and delete routes.

With the embedded file store, ``upload-start`` answers one backend URL and the upload id
``BEMinIO`` (what Opik answers with MinIO), and the client ``PUT``s the file there; with S3 it
answers presigned part URLs, and ``upload-complete`` finishes the multipart upload. Downloads
are served by the backend (and, with S3, also linked presigned). Nothing is served as active
content: only images, audio, video and plain text are ``inline``, everything else is
``Content-Disposition: attachment``, always with ``nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

import tornado.web
from tornado.http1connection import HTTP1Connection

from ..errors import ApiError, BadRequest, Conflict, Forbidden, NotFound
from ..ids import check_v7
from ..schemas import CompleteUpload, DeleteAttachments, StartUpload
from ..storage import mime
from ..storage.attachments import (
    ENTITY_TYPES,
    Attachment,
    AttachmentKey,
    Attachments,
    EntityType,
)
from ..storage.files import FileWriter, S3Files, UploadPart, content_disposition
from .base import MAX_PAGE_SIZE, ApiHandler, Route, operation

LOCAL_UPLOAD_ID = "BEMinIO"  # the upload id that tells Opik's SDKs to PUT to the backend
BASE = "/v1/private/attachment"
_ENTITY_QUERY = ("entity_type", "entity_id")


def decode_base_url(encoded: str) -> str:
    """The client's base URL, sent base64-encoded (standard or URL-safe alphabet)."""
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        url = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadRequest("path: must be the base URL of the API, base64-encoded") from None
    if not url.startswith(("http://", "https://")):
        raise BadRequest(f"path: {url!r} is not an http(s) URL")
    return url.rstrip("/")


def entity_type_of(value: str | None) -> EntityType:
    if value not in ENTITY_TYPES:
        raise BadRequest(f"entity_type: must be 'trace' or 'span', got {value!r}")
    return value


class AttachmentHandler(ApiHandler):
    tag = "attachments"

    @property
    def store(self) -> Attachments:
        return self.services.attachments

    def required_arg(self, name: str) -> str:
        value = self.str_arg(name)
        if value is None:
            raise BadRequest(f"query parameter {name} is required")
        return value

    async def key_for(
        self, project_name: str | None, entity_type: str | None, entity_id: str, file_name: str
    ) -> AttachmentKey:
        """The key of an attachment being uploaded: its project created on first use, and
        409 if the entity is already stored in another project."""
        kind = entity_type_of(entity_type)
        entity_id = check_v7(entity_id, "entity_id")
        project = await self.blocking(self.services.projects.resolve, self.workspace, project_name)
        read = self.services.reads.trace if kind == "trace" else self.services.reads.span
        stored = await self.blocking(read, self.workspace, entity_id)
        if stored is not None and stored["project_id"] != project.id:
            raise Conflict(
                f"{kind} {entity_id} belongs to another project than {project.name!r}; "
                "attach the file in the entity's own project"
            )
        return AttachmentKey(self.workspace, project.id, kind, entity_id, file_name)

    def base_url(self) -> str:
        """The API's base URL as the client sees it: the ``path`` it sent, or this request's."""
        encoded = self.str_arg("path")
        if encoded:
            return decode_base_url(encoded)
        prefix = "/api" if self.request.path.startswith("/api/") else ""
        return f"{self.request.protocol}://{self.request.host}{prefix}"

    def link(self, attachment: Attachment, base_url: str) -> str:
        files = self.store.files
        if isinstance(files, S3Files):
            return files.download_url(
                attachment.file_ref,
                attachment.key.file_name,
                attachment.mime_type,
                inline=mime.is_inline(attachment.mime_type),
            )
        query = {
            "workspace_name": attachment.key.workspace,
            "container_id": attachment.key.project_id,
            "entity_type": attachment.key.entity_type,
            "entity_id": attachment.key.entity_id,
            "file_name": attachment.key.file_name,
            "mime_type": attachment.mime_type,
        }
        return f"{base_url}{BASE}/download?{urlencode(query)}"


class StartHandler(AttachmentHandler):
    path = BASE + "/upload-start"

    @operation("Start an attachment upload: where to send the file", body=StartUpload)
    async def post(self) -> None:
        body = self.body_as(StartUpload)
        at = await self.key_for(body.project_name, body.entity_type, body.entity_id, body.file_name)
        if isinstance(self.store.files, S3Files):
            upload_id, urls = await self.blocking(
                self.store.start_multipart, at, body.mime_type, body.num_of_file_parts
            )
            self.send_json({"upload_id": upload_id, "pre_sign_urls": urls})
            return
        query = {
            "file_name": at.file_name,
            "mime_type": mime.detect(body.mime_type, at.file_name),
            "entity_type": at.entity_type,
            "entity_id": at.entity_id,
        }
        if body.project_name:
            query["project_name"] = body.project_name
        url = f"{decode_base_url(body.path)}{BASE}/upload?{urlencode(query)}"
        self.send_json({"upload_id": LOCAL_UPLOAD_ID, "pre_sign_urls": [url]})


class CompleteHandler(AttachmentHandler):
    path = BASE + "/upload-complete"

    @operation("Complete a multipart attachment upload", status=204, body=CompleteUpload)
    async def post(self) -> None:
        body = self.body_as(CompleteUpload)
        if not isinstance(self.store.files, S3Files) or body.upload_id == LOCAL_UPLOAD_ID:
            self.no_content()  # the backend upload already stored it
            return
        if not body.uploaded_file_parts:
            raise BadRequest("uploaded_file_parts: name each uploaded part and its e_tag")
        at = await self.key_for(body.project_name, body.entity_type, body.entity_id, body.file_name)
        parts = [UploadPart(p.part_number, p.e_tag) for p in body.uploaded_file_parts]
        await self.blocking(
            self.store.complete_multipart, at, body.mime_type, body.upload_id, parts, self.user
        )
        self.no_content()


@tornado.web.stream_request_body
class UploadHandler(AttachmentHandler):
    """The body is streamed to the file store as it arrives, never held in memory."""

    path = BASE + "/upload"
    body_types = None  # a file's bytes, as whatever type (or none) the client sends
    _writer: FileWriter | None = None
    _error: ApiError | None = None
    _key: AttachmentKey | None = None

    async def prepare(self) -> None:  # type: ignore[override] # tornado awaits it
        """Open the writer. An error is answered after the body is read (answering before
        would reset the connection under a client still sending), unless the body is too
        large to be worth reading."""
        if self.request.method != "PUT":
            super().prepare()
            return
        limit = self.store.max_bytes
        drain = limit + self.services.settings.max_body_bytes
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > drain:
            raise self.store.too_large(int(length))
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection):
            connection.set_max_body_size(drain)
        try:
            super().prepare()
            if length.isdigit() and int(length) > limit:
                raise self.store.too_large(int(length))
            self._key = await self.key_for(
                self.str_arg("project_name"),
                self.str_arg("entity_type"),
                self.required_arg("entity_id"),
                self.required_arg("file_name"),
            )
            self._writer = await self.blocking(self.store.writer, self._key)
        except ApiError as exc:
            self._error = exc

    def data_received(self, chunk: bytes) -> None:
        writer = self._writer
        if writer is None or self._error is not None:
            return
        if writer.size + len(chunk) > self.store.max_bytes:
            self._error = self.store.too_large(writer.size + len(chunk))
            writer.abort()
            return
        try:
            writer.write(chunk)
        except ApiError as exc:
            self._error = exc

    @operation(
        "Upload an attachment's bytes to the backend",
        status=204,
        query=("file_name", "project_name", "mime_type", *_ENTITY_QUERY),
    )
    async def put(self) -> None:
        if self._error is not None:
            raise self._error
        assert self._writer is not None
        assert self._key is not None
        await self.blocking(
            self.store.commit, self._key, self._writer, self.str_arg("mime_type"), self.user
        )
        self._writer = None
        self.no_content()

    def on_finish(self) -> None:
        self._abandon()

    def on_connection_close(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None


class ListHandler(AttachmentHandler):
    path = BASE + "/list"

    @operation(
        "List an entity's attachments, with download links (entity_id may be repeated)",
        query=("project_id", *_ENTITY_QUERY, "path", "page", "size"),
    )
    async def get(self) -> None:
        kind = entity_type_of(self.str_arg("entity_type"))
        ids = self.get_query_arguments("entity_id")  # Opik names one; several are served too
        if not ids or len(ids) > MAX_PAGE_SIZE:
            raise BadRequest(f"query parameter entity_id is required (1 to {MAX_PAGE_SIZE})")
        entity_ids = [check_v7(entity_id, "entity_id") for entity_id in ids]
        project_id = check_v7(self.required_arg("project_id"), "project_id")
        await self.blocking(self.services.projects.get, self.workspace, project_id)
        page = self.int_arg("page", 1)
        size = self.int_arg("size", 100, 1, 10_000)
        found, total = await self.blocking(
            self.store.of_entities, self.workspace, project_id, kind, entity_ids, page, size
        )
        base_url = self.base_url()
        content = [a.public(self.link(a, base_url)) for a in found]
        self.send_json(
            {
                "page": page,
                "size": len(content),
                "total": total,
                "content": content,
                "sortableBy": [],
            }
        )


class DownloadHandler(AttachmentHandler):
    path = BASE + "/download"

    @property
    def workspace(self) -> str:
        """A link carries its workspace (an ``<img>`` sends no headers); an API key's
        workspace must be that one."""
        named = self.get_query_argument("workspace_name", None)
        if self._key_workspace is not None:
            if named and named != self._key_workspace:
                raise Forbidden(f"the API key does not give access to workspace {named!r}")
            return self._key_workspace
        return named or super().workspace

    @operation(
        "Download an attachment (images, audio, video and text inline; anything else as a file)",
        query=("workspace_name", "container_id", *_ENTITY_QUERY, "file_name", "mime_type"),
    )
    async def get(self) -> None:
        key = AttachmentKey(
            self.workspace,
            check_v7(self.required_arg("container_id"), "container_id"),
            entity_type_of(self.str_arg("entity_type")),
            check_v7(self.required_arg("entity_id"), "entity_id"),
            self.required_arg("file_name"),
        )
        attachment = await self.blocking(self.store.find, key)
        if attachment is None:
            raise NotFound(f"{key.entity_type} {key.entity_id} has no attachment {key.file_name!r}")
        inline = mime.is_inline(attachment.mime_type)
        self.set_header("Content-Type", attachment.mime_type if inline else mime.OCTET_STREAM)
        self.set_header(
            "Content-Disposition",
            content_disposition("inline" if inline else "attachment", key.file_name),
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
        self.set_header("Content-Length", str(attachment.file_size))
        self.set_header("Cache-Control", "private, max-age=3600")
        chunks = self.store.read(attachment)
        while (chunk := await self.blocking(next, chunks, None)) is not None:
            self.write(chunk)
            await self.flush()
        self.finish()


class DeleteHandler(AttachmentHandler):
    path = BASE + "/delete"

    @operation("Delete attachments of an entity", status=204, body=DeleteAttachments)
    async def post(self) -> None:
        body = self.body_as(DeleteAttachments)
        await self.blocking(
            self.store.delete,
            self.workspace,
            check_v7(body.container_id, "container_id"),
            entity_type_of(body.entity_type),
            check_v7(body.entity_id, "entity_id"),
            body.file_names,
        )
        self.no_content()


def routes() -> list[Route]:
    handlers: list[type[AttachmentHandler]] = [
        StartHandler,
        CompleteHandler,
        UploadHandler,
        ListHandler,
        DownloadHandler,
        DeleteHandler,
    ]
    return [(handler.path, handler) for handler in handlers]

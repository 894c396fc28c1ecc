"""Where the bytes of attachments live: files under the data directory (the embedded default)
or an S3-compatible object store (server mode).

Both are written through a :class:`FileWriter`, chunk by chunk, so an upload never sits in
memory whole, and both hand back a *ref* that names the bytes for reading and deleting.
The embedded store is content-addressed (the ref is the SHA-256 of the bytes, so equal files
are stored once) and writes atomically: a temporary file in the same directory, fsynced, then
renamed into place. A full disk is a 503 with Retry-After, like every other store, and leaves
no partial file behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import StorageUnavailable

CHUNK = 1024 * 1024
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@dataclasses.dataclass(frozen=True)
class UploadPart:
    """One part of a multipart upload, as the client reports it after uploading it."""

    part_number: int
    e_tag: str


class FileWriter(Protocol):
    size: int
    head: bytes
    """The first bytes written (for detecting the type)."""

    def write(self, chunk: bytes) -> None: ...
    def commit(self) -> str:
        """Make the bytes durable; return their ref."""
        ...

    def abort(self) -> None: ...


class FileStore(Protocol):
    """The attachment file store: local files or S3."""

    presigned: bool
    """Whether clients upload and download straight to the store with presigned URLs."""
    shared_refs: bool
    """Whether several attachments may share one ref (content addressing)."""

    def writer(self, key: str) -> FileWriter: ...
    def read(self, ref: str) -> Iterator[bytes]: ...
    def delete(self, ref: str) -> None: ...


class _Head:
    """Keeps the first bytes written, for MIME detection."""

    size = 0
    head = b""

    def _keep(self, chunk: bytes) -> None:
        if len(self.head) < 64:
            self.head += chunk[: 64 - len(self.head)]
        self.size += len(chunk)


# -- local files ---------------------------------------------------------------------------


def disk_full(exc: OSError, where: Path) -> StorageUnavailable:
    return StorageUnavailable(
        f"the disk holding {where} is full ({exc.strerror}); free space, then retry",
        retry_after=30,
    )


class LocalWriter(_Head):
    def __init__(self, root: Path) -> None:
        self._root = root
        fd, name = tempfile.mkstemp(prefix=".upload-", dir=root / "tmp")
        self._path = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        self._keep(chunk)
        self._hash.update(chunk)
        try:
            self._file.write(chunk)
        except OSError as exc:
            self.abort()
            raise _translated(exc, self._root) from exc

    def commit(self) -> str:
        ref = self._hash.hexdigest()
        target = self._root / ref[:2] / ref
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            target.parent.mkdir(exist_ok=True)
            os.replace(self._path, target)
        except OSError as exc:
            self.abort()
            raise _translated(exc, self._root) from exc
        return ref

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        self._path.unlink(missing_ok=True)


def _translated(exc: OSError, root: Path) -> Exception:
    return disk_full(exc, root) if exc.errno in _DISK_FULL else exc


class LocalFiles:
    """Content-addressed files under ``root`` (``<data_dir>/attachments``)."""

    presigned = False
    shared_refs = True

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        for stale in (root / "tmp").glob(".upload-*"):  # a crash mid-upload leaves these
            stale.unlink(missing_ok=True)

    def writer(self, key: str) -> LocalWriter:  # noqa: ARG002 - the content names the file
        try:
            return LocalWriter(self.root)
        except OSError as exc:
            raise _translated(exc, self.root) from exc

    def path(self, ref: str) -> Path:
        if len(ref) != 64 or not all(c in "0123456789abcdef" for c in ref):
            raise ValueError(f"not a content ref: {ref!r}")
        return self.root / ref[:2] / ref

    def read(self, ref: str) -> Iterator[bytes]:
        with self.path(ref).open("rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk

    def delete(self, ref: str) -> None:
        self.path(ref).unlink(missing_ok=True)


# -- S3 ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"attachments_url must look like s3://bucket/prefix, got {url!r}")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, prefix + "/" if prefix else "")


class S3Writer(_Head):
    """Spools to a temporary file (in memory up to 8 MB), uploads on commit."""

    def __init__(self, files: S3Files, key: str) -> None:
        self._files = files
        self._key = key
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - closed by commit/abort

    def write(self, chunk: bytes) -> None:
        self._keep(chunk)
        self._spool.write(chunk)

    def commit(self) -> str:
        self._spool.seek(0)
        try:
            self._files.client.upload_fileobj(self._spool, self._files.location.bucket, self._key)
        except Exception as exc:
            raise StorageUnavailable(f"the S3 store did not take the file: {exc}") from exc
        finally:
            self._spool.close()
        return self._key

    def abort(self) -> None:
        self._spool.close()


class S3Files:
    """Objects in an S3-compatible store; clients use presigned URLs as with Opik on S3."""

    presigned = True
    shared_refs = False

    def __init__(
        self, url: str, endpoint_url: str = "", region: str = "", expiry_seconds: int = 3600
    ) -> None:
        self.location = S3Location.parse(url)
        self.expiry_seconds = expiry_seconds
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=Config(signature_version="s3v4"),
        )

    def key(self, name: str) -> str:
        return self.location.prefix + name

    def writer(self, key: str) -> S3Writer:
        return S3Writer(self, self.key(key))

    def read(self, ref: str) -> Iterator[bytes]:
        body = self._call("get_object", Key=ref)["Body"]
        yield from body.iter_chunks(CHUNK)

    def delete(self, ref: str) -> None:
        self._call("delete_object", Key=ref)

    def size(self, ref: str) -> int:
        return int(self._call("head_object", Key=ref)["ContentLength"])

    def start_multipart(self, key: str, mime_type: str, parts: int) -> tuple[str, list[str]]:
        """An upload id and one presigned ``PUT`` URL per part."""
        ref = self.key(key)
        upload_id = self._call("create_multipart_upload", Key=ref, ContentType=mime_type)[
            "UploadId"
        ]
        urls = [
            self.client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.location.bucket,
                    "Key": ref,
                    "UploadId": upload_id,
                    "PartNumber": number,
                },
                ExpiresIn=self.expiry_seconds,
            )
            for number in range(1, parts + 1)
        ]
        return upload_id, urls

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadPart]) -> str:
        ref = self.key(key)
        self._call(
            "complete_multipart_upload",
            Key=ref,
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [
                    {"ETag": part.e_tag, "PartNumber": part.part_number}
                    for part in sorted(parts, key=lambda p: p.part_number)
                ]
            },
        )
        return ref

    def download_url(self, ref: str, file_name: str, mime_type: str, inline: bool) -> str:
        """A presigned ``GET`` that the store answers with safe headers."""
        disposition = "inline" if inline else "attachment"
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.location.bucket,
                    "Key": ref,
                    "ResponseContentType": mime_type,
                    "ResponseContentDisposition": content_disposition(disposition, file_name),
                },
                ExpiresIn=self.expiry_seconds,
            )
        )

    def _call(self, method: str, **params: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.location.bucket, **params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NoSuchUpload", "InvalidPart"):
                raise FileNotFoundError(f"{method}: {code}") from exc
            raise StorageUnavailable(f"the S3 store answered {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"the S3 store is unavailable: {exc}") from exc


def content_disposition(kind: str, file_name: str) -> str:
    """``attachment; filename=...`` with an ASCII fallback and the RFC 5987 UTF-8 form."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in file_name)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def open_file_store(
    url: str, data_dir: Path, endpoint_url: str = "", region: str = ""
) -> LocalFiles | S3Files:
    """The store ``url`` names: ``""`` for files under the data directory, ``s3://...``."""
    if not url:
        return LocalFiles(data_dir / "attachments")
    return S3Files(url, endpoint_url, region)

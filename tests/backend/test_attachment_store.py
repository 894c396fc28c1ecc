"""The attachment store: content-addressed local files, S3 (a real S3-compatible server), the
metadata rows on SQLite and MariaDB, and a full disk."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from msgspec import Raw

from opik_backend.errors import PayloadTooLarge, StorageUnavailable
from opik_backend.ids import new_id
from opik_backend.storage.attachments import Attachment, AttachmentKey, Attachments
from opik_backend.storage.files import LocalFiles, S3Files, UploadPart
from opik_backend.storage.metadata import MetadataDB
from opik_backend.storage.migrations import migrate_metadata
from tests.testlib.backends import MYSQL_URL, reset_mysql_database
from tests.testlib.s3 import CREDENTIALS, s3_server

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def key(file_name: str = "a.bin", entity_id: str | None = None) -> AttachmentKey:
    return AttachmentKey("ws", new_id(), "trace", entity_id or new_id(), file_name)


def put(store: Attachments, at: AttachmentKey, data: bytes, mime: str | None = None) -> Attachment:
    writer = store.writer(at)
    for i in range(0, len(data), 1000):
        writer.write(data[i : i + 1000])
    return store.commit(at, writer, mime, "tester")


@pytest.fixture(params=["sqlite", "mysql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetadataDB]:
    if request.param == "mysql":
        reset_mysql_database()
        database = MetadataDB(MYSQL_URL)
    else:
        database = MetadataDB(f"sqlite:///{tmp_path / 'meta.sqlite3'}")
    migrate_metadata(database)
    yield database
    database.close()


@pytest.fixture
def local(db: MetadataDB, tmp_path: Path) -> Attachments:
    return Attachments(db, LocalFiles(tmp_path / "attachments"), max_bytes=1_000_000)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp")


def test_local_files_are_content_addressed_and_shared(local: Attachments, tmp_path: Path) -> None:
    data = os.urandom(5000)
    first = put(local, key("one.bin"), data)
    second = put(local, key("two.bin"), data)
    assert first.file_ref == second.file_ref == hashlib.sha256(data).hexdigest()
    assert stored_files(tmp_path / "attachments") == [
        tmp_path / "attachments" / first.file_ref[:2] / first.file_ref
    ]
    assert first.file_size == 5000
    local.delete(*_entity(first), ["one.bin"])
    assert local.content(second) == data, "the file is still named by the other row"
    local.delete(*_entity(second), ["two.bin"])
    assert stored_files(tmp_path / "attachments") == []


def _entity(a: Attachment) -> tuple[str, str, str, str]:
    return a.key.workspace, a.key.project_id, a.key.entity_type, a.key.entity_id


def test_storing_a_name_again_replaces_it_and_frees_the_old_file(
    local: Attachments, tmp_path: Path
) -> None:
    at = key("photo")
    put(local, at, b"old bytes")
    again = put(local, at, PNG)
    found, total = local.of_entity(*_entity(again))
    assert total == 1
    assert found[0].file_size == len(PNG)
    assert found[0].mime_type == "image/png", "detected from the content: the name has no type"
    assert local.content(found[0]) == PNG
    assert len(stored_files(tmp_path / "attachments")) == 1


def test_mime_is_the_declared_one_then_the_name_then_the_content(local: Attachments) -> None:
    assert put(local, key("x.bin"), PNG, "application/octet-stream").mime_type == (
        "application/octet-stream"
    )
    assert put(local, key("notes.txt"), b"hello").mime_type == "text/plain"
    assert put(local, key("noname"), b"%PDF-1.4 ...").mime_type == "application/pdf"
    assert put(local, key("noname"), b"\x00\x01").mime_type == "application/octet-stream"


def test_survives_a_restart(db: MetadataDB, tmp_path: Path) -> None:
    root = tmp_path / "attachments"
    stored = put(Attachments(db, LocalFiles(root), 1_000_000), key("k.bin"), b"kept")
    (root / "tmp" / ".upload-crashed").write_bytes(b"half")
    reopened = Attachments(db, LocalFiles(root), 1_000_000)
    (found,), _ = reopened.of_entity(*_entity(stored))
    assert reopened.content(found) == b"kept"
    assert not list((root / "tmp").iterdir()), "a crashed upload's temp file is cleaned up"


def test_too_large_is_413_and_leaves_nothing(db: MetadataDB, tmp_path: Path) -> None:
    store = Attachments(db, LocalFiles(tmp_path / "att"), max_bytes=100)
    at = key("big.bin")
    with pytest.raises(PayloadTooLarge, match="limit is 100"):
        put(store, at, b"x" * 101)
    assert store.find(at) is None
    assert not [p for p in (tmp_path / "att").rglob("*") if p.is_file()]


def test_delete_entities_removes_rows_and_files(local: Attachments, tmp_path: Path) -> None:
    trace_id = new_id()
    a = put(local, key("a.bin", trace_id), b"a")
    put(local, key("b.bin", trace_id), b"b")
    other = put(local, key("c.bin"), b"c")
    assert local.delete_entities("ws", "trace", [trace_id]) == 2
    assert local.of_entity(*_entity(a))[1] == 0
    assert [p.name for p in stored_files(tmp_path / "attachments")] == [other.file_ref]


def test_reinject_replaces_references_with_base64(local: Attachments) -> None:
    trace_id, project_id = new_id(), new_id()
    name = "input-attachment-1-1700000000000-sdk.png"
    put(local, AttachmentKey("ws", project_id, "trace", trace_id, name), PNG)
    entity = {
        "id": trace_id,
        "project_id": project_id,
        "input": Raw(f'{{"image": "data:image/png;base64,[{name}]", "n": 1}}'.encode()),
        "output": Raw(b'{"missing": "[output-attachment-2-1700000000000-sdk.png]"}'),
    }
    out = local.reinject("ws", "trace", entity)
    encoded = base64.b64encode(PNG).decode()
    assert bytes(out["input"]) == f'{{"image": "data:image/png;base64,{encoded}", "n": 1}}'.encode()
    assert bytes(out["output"]) == bytes(entity["output"]), "an unknown reference stays"
    assert local.reinject("other-ws", "trace", entity) is entity


# -- S3 ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    with s3_server() as url:
        yield url
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def s3(s3_endpoint: str, db: MetadataDB) -> Attachments:
    bucket = f"att-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    files = S3Files(f"s3://{bucket}/opik", endpoint_url=s3_endpoint)
    return Attachments(db, files, max_bytes=20 * 1024 * 1024)


def test_s3_proxied_write_read_delete(s3: Attachments) -> None:
    data = os.urandom(300_000)
    stored = put(s3, key("blob.bin"), data, "application/octet-stream")
    assert stored.file_ref.startswith("opik/workspaces/ws/projects/")
    assert stored.file_ref.endswith("/files/blob.bin")
    assert s3.content(stored) == data
    s3.delete(*_entity(stored), ["blob.bin"])
    assert s3.find(stored.key) is None
    with pytest.raises(FileNotFoundError):
        s3.content(stored)


def test_s3_presigned_multipart_upload_and_download(s3: Attachments) -> None:
    assert isinstance(s3.files, S3Files)
    at = key("photo.png")
    part_one, part_two = os.urandom(5 * 1024 * 1024), PNG  # S3 parts but the last are >= 5 MB
    upload_id, urls = s3.start_multipart(at, "image/png", 2)
    assert len(urls) == 2
    parts = []
    for number, (url, body) in enumerate(zip(urls, (part_one, part_two), strict=True), 1):
        response = httpx.put(url, content=body)
        assert response.status_code == 200, response.text
        parts.append(UploadPart(number, response.headers["ETag"]))
    stored = s3.complete_multipart(at, None, upload_id, parts, "tester")
    assert stored.file_size == len(part_one) + len(part_two)
    assert stored.mime_type == "image/png"
    link = s3.files.download_url(stored.file_ref, "photo.png", "image/png", inline=True)
    response = httpx.get(link)
    assert response.content == part_one + part_two
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith('inline; filename="photo.png"')


def test_s3_multipart_over_the_limit_is_413_and_removed(s3_endpoint: str, db: MetadataDB) -> None:
    bucket = f"att-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=bucket)
    store = Attachments(db, S3Files(f"s3://{bucket}", endpoint_url=s3_endpoint), max_bytes=10)
    at = key("big.bin")
    upload_id, (url,) = store.start_multipart(at, None, 1)
    etag = httpx.put(url, content=b"x" * 11).headers["ETag"]
    with pytest.raises(PayloadTooLarge):
        store.complete_multipart(at, None, upload_id, [UploadPart(1, etag)], "tester")
    assert store.find(at) is None
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_s3_unreachable_is_503(db: MetadataDB) -> None:
    store = Attachments(
        db, S3Files("s3://nowhere", endpoint_url="http://127.0.0.1:9"), max_bytes=100
    )
    os.environ.update(CREDENTIALS)
    with pytest.raises(StorageUnavailable, match="S3"):
        put(store, key("a.bin"), b"abc")


# -- a full disk -----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (the tests run as root, as CI does)."""
    target = tmp_path / "small"
    target.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)],
        check=True,
        capture_output=True,
    )
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


def test_full_disk_is_503_and_leaves_no_partial_file(small_disk: Path, tmp_path: Path) -> None:
    db = MetadataDB(f"sqlite:///{tmp_path / 'meta.sqlite3'}")
    migrate_metadata(db)
    store = Attachments(db, LocalFiles(small_disk / "att"), max_bytes=100_000_000)
    kept = put(store, key("fits.bin"), os.urandom(500_000))
    at = key("too-much.bin")
    with pytest.raises(StorageUnavailable, match="full") as raised:
        put(store, at, os.urandom(3_000_000))
    assert raised.value.headers["Retry-After"]
    assert store.find(at) is None
    assert stored_files(small_disk / "att") == [
        small_disk / "att" / kept.file_ref[:2] / kept.file_ref
    ]
    assert not list((small_disk / "att" / "tmp").iterdir())
    db.close()

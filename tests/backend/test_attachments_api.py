"""The attachment routes: Opik's upload, list, download and delete flows over HTTP, against
the embedded file store and against S3 (a real S3-compatible server), and the official SDK's
attachments and base64 extraction."""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from opik_backend.ids import new_id
from tests.testlib.backends import RunningBackend, start_backend_process
from tests.testlib.builders import span, trace
from tests.testlib.official_sdk import run_sdk
from tests.testlib.s3 import CREDENTIALS, s3_server

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def encoded(url: str) -> str:
    return base64.b64encode(url.encode()).decode()


def start(api: httpx.Client, entity_id: str, file_name: str, **extra: object) -> dict:
    body = {
        "file_name": file_name,
        "num_of_file_parts": 1,
        "entity_type": "trace",
        "entity_id": entity_id,
        "path": encoded(str(api.base_url).rstrip("/")),
        "project_name": "att",
        **extra,
    }
    response = api.post("v1/private/attachment/upload-start", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def upload(api: httpx.Client, entity_id: str, file_name: str, data: bytes, **extra: object) -> None:
    started = start(api, entity_id, file_name, **extra)
    assert started["upload_id"] == "BEMinIO"
    (url,) = started["pre_sign_urls"]
    chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))  # chunked, as the SDK
    response = api.put(url, content=chunks)
    assert response.status_code == 204, response.text


def listing(api: httpx.Client, entity_id: str, project_id: str, kind: str = "trace") -> dict:
    response = api.get(
        "v1/private/attachment/list",
        params={
            "project_id": project_id,
            "entity_type": kind,
            "entity_id": entity_id,
            "path": encoded(str(api.base_url).rstrip("/")),
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def project_id(api: httpx.Client, name: str = "att") -> str:
    """The id of project ``name``, created if missing."""
    api.post("v1/private/projects", json={"name": name})  # 201, or 409 when it exists
    response = api.post("v1/private/projects/retrieve", json={"name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_upload_list_download_round_trip(api: httpx.Client) -> None:
    trace_id = new_id()
    data = os.urandom(2 * 1024 * 1024 + 17)
    upload(api, trace_id, "weights.bin", data, mime_type="application/octet-stream")
    page = listing(api, trace_id, project_id(api))
    assert page["total"] == 1
    (item,) = page["content"]
    assert item["file_name"] == "weights.bin"
    assert item["file_size"] == len(data)
    assert item["mime_type"] == "application/octet-stream"
    assert item["link"].startswith(
        str(api.base_url).rstrip("/") + "/v1/private/attachment/download?"
    )
    with httpx.Client() as anonymous:  # the link carries its workspace: an <img> sends no header
        response = anonymous.get(item["link"])
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("file_name", "content", "declared", "served", "disposition"),
    [
        ("photo.png", PNG, None, "image/png", "inline"),
        (
            "page.html",
            b"<script>alert(1)</script>",
            "text/html",
            "application/octet-stream",
            "attachment",
        ),
        ("chart.svg", b"<svg onload='alert(1)'/>", None, "application/octet-stream", "attachment"),
        ("lie.png", b"<script>alert(1)</script>", "image/png", "image/png", "inline"),
        ("code.js", b"alert(1)", None, "application/octet-stream", "attachment"),
    ],
)
def test_downloads_never_serve_active_content(
    api: httpx.Client,
    file_name: str,
    content: bytes,
    declared: str | None,
    served: str,
    disposition: str,
) -> None:
    trace_id = new_id()
    extra = {"mime_type": declared} if declared else {}
    upload(api, trace_id, file_name, content, **extra)
    (item,) = listing(api, trace_id, project_id(api))["content"]
    response = httpx.get(item["link"])
    assert response.content == content
    assert response.headers["content-type"] == served
    assert response.headers["content-disposition"].startswith(
        f'{disposition}; filename="{file_name}"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_mime_detected_from_the_name_when_not_declared(api: httpx.Client) -> None:
    trace_id = new_id()
    started = start(api, trace_id, "voice.wav")
    assert "mime_type=audio%2F" in started["pre_sign_urls"][0]
    upload(api, trace_id, "voice.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ")
    (item,) = listing(api, trace_id, project_id(api))["content"]
    assert item["mime_type"].startswith("audio/")


def test_too_large_is_413_with_a_json_body(api: httpx.Client, backend: RunningBackend) -> None:
    store = backend.services.attachments
    saved, store.max_bytes = store.max_bytes, 100_000
    try:
        trace_id = new_id()
        (url,) = start(api, trace_id, "big.bin")["pre_sign_urls"]
        sized = api.put(url, content=b"x" * 100_001)  # Content-Length: refused before reading
        chunked = api.put(url, content=iter([b"x" * 60_000, b"x" * 60_000]))
    finally:
        store.max_bytes = saved
    for response in (sized, chunked):
        assert response.status_code == 413
        assert "limit is 100000" in response.json()["message"]
    assert listing(api, trace_id, project_id(api))["total"] == 0


def test_an_entity_in_another_project_is_409(api: httpx.Client) -> None:
    body = trace("elsewhere")
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    response = api.post(
        "v1/private/attachment/upload-start",
        json={
            "file_name": "a.txt",
            "entity_type": "trace",
            "entity_id": body["id"],
            "path": encoded("http://x"),
            "project_name": "att",
        },
    )
    assert response.status_code == 409
    assert "another project" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "status", "names"),
    [
        ({"entity_id": "not-a-uuid"}, 400, "entity_id"),
        ({"entity_type": "dataset"}, 400, "entity_type"),
        ({"project_id": "0190a1b2-0000-7000-8000-000000000000"}, 404, "project"),
        ({"path": "%%%"}, 400, "path"),
    ],
)
def test_list_rejects_bad_queries(api: httpx.Client, params: dict, status: int, names: str) -> None:
    query = {
        "project_id": project_id(api),
        "entity_type": "trace",
        "entity_id": new_id(),
        "path": encoded("http://x"),
        **params,
    }
    response = api.get("v1/private/attachment/list", params=query)
    assert response.status_code == status, response.text
    assert names in response.json()["message"]


def test_workspaces_do_not_see_each_others_attachments(
    api: httpx.Client, backend: RunningBackend
) -> None:
    trace_id = new_id()
    upload(api, trace_id, "secret.txt", b"mine")
    (item,) = listing(api, trace_id, project_id(api))["content"]
    other = item["link"].replace(
        f"workspace_name={api.headers['Comet-Workspace']}", "workspace_name=x"
    )
    assert httpx.get(other).status_code == 404
    with backend.client(f"other-{uuid.uuid4().hex[:8]}") as stranger:
        assert listing(stranger, trace_id, project_id(stranger))["total"] == 0


def test_delete_route_and_deleting_the_trace_remove_attachments(api: httpx.Client) -> None:
    body = trace("att")
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    pid = project_id(api)
    upload(api, body["id"], "a.txt", b"a")
    upload(api, body["id"], "b.txt", b"b")
    response = api.post(
        "v1/private/attachment/delete",
        json={
            "file_names": ["a.txt"],
            "entity_type": "trace",
            "entity_id": body["id"],
            "container_id": pid,
        },
    )
    assert response.status_code == 204
    assert [i["file_name"] for i in listing(api, body["id"], pid)["content"]] == ["b.txt"]
    assert api.delete(f"v1/private/traces/{body['id']}").status_code == 204
    assert listing(api, body["id"], pid)["total"] == 0


def test_deleting_a_trace_removes_its_spans_attachments(api: httpx.Client) -> None:
    body = trace("att")
    child = span(body["id"], project="att")
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    assert api.post("v1/private/spans/batch", json={"spans": [child]}).status_code == 204
    pid = project_id(api)
    upload(api, child["id"], "span.txt", b"s", entity_type="span")
    assert listing(api, child["id"], pid, kind="span")["total"] == 1
    assert api.delete(f"v1/private/traces/{body['id']}").status_code == 204
    assert listing(api, child["id"], pid, kind="span")["total"] == 0


def test_extracted_files_are_put_back_into_the_trace(api: httpx.Client) -> None:
    name = "input-attachment-1-1700000000000-sdk.png"
    body = trace("att", input={"image": f"data:image/png;base64,[{name}]"})
    assert api.post("v1/private/traces/batch", json={"traces": [body]}).status_code == 204
    upload(api, body["id"], name, PNG)
    full = api.get(f"v1/private/traces/{body['id']}").json()
    assert full["input"]["image"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    stripped = api.get(f"v1/private/traces/{body['id']}", params={"strip_attachments": "true"})
    assert stripped.json()["input"]["image"] == f"data:image/png;base64,[{name}]"


# -- the official SDK ----------------------------------------------------------------------


def test_official_sdk_uploads_lists_downloads_and_extracts(
    backend: RunningBackend, workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPIK_MIN_BASE64_EMBEDDED_ATTACHMENT_SIZE", "100")
    path = tmp_path / "notes.bin"
    path.write_bytes(os.urandom(300_000))
    png = base64.b64encode(PNG * 40).decode()
    out = run_sdk(
        backend,
        workspace,
        "sdk-att",
        f"""
        import base64, time
        from opik import Attachment, id_helpers, datetime_helpers
        client = opik.Opik()
        trace_id = id_helpers.generate_id()
        client.trace(id=trace_id, name="t", project_name="sdk-att",
                     attachments=[Attachment(data={str(path)!r},
                                             content_type="application/octet-stream")],
                     input={{"image": "data:image/png;base64,{png}"}},
                     end_time=datetime_helpers.local_timestamp())
        client.flush()
        attachments = client.get_attachment_client()
        for _ in range(100):
            found = attachments.get_attachment_list("sdk-att", trace_id, "trace")
            if len(found) == 2:
                break
            time.sleep(0.1)
        names = sorted(a.file_name for a in found)
        data = b"".join(attachments.download_attachment(
            project_name="sdk-att", entity_type="trace", entity_id=trace_id,
            file_name="notes.bin", mime_type="application/octet-stream"))
        trace = client.get_trace_content(trace_id)
        print(json.dumps({{"names": names, "size": len(data),
                          "same": data == open({str(path)!r}, "rb").read(),
                          "input": trace.input}}))
        """,
    )
    assert out["names"][1] == "notes.bin"
    assert re.fullmatch(r"input-attachment-\d+-\d+-sdk\.png", out["names"][0])
    assert out["same"]
    # SDKs up to 2.0 extract the base64 payload, later ones the whole data URL; the backend
    # puts the base64 back where the reference was, as Opik's does
    assert out["input"]["image"] in (png, f"data:image/png;base64,{png}")


# -- S3 ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A backend process whose attachments live in an S3 bucket; its API URL."""
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    with s3_server() as endpoint:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="opik")
        backend = start_backend_process(
            tmp_path_factory.mktemp("s3") / "data",
            env={
                "OPIK_JUPYTER_ATTACHMENTS_URL": "s3://opik/attachments",
                "OPIK_JUPYTER_S3_ENDPOINT_URL": endpoint,
            },
        )
        try:
            yield backend.url
        finally:
            backend.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_s3_presigned_multipart_upload_then_presigned_and_proxied_download(s3_backend: str) -> None:
    data = os.urandom(5 * 1024 * 1024 + 1000)
    parts = [data[: 5 * 1024 * 1024], data[5 * 1024 * 1024 :]]
    with httpx.Client(
        base_url=s3_backend + "/", headers={"Comet-Workspace": "s3ws"}, timeout=60
    ) as api:
        trace_id = new_id()
        started = start(api, trace_id, "big.png", num_of_file_parts=2, mime_type="image/png")
        assert started["upload_id"] != "BEMinIO"
        uploaded = []
        for number, (url, part) in enumerate(zip(started["pre_sign_urls"], parts, strict=True), 1):
            response = httpx.put(url, content=part)
            assert response.status_code == 200
            uploaded.append({"e_tag": response.headers["ETag"], "part_number": number})
        complete = api.post(
            "v1/private/attachment/upload-complete",
            json={
                "file_name": "big.png",
                "entity_type": "trace",
                "entity_id": trace_id,
                "project_name": "att",
                "file_size": len(data),
                "mime_type": "image/png",
                "upload_id": started["upload_id"],
                "uploaded_file_parts": uploaded,
            },
        )
        assert complete.status_code == 204, complete.text
        (item,) = listing(api, trace_id, project_id(api))["content"]
        assert item["file_size"] == len(data)
        assert "X-Amz-Signature" in item["link"]
        presigned = httpx.get(item["link"])
        assert presigned.content == data
        assert presigned.headers["content-type"] == "image/png"
        proxied = api.get(
            "v1/private/attachment/download",
            params={
                "container_id": project_id(api),
                "entity_type": "trace",
                "entity_id": trace_id,
                "file_name": "big.png",
            },
        )
        assert proxied.content == data


def test_list_takes_several_entity_ids(api: httpx.Client) -> None:
    first, second = new_id(), new_id()
    upload(api, first, "a.txt", b"a")
    upload(api, second, "b.txt", b"b")
    response = api.get(
        "v1/private/attachment/list",
        params=[
            ("project_id", project_id(api)),
            ("entity_type", "trace"),
            ("entity_id", first),
            ("entity_id", second),
        ],
    )
    assert response.status_code == 200
    found = {(i["entity_id"], i["file_name"]) for i in response.json()["content"]}
    assert found == {(first, "a.txt"), (second, "b.txt")}

"""Attachments in our SDK against a real backend: explicit files on traces and spans, base64
images extracted from payloads (and the 100k-character cut not mangling them), the setting
that turns extraction off, and reading the files back."""

from __future__ import annotations

import base64
import os
import re
import struct
import zlib
from pathlib import Path

import pytest

import opik_jupyter as oj
from opik_jupyter.sdk import _config


def png(width: int, height: int) -> bytes:
    """A real PNG of random pixels (incompressible, so its size is about width*height*3)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


REFERENCE = re.compile(r"\[(input|output)-attachment-\d+-\d+-sdk\.png\]")


def test_explicit_attachments_on_a_trace_and_a_span(traced: oj.Client, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("all good")
    with oj.start_trace("with-files") as trace:
        trace.update(attachments=[oj.Attachment(report)])
        with oj.start_span("step") as span:
            span.update(attachments=[oj.Attachment(b"\x00\x01", file_name="raw.bin")])
    assert oj.flush().delivered
    found = traced.attachments(trace.id, to_dir=tmp_path / "out")
    by_name = {a.file_name: a for a in found}
    assert by_name["report.txt"].data == b"all good"
    assert by_name["report.txt"].mime_type == "text/plain"
    assert by_name["report.txt"].entity_type == "trace"
    assert by_name["raw.bin"].entity_id == span.id
    assert by_name["raw.bin"].path == tmp_path / "out" / span.id / "raw.bin"
    assert by_name["raw.bin"].path.read_bytes() == b"\x00\x01"


def test_a_200_kb_image_in_a_message_becomes_an_attachment(traced: oj.Client) -> None:
    image = png(260, 260)
    assert len(image) > 200_000
    data_url = "data:image/png;base64," + base64.b64encode(image).decode()
    assert len(data_url) > 100_000, "longer than the string cut"

    @oj.track(type="llm")
    def describe(messages: list) -> str:
        return "a picture"

    describe([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url}}]}])
    assert oj.flush().delivered
    (trace,) = traced.search_traces(project_name=traced.project)
    stored = traced.get_trace(trace["id"])
    url = stored["spans"][0]["input"]["messages"][0]["content"][0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,[input-attachment-")
    assert REFERENCE.search(url)
    files = traced.attachments(trace["id"])
    assert [f.data for f in files if f.entity_type == "span"] == [image], "intact, not cut"


def test_a_bare_base64_image_is_extracted_too(traced: oj.Client) -> None:
    image = png(60, 60)
    with oj.start_trace("bare", input={"photo": base64.b64encode(image).decode()}) as trace:
        pass
    assert oj.flush().delivered
    stored = traced.get_trace(trace.id)
    assert REFERENCE.fullmatch(stored["input"]["photo"])
    (found,) = traced.attachments(trace.id)
    assert found.data == image
    assert found.mime_type == "image/png"


def test_extraction_can_be_turned_off(traced: oj.Client) -> None:
    oj.configure(extract_attachments=False, max_string_chars=1_000_000, max_field_bytes=2_000_000)
    text = base64.b64encode(png(60, 60)).decode()
    with oj.start_trace("kept", input={"photo": text}) as trace:
        pass
    assert oj.flush().delivered
    assert traced.get_trace(trace.id)["input"]["photo"] == text
    assert traced.attachments(trace.id) == []


def test_extraction_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPIK_JUPYTER_EXTRACT_ATTACHMENTS", "false")
    _config.reset()
    assert _config.current().extract_attachments is False

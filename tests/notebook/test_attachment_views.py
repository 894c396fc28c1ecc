"""What the views get for a trace's files: images and audio embedded with their type (so a
saved notebook still shows them), anything else only as an octet-stream download."""

from __future__ import annotations

from opik_jupyter.sdk import StoredAttachment
from opik_jupyter.widgets import _attachment_views, _trace_view_model
from opik_jupyter.widgets._html import tree_html

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def stored(name: str, mime: str, data: bytes, entity: str = "t1") -> StoredAttachment:
    return StoredAttachment(name, mime, len(data), "trace", entity, data)


def test_images_and_audio_keep_their_type_and_other_files_do_not() -> None:
    image = _attachment_views.view_of(stored("a.png", "image/png", PNG))
    sound = _attachment_views.view_of(stored("a.wav", "audio/wav", b"RIFF"))
    svg = _attachment_views.view_of(stored("a.svg", "image/svg+xml", b"<svg onload=x>"))
    page = _attachment_views.view_of(stored("a.html", "text/html", b"<script>"))
    assert image["kind"] == "image"
    assert image["src"].startswith("data:image/png;base64,")
    assert sound["src"].startswith("data:audio/wav;base64,")
    for view in (svg, page):
        assert view["kind"] == "file"
        assert view["src"].startswith("data:application/octet-stream;base64,")


def test_too_large_files_are_not_embedded() -> None:
    big = b"\x89PNG" + b"\x00" * _attachment_views.MAX_INLINE_BYTES
    assert _attachment_views.view_of(stored("big.png", "image/png", big))["src"] is None


def test_the_view_model_and_the_static_export_carry_them() -> None:
    trace = {
        "id": "t1",
        "name": "multimodal",
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:01Z",
        "spans": [
            {"id": "s1", "name": "look", "start_time": "2026-01-01T00:00:00Z", "type": "llm"}
        ],
        "attachments": [
            stored("a.png", "image/png", PNG),
            stored("b.png", "image/png", PNG, entity="s1"),
            stored("c.svg", "image/svg+xml", b"<svg/>"),
        ],
    }
    data = _trace_view_model.from_stored(trace)
    assert [a["file_name"] for a in data["trace"]["attachments"]] == ["a.png", "c.svg"]
    assert [a["file_name"] for a in data["spans"][0]["attachments"]] == ["b.png"]
    exported = tree_html(data)
    assert exported.count('<img src="data:image/png;base64,') == 2
    assert "image/svg" not in exported
    assert "c.svg (6 bytes)" in exported


def test_dataset_item_fields_carry_the_image_they_hold() -> None:
    from opik_jupyter.evaluation.views._experiment_view_model import _field  # noqa: PLC0415

    url = "data:image/png;base64,iVBORw0KGgo="
    assert _field("photo", url)["image"] == url
    assert _field("messages", [{"content": [{"image_url": {"url": url}}]}])["image"] == url
    assert "image" not in _field("svg", "data:image/svg+xml;base64,PHN2Zz4=")
    assert "image" not in _field("text", "just words")

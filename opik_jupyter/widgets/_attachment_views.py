"""Attachments as the views show them: raster images and audio inline (as ``data:`` URLs, so
a saved notebook and a static export still show them), other files as download links.

Nothing that can run in a browser is ever given its own type: SVG, HTML, scripts and
unknown files only become ``application/octet-stream`` download links.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..sdk import StoredAttachment

IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
AUDIO = frozenset(
    {"audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/webm"}
)
MAX_INLINE_BYTES = 2 * 1024 * 1024
"""Largest image or audio file embedded in a view (and so in the saved notebook)."""
MAX_DOWNLOAD_BYTES = 1024 * 1024
"""Largest other file embedded as a download link."""

AttachmentView = dict[str, Any]


def kind_of(mime_type: str) -> str:
    mime_type = mime_type.split(";", 1)[0].strip().lower()
    if mime_type in IMAGES:
        return "image"
    if mime_type in AUDIO:
        return "audio"
    return "file"


def view_of(attachment: StoredAttachment) -> AttachmentView:
    """``{file_name, mime_type, size, kind, src}``; ``src`` is None when too big to embed."""
    kind = kind_of(attachment.mime_type)
    limit = MAX_DOWNLOAD_BYTES if kind == "file" else MAX_INLINE_BYTES
    served = attachment.mime_type if kind != "file" else "application/octet-stream"
    src = None
    if len(attachment.data) <= limit:
        src = f"data:{served};base64,{base64.b64encode(attachment.data).decode()}"
    return {
        "file_name": attachment.file_name,
        "mime_type": attachment.mime_type,
        "size": attachment.size,
        "kind": kind,
        "src": src,
    }


_IMAGE_URL = re.compile(r"data:image/(?:png|jpeg|gif|webp|bmp);base64,[A-Za-z0-9+/]+={0,2}")


def image_in(value: Any, depth: int = 0) -> str | None:
    """The first raster-image data URL in ``value`` (a string, or inside dicts and lists)
    that is small enough to embed; None if there is none."""
    if isinstance(value, str):
        found = _IMAGE_URL.search(value) if "data:image/" in value else None
        return found[0] if found and len(found[0]) <= MAX_INLINE_BYTES * 4 // 3 else None
    if depth < 8 and isinstance(value, Mapping | list | tuple):
        items = value.values() if isinstance(value, Mapping) else value
        for item in items:
            if (found_url := image_in(item, depth + 1)) is not None:
                return found_url
    return None


def by_entity(attachments: Iterable[StoredAttachment]) -> dict[str, list[AttachmentView]]:
    """The views of the attachments, grouped by the id of their trace or span."""
    out: dict[str, list[AttachmentView]] = {}
    for attachment in attachments:
        out.setdefault(attachment.entity_id, []).append(view_of(attachment))
    return out


def static_html(nodes: Sequence[Mapping[str, Any]]) -> str:
    """The attachments of the given view nodes as HTML (images embedded, size-capped)."""
    parts = []
    for node in nodes:
        for view in node.get("attachments") or ():
            parts.append(_static_one(node, view))
    if not parts:
        return ""
    return f'<div class="opik-attachments-static"><div>attachments</div>{"".join(parts)}</div>'


def _static_one(node: Mapping[str, Any], view: AttachmentView) -> str:
    name = html.escape(f"{node.get('name', '')}: {view['file_name']}", quote=True)
    src = view.get("src")
    if src and view["kind"] == "image":
        return (
            f'<figure style="display:inline-block;margin:4px"><img src="{html.escape(src)}" '
            f'alt="{name}" style="max-width:240px;max-height:240px">'
            f"<figcaption>{name}</figcaption></figure>"
        )
    if src and view["kind"] == "audio":
        return f'<div><audio controls src="{html.escape(src)}"></audio> {name}</div>'
    return f"<div>{name} ({view['size']} bytes)</div>"

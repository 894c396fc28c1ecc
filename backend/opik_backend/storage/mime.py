"""MIME types of attachments: detected when a client does not say, and served so that nothing
an attachment holds can run in a browser."""

from __future__ import annotations

import mimetypes

OCTET_STREAM = "application/octet-stream"

# (offset, magic bytes, type): the formats people attach to LLM calls.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (8, b"WEBP", "image/webp"),
    (0, b"BM", "image/bmp"),
    (0, b"%PDF-", "application/pdf"),
    (8, b"WAVE", "audio/wav"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (4, b"ftyp", "video/mp4"),
    (0, b"PK\x03\x04", "application/zip"),
)

# Shown inline (an <img>, <audio> or <video> renders them; none of them runs code).
_INLINE = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/avif",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/mpeg",
        "audio/mp3",
        "audio/ogg",
        "audio/flac",
        "audio/webm",
        "audio/mp4",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "text/plain",
    }
)


def sniff(head: bytes) -> str | None:
    """The type the first bytes of a file announce, if they are a format we know."""
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    return None


def detect(declared: str | None, file_name: str, head: bytes = b"") -> str:
    """The declared type if there is one, else the file name's, else the content's."""
    if declared and declared.strip():
        return declared.strip().lower()
    guessed, _ = mimetypes.guess_type(file_name, strict=False)
    return guessed or sniff(head) or OCTET_STREAM


def is_inline(mime_type: str) -> bool:
    """Whether a browser may show this type in place: images, audio, video and plain text,
    never HTML, SVG, XML, scripts or anything unknown."""
    return mime_type.split(";", 1)[0].strip().lower() in _INLINE


def extension_of(mime_type: str) -> str:
    """A file extension for ``mime_type`` (without the dot), ``bin`` when there is none."""
    guessed = mimetypes.guess_extension(mime_type, strict=False)
    if not guessed:
        return "bin"
    return {".jpe": "jpg", ".jpeg": "jpg"}.get(guessed, guessed.lstrip("."))

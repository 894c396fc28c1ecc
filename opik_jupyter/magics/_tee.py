"""A ``sys.stdout`` stand-in that writes through and keeps a bounded copy of the text."""

from __future__ import annotations

import threading
from typing import Any, TextIO


class Tee:
    """Writes go to ``stream`` as before; the first ``limit`` characters are also kept."""

    def __init__(self, stream: TextIO, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self._parts: list[str] = []
        self._kept = 0
        self.dropped = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        written = self.stream.write(text)
        if isinstance(text, str):
            self._keep(text)
        return written

    def _keep(self, text: str) -> None:
        with self._lock:
            room = self.limit - self._kept
            if room > 0:
                self._parts.append(text[:room])
                self._kept += min(room, len(text))
            self.dropped += max(0, len(text) - max(room, 0))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def text(self) -> str:
        """What was written (cut at ``limit``, with a marker saying how much is missing)."""
        with self._lock:
            kept = "".join(self._parts)
            dropped = self.dropped
        return kept + (
            f"\n[truncated by opik-jupyter: {dropped} more characters]" if dropped else ""
        )

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, ...
        return getattr(self.stream, name)

"""The UUID v7 given to each OpenTelemetry trace id, kept so that a trace sent in several
batches (children end, and are exported, before their root) stays one trace."""

from __future__ import annotations

from collections.abc import Mapping

from .metadata import MetadataDB, utcnow

_CHUNK = 200  # rows per INSERT: 800 bound values, under SQLite's oldest limit of 999


class OtelTraceIds:
    """(workspace, OTel trace id) to our trace id, first assignment wins."""

    def __init__(self, db: MetadataDB) -> None:
        self._db = db

    def assign(self, workspace: str, proposed: Mapping[str, str]) -> dict[str, str]:
        """Our id of each OTel trace id in ``proposed``: the stored one, else the proposed one
        (stored now; when two requests race, both get the id the first one stored)."""
        known = self._stored(workspace, list(proposed))
        missing = [otel_id for otel_id in proposed if otel_id not in known]
        if not missing:
            return known
        now = utcnow()
        for start in range(0, len(missing), _CHUNK):  # one statement (and commit) per chunk
            chunk = missing[start : start + _CHUNK]
            self._db.execute(
                f"{self._db.dialect.insert_ignore} INTO otel_trace_ids "
                "(workspace, otel_trace_id, trace_id, created_at) VALUES "
                + ", ".join("(?, ?, ?, ?)" for _ in chunk),
                [
                    value
                    for otel_id in chunk
                    for value in (workspace, otel_id, proposed[otel_id], now)
                ],
            )
        return {**known, **self._stored(workspace, missing)}

    def _stored(self, workspace: str, otel_ids: list[str]) -> dict[str, str]:
        if not otel_ids:
            return {}
        marks = ", ".join("?" for _ in otel_ids)
        rows = self._db.fetch(
            "SELECT otel_trace_id, trace_id FROM otel_trace_ids "
            f"WHERE workspace = ? AND otel_trace_id IN ({marks})",
            (workspace, *otel_ids),
        )
        return {row["otel_trace_id"]: row["trace_id"] for row in rows}

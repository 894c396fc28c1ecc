"""A project's metrics over time: ``POST /projects/{id}/metrics`` (Opik's shape).

Each call asks for one metric type (``TRACE_COUNT``, ``TOKEN_USAGE``, ``COST``,
``DURATION``, ``TRACE_ERROR_RATE``, ``FEEDBACK_SCORES``...) per ``HOURLY``, ``DAILY`` or
``WEEKLY`` bucket, or one ``TOTAL``; the answer is a list of named series of
``{"time", "value"}`` points, empty buckets included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from ._rest import RestClient

PROJECTS = "v1/private/projects"


def project_id(client: RestClient, name: str) -> str | None:
    """The id of the project ``name``, or None if it has none yet."""
    found = client.json("POST", f"{PROJECTS}/retrieve", {"name": name})
    return None if found is None else str(found["id"])


def project_metric(
    client: RestClient,
    project: str,
    metric_type: str,
    interval: str,
    start: dt.datetime,
    end: dt.datetime,
) -> list[dict[str, Any]]:
    """The series of one metric of the project with id ``project``: ``[{"name", "data"}]``."""
    body = {
        "metric_type": metric_type,
        "interval": interval,
        "interval_start": _iso(start),
        "interval_end": _iso(end),
    }
    found = client.json("POST", f"{PROJECTS}/{quote(project)}/metrics", body)
    return list((found or {}).get("results") or [])


def _iso(moment: dt.datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

"""The one rule for public shapes: Opik leaves a field out when it has no value.

Opik's read models omit ``null`` fields, and a list that is empty (tags, feedback scores,
comments, experiment scores) is ``null`` there, so it is left out too. The official SDK
relies on it: it waits for ``feedback_scores`` to be present before it compares them.
"""

from __future__ import annotations

from typing import Any

Public = dict[str, Any]
EMPTY_OMITTED = frozenset(
    {"tags", "feedback_scores", "comments", "experiment_scores", "prompt_versions"}
)


def compact(out: Public) -> Public:
    """``out`` without None values, and without the list fields Opik omits when empty."""
    return {
        key: value
        for key, value in out.items()
        if value is not None and not (key in EMPTY_OMITTED and not value)
    }

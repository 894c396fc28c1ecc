"""``ExperimentTable``: experiments side by side, one row per dataset item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import anywidget
import traitlets

from ...sdk import Client
from ...widgets._assets import asset
from ...widgets._static import StaticFallback, tree_or_error
from .._compare import Comparison, ExperimentRef, load
from ._experiment_view_model import LOWER_IS_BETTER, table_model
from ._html import table_html, table_text


class ExperimentTable(StaticFallback, anywidget.AnyWidget):
    """Rows are dataset items; per experiment, its output and scores.

    Sort by any score (or its change against the baseline), filter by text, show only
    regressions; a score worse than the ``baseline`` experiment's by more than
    ``threshold`` is shaded red, a better one green (for names in ``lower_is_better``,
    such as ``hallucination_metric``, lower is better). Clicking an output opens that
    item's trace tree below the table (:meth:`open_trace` from Python). ``baseline`` is
    an experiment id, synced: the table's baseline menu sets it.
    """

    _esm = asset("experiment_table.js")
    _css = asset("evaluation.css")

    data = traitlets.Dict().tag(sync=True)
    """The view model (see ``opik_jupyter/widgets/_experiments.py``)."""
    baseline = traitlets.Unicode("").tag(sync=True)
    threshold = traitlets.Float(0.0).tag(sync=True)
    selected = traitlets.Dict().tag(sync=True)
    """The tree (view model) of the opened trace, or empty."""
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        experiments: Sequence[ExperimentRef] | ExperimentRef = (),
        baseline: ExperimentRef | None = None,
        *,
        threshold: float = 0.0,
        lower_is_better: Iterable[str] = LOWER_IS_BETTER,
        comparison: Comparison | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        if comparison is None:
            comparison = load(experiments, baseline, client)  # type: ignore[arg-type]
        super().__init__(
            data=table_model(comparison, lower_is_better),
            baseline=comparison.baseline_id or "",
            threshold=threshold,
            **kwargs,
        )
        self._client = client
        self.on_msg(self._on_message)

    @classmethod
    def from_comparison(cls, comparison: Comparison, **options: Any) -> ExperimentTable:
        """A table of an already loaded comparison (what ``evaluate()`` shows)."""
        return cls(comparison=comparison, **options)

    def open_trace(self, trace_id: str) -> None:
        """Show the span tree of ``trace_id`` under the table."""
        self.selected, self.error = tree_or_error(trace_id, self._client)

    def _on_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        if content.get("type") == "open" and content.get("trace_id"):
            self.open_trace(str(content["trace_id"]))

    def static_text(self) -> str:
        return table_text(self.data)

    def static_html(self) -> str:
        return table_html(self.data, self.baseline or None, self.threshold)

"""``ScoreChart``: score distributions and means per metric, and metrics over runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anywidget
import traitlets

from ...sdk import Client
from ...widgets._assets import asset
from ...widgets._static import StaticFallback
from .. import _api
from .._compare import Comparison, ExperimentRef, load
from ._experiment_view_model import chart_model
from ._html import chart_html, chart_text


class ScoreChart(StaticFallback, anywidget.AnyWidget):
    """Per metric, a histogram of each experiment's scores with its mean marked; the means
    side by side; and, with ``history`` (default), each metric's mean over every run on
    the dataset, oldest first. Drawn as SVG in the browser; a table in exported
    notebooks."""

    _esm = asset("score_chart.js")
    _css = asset("evaluation.css")

    data = traitlets.Dict().tag(sync=True)
    """The view model (see ``opik_jupyter/widgets/_experiments.py``)."""

    def __init__(
        self,
        experiments: Sequence[ExperimentRef] | ExperimentRef = (),
        *,
        history: bool = True,
        comparison: Comparison | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> None:
        client = client or Client()
        if comparison is None:
            comparison = load(experiments, None, client)  # type: ignore[arg-type]
        runs = _api.list_experiments(client, dataset_id=comparison.dataset_id) if history else []
        super().__init__(data=chart_model(comparison, runs), **kwargs)

    @classmethod
    def from_comparison(cls, comparison: Comparison, **options: Any) -> ScoreChart:
        """A chart of an already loaded comparison (what ``evaluate()`` shows)."""
        return cls(comparison=comparison, **options)

    def static_text(self) -> str:
        return chart_text(self.data)

    def static_html(self) -> str:
        return chart_html(self.data)

"""Inline views of experiments: the experiment table and the score chart.

They build on the generic widget parts in :mod:`opik_jupyter.widgets` (bundled assets, the
static HTML fallback); importing this module imports ``anywidget``.
"""

from .experiment_table import ExperimentTable
from .score_chart import ScoreChart

__all__ = ["ExperimentTable", "ScoreChart"]

"""Inline views of traces and experiments: anywidget components whose front end is bundled
in ``static/``.

Importing this module imports ``anywidget`` and ``ipywidgets`` (the SDK alone does not).
"""

from .experiment_table import ExperimentTable
from .score_chart import ScoreChart
from .trace_tree import TraceTree, show_trace
from .traces_table import TracesTable

__all__ = ["ExperimentTable", "ScoreChart", "TraceTree", "TracesTable", "show_trace"]

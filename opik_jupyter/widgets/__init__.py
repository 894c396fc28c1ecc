"""Inline views of traces: anywidget components whose front end is bundled in ``static/``.

Importing this module imports ``anywidget`` and ``ipywidgets`` (the SDK alone does not).
The experiment views build on these parts and live with evaluation
(:mod:`opik_jupyter.evaluation.views`).
"""

from .trace_tree import TraceTree, show_trace
from .traces_table import TracesTable

__all__ = ["TraceTree", "TracesTable", "show_trace"]

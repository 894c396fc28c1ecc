"""Inline views of traces: anywidget components whose front end is bundled in ``static/``.

The widget classes import ``anywidget`` and ``ipywidgets`` (the SDK alone does not), on
first use: importing this package, or a helper module of it, loads neither. The experiment
views build on these parts and live with evaluation (:mod:`opik_jupyter.evaluation.views`).
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .annotation_queue import AnnotationQueue
    from .dashboard import Dashboard
    from .prompt_history import PromptHistory
    from .threads import Threads
    from .trace_tree import TraceTree, show_trace
    from .traces_table import TracesTable

__all__ = [
    "AnnotationQueue",
    "Dashboard",
    "PromptHistory",
    "Threads",
    "TraceTree",
    "TracesTable",
    "show_trace",
]

_LAZY = {
    "AnnotationQueue": ".annotation_queue",
    "Dashboard": ".dashboard",
    "PromptHistory": ".prompt_history",
    "TraceTree": ".trace_tree",
    "show_trace": ".trace_tree",
    "TracesTable": ".traces_table",
    "Threads": ".threads",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

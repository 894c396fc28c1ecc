"""opik-jupyter: LLM tracing and evaluation that lives in the notebook.

Importing the package starts nothing: no thread, no network, no logging set-up. The
notebook parts (the IPython extension and the widgets) are imported on first use.
"""

from typing import TYPE_CHECKING, Any

from opik_backend import __version__

from ._lazy import lazy_exports
from .sdk import (
    AnnotationQueueError,
    Attachment,
    ChatPrompt,
    Client,
    Config,
    ConfigError,
    DeliveryStatus,
    FilterSyntaxError,
    FlushResult,
    HttpStatusError,
    OpikJupyterError,
    Prompt,
    PromptNotFound,
    Span,
    TemplateError,
    Trace,
    TransportError,
    add_online_rule,
    add_to_annotation_queue,
    annotation_queue_progress,
    configure,
    create_annotation_queue,
    delete_annotation_queue,
    delete_online_rule,
    delivery_status,
    flush,
    get_annotation_queue,
    get_current_span,
    get_current_trace,
    get_prompt,
    get_trace,
    instrument,
    list_annotation_queues,
    list_online_rules,
    log_feedback_score,
    online_rule_errors,
    parse_filter,
    remove_from_annotation_queue,
    search_spans,
    search_traces,
    set_online_rule_enabled,
    shutdown,
    spans_dataframe,
    start_span,
    start_trace,
    threads,
    traces_dataframe,
    track,
    track_anthropic,
    track_openai,
    uninstrument,
    update_current_span,
    update_current_trace,
)

if TYPE_CHECKING:
    from .evaluation import (
        Dataset,
        EvaluationResult,
        compare_experiments,
        evaluate,
        evaluate_async,
        metrics,
    )
    from .evaluation.views import ExperimentTable, ScoreChart
    from .widgets import (
        AnnotationQueue,
        Dashboard,
        PromptHistory,
        Threads,
        TracesTable,
        TraceTree,
    )

__all__ = [
    "AnnotationQueue",
    "AnnotationQueueError",
    "Attachment",
    "ChatPrompt",
    "Client",
    "Config",
    "ConfigError",
    "Dashboard",
    "Dataset",
    "DeliveryStatus",
    "EvaluationResult",
    "ExperimentTable",
    "FilterSyntaxError",
    "FlushResult",
    "HttpStatusError",
    "OpikJupyterError",
    "Prompt",
    "PromptHistory",
    "PromptNotFound",
    "ScoreChart",
    "Span",
    "TemplateError",
    "Threads",
    "Trace",
    "TraceTree",
    "TracesTable",
    "TransportError",
    "__version__",
    "add_online_rule",
    "add_to_annotation_queue",
    "annotation_queue_progress",
    "compare_experiments",
    "configure",
    "create_annotation_queue",
    "delete_annotation_queue",
    "delete_online_rule",
    "delivery_status",
    "evaluate",
    "evaluate_async",
    "flush",
    "get_annotation_queue",
    "get_current_span",
    "get_current_trace",
    "get_prompt",
    "get_trace",
    "instrument",
    "list_annotation_queues",
    "list_online_rules",
    "load_ipython_extension",
    "log_feedback_score",
    "metrics",
    "online_rule_errors",
    "parse_filter",
    "remove_from_annotation_queue",
    "search_spans",
    "search_traces",
    "set_online_rule_enabled",
    "show_trace",
    "shutdown",
    "spans_dataframe",
    "start_span",
    "start_trace",
    "threads",
    "traces_dataframe",
    "track",
    "track_anthropic",
    "track_openai",
    "uninstrument",
    "unload_ipython_extension",
    "update_current_span",
    "update_current_trace",
]

# names exported lazily: the module that defines each, imported on first use
_LAZY = {
    "AnnotationQueue": ".widgets",
    "Dashboard": ".widgets",
    "PromptHistory": ".widgets",
    "TraceTree": ".widgets",
    "TracesTable": ".widgets",
    "Threads": ".widgets",
    "ExperimentTable": ".evaluation.views",
    "ScoreChart": ".evaluation.views",
    **dict.fromkeys(
        ("Dataset", "EvaluationResult", "compare_experiments", "evaluate", "evaluate_async"),
        ".evaluation",
    ),
    "metrics": ".evaluation",  # the metrics package: oj.metrics.catalogue()
}


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext opik_jupyter``: the ``%%opik_track`` magic, line magics and cell hooks."""
    from .magics import load_ipython_extension as load  # noqa: PLC0415 - lazy, as anywidget

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext opik_jupyter``: remove the cell hooks."""
    from .magics import unload_ipython_extension as unload  # noqa: PLC0415

    unload(ipython)


def show_trace(trace_id: str, client: Client | None = None) -> "TraceTree":
    """The span tree widget of a stored trace (fetched with the read client)."""
    from .widgets import show_trace as show  # noqa: PLC0415 - widgets load on first use

    return show(trace_id, client)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Jupyter server extension entry point: backend life and the ``/opik/`` proxy."""
    from .server_ext import OpikJupyter  # noqa: PLC0415 - jupyter_server loads only in a server

    return [{"module": "opik_jupyter.server_ext", "app": OpikJupyter}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the built JupyterLab extension is (``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "opik-jupyter"}]


# anywidget, pandas and the evaluation code load only when first used
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)

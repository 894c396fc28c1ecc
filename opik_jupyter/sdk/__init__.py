"""The opik-jupyter tracing SDK: ``@track``, spans, scores, delivery and reads.

Importing it has no side effects: the sender thread starts with the first traced event,
and the local backend is found (or started) by that thread when it first sends.
"""

from ._annotation_queues import (
    AnnotationQueueError,
    add_to_annotation_queue,
    annotation_queue_progress,
    create_annotation_queue,
    delete_annotation_queue,
    get_annotation_queue,
    list_annotation_queues,
    remove_from_annotation_queue,
)
from ._attachments import Attachment, StoredAttachment
from ._client import (
    Client,
    get_trace,
    search_spans,
    search_traces,
    spans_dataframe,
    threads,
    traces_dataframe,
)
from ._config import Config, ConfigError
from ._context import Span, Trace
from ._decorator import track
from ._delivery_status import DeliveryStatus, FlushResult
from ._filter_strings import FilterSyntaxError, parse_filter
from ._prompts import ChatPrompt, Prompt, PromptNotFound, get_prompt
from ._rules import (
    add_online_rule,
    delete_online_rule,
    list_online_rules,
    online_rule_errors,
    set_online_rule_enabled,
)
from ._state import configure, delivery_status, flush, shutdown
from ._templates import TemplateError
from ._tracing import (
    get_current_span,
    get_current_trace,
    log_feedback_score,
    start_span,
    start_trace,
    update_current_span,
    update_current_trace,
)
from ._transport import (
    HttpStatusError,
    MockTransport,
    OpikJupyterError,
    Request,
    Response,
    TransportError,
)
from .integrations import instrument, track_anthropic, track_openai, uninstrument

__all__ = [
    "AnnotationQueueError",
    "Attachment",
    "ChatPrompt",
    "Client",
    "Config",
    "ConfigError",
    "DeliveryStatus",
    "FilterSyntaxError",
    "FlushResult",
    "HttpStatusError",
    "MockTransport",
    "OpikJupyterError",
    "Prompt",
    "PromptNotFound",
    "Request",
    "Response",
    "Span",
    "StoredAttachment",
    "TemplateError",
    "Trace",
    "TransportError",
    "add_online_rule",
    "add_to_annotation_queue",
    "annotation_queue_progress",
    "configure",
    "create_annotation_queue",
    "delete_annotation_queue",
    "delete_online_rule",
    "delivery_status",
    "flush",
    "get_annotation_queue",
    "get_current_span",
    "get_current_trace",
    "get_prompt",
    "get_trace",
    "instrument",
    "list_annotation_queues",
    "list_online_rules",
    "log_feedback_score",
    "online_rule_errors",
    "parse_filter",
    "remove_from_annotation_queue",
    "search_spans",
    "search_traces",
    "set_online_rule_enabled",
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
    "update_current_span",
    "update_current_trace",
]

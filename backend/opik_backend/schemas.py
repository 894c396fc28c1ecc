"""Request bodies of the REST API, as msgspec structs.

They are the single description of what a client may send: bodies are decoded into them
(types checked in C, unknown fields ignored so newer SDKs keep working) and the OpenAPI
document is generated from them. ``input``/``output``/``metadata`` stay raw JSON text,
so they are stored without being parsed into Python objects.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Raw, Struct, UnsetType

from .ids import V7_PATTERN

JsonField = Raw | UnsetType
"""Raw JSON text of ``input``/``output``/``metadata``; ``UNSET`` when not sent."""

Timestamp = Annotated[dt.datetime, Meta(extra_json_schema={"format": "date-time"})]
Name = Annotated[str, Meta(max_length=1024)]
ProjectName = Annotated[str, Meta(min_length=1, max_length=255)]
V7Id = Annotated[str, Meta(extra_json_schema={"pattern": V7_PATTERN})]
"""An id the server checks is a UUID v7 (documented only: the handler's check names the field)."""
Source = Literal[
    "sdk", "experiment", "playground", "optimization", "evaluator", "ui", "online_scoring"
]
SpanType = Literal["general", "tool", "llm", "guardrail"]
ScoreSource = Literal["ui", "sdk", "online_scoring"]


class _Body(Struct, forbid_unknown_fields=False, omit_defaults=True):
    """Base of request bodies."""


class ErrorInfo(_Body):
    exception_type: Name
    message: str | None = None
    traceback: str = ""


class TraceWrite(_Body):
    start_time: Timestamp
    id: V7Id | None = None
    project_name: ProjectName | None = None
    name: Name | None = None
    end_time: Timestamp | None = None
    input: JsonField = UNSET
    output: JsonField = UNSET
    metadata: JsonField = UNSET
    tags: list[Name] | None = None
    error_info: ErrorInfo | None = None
    last_updated_at: Timestamp | None = None
    ttft: float | None = None
    thread_id: Name | None = None
    source: Source | None = None
    environment: Name | None = None


INT64_MAX = 2**63 - 1
TokenCount = int | float
"""A usage count; its range (what the Int64 column holds, never negative) is checked where
the row is built, which can name the count (``spans[1].usage.prompt_tokens``)."""


class SpanWrite(TraceWrite):
    trace_id: V7Id | None = None
    parent_span_id: V7Id | None = None
    type: SpanType = "general"
    model: Name | None = None
    provider: Name | None = None
    usage: dict[str, TokenCount] | None = None
    total_estimated_cost: Annotated[float, Meta(ge=0)] | None = None


class TraceBatch(_Body):
    traces: Annotated[list[TraceWrite], Meta(max_length=10_000)]


class SpanBatch(_Body):
    spans: Annotated[list[SpanWrite], Meta(max_length=10_000)]


class TraceUpdate(_Body):
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    name: Name | None = None
    end_time: Timestamp | None = None
    input: JsonField = UNSET
    output: JsonField = UNSET
    metadata: JsonField = UNSET
    tags: list[Name] | None = None
    tags_to_add: list[Name] | None = None
    tags_to_remove: list[Name] | None = None
    error_info: ErrorInfo | None = None
    thread_id: Name | None = None
    ttft: float | None = None
    source: Source | None = None
    environment: Name | None = None


class SpanUpdate(TraceUpdate):
    trace_id: V7Id | None = None
    parent_span_id: V7Id | None = None
    type: SpanType | None = None
    model: Name | None = None
    provider: Name | None = None
    usage: dict[str, TokenCount] | None = None
    total_estimated_cost: Annotated[float, Meta(ge=0)] | None = None


class TraceBatchUpdate(_Body):
    ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    update: TraceUpdate
    merge_tags: bool | None = None


class SpanBatchUpdate(_Body):
    ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    update: SpanUpdate
    merge_tags: bool | None = None


class FeedbackScore(_Body):
    name: Name
    value: float
    source: ScoreSource = "sdk"
    category_name: Name | None = None
    reason: str | None = None


class FeedbackScoreItem(FeedbackScore):
    id: V7Id = ""
    project_name: ProjectName | None = None
    project_id: V7Id | None = None


class ThreadScoreItem(FeedbackScore):
    thread_id: Name = ""
    project_name: ProjectName | None = None
    project_id: V7Id | None = None


class FeedbackScoreBatch(_Body):
    scores: Annotated[list[FeedbackScoreItem], Meta(max_length=10_000)]


class ThreadScoreBatch(_Body):
    scores: Annotated[list[ThreadScoreItem], Meta(max_length=10_000)]


class DeleteScore(_Body):
    name: Name


class DeleteThreadScores(_Body):
    thread_id: Name
    names: list[Name]
    project_name: ProjectName | None = None
    project_id: V7Id | None = None


class DeleteIds(_Body):
    ids: Annotated[list[V7Id], Meta(max_length=10_000)]
    project_id: str | None = None  # sent by some clients, not used: ids are workspace-wide


CommentText = Annotated[str, Meta(min_length=1, max_length=10_000)]


class CommentWrite(_Body):
    """A comment on a trace or span (add, or edit its text)."""

    text: CommentText
    id: V7Id | None = None


class DeleteThreads(_Body):
    thread_ids: Annotated[list[Name], Meta(max_length=10_000)]
    project_name: ProjectName | None = None
    project_id: V7Id | None = None


class Search(_Body):
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    filters: list[dict[str, Any]] | None = None
    last_retrieved_id: V7Id | None = None
    limit: Annotated[int, Meta(ge=1, le=2000)] = 500
    truncate: bool = False
    trace_id: V7Id | None = None
    type: SpanType | None = None


class ThreadSearch(_Body):
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    filters: list[dict[str, Any]] | None = None
    last_retrieved_thread_model_id: str | None = None
    limit: Annotated[int, Meta(ge=1, le=2000)] = 500
    truncate: bool = False


class ThreadRetrieve(_Body):
    thread_id: Name
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    truncate: bool = False


class ThreadBatchIdentifier(_Body):
    """Threads to close: one ``thread_id`` or up to 1000 ``thread_ids``."""

    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    thread_id: Name | None = None
    thread_ids: Annotated[list[Name], Meta(min_length=1, max_length=1000)] | None = None


ThreadTags = Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=50)]


class ThreadUpdate(_Body):
    """A change to a thread (Opik's ``TraceThreadUpdate``): replace its ``tags`` or add and
    remove some."""

    tags: ThreadTags | None = None
    tags_to_add: ThreadTags | None = None
    tags_to_remove: ThreadTags | None = None


class ThreadBatchUpdate(_Body):
    """The same change to up to 1000 threads, by thread_model_id."""

    ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    update: ThreadUpdate
    merge_tags: bool = False


class ProjectCreate(_Body):
    name: ProjectName
    description: str | None = None
    visibility: Literal["private", "public"] | None = None


class ProjectUpdate(_Body):
    name: ProjectName | None = None
    description: str | None = None
    visibility: Literal["private", "public"] | None = None


class ProjectRetrieve(_Body):
    name: ProjectName


class NumericalDetails(_Body):
    min: float
    max: float


class CategoricalDetails(_Body):
    categories: dict[Name, float]


class FeedbackDefinitionWrite(_Body):
    name: Name
    type: Literal["numerical", "categorical", "boolean"]
    details: dict[str, Any]
    id: str | None = None
    description: str | None = None


class DeleteDefinitions(_Body):
    ids: Annotated[list[str], Meta(max_length=1_000)]


# -- datasets and experiments ------------------------------------------------------------

DatasetName = Annotated[str, Meta(min_length=1, max_length=255)]
ItemSource = Literal["manual", "trace", "span", "sdk"]
Limit = Annotated[int, Meta(ge=1, le=2000)]


class DatasetWrite(_Body):
    name: DatasetName
    id: V7Id | None = None
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    description: str | None = None
    type: Literal["dataset", "evaluation_suite"] = "dataset"
    visibility: Literal["private", "public"] | None = None
    tags: list[Name] | None = None


class DatasetUpdate(_Body):
    name: DatasetName
    description: str | None = None
    visibility: Literal["private", "public"] | None = None
    tags: list[Name] | None = None


class DatasetIdentifier(_Body):
    dataset_name: DatasetName
    project_name: ProjectName | None = None


class Evaluator(_Body):
    """A test-suite evaluator (Opik's ``EvaluatorItem``): an LLM judge or code metric."""

    name: Annotated[str, Meta(min_length=1, max_length=255)]
    type: Literal["llm_judge", "code_metric"]
    config: Raw


class ExecutionPolicy(_Body):
    runs_per_item: Annotated[int, Meta(ge=1, le=100)] | None = None
    pass_threshold: Annotated[int, Meta(ge=1, le=100)] | None = None


class ItemSettings(_Body, kw_only=True):
    """A dataset item's own test-suite settings (or those given to the items made)."""

    evaluators: Annotated[list[Evaluator], Meta(max_length=100)] | None = None
    execution_policy: ExecutionPolicy | None = None


class DatasetItemWrite(ItemSettings):
    data: Raw
    id: V7Id | None = None
    source: ItemSource = "sdk"
    trace_id: V7Id | None = None
    span_id: V7Id | None = None
    description: str | None = None
    tags: list[Name] | None = None


class DatasetItemBatch(_Body):
    items: Annotated[list[DatasetItemWrite], Meta(max_length=10_000)]
    dataset_name: DatasetName | None = None
    dataset_id: str | None = None
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    batch_group_id: str | None = None


class DatasetItemsDelete(_Body):
    item_ids: Annotated[list[V7Id], Meta(max_length=10_000)] | None = None
    dataset_id: str | None = None
    filters: list[dict[str, Any]] | None = None
    batch_group_id: str | None = None


class DatasetItemStream(_Body):
    dataset_name: DatasetName
    project_name: ProjectName | None = None
    last_retrieved_id: V7Id | None = None
    steam_limit: Limit = 500  # sic: the Opik API spells it so
    dataset_version: str | None = None
    filters: str | list[dict[str, Any]] | None = None


VersionTag = Annotated[str, Meta(min_length=1, max_length=100)]


class DatasetVersionCreate(_Body):
    tag: VersionTag | None = None  # older Opik APIs take one tag, newer ones a list
    tags: Annotated[list[VersionTag], Meta(max_length=100)] | None = None
    change_description: Annotated[str, Meta(max_length=10_000)] | None = None
    metadata: dict[str, str] | None = None


class DatasetItemChanges(_Body):
    """``POST /datasets/{id}/items/changes``: items added, edited and deleted, and the
    test-suite settings, recorded as one new version based on ``base_version``."""

    base_version: str | None = None
    added_items: Annotated[list[DatasetItemWrite], Meta(max_length=10_000)] | None = None
    edited_items: Annotated[list[DatasetItemWrite], Meta(max_length=10_000)] | None = None
    deleted_ids: Annotated[list[V7Id], Meta(max_length=10_000)] | None = None
    evaluators: Annotated[list[Evaluator], Meta(max_length=100)] | None = None
    execution_policy: ExecutionPolicy | None = None
    change_description: Annotated[str, Meta(max_length=10_000)] | None = None
    tags: Annotated[list[VersionTag], Meta(max_length=100)] | None = None
    metadata: dict[str, str] | None = None


class DatasetVersionRetrieve(_Body):
    version_name: Annotated[str, Meta(min_length=1, max_length=100)]


class DatasetVersionTag(_Body):
    tag: VersionTag


class DatasetVersionUpdate(_Body):
    """``PATCH /datasets/{id}/versions/hash/{hash}``: a new description, tags to add."""

    change_description: Annotated[str, Meta(max_length=10_000)] | None = None
    tags_to_add: Annotated[list[VersionTag], Meta(max_length=100)] | None = None


class DatasetVersionRestore(_Body):
    version_ref: Annotated[str, Meta(min_length=1, max_length=100)]


class DatasetItemPatch(ItemSettings):
    """``PATCH /datasets/items/{id}``: only the fields given change."""

    data: JsonField = UNSET
    source: ItemSource | None = None
    trace_id: str | None = None
    span_id: str | None = None
    description: str | None = None
    tags: list[Name] | None = None


ItemTags = Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(max_length=50)]


class DatasetItemUpdate(ItemSettings):
    """What a batch update sets on each item (Opik's ``DatasetItemUpdate``)."""

    input: str | None = None
    expected_output: str | None = None
    metadata: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    description: str | None = None
    tags: ItemTags | None = None
    tags_to_add: ItemTags | None = None
    tags_to_remove: ItemTags | None = None
    clear_execution_policy: bool | None = None


class DatasetItemBatchUpdate(_Body):
    update: DatasetItemUpdate
    ids: Annotated[list[str], Meta(min_length=1, max_length=1000)] | None = None
    filters: list[dict[str, Any]] | None = None
    dataset_id: str | None = None
    merge_tags: bool | None = None


class TraceEnrichment(_Body, rename="camel"):
    include_spans: bool = False
    include_tags: bool = False
    include_feedback_scores: bool = False
    include_comments: bool = False
    include_usage: bool = False
    include_metadata: bool = False


class DatasetItemsFromTraces(ItemSettings):
    trace_ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    enrichment_options: TraceEnrichment


class DatasetItemsFromSpans(ItemSettings):
    span_ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    enrichment_options: TraceEnrichment


class ExperimentScore(_Body):
    name: Name
    value: float


ExperimentType = Literal["regular", "trial", "mini-batch", "mutation"]
ExperimentStatus = Literal["running", "completed", "cancelled", "failed"]


class ExperimentWrite(_Body):
    dataset_name: DatasetName
    id: V7Id | None = None
    name: Name | None = None
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    metadata: JsonField = UNSET
    tags: list[Name] | None = None
    type: ExperimentType = "regular"
    evaluation_method: Literal["dataset", "evaluation_suite"] = "dataset"
    optimization_id: str | None = None
    status: ExperimentStatus | None = None
    experiment_scores: list[ExperimentScore] | None = None
    prompt_versions: list[dict[str, Any]] | None = None
    dataset_version_id: str | None = None


class ExperimentUpdate(_Body):
    name: Name | None = None
    metadata: JsonField = UNSET
    tags: list[Name] | None = None
    tags_to_add: list[Name] | None = None
    tags_to_remove: list[Name] | None = None
    type: ExperimentType | None = None
    status: ExperimentStatus | None = None
    experiment_scores: list[ExperimentScore] | None = None


class ExperimentBatchUpdate(_Body):
    """``PATCH /experiments/batch``: one update for many experiments."""

    ids: Annotated[list[V7Id], Meta(min_length=1, max_length=1000)]
    update: ExperimentUpdate
    merge_tags: bool = False


class ManualEvaluationRequest(_Body):
    """``POST /manual-evaluation/{traces,threads,spans}``: run these rules on these entities."""

    project_id: V7Id
    entity_ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    rule_ids: Annotated[list[V7Id], Meta(min_length=1, max_length=100)]
    entity_type: Literal["trace", "thread", "span"]


class ExperimentItemWrite(_Body):
    experiment_id: V7Id
    dataset_item_id: V7Id
    trace_id: V7Id
    id: V7Id | None = None
    project_name: ProjectName | None = None
    project_id: V7Id | None = None


class ExperimentItemBatch(_Body):
    experiment_items: Annotated[list[ExperimentItemWrite], Meta(max_length=10_000)]


class ExperimentStream(_Body):
    name: str | None = None
    project_name: ProjectName | None = None
    last_retrieved_id: V7Id | None = None
    limit: Limit = 500


class ExperimentItemStream(_Body):
    experiment_name: Name
    project_name: ProjectName | None = None
    last_retrieved_id: V7Id | None = None
    limit: Limit = 500
    truncate: bool = False


class BulkRecord(_Body):
    dataset_item_id: V7Id
    evaluate_task_result: JsonField = UNSET
    trace: TraceWrite | None = None
    spans: list[SpanWrite] | None = None
    feedback_scores: list[FeedbackScore] | None = None


class ExperimentItemsBulk(_Body):
    experiment_name: Name
    dataset_name: DatasetName
    items: Annotated[list[BulkRecord], Meta(max_length=1_000)]
    experiment_id: V7Id | None = None
    project_name: ProjectName | None = None


class Empty(_Body):
    """A body with nothing required (``POST /auth``)."""


def _schema_hook(kind: type) -> dict[str, Any]:
    if kind is Raw:
        return {"description": "any JSON: an object, an array or a string"}
    raise NotImplementedError(kind)


def schema_of(kinds: list[type]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """JSON Schemas of ``kinds`` plus their shared components, for the OpenAPI document."""
    schemas, components = msgspec.json.schema_components(
        kinds, schema_hook=_schema_hook, ref_template="#/components/schemas/{name}"
    )
    return list(schemas), components


# -- online evaluation rules -------------------------------------------------------------------

RuleType = Literal["llm_as_judge", "user_defined_metric_python"]


class JudgeModel(_Body):
    name: Name
    temperature: float | None = None
    seed: int | None = None
    base_url: str | None = None  # an OpenAI-compatible endpoint; the server's default if None


class JudgeMessage(_Body):
    role: Literal["SYSTEM", "USER", "AI", "ASSISTANT", "system", "user", "assistant"]
    content: str


class JudgeScore(_Body):
    name: Name
    type: Literal["BOOLEAN", "INTEGER", "DOUBLE"] = "DOUBLE"
    description: str = ""


class JudgeCode(_Body):
    """An LLM-as-judge: a prompt with ``{{variables}}`` mapped from the trace."""

    model: JudgeModel
    messages: Annotated[list[JudgeMessage], Meta(min_length=1)]
    scores: Annotated[list[JudgeScore], Meta(min_length=1)] = msgspec.field(name="schema")
    variables: dict[str, str] = {}


class PythonCode(_Body):
    """A Python metric: source defining ``score(**arguments)``, arguments mapped from the trace."""

    metric: Annotated[str, Meta(min_length=1, max_length=100_000)]
    arguments: dict[str, str] = {}


class RuleWrite(_Body):
    name: Name
    type: RuleType
    code: dict[str, Any]
    project_id: V7Id | None = None
    project_name: ProjectName | None = None
    sampling_rate: Annotated[float, Meta(ge=0, le=1)] = 1.0
    enabled: bool = True
    filters: list[dict[str, Any]] | None = None
    id: V7Id | None = None


class RuleUpdate(_Body):
    name: Name | None = None
    type: RuleType | None = None
    code: dict[str, Any] | None = None
    sampling_rate: Annotated[float, Meta(ge=0, le=1)] | None = None
    enabled: bool | None = None
    filters: list[dict[str, Any]] | None = None


# -- attachments ---------------------------------------------------------------------------

AttachmentEntity = Literal["trace", "span"]
FileName = Annotated[str, Meta(min_length=1, max_length=255)]


class StartUpload(_Body):
    """``upload-start``: where to send a file (a backend URL, or presigned S3 part URLs)."""

    file_name: FileName
    entity_type: AttachmentEntity
    entity_id: V7Id
    path: Annotated[str, Meta(min_length=1)]
    num_of_file_parts: Annotated[int, Meta(ge=1, le=10_000)] = 1
    mime_type: str | None = None
    project_name: ProjectName | None = None


class UploadedPart(_Body):
    e_tag: str
    part_number: Annotated[int, Meta(ge=1, le=10_000)]


class CompleteUpload(_Body):
    """``upload-complete``: the parts of a presigned multipart upload are all uploaded."""

    file_name: FileName
    entity_type: AttachmentEntity
    entity_id: str  # names the upload to finish; not checked again
    upload_id: str
    file_size: int = 0
    uploaded_file_parts: list[UploadedPart] = []
    mime_type: str | None = None
    project_name: ProjectName | None = None


class DeleteAttachments(_Body):
    file_names: list[FileName]
    entity_type: AttachmentEntity
    entity_id: V7Id
    container_id: V7Id


OptimizationStatus = Literal["running", "completed", "cancelled", "initialized", "error"]


class OptimizationWrite(_Body):
    """An optimization as ``POST /optimizations`` takes it (Opik's ``Optimization_Write``)."""

    dataset_name: DatasetName
    objective_name: Annotated[str, Meta(min_length=1, max_length=255)]
    status: OptimizationStatus
    id: V7Id | None = None
    name: Annotated[str, Meta(max_length=255)] | None = None
    project_name: ProjectName | None = None
    project_id: V7Id | None = None
    metadata: JsonField = UNSET
    studio_config: JsonField = UNSET


class OptimizationUpdate(_Body):
    name: Annotated[str, Meta(min_length=1, max_length=255)] | None = None
    status: OptimizationStatus | None = None


class AnnotationQueueWrite(_Body):
    """A queue of traces or threads to review (Opik's ``AnnotationQueue_Write``)."""

    name: Annotated[str, Meta(min_length=1, max_length=255)]
    scope: Literal["trace", "thread"]
    project_id: V7Id | None = None
    project_name: ProjectName | None = None
    id: V7Id | None = None
    description: Annotated[str, Meta(max_length=10_000)] | None = None
    instructions: Annotated[str, Meta(max_length=10_000)] | None = None
    comments_enabled: bool | None = None  # None (or absent): enabled
    feedback_definition_names: Annotated[list[Name], Meta(max_length=100)] | None = None


class AnnotationQueueBatch(_Body):
    annotation_queues: Annotated[list[AnnotationQueueWrite], Meta(min_length=1, max_length=1000)]


class AnnotationQueueUpdate(_Body):
    name: Annotated[str, Meta(min_length=1, max_length=255)] | None = None
    description: Annotated[str, Meta(max_length=10_000)] | None = None
    instructions: Annotated[str, Meta(max_length=10_000)] | None = None
    comments_enabled: bool | None = None
    feedback_definition_names: Annotated[list[Name], Meta(max_length=100)] | None = None


class AnnotationQueueItemIds(_Body):
    ids: Annotated[list[Name], Meta(min_length=1, max_length=1000)]


# -- the prompt library ------------------------------------------------------------------

PromptName = Annotated[str, Meta(min_length=1, max_length=255)]
Tag = Annotated[str, Meta(max_length=100)]


class PromptVersionWrite(_Body):
    template: Annotated[str, Meta(min_length=1)]
    id: V7Id | None = None
    commit: Annotated[str, Meta(pattern="^[a-zA-Z0-9]{8}$")] | None = None
    metadata: dict[str, Any] | None = None
    type: str = "mustache"
    change_description: str | None = None
    tags: Annotated[list[Tag], Meta(max_length=50)] | None = None


class PromptWrite(_Body):
    """A prompt, with its first version when ``template`` is given."""

    name: PromptName
    id: V7Id | None = None
    project_id: V7Id | None = None
    project_name: ProjectName | None = None
    description: Annotated[str, Meta(max_length=255)] | None = None
    template: Annotated[str, Meta(min_length=1)] | None = None
    metadata: dict[str, Any] | None = None
    change_description: str | None = None
    type: str = "mustache"
    template_structure: str = "text"
    tags: Annotated[list[Tag], Meta(max_length=50)] | None = None


class PromptVersionCreate(_Body):
    name: PromptName
    version: PromptVersionWrite
    template_structure: str = "text"
    project_id: V7Id | None = None
    project_name: ProjectName | None = None


class PromptUpdate(_Body):
    name: PromptName
    description: Annotated[str, Meta(max_length=255)] | None = None
    tags: Annotated[list[Tag], Meta(max_length=50)] | None = None


class PromptVersionRetrieve(_Body):
    name: PromptName
    commit: str | None = None
    project_name: ProjectName | None = None


class PromptVersionTags(_Body):
    tags: Annotated[list[Tag], Meta(max_length=50)] | None = None


class PromptVersionsUpdate(_Body):
    ids: Annotated[list[str], Meta(min_length=1, max_length=1000)]
    update: PromptVersionTags
    merge_tags: bool | None = None


class PromptCommits(_Body):
    commits: Annotated[list[str], Meta(max_length=1000)]


MetricType = Literal[
    "FEEDBACK_SCORES",
    "TRACE_COUNT",
    "TOKEN_USAGE",
    "DURATION",
    "COST",
    "GUARDRAILS_FAILED_COUNT",
    "THREAD_COUNT",
    "THREAD_DURATION",
    "THREAD_FEEDBACK_SCORES",
    "SPAN_FEEDBACK_SCORES",
    "SPAN_COUNT",
    "SPAN_DURATION",
    "SPAN_TOKEN_USAGE",
    "TRACE_AVERAGE_DURATION",
    "TRACE_ERROR_RATE",
    "SPAN_AVERAGE_DURATION",
    "SPAN_COST",
    "SPAN_ERROR_RATE",
    "THREAD_AVERAGE_DURATION",
    "THREAD_COST",
]


class MetricBreakdown(_Body):
    field: str = "none"
    metadata_key: str | None = None
    sub_metric: str | None = None


class ProjectMetricQuery(_Body):
    metric_type: MetricType
    interval: Literal["HOURLY", "DAILY", "WEEKLY", "TOTAL"]
    interval_start: Timestamp
    interval_end: Timestamp | None = None
    trace_filters: list[dict[str, Any]] | None = None
    span_filters: list[dict[str, Any]] | None = None
    thread_filters: list[dict[str, Any]] | None = None
    breakdown: MetricBreakdown | None = None

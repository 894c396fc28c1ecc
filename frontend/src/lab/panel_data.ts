/**
 * The panel's data code, free of JupyterLab so that it is unit-tested: query paths, the
 * backend's JSON turned into what the views render, and the rows of the panel's lists.
 */
import type { Json, Score, TraceData, TreeNode } from "../views/types";
import type {
  BackendComment,
  BackendScore,
  BackendSpan,
  BackendTrace,
  ComparisonRow,
  Experiment,
  ExperimentItem,
  Project,
} from "./types";

export type Params = Record<string, string | number | boolean | null | undefined>;

/** ``api/<path>?<params>`` for the proxy; empty and null parameters are left out. */
export function apiPath(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, `${value}`);
  }
  const text = query.toString();
  return `api/${path.replace(/^\/+/, "")}${text ? `?${text}` : ""}`;
}

/** A response body: JSON, NDJSON (a list), or nothing (204). */
export function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return null;
  if (contentType && contentType.includes("ndjson")) {
    return text
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  }
  return JSON.parse(text);
}

/** The backend's error message (``{"message": ...}``), else the text itself. */
export function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: string; errors?: string[] };
    const details = body.errors && body.errors.length ? `: ${body.errors.join("; ")}` : "";
    if (body.message) return `${body.message}${details}`;
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 300) || `HTTP ${status}`;
}

/** The filter that keeps the traces made in the notebook at ``path`` (``%%opik_track``). */
export function notebookFilter(path: string): string {
  const name = path.startsWith("/") ? path : `/${path}`;
  return JSON.stringify([{ field: "metadata", key: "notebook_path", operator: "ends_with", value: name }]);
}

function millis(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A streamed LLM call's time to first token, only when the backend has one. */
function ttftOf(span: BackendSpan): { ttft?: number } {
  const ttft = finite(span.ttft);
  return ttft === null ? {} : { ttft };
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function scoresOf(items: BackendScore[] | null | undefined): Score[] {
  return (items ?? [])
    .filter((score) => finite(score.value) !== null)
    .map((score) => ({ name: `${score.name}`, value: score.value, reason: score.reason ?? null }));
}

/** ``usage.total_tokens``, or prompt + completion when only those are given. */
export function totalTokens(usage: BackendTrace["usage"]): number | null {
  if (!usage) return null;
  const total = finite(usage.total_tokens);
  if (total !== null) return total;
  const parts = [finite(usage.prompt_tokens), finite(usage.completion_tokens)].filter((n) => n !== null);
  return parts.length ? (parts as number[]).reduce((a, b) => a + b, 0) : null;
}

function durationOf(item: BackendTrace): number | null {
  const given = finite(item.duration);
  if (given !== null) return given;
  const start = millis(item.start_time);
  const end = millis(item.end_time);
  return start !== null && end !== null ? end - start : null;
}

function node(item: BackendTrace | BackendSpan, traceStart: number | null, span: boolean): TreeNode {
  const start = millis(item.start_time);
  const asSpan = item as BackendSpan;
  const error = item.error_info;
  return {
    id: item.id,
    parent_id: span ? (asSpan.parent_span_id ?? null) : null,
    name: item.name || (span ? "span" : "trace"),
    type: span ? asSpan.type || "general" : "trace",
    start_ms: start !== null && traceStart !== null ? start - traceStart : 0,
    duration_ms: item.end_time || finite(item.duration) !== null ? durationOf(item) : null,
    model: span ? (asSpan.model ?? null) : null,
    provider: span ? (asSpan.provider ?? null) : null,
    usage: item.usage ?? null,
    cost: finite(item.total_estimated_cost),
    input: item.input ?? null,
    output: item.output ?? null,
    metadata: item.metadata ?? null,
    error: error
      ? { exception_type: error.exception_type ?? "Error", message: error.message ?? "", traceback: error.traceback }
      : null,
    scores: scoresOf(item.feedback_scores),
    tags: item.tags ?? [],
    ...ttftOf(asSpan),
  };
}

/** What the tree view renders, from a stored trace and its spans (as ``_trace_view_model.from_stored``). */
export function toTraceData(
  trace: BackendTrace,
  spans: BackendSpan[],
  projectName?: string,
  now = Date.now(),
): TraceData {
  const start = millis(trace.start_time);
  const nodes = [...spans]
    .sort((a, b) => (a.start_time ?? "").localeCompare(b.start_time ?? ""))
    .map((span) => node(span, start, true));
  const root = node(trace, start, false);
  const spanTokens = nodes.map((n) => totalTokens(n.usage)).filter((n): n is number => n !== null);
  const live = !trace.end_time;
  return {
    trace: {
      ...root,
      project: projectName ?? null,
      start_time: trace.start_time ?? null,
      thread_id: trace.thread_id ?? null,
      span_count: finite(trace.span_count) ?? nodes.length,
      total_tokens: totalTokens(trace.usage) ?? (spanTokens.length ? spanTokens.reduce((a, b) => a + b, 0) : null),
      total_cost: finite(trace.total_estimated_cost),
    },
    spans: nodes,
    live,
    elapsed_ms: live && start !== null ? Math.max(now - start, 0) : (root.duration_ms ?? 0),
    omitted: Math.max((finite(trace.span_count) ?? nodes.length) - nodes.length, 0),
  };
}

/** One row of the live feed. */
export interface FeedItem {
  id: string;
  name: string;
  project_id: string;
  project: string;
  start_time: string | null;
  duration_ms: number | null;
  running: boolean;
  tokens: number | null;
  cost: number | null;
  scores: Score[];
  error: boolean;
  notebook: string | null;
}

export function feedItem(trace: BackendTrace, project: Project): FeedItem {
  const metadata = trace.metadata as { [key: string]: Json } | null | undefined;
  const notebook = metadata && typeof metadata === "object" && !Array.isArray(metadata) ? metadata.notebook_path : null;
  return {
    id: trace.id,
    name: trace.name || "(unnamed trace)",
    project_id: project.id,
    project: project.name,
    start_time: trace.start_time ?? null,
    duration_ms: trace.end_time ? durationOf(trace) : null,
    running: !trace.end_time,
    tokens: totalTokens(trace.usage),
    cost: finite(trace.total_estimated_cost),
    scores: scoresOf(trace.feedback_scores),
    error: Boolean(trace.error_info),
    notebook: typeof notebook === "string" ? notebook : null,
  };
}

/** Newest first (UUID v7 ids sort by time, so the id breaks ties). */
export function newestFirst(a: FeedItem, b: FeedItem): number {
  return (b.start_time ?? "").localeCompare(a.start_time ?? "") || b.id.localeCompare(a.id);
}

/**
 * The feed after some projects were read again: their old rows give way to ``fresh`` ones,
 * rows of projects that no longer exist go, and the newest ``limit`` rows stay.
 */
export function mergeFeed(
  items: FeedItem[],
  fresh: FeedItem[],
  reread: Set<string>,
  known: Set<string>,
  limit: number,
): FeedItem[] {
  const kept = items.filter((item) => !reread.has(item.project_id) && known.has(item.project_id));
  const byId = new Map<string, FeedItem>();
  for (const item of [...kept, ...fresh]) byId.set(item.id, item);
  return [...byId.values()].sort(newestFirst).slice(0, limit);
}

/** Projects whose newest trace changed since ``seen`` (project id -> last trace update). */
export function changedProjects(projects: Project[], seen: Map<string, string>): Project[] {
  return projects.filter((p) => (p.trace_count ?? 0) > 0 && seen.get(p.id) !== (p.last_updated_trace_at ?? ""));
}

/** The projects list: most recently active first. */
export function byActivity(projects: Project[]): Project[] {
  return [...projects].sort(
    (a, b) =>
      (b.last_updated_trace_at ?? "").localeCompare(a.last_updated_trace_at ?? "") || a.name.localeCompare(b.name),
  );
}

/** A JSON value as one line of text for a table cell (never HTML). */
export function preview(value: Json | undefined, limit = 160): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** The comparison view: per dataset item, the item of each experiment (or null). */
export interface ComparisonLine {
  id: string;
  data: Json | undefined;
  runs: (ExperimentItem | null)[];
}

export function comparisonLines(rows: ComparisonRow[], experiments: Experiment[]): ComparisonLine[] {
  return rows.map((row) => ({
    id: row.id,
    data: row.data,
    runs: experiments.map(
      (experiment) => row.experiment_items.find((item) => item.experiment_id === experiment.id) ?? null,
    ),
  }));
}

/** Score names of the experiments, in the order first seen. */
export function scoreNames(experiments: Experiment[]): string[] {
  const names: string[] = [];
  for (const experiment of experiments) {
    for (const score of experiment.feedback_scores ?? []) if (!names.includes(score.name)) names.push(score.name);
  }
  return names;
}

/** A score from the annotation form, or the reason it cannot be sent. */
export function scoreFromForm(
  name: string,
  value: string,
  comment: string,
): { score?: { name: string; value: number; reason?: string; source: string }; error?: string } {
  const trimmed = name.trim();
  if (!trimmed) return { error: "a score needs a name" };
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number)) return { error: "the value must be a number" };
  const reason = comment.trim();
  return { score: { name: trimmed, value: number, source: "ui", ...(reason ? { reason } : {}) } };
}

/** The longest comment the backend stores (characters). */
export const MAX_COMMENT_LENGTH = 10_000;

/** A comment from the comment form, or the reason it cannot be sent. */
export function commentFromForm(text: string): { comment?: { text: string }; error?: string } {
  const trimmed = text.trim();
  if (!trimmed) return { error: "a comment needs some text" };
  if (trimmed.length > MAX_COMMENT_LENGTH) return { error: `a comment is at most ${MAX_COMMENT_LENGTH} characters` };
  return { comment: { text: trimmed } };
}

/** One line of the trace tab's comments list. */
export interface CommentLine {
  id: string;
  text: string;
  by: string;
  when: string | null;
  edited: boolean;
}

/** The comments of a trace or span, oldest first (UUID v7 ids sort by time). */
export function commentLines(comments: BackendComment[] | null | undefined): CommentLine[] {
  return [...(comments ?? [])]
    .filter((comment) => typeof comment.text === "string")
    .sort((a, b) => (a.created_at ?? "").localeCompare(b.created_at ?? "") || a.id.localeCompare(b.id))
    .map((comment) => ({
      id: comment.id,
      text: comment.text,
      by: comment.created_by || "",
      when: comment.created_at ?? null,
      edited: Boolean(comment.last_updated_at && comment.created_at && comment.last_updated_at !== comment.created_at),
    }));
}

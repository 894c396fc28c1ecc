/** The data the views render. Built in Python (opik_jupyter/widgets/_trace_view_model.py). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Usage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

export interface Score {
  name: string;
  value: number;
  reason?: string | null;
}

export interface ErrorInfo {
  exception_type: string;
  message: string;
  traceback?: string;
}

/** A trace or a span, with times relative to the trace start (milliseconds). */
export interface TreeNode {
  id: string;
  parent_id: string | null;
  name: string;
  type: string;
  start_ms: number;
  duration_ms: number | null;
  model?: string | null;
  provider?: string | null;
  usage?: Usage | null;
  cost?: number | null;
  input?: Json;
  output?: Json;
  metadata?: Json;
  error?: ErrorInfo | null;
  scores?: Score[];
  tags?: string[];
  attachments?: AttachmentView[];
  /** Time to first token of a streamed LLM call (ms), when the backend has one. */
  ttft?: number | null;
}

/** A file of a trace or span (see ``views/attachments.ts``). */
export interface AttachmentView {
  file_name: string;
  mime_type: string;
  size: number;
  kind: "image" | "audio" | "file";
  /** A ``data:`` URL (raster images and audio with their type, other files as octet-stream), or null. */
  src: string | null;
}

export interface TraceData {
  trace: TreeNode & {
    project?: string | null;
    start_time?: string | null;
    thread_id?: string | null;
    span_count?: number;
    total_tokens?: number | null;
    total_cost?: number | null;
  };
  spans: TreeNode[];
  /** True while the traced cell runs (spans may still arrive). */
  live?: boolean;
  /** Milliseconds since the trace started, when the data was sent (running bars end here). */
  elapsed_ms?: number;
  /** Spans left out of a very large trace. */
  omitted?: number;
  /** Set on a finished tree whose trace is not in the backend yet: on disk, or queued. */
  delivery?: "spilled" | "pending";
}

export interface TraceRow {
  id: string;
  name: string;
  start_time: string | null;
  duration_ms: number | null;
  total_tokens: number | null;
  cost: number | null;
  scores: Score[];
  error: boolean;
  span_count?: number | null;
}

export interface TableData {
  project: string;
  rows: TraceRow[];
  page: number;
  page_size: number;
  total: number;
  search: string;
  loading?: boolean;
  error?: string;
}

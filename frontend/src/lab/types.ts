/** What the backend's REST API answers (the fields the panel reads), and the status route's. */
import type { Json, Usage } from "../views/types";

export interface Page<T> {
  page: number;
  size: number;
  total: number;
  content: T[];
}

export interface BackendScore {
  name: string;
  value: number;
  reason?: string | null;
  source?: string | null;
  created_by?: string | null;
  last_updated_at?: string | null;
}

/** A comment (annotation) on a trace or span, as Opik returns it. */
export interface BackendComment {
  id: string;
  text: string;
  created_at?: string | null;
  last_updated_at?: string | null;
  created_by?: string | null;
  last_updated_by?: string | null;
}

export interface BackendErrorInfo {
  exception_type?: string;
  message?: string;
  traceback?: string;
}

export interface BackendTrace {
  id: string;
  project_id?: string;
  name?: string | null;
  start_time?: string | null;
  end_time?: string | null;
  input?: Json;
  output?: Json;
  metadata?: Json;
  tags?: string[] | null;
  feedback_scores?: BackendScore[] | null;
  duration?: number | null;
  usage?: Usage | null;
  total_estimated_cost?: number | null;
  error_info?: BackendErrorInfo | null;
  span_count?: number | null;
  thread_id?: string | null;
  comments?: BackendComment[] | null;
}

export interface BackendSpan extends BackendTrace {
  trace_id: string;
  parent_span_id?: string | null;
  type?: string | null;
  model?: string | null;
  provider?: string | null;
  /** Time to first token of a streamed LLM call, in milliseconds. */
  ttft?: number | null;
}

export interface Project {
  id: string;
  name: string;
  trace_count?: number;
  usage_sum?: Usage | null;
  total_estimated_cost_sum?: number | null;
  last_updated_trace_at?: string | null;
  error_count?: { count: number } | null;
}

export interface Dataset {
  id: string;
  name: string;
  dataset_items_count?: number;
  experiment_count?: number;
  last_created_experiment_at?: string | null;
}

export interface ScoreAverage {
  name: string;
  value: number;
}

export interface Experiment {
  id: string;
  name: string;
  dataset_id: string;
  dataset_name?: string | null;
  status?: string;
  created_at?: string;
  trace_count?: number;
  feedback_scores?: ScoreAverage[] | null;
  total_estimated_cost?: number | null;
  duration?: { p50?: number | null } | null;
}

export interface ExperimentItem {
  id: string;
  experiment_id: string;
  trace_id: string;
  input?: Json;
  output?: Json;
  feedback_scores?: BackendScore[] | null;
  duration?: number | null;
  total_estimated_cost?: number | null;
}

export interface ComparisonRow {
  id: string;
  data?: Json;
  experiment_items: ExperimentItem[];
}

/** ``GET <base_url>/opik/status``. */
export interface BackendStatus {
  mode: "embedded" | "remote";
  url: string | null;
  pid: number | null;
  managed: boolean;
  healthy: boolean;
  restarts: number;
  version: string | null;
  data_dir: string | null;
  error: string | null;
  /** False while the backend's process lives but does not answer. */
  answering?: boolean | null;
}

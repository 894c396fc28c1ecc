/** The REST calls the panel makes, over any ``Fetch`` (``requestAPI`` in JupyterLab, a fake in tests). */
import type { MetricResult } from "../views/dashboard_model";
import type { PromptExperimentRow, PromptHistoryData, PromptVersionRow } from "../views/prompts";
import type { ThreadSummary, ThreadTurn } from "../views/threads";
import type { TraceData } from "../views/types";
import { addAttachments, type FetchBlob } from "./attachments";
import { apiPath, notebookFilter, toTraceData, type Params } from "./panel_data";
import type {
  BackendSpan,
  BackendStatus,
  BackendTrace,
  ComparisonRow,
  Dataset,
  Experiment,
  Page,
  Project,
} from "./types";

/** GET or send JSON to ``<base_url>/opik/<path>``; resolves to the parsed body. */
export type Fetch = <T>(path: string, init?: RequestInit) => Promise<T>;

export interface TraceQuery {
  search?: string;
  notebook?: string | null;
  size?: number;
}

const PRIVATE = "v1/private";

/** A prompt as the prompts list gives it. */
export interface PromptSummary {
  id: string;
  name: string;
  description?: string | null;
  template_structure: string;
  tags?: string[];
  version_count?: number;
  last_updated_at?: string;
}
export interface AnnotationQueueSummary {
  id: string;
  name: string;
  project_name?: string;
  scope: "trace" | "thread";
  instructions?: string;
  feedback_definition_names?: string[];
  items_count?: number;
  items_done?: number;
}

export const MAX_SPANS = 2000;

export class OpikClient {
  /** ``fetchBlob`` reads files (attachments); without it traces come without them. */
  constructor(
    private readonly fetch: Fetch,
    private readonly fetchBlob?: FetchBlob,
  ) {}

  status(): Promise<BackendStatus> {
    return this.fetch<BackendStatus>("status");
  }

  async projects(size = 100): Promise<Project[]> {
    return (await this.get<Page<Project>>("projects", { size })).content;
  }

  async traces(project: Project, query: TraceQuery = {}): Promise<BackendTrace[]> {
    const params: Params = {
      project_id: project.id,
      size: query.size ?? 50,
      search: query.search?.trim(),
      filters: query.notebook ? notebookFilter(query.notebook) : null,
      exclude: "input,output",
    };
    return (await this.get<Page<BackendTrace>>("traces", params)).content;
  }

  /** A trace with its spans (the first ``MAX_SPANS``), as the tree view wants it. */
  async trace(id: string): Promise<TraceData> {
    const trace = await this.get<BackendTrace>(`traces/${encodeURIComponent(id)}`);
    const [spans, project] = await Promise.all([
      this.get<Page<BackendSpan>>("spans", { trace_id: id, size: MAX_SPANS }),
      trace.project_id ? this.get<Project>(`projects/${trace.project_id}`).catch(() => null) : null,
    ]);
    const data = toTraceData(trace, spans.content, project?.name);
    if (this.fetchBlob && trace.project_id) {
      await addAttachments(data, trace.project_id, this.fetch, this.fetchBlob).catch(() => undefined);
    }
    return data;
  }

  async rawTrace(id: string): Promise<BackendTrace> {
    return this.get<BackendTrace>(`traces/${encodeURIComponent(id)}`);
  }

  async scoreNames(): Promise<string[]> {
    const found = await this.get<{ scores: { name: string }[] }>("traces/feedback-scores/names");
    return found.scores.map((score) => score.name);
  }

  addScore(traceId: string, score: { name: string; value: number; reason?: string; source: string }): Promise<unknown> {
    return this.send("PUT", `traces/${encodeURIComponent(traceId)}/feedback-scores`, score);
  }

  /** Add a comment (annotation) to a trace; resolves once it is stored. */
  addComment(traceId: string, comment: { text: string }): Promise<unknown> {
    return this.send("POST", `traces/${encodeURIComponent(traceId)}/comments`, comment);
  }

  async datasets(): Promise<Dataset[]> {
    return (await this.get<Page<Dataset>>("datasets", { size: 100 })).content;
  }

  /** Annotation queues of the workspace with their progress (``items_done`` of ``items_count``). */
  async annotationQueues(): Promise<AnnotationQueueSummary[]> {
    return (await this.get<Page<AnnotationQueueSummary>>("annotation-queues", { size: 100 })).content;
  }

  /** A queue's items in order, each with whether it has every score the queue asks for. */
  async annotationQueueItems(id: string): Promise<{ id: string; done: boolean }[]> {
    return (await this.get<Page<{ id: string; done: boolean }>>(`annotation-queues/${id}/items`, { size: 100 }))
      .content;
  }

  async experiments(datasetId: string): Promise<Experiment[]> {
    return (await this.get<Page<Experiment>>("experiments", { dataset_id: datasetId, size: 100 })).content;
  }

  experiment(id: string): Promise<Experiment> {
    return this.get<Experiment>(`experiments/${encodeURIComponent(id)}`);
  }

  async comparison(datasetId: string, experimentIds: string[], page = 1, size = 50): Promise<Page<ComparisonRow>> {
    const params = { experiment_ids: JSON.stringify(experimentIds), page, size };
    return this.get<Page<ComparisonRow>>(`datasets/${datasetId}/items/experiments/items`, params);
  }

  /** Prompts whose name contains ``search``, most recently changed first. */
  async prompts(search = "", size = 100): Promise<PromptSummary[]> {
    const sorting = JSON.stringify([{ field: "last_updated_at", direction: "DESC" }]);
    const params = { name: search || null, size, sorting };
    return (await this.get<Page<PromptSummary>>("prompts", params)).content;
  }

  /** A prompt's versions (newest first) and the experiments that used them. */
  async promptHistory(prompt: PromptSummary): Promise<PromptHistoryData> {
    const [versions, experiments] = await Promise.all([
      this.get<Page<PromptVersionRow>>(`prompts/${prompt.id}/versions`, { size: 1000 }),
      this.get<{ content: PromptExperimentRow[] }>(`prompts/${prompt.id}/experiments`),
    ]);
    return {
      name: prompt.name,
      template_structure: prompt.template_structure,
      versions: versions.content,
      experiments: experiments.content,
    };
  }

  /** A project's threads (conversations), most recently active first. */
  async threads(projectId: string, size = 50): Promise<ThreadSummary[]> {
    return (await this.get<Page<ThreadSummary>>("traces/threads", { project_id: projectId, size })).content;
  }

  /** One thread and its turns (its traces, oldest first). */
  async thread(projectId: string, threadId: string): Promise<{ thread: ThreadSummary; turns: ThreadTurn[] }> {
    const filters = JSON.stringify([{ field: "thread_id", operator: "=", value: threadId }]);
    const [thread, traces] = await Promise.all([
      this.send("POST", "traces/threads/retrieve", { project_id: projectId, thread_id: threadId }),
      this.get<Page<ThreadTurn>>("traces", { project_id: projectId, filters, size: 200 }),
    ]);
    const turns = [...traces.content].sort((a, b) => String(a.start_time).localeCompare(String(b.start_time)));
    return { thread: thread as ThreadSummary, turns };
  }

  /** One metric of a project per bucket (``POST /projects/{id}/metrics``): its series. */
  async projectMetric(
    projectId: string,
    metricType: string,
    interval: string,
    start: string,
    end: string,
  ): Promise<MetricResult[]> {
    const body = { metric_type: metricType, interval, interval_start: start, interval_end: end };
    const found = (await this.send("POST", `projects/${encodeURIComponent(projectId)}/metrics`, body)) as {
      results?: MetricResult[];
    };
    return found.results ?? [];
  }

  private get<T>(path: string, params: Params = {}): Promise<T> {
    return this.fetch<T>(apiPath(`${PRIVATE}/${path}`, params));
  }

  private send(method: string, path: string, body: unknown): Promise<unknown> {
    return this.fetch(apiPath(`${PRIVATE}/${path}`), {
      method,
      body: JSON.stringify(body),
      headers: { "Content-Type": "application/json" },
    });
  }
}

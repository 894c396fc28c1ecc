/** The data the experiment views render. Built in Python (opik_jupyter/evaluation/views/_experiment_view_model.py). */

/** One experiment's run of one dataset item. */
export interface Run {
  trace_id: string | null;
  /** The task's output as text (cut). */
  output: string;
  scores: Record<string, number>;
  reasons: Record<string, string>;
  /** Scores that failed, with why. */
  errors: Record<string, string>;
  /** The task's error, if it failed. */
  error: string | null;
  duration_ms?: number | null;
}

export interface ItemRow {
  id: string;
  /** Position in the dataset (1 = oldest). */
  index: number;
  /** ``image``: a raster-image data URL the field holds, shown as a thumbnail. */
  fields: { name: string; text: string; image?: string }[];
  /** By experiment id; an experiment that did not run the item is absent. */
  runs: Record<string, Run>;
}

export interface ExperimentRef {
  id: string;
  name: string;
}

export interface ExperimentTableData {
  dataset: string;
  experiments: ExperimentRef[];
  metrics: string[];
  /** Score names where lower is better (hallucination). */
  lower_is_better: string[];
  rows: ItemRow[];
  omitted?: number;
}

export interface MetricDistribution {
  name: string;
  /** The value range the bins cover. */
  range: [number, number];
  experiments: (ExperimentRef & { count: number; failed: number; mean: number | null; bins: number[] })[];
}

export interface HistoryRun extends ExperimentRef {
  created_at?: string | null;
  scores: Record<string, number>;
}

export interface ScoreChartData {
  dataset: string;
  metrics: MetricDistribution[];
  /** Every run on the dataset, oldest first, with its score means. */
  history: HistoryRun[];
}

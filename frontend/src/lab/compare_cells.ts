/** What the comparison view shows of a dataset item and of each run: the item's fields as
 * text, outputs as text, scores with their change against the baseline. Free of JupyterLab. */
import { classify, type Mark } from "../views/comparison_table";
import type { Json } from "../views/types";
import type { ExperimentItem } from "./types";

export interface Field {
  name: string;
  text: string;
}

export interface ScoreCell {
  name: string;
  value: number;
  /** Against the baseline's score of the same name (null without one). */
  delta: number | null;
  mark: Mark;
  reason: string;
}

/** Keys whose string an output is about; `{"output": "Paris"}` reads as `Paris`. */
const TEXT_KEYS = ["output", "answer", "response", "text", "content", "result"];

/** A value as text a person reads: strings as they are, the rest as indented JSON. */
export function asText(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && TEXT_KEYS.includes(keys[0]) && typeof value[keys[0]] === "string")
      return value[keys[0]] as string;
  }
  return JSON.stringify(value, null, 2);
}

/** A dataset item's fields, in their order; anything but an object is one "value". */
export function fields(data: Json | undefined): Field[] {
  if (data === undefined || data === null) return [];
  if (typeof data !== "object" || Array.isArray(data)) return [{ name: "value", text: asText(data) }];
  return Object.entries(data).map(([name, value]) => ({ name, text: asText(value) }));
}

/** A run's scores, each against the baseline run's score of the same name. */
export function scoreCells(run: ExperimentItem, base: ExperimentItem | null, threshold = 0): ScoreCell[] {
  const before = new Map((base?.feedback_scores ?? []).map((score) => [score.name, score.value]));
  return (run.feedback_scores ?? []).map((score) => {
    const baseValue = base && base !== run ? before.get(score.name) : undefined;
    return {
      name: score.name,
      value: score.value,
      delta: baseValue === undefined ? null : score.value - baseValue,
      mark: classify(score.value, baseValue, false, threshold),
      reason: score.reason ?? "",
    };
  });
}

/** Whether the item's fields or any run's output contain ``needle`` (any case). */
export function lineMatches(data: Json | undefined, runs: (ExperimentItem | null)[], needle: string): boolean {
  const wanted = needle.trim().toLowerCase();
  if (!wanted) return true;
  const texts = [...fields(data).map((f) => `${f.name} ${f.text}`), ...runs.map((run) => asText(run?.output))];
  return texts.some((text) => text.toLowerCase().includes(wanted));
}

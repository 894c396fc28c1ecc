import type { ExperimentTableData, ItemRow, Run, ScoreChartData } from "../views/experiment_types";
import type { WidgetModel } from "../widgets/anywidget_types";
import { XSS } from "./fixtures";

export function run(output: string, scores: Record<string, number>, extra: Partial<Run> = {}): Run {
  return { trace_id: `t-${output}`, output, scores, reasons: {}, errors: {}, error: null, ...extra };
}

/** Three items run by a baseline "a" and a candidate "b" that regresses on item 2. */
export function tableData(extra: Partial<ExperimentTableData> = {}): ExperimentTableData {
  const rows: ItemRow[] = [
    {
      id: "i1",
      index: 1,
      fields: [
        { name: "input", text: "france" },
        { name: "expected", text: "paris" },
      ],
      runs: { a: run("Paris", { equals: 1 }), b: run("paris", { equals: 1 }) },
    },
    {
      id: "i2",
      index: 2,
      fields: [{ name: "input", text: XSS }],
      runs: { a: run("Lima", { equals: 1 }), b: run("Quito", { equals: 0 }, { reasons: { equals: "different" } }) },
    },
    {
      id: "i3",
      index: 3,
      fields: [{ name: "input", text: "chad" }],
      runs: {
        a: run("x", { equals: 0 }, { errors: { judge: "not JSON" } }),
        b: run("", {}, { error: "ValueError: boom", trace_id: "t-err" }),
      },
    },
  ];
  return {
    dataset: "capitals",
    experiments: [
      { id: "a", name: "variant-a" },
      { id: "b", name: XSS },
    ],
    metrics: ["equals", "judge"],
    lower_is_better: [],
    rows,
    ...extra,
  };
}

export function chartData(extra: Partial<ScoreChartData> = {}): ScoreChartData {
  return {
    dataset: "capitals",
    metrics: [
      {
        name: "equals",
        range: [0, 1],
        experiments: [
          { id: "a", name: "variant-a", count: 3, failed: 0, mean: 2 / 3, bins: [1, 0, 0, 0, 0, 0, 0, 0, 0, 2] },
          { id: "b", name: XSS, count: 2, failed: 1, mean: 0.5, bins: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
        ],
      },
    ],
    history: [
      { id: "a", name: "variant-a", created_at: "2026-01-01T00:00:00Z", scores: { equals: 2 / 3 } },
      { id: "b", name: XSS, created_at: "2026-01-02T00:00:00Z", scores: { equals: 0.5, judge: 0.9 } },
    ],
    ...extra,
  };
}

/** An anywidget model on an EventTarget, recording what the view sends and saves. */
export function fakeModel(state: Record<string, unknown>): WidgetModel & { sent: unknown[]; saves: number } {
  const events = new EventTarget();
  return {
    sent: [],
    saves: 0,
    get: (name: string) => state[name],
    set(name: string, value: unknown) {
      state[name] = value;
      events.dispatchEvent(new Event(`change:${name}`));
    },
    save_changes() {
      this.saves += 1;
    },
    send(message: unknown) {
      this.sent.push(message);
    },
    on: (event: string, callback: () => void) => events.addEventListener(event, callback),
    off: (event: string, callback: () => void) => events.removeEventListener(event, callback),
  };
}

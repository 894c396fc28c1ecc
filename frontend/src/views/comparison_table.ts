/**
 * Experiments side by side: a row per dataset item, per experiment its output and scores.
 * Sort by a score or its change against the baseline, filter by text, regressions only,
 * errors only; clicking an output asks to open that run's trace.
 */
import { clear, el } from "./dom";
import { searchBox } from "./search";
import { formatScore } from "./format";
import type { ExperimentTableData, ItemRow, Run } from "./experiment_types";

export type Mark = "regression" | "improvement" | "";

export interface TableOptions {
  /** The baseline experiment's id ("" for none). */
  baseline: string;
  /** A change smaller than this is neither a regression nor an improvement. */
  threshold: number;
}

export interface TableCallbacks {
  onOpen?: (traceId: string) => void;
  onBaseline?: (experimentId: string) => void;
}

export interface ViewState {
  /** "index", "score:<experiment id>:<metric>" or "delta:<experiment id>:<metric>". */
  sort: string;
  descending: boolean;
  filter: string;
  regressionsOnly: boolean;
  errorsOnly: boolean;
}

interface Parts {
  state: ViewState;
  head: HTMLElement;
  controls: HTMLElement;
  table: HTMLTableElement;
  status: HTMLElement;
  redraw: () => void;
}

const views = new WeakMap<HTMLElement, Parts>();
const FILTER_DELAY_MS = 200;
const SHOWN_OUTPUT = 300;

/** A score against the baseline's: worse by more than ``threshold`` is a regression. */
const RASTER = /^data:image\/(png|jpeg|gif|webp|bmp);base64,/;

export function classify(
  value: number | undefined,
  base: number | undefined,
  lowerIsBetter: boolean,
  threshold = 0,
): Mark {
  if (value === undefined || base === undefined) return "";
  const change = lowerIsBetter ? base - value : value - base;
  if (change < -threshold) return "regression";
  return change > threshold ? "improvement" : "";
}

/** Whether any score of any non-baseline run of the row regressed. */
export function hasRegression(row: ItemRow, data: ExperimentTableData, options: TableOptions): boolean {
  const base = row.runs[options.baseline];
  if (!options.baseline || !base) return false;
  const lower = new Set(data.lower_is_better);
  return Object.entries(row.runs).some(
    ([id, run]) =>
      id !== options.baseline &&
      Object.entries(run.scores).some(
        ([name, value]) => classify(value, base.scores[name], lower.has(name), options.threshold) === "regression",
      ),
  );
}

function hasError(row: ItemRow): boolean {
  return Object.values(row.runs).some((run) => run.error !== null || Object.keys(run.errors).length > 0);
}

function rowText(row: ItemRow): string {
  const runs = Object.values(row.runs).map(
    (run) => `${run.output} ${run.error ?? ""} ${Object.values(run.errors).join(" ")}`,
  );
  return [...row.fields.map((f) => `${f.name} ${f.text}`), ...runs].join("\n").toLowerCase();
}

/** The rows the filter text and the "only" switches keep. */
export function filterRows(data: ExperimentTableData, state: ViewState, options: TableOptions): ItemRow[] {
  const needle = state.filter.trim().toLowerCase();
  return data.rows.filter(
    (row) =>
      (!needle || rowText(row).includes(needle)) &&
      (!state.regressionsOnly || hasRegression(row, data, options)) &&
      (!state.errorsOnly || hasError(row)),
  );
}

function sortValue(row: ItemRow, key: string, baseline: string): number | undefined {
  const [kind, experiment, ...rest] = key.split(":");
  const metric = rest.join(":");
  const value = row.runs[experiment]?.scores[metric];
  if (kind !== "delta") return value;
  const base = row.runs[baseline]?.scores[metric];
  return value === undefined || base === undefined ? undefined : value - base;
}

/** Rows in the chosen order; rows without a value for the key go last either way. */
export function sortRows(rows: ItemRow[], state: ViewState, baseline: string): ItemRow[] {
  if (state.sort === "index")
    return [...rows].sort((a, b) => (state.descending ? b.index - a.index : a.index - b.index));
  const sign = state.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, state.sort, baseline);
    const y = sortValue(b, state.sort, baseline);
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? a.index - b.index : 1) : -1;
    return (x - y) * sign || a.index - b.index;
  });
}

export function render(
  container: HTMLElement,
  data: ExperimentTableData,
  options: TableOptions,
  callbacks: TableCallbacks = {},
): void {
  const view = views.get(container) ?? skeleton(container);
  view.redraw = () => draw(view, data, options, callbacks);
  view.redraw();
}

function skeleton(container: HTMLElement): Parts {
  clear(container);
  const view: Parts = {
    state: { sort: "index", descending: false, filter: "", regressionsOnly: false, errorsOnly: false },
    head: el("span", { className: "oj-title" }),
    controls: el("span", { className: "oj-exp-controls" }),
    table: el("table", { className: "oj-exp-table" }),
    status: el("span", { className: "oj-table-status" }),
    redraw: () => undefined,
  };
  const filter = searchBox({
    placeholder: "filter: text in items and outputs…",
    label: "filter items",
    delayMs: FILTER_DELAY_MS,
    onSearch: (text) => {
      view.state.filter = text;
      view.redraw();
    },
  });
  const toggles = [toggle("regressions only", "regressionsOnly", view), toggle("errors only", "errorsOnly", view)];
  container.appendChild(
    el("div", { className: "oj-table oj-exp" }, [
      el("div", { className: "oj-header" }, [view.head, filter, view.controls, ...toggles, view.status]),
      el("div", { className: "oj-exp-scroll" }, [view.table]),
    ]),
  );
  views.set(container, view);
  return view;
}

function toggle(label: string, key: "regressionsOnly" | "errorsOnly", view: Parts): HTMLElement {
  const box = el("input", { attrs: { type: "checkbox" } });
  box.addEventListener("change", () => {
    view.state[key] = box.checked;
    view.redraw();
  });
  return el("label", { className: "oj-exp-toggle" }, [box, el("span", { text: ` ${label}` })]);
}

function draw(view: Parts, data: ExperimentTableData, options: TableOptions, callbacks: TableCallbacks): void {
  view.head.textContent = `Experiments · ${data.dataset}`;
  drawBaselineMenu(view.controls, data, options, callbacks);
  const rows = sortRows(filterRows(data, view.state, options), view.state, options.baseline);
  const more = data.omitted ? ` (${data.omitted} more not loaded)` : "";
  view.status.textContent = `${rows.length} of ${data.rows.length} items${more}`;
  clear(view.table);
  view.table.append(
    header(view, data, options),
    el(
      "tbody",
      {},
      rows.map((row) => rowNode(row, data, options, callbacks)),
    ),
    footer(data),
  );
}

/** The mean of each experiment's scores of a metric over all items (undefined if none). */
export function means(data: ExperimentTableData, experiment: string, metric: string): number | undefined {
  const values = data.rows
    .map((row) => row.runs[experiment]?.scores[metric])
    .filter((v): v is number => v !== undefined);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

function footer(data: ExperimentTableData): HTMLElement {
  const cells = [el("td", { className: "oj-exp-index" }), el("td", { className: "oj-exp-item", text: "mean" })];
  for (const experiment of data.experiments) {
    cells.push(el("td"));
    for (const metric of data.metrics) {
      const mean = means(data, experiment.id, metric);
      cells.push(el("td", { className: "oj-cell-num", text: mean === undefined ? "–" : formatScore(mean) }));
    }
  }
  return el("tfoot", {}, [el("tr", { className: "oj-exp-means" }, cells)]);
}

function drawBaselineMenu(
  host: HTMLElement,
  data: ExperimentTableData,
  options: TableOptions,
  callbacks: TableCallbacks,
): void {
  clear(host);
  const menu = el("select", { className: "oj-exp-baseline", attrs: { "aria-label": "baseline experiment" } });
  for (const [id, name] of [["", "no baseline"], ...data.experiments.map((e) => [e.id, `baseline: ${e.name}`])]) {
    const choice = el("option", { text: name, attrs: { value: id } });
    choice.selected = id === options.baseline;
    menu.appendChild(choice);
  }
  menu.addEventListener("change", () => callbacks.onBaseline?.(menu.value));
  host.appendChild(menu);
}

function header(view: Parts, data: ExperimentTableData, options: TableOptions): HTMLElement {
  const top = el("tr", {}, [
    el("th", { className: "oj-exp-index", text: "#", attrs: { rowspan: "2" } }),
    el("th", { className: "oj-exp-item", text: "item", attrs: { rowspan: "2" } }),
  ]);
  const bottom = el("tr");
  for (const experiment of data.experiments) {
    const label = experiment.id === options.baseline ? `${experiment.name} (baseline)` : experiment.name;
    top.appendChild(
      el("th", { className: "oj-exp-name", text: label, attrs: { colspan: `${data.metrics.length + 1}` } }),
    );
    bottom.appendChild(el("th", { text: "output" }));
    for (const metric of data.metrics) bottom.appendChild(metricHeader(view, experiment.id, metric, options));
  }
  top.firstChild?.addEventListener("click", () => sortBy(view, "index"));
  return el("thead", {}, [top, bottom]);
}

function metricHeader(view: Parts, experiment: string, metric: string, options: TableOptions): HTMLElement {
  const key = `score:${experiment}:${metric}`;
  const cell = el("th", { className: "oj-exp-sort", title: `sort by ${metric}` }, [
    el("span", { text: metric.replace(/_metric$/, "") + arrow(view.state, key) }),
  ]);
  cell.addEventListener("click", () => sortBy(view, key));
  if (options.baseline && experiment !== options.baseline) {
    const delta = `delta:${experiment}:${metric}`;
    const button = el("button", {
      className: "oj-exp-delta",
      text: `Δ${arrow(view.state, delta)}`,
      title: "sort by change against the baseline",
      attrs: { type: "button" },
    });
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      sortBy(view, delta);
    });
    cell.appendChild(button);
  }
  return cell;
}

function arrow(state: ViewState, key: string): string {
  return state.sort === key ? (state.descending ? " ▾" : " ▴") : "";
}

function sortBy(view: Parts, key: string): void {
  view.state.descending = view.state.sort === key ? !view.state.descending : false;
  view.state.sort = key;
  view.redraw();
}

/** A field holding an image, as a thumbnail (only raster data URLs), else null. */
function thumbnail(field: ItemRow["fields"][number]): HTMLElement | null {
  if (!field.image || !RASTER.test(field.image)) return null;
  return el("div", { className: "oj-exp-field" }, [
    el("img", { className: "oj-attachment-thumb", title: field.name, attrs: { src: field.image, alt: field.name } }),
  ]);
}

function rowNode(
  row: ItemRow,
  data: ExperimentTableData,
  options: TableOptions,
  callbacks: TableCallbacks,
): HTMLElement {
  const [first, ...rest] = row.fields;
  const item = el("td", { className: "oj-exp-item" }, [
    first ? (thumbnail(first) ?? el("div", { text: first.text, title: first.name })) : null,
    ...rest.map((f) => thumbnail(f) ?? el("div", { className: "oj-exp-field", text: `${f.name}: ${f.text}` })),
  ]);
  const cells: HTMLElement[] = [el("td", { className: "oj-cell-num oj-exp-index", text: `${row.index}` }), item];
  const base = options.baseline && options.baseline in row.runs ? row.runs[options.baseline] : undefined;
  for (const experiment of data.experiments) {
    const run = row.runs[experiment.id];
    cells.push(outputCell(run, callbacks));
    const against = experiment.id === options.baseline ? undefined : base;
    for (const metric of data.metrics) cells.push(scoreCell(run, metric, against, data, options));
  }
  return el("tr", { attrs: { "data-id": row.id } }, cells);
}

function outputCell(run: Run | undefined, callbacks: TableCallbacks): HTMLElement {
  if (!run) return el("td", { className: "oj-exp-missing", text: "not run" });
  const text = run.error ?? run.output;
  const shown = text.length > SHOWN_OUTPUT ? `${text.slice(0, SHOWN_OUTPUT)}…` : text;
  const open = run.trace_id ? () => callbacks.onOpen?.(run.trace_id as string) : undefined;
  return el("td", {
    className: run.error ? "oj-exp-output oj-error-text" : "oj-exp-output",
    text: shown,
    title: run.trace_id ? "open the trace" : text,
    attrs: run.trace_id ? { "data-trace": run.trace_id, tabindex: "0" } : {},
    onClick: open,
  });
}

function scoreCell(
  run: Run | undefined,
  metric: string,
  base: Run | undefined,
  data: ExperimentTableData,
  options: TableOptions,
): HTMLElement {
  if (!run) return el("td", { className: "oj-exp-missing", text: "" });
  const failed = run.errors[metric];
  if (failed !== undefined)
    return el("td", {}, [el("span", { className: "oj-error-badge", text: "failed", title: failed })]);
  const value = run.scores[metric];
  if (value === undefined) return el("td", { className: "oj-exp-missing", text: "–" });
  const before = base?.scores[metric];
  const mark = classify(value, before, data.lower_is_better.includes(metric), options.threshold);
  const change = before === undefined ? "" : ` (${value - before >= 0 ? "+" : ""}${formatScore(value - before)})`;
  return el("td", {
    className: `oj-cell-num oj-exp-score${mark ? ` oj-${mark}` : ""}`,
    text: `${formatScore(value)}${change}`,
    title: run.reasons[metric] ?? "",
  });
}

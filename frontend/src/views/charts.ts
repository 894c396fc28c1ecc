/**
 * Score charts: per metric, each experiment's score histogram with its mean marked; and
 * each metric's mean over the dataset's runs, oldest first.
 *
 * Drawn with Observable Plot (@observablehq/plot), bundled into score_chart.js by esbuild:
 * nothing is loaded from a CDN. Plot renders SVG, so the jsdom tests see every bar, mark and
 * label. Colours are the theme's CSS variables (``var(--oj-series-N)``), given to Plot as
 * fill and stroke. Labels come from experiment and metric names (untrusted): they reach Plot
 * only as text and title channels, which Plot sets with textContent; Plot's HTML features
 * (html templates, tips with HTML) are not used.
 *
 * The binning and means come from Python (opik_jupyter/evaluation/views/_experiment_view_model.py); this
 * module only places them.
 */
import { dot, lineY, plot, rect, ruleX, ruleY, text } from "@observablehq/plot";
import { clear, el } from "./dom";
import { formatScore } from "./format";
import type { HistoryRun, MetricDistribution, ScoreChartData } from "./experiment_types";

export const SERIES = 8;
const HIST = { width: 340, height: 150, marginLeft: 30, marginRight: 8, marginTop: 8, marginBottom: 22 };
const LINE = { width: 560, height: 180, marginLeft: 34, marginRight: 12, marginTop: 10, marginBottom: 28 };
/** Of a bin's width, the part its bars fill (the rest is the gap between bins). */
const FILL = 0.85;

/** The theme colour of series ``i`` (a CSS variable of evaluation.css). */
export function seriesColor(i: number): string {
  return `var(--oj-series-${i % SERIES})`;
}

export interface Bar {
  /** The bar's edges on the value axis. */
  x1: number;
  x2: number;
  count: number;
  bin: number;
  series: number;
}

/** Width of a bin on the value axis, as the Python side bins (1 when the range is flat). */
export function binWidth(metric: MetricDistribution): number {
  const [low, high] = metric.range;
  const bins = Math.max(1, ...metric.experiments.map((e) => e.bins.length));
  return high > low ? (high - low) / bins : 1;
}

/** The bars of a metric's histogram, in value units: per bin, one bar per experiment, side by side. */
export function histogramBars(metric: MetricDistribution): Bar[] {
  const width = binWidth(metric);
  const bar = (width * FILL) / Math.max(1, metric.experiments.length);
  const start = metric.range[0] + (width * (1 - FILL)) / 2;
  return metric.experiments.flatMap((experiment, series) =>
    experiment.bins.map((count, bin) => {
      const x1 = start + bin * width + series * bar;
      return { x1, x2: x1 + bar, count, bin, series };
    }),
  );
}

/** The value axis of a histogram: the binned range. */
export function histogramDomain(metric: MetricDistribution): [number, number] {
  const bins = Math.max(1, ...metric.experiments.map((e) => e.bins.length));
  return [metric.range[0], metric.range[0] + bins * binWidth(metric)];
}

export interface LinePoint {
  /** The run's position, 0 = oldest. */
  index: number;
  run: HistoryRun;
  value: number;
}

/** The points of one metric's line over the runs (runs without that score are skipped). */
export function linePoints(history: HistoryRun[], metric: string): LinePoint[] {
  return history.flatMap((run, index) =>
    run.scores[metric] === undefined ? [] : [{ index, run, value: run.scores[metric] }],
  );
}

/** The y range of the runs chart: [0, 1] when every mean is in it. */
export function historyDomain(history: HistoryRun[], metrics: string[]): [number, number] {
  const values = history.flatMap((run) => metrics.map((m) => run.scores[m]).filter((v) => v !== undefined));
  if (values.every((v) => v >= 0 && v <= 1)) return [0, 1];
  return [Math.min(0, ...values), Math.max(...values)];
}

export function render(container: HTMLElement, data: ScoreChartData): void {
  clear(container);
  const doc = container.ownerDocument;
  const metrics = data.metrics.map((metric) => metricCard(metric, doc));
  const body = el(
    "div",
    { className: "oj-chart-grid" },
    metrics.length ? metrics : [el("div", { className: "oj-note", text: "no scores yet" })],
  );
  const runs = historyNames(data.history);
  container.appendChild(
    el("div", { className: "oj-table oj-charts" }, [
      el("div", { className: "oj-header" }, [el("span", { className: "oj-title", text: `Scores · ${data.dataset}` })]),
      body,
      data.history.length > 1 && runs.length ? historySection(data.history, runs, doc) : null,
    ]),
  );
}

/** Plot's SVG with our class and role. */
function chart(node: SVGSVGElement | HTMLElement, wide: boolean): SVGSVGElement | HTMLElement {
  node.classList.add("oj-chart");
  if (wide) node.classList.add("oj-chart-wide");
  node.setAttribute("role", "img");
  return node;
}

function metricCard(metric: MetricDistribution, doc: Document): HTMLElement {
  const bars = histogramBars(metric);
  const top = Math.max(1, ...bars.map((b) => b.count));
  const means = metric.experiments.flatMap((e, series) =>
    e.mean === null ? [] : [{ mean: e.mean, name: e.name, series }],
  );
  const node = plot({
    document: doc,
    ...HIST,
    ariaLabel: `${metric.name} distribution`,
    x: { domain: histogramDomain(metric), label: null, ticks: 5, tickFormat: formatScore },
    y: { domain: [0, top], label: null, ticks: countTicks(top), tickFormat: "d" },
    marks: [
      ...metric.experiments.map((experiment, series) =>
        rect(
          bars.filter((b) => b.series === series),
          {
            x1: "x1",
            x2: "x2",
            y1: 0,
            y2: "count",
            fill: seriesColor(series),
            className: `oj-bars oj-bars-${series}`,
            title: (b: Bar) => `${experiment.name}: ${b.count}`,
          },
        ),
      ),
      ruleY([0], { className: "oj-baseline" }),
      ...means.map(({ mean, name, series }) =>
        ruleX([mean], {
          x: (d: number) => d,
          stroke: seriesColor(series),
          strokeWidth: 2,
          strokeDasharray: "4 3",
          className: `oj-mean oj-mean-${series}`,
          title: () => `${name}: mean ${formatScore(mean)}`,
        }),
      ),
    ],
  });
  const legend = el(
    "div",
    { className: "oj-chart-legend" },
    metric.experiments.map((e, series) =>
      el("span", { className: "oj-chart-key" }, [
        el("span", { className: `oj-swatch oj-series-${series % SERIES}` }),
        el("span", {
          text: `${e.name}: mean ${e.mean === null ? "–" : formatScore(e.mean)} (n=${e.count}${e.failed ? `, ${e.failed} failed` : ""})`,
        }),
      ]),
    ),
  );
  return el("figure", { className: "oj-chart-card", attrs: { "data-metric": metric.name } }, [
    el("figcaption", { text: metric.name }),
    chart(node, false),
    legend,
  ]);
}

/** Whole-number ticks of a count axis up to ``top``: at most four. */
export function countTicks(top: number): number[] {
  const step = Math.max(1, Math.ceil(top / 3));
  const ticks: number[] = [];
  for (let t = 0; t <= top; t += step) ticks.push(t);
  return ticks;
}

function historyNames(history: HistoryRun[]): string[] {
  return [...new Set(history.flatMap((run) => Object.keys(run.scores)))].sort();
}

function historySection(history: HistoryRun[], metrics: string[], doc: Document): HTMLElement {
  const indices = history.map((_, i) => i);
  const domain = historyDomain(history, metrics);
  const node = plot({
    document: doc,
    ...LINE,
    ariaLabel: "metric means over runs",
    x: { type: "point", domain: indices, padding: 0.3, axis: null },
    y: { domain, label: null, ticks: 4, tickFormat: formatScore, grid: true },
    marks: [
      ruleY([domain[0]], { className: "oj-baseline" }),
      // The run names under the points: text via textContent, the full name as the title.
      text(history, {
        x: (_: HistoryRun, i: number) => i,
        text: (run: HistoryRun) => shortName(run.name),
        title: (run: HistoryRun) => run.name,
        frameAnchor: "bottom",
        lineAnchor: "top",
        dy: 6,
        className: "oj-run-label",
      }),
      ...metrics.flatMap((metric, series) => {
        const points = linePoints(history, metric);
        return [
          lineY(points, {
            x: "index",
            y: "value",
            stroke: seriesColor(series),
            strokeWidth: 2,
            className: `oj-run-line oj-run-line-${series}`,
          }),
          dot(points, {
            x: "index",
            y: "value",
            r: 3,
            fill: seriesColor(series),
            stroke: seriesColor(series),
            className: `oj-run-points oj-run-points-${series}`,
            title: (p: LinePoint) => `${p.run.name} · ${metric}: ${formatScore(p.value)}`,
          }),
        ];
      }),
    ],
  });
  // Tag each metric's line and points with its name (an attribute, set as text).
  metrics.forEach((metric, series) => {
    for (const g of node.querySelectorAll(`.oj-run-line-${series}, .oj-run-points-${series}`))
      g.setAttribute("data-metric", metric);
  });
  const legend = el(
    "div",
    { className: "oj-chart-legend" },
    metrics.map((metric, series) =>
      el("span", { className: "oj-chart-key" }, [
        el("span", { className: `oj-swatch oj-series-${series % SERIES}` }),
        el("span", { text: metric }),
      ]),
    ),
  );
  return el("figure", { className: "oj-chart-card oj-chart-runs" }, [
    el("figcaption", { text: `Over ${history.length} runs` }),
    chart(node, true),
    legend,
  ]);
}

function shortName(name: string): string {
  return name.length > 14 ? `${name.slice(0, 13)}…` : name;
}

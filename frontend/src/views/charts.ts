/**
 * Score charts, drawn as SVG: per metric, each experiment's score histogram with its mean
 * marked; and each metric's mean over the dataset's runs, oldest first.
 *
 * Hand-drawn rather than a charting library: two chart kinds of a few shapes each, no
 * canvas (jsdom tests see every bar and label), colours from the theme's CSS variables,
 * labels set as text only, and a few KB in the bundle.
 */
import { clear, el } from "./dom";
import { formatScore } from "./format";
import type { HistoryRun, MetricDistribution, ScoreChartData } from "./experiment_types";
import { scale, svg, tip } from "./svg";

export const SERIES = 8;
const HIST = { width: 340, height: 150, left: 30, right: 8, top: 8, bottom: 22 };
const LINE = { width: 560, height: 190, left: 34, right: 12, top: 10, bottom: 40 };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
  series: number;
}

/** The bars of a metric's histogram: per bin, one bar per experiment, side by side. */
export function histogramBars(metric: MetricDistribution, width = HIST.width, height = HIST.height): Rect[] {
  const bins = Math.max(1, ...metric.experiments.map((e) => e.bins.length));
  const top = Math.max(1, ...metric.experiments.flatMap((e) => e.bins));
  const plotWidth = width - HIST.left - HIST.right;
  const y = scale([0, top], [height - HIST.bottom, HIST.top]);
  const slot = plotWidth / bins;
  const bar = (slot * 0.85) / Math.max(1, metric.experiments.length);
  return metric.experiments.flatMap((experiment, series) =>
    experiment.bins.map((count, bin) => ({
      x: HIST.left + bin * slot + slot * 0.075 + series * bar,
      y: y(count),
      width: bar,
      height: height - HIST.bottom - y(count),
      count,
      series,
    })),
  );
}

/** Where a mean falls on the histogram's x axis. */
export function meanX(metric: MetricDistribution, mean: number, width = HIST.width): number {
  return scale(metric.range, [HIST.left, width - HIST.right])(mean);
}

/** The points of one metric's line over the runs (runs without that score are skipped). */
export function linePoints(history: HistoryRun[], metric: string, domain: [number, number], width = LINE.width, height = LINE.height) {
  const x = scale([0, Math.max(1, history.length - 1)], [LINE.left, width - LINE.right]);
  const y = scale(domain, [height - LINE.bottom, LINE.top]);
  return history.flatMap((run, i) => (run.scores[metric] === undefined ? [] : [{ x: x(i), y: y(run.scores[metric]), run, value: run.scores[metric] }]));
}

/** The y range of the runs chart: [0, 1] when every mean is in it. */
export function historyDomain(history: HistoryRun[], metrics: string[]): [number, number] {
  const values = history.flatMap((run) => metrics.map((m) => run.scores[m]).filter((v) => v !== undefined));
  if (values.every((v) => v >= 0 && v <= 1)) return [0, 1];
  return [Math.min(0, ...values), Math.max(...values)];
}

export function render(container: HTMLElement, data: ScoreChartData): void {
  clear(container);
  const metrics = data.metrics.map((metric) => metricCard(metric));
  const body = el("div", { className: "oj-chart-grid" }, metrics.length ? metrics : [el("div", { className: "oj-note", text: "no scores yet" })]);
  const runs = historyNames(data.history);
  container.appendChild(
    el("div", { className: "oj-table oj-charts" }, [
      el("div", { className: "oj-header" }, [el("span", { className: "oj-title", text: `Scores · ${data.dataset}` })]),
      body,
      data.history.length > 1 && runs.length ? historySection(data.history, runs) : null,
    ]),
  );
}

function metricCard(metric: MetricDistribution): HTMLElement {
  const plot = svg("svg", { class: "oj-chart", viewBox: `0 0 ${HIST.width} ${HIST.height}`, role: "img", "aria-label": `${metric.name} distribution` }, [
    axis(HIST, metric.range),
    ...histogramBars(metric).map((r) =>
      svg("rect", { class: `oj-series-${r.series % SERIES}`, x: r.x, y: r.y, width: r.width, height: r.height }, [tip(`${metric.experiments[r.series].name}: ${r.count}`)]),
    ),
    ...metric.experiments.flatMap((experiment, series) => (experiment.mean === null ? [] : [meanLine(metric, experiment.mean, series, experiment.name)])),
  ]);
  const legend = el(
    "div",
    { className: "oj-chart-legend" },
    metric.experiments.map((e, series) =>
      el("span", { className: "oj-chart-key" }, [
        el("span", { className: `oj-swatch oj-series-${series % SERIES}` }),
        el("span", { text: `${e.name}: mean ${e.mean === null ? "–" : formatScore(e.mean)} (n=${e.count}${e.failed ? `, ${e.failed} failed` : ""})` }),
      ]),
    ),
  );
  return el("figure", { className: "oj-chart-card", attrs: { "data-metric": metric.name } }, [el("figcaption", { text: metric.name }), plot, legend]);
}

function meanLine(metric: MetricDistribution, mean: number, series: number, name: string): SVGElement {
  const x = meanX(metric, mean);
  return svg("line", { class: `oj-mean oj-series-${series % SERIES}`, x1: x, x2: x, y1: HIST.top, y2: HIST.height - HIST.bottom }, [tip(`${name}: mean ${formatScore(mean)}`)]);
}

function axis(box: typeof HIST, range: [number, number]): SVGElement {
  const bottom = box.height - box.bottom;
  return svg("g", { class: "oj-axis" }, [
    svg("line", { x1: box.left, x2: box.width - box.right, y1: bottom, y2: bottom }),
    svg("text", { x: box.left, y: box.height - 6, "text-anchor": "start" }, [], formatScore(range[0])),
    svg("text", { x: box.width - box.right, y: box.height - 6, "text-anchor": "end" }, [], formatScore(range[1])),
  ]);
}

function historyNames(history: HistoryRun[]): string[] {
  return [...new Set(history.flatMap((run) => Object.keys(run.scores)))].sort();
}

function historySection(history: HistoryRun[], metrics: string[]): HTMLElement {
  const domain = historyDomain(history, metrics);
  const y = scale(domain, [LINE.height - LINE.bottom, LINE.top]);
  const x = scale([0, Math.max(1, history.length - 1)], [LINE.left, LINE.width - LINE.right]);
  const lines = metrics.map((metric, series) => {
    const points = linePoints(history, metric, domain);
    return svg("g", { class: `oj-run-line oj-series-${series % SERIES}`, "data-metric": metric }, [
      svg("polyline", { points: points.map((p) => `${p.x},${p.y}`).join(" "), fill: "none" }),
      ...points.map((p) => svg("circle", { cx: p.x, cy: p.y, r: 3 }, [tip(`${p.run.name} · ${metric}: ${formatScore(p.value)}`)])),
    ]);
  });
  const labels = history.map((run, i) => svg("text", { x: x(i), y: LINE.height - LINE.bottom + 14, "text-anchor": "middle" }, [tip(run.name)], shortName(run.name)));
  const plot = svg("svg", { class: "oj-chart oj-chart-wide", viewBox: `0 0 ${LINE.width} ${LINE.height}`, role: "img", "aria-label": "metric means over runs" }, [
    svg("g", { class: "oj-axis" }, [
      svg("line", { x1: LINE.left, x2: LINE.width - LINE.right, y1: y(domain[0]), y2: y(domain[0]) }),
      svg("text", { x: LINE.left - 4, y: y(domain[1]) + 4, "text-anchor": "end" }, [], formatScore(domain[1])),
      svg("text", { x: LINE.left - 4, y: y(domain[0]), "text-anchor": "end" }, [], formatScore(domain[0])),
      ...labels,
    ]),
    ...lines,
  ]);
  const legend = el(
    "div",
    { className: "oj-chart-legend" },
    metrics.map((metric, series) => el("span", { className: "oj-chart-key" }, [el("span", { className: `oj-swatch oj-series-${series % SERIES}` }), el("span", { text: metric })])),
  );
  return el("figure", { className: "oj-chart-card oj-chart-runs" }, [el("figcaption", { text: `Over ${history.length} runs` }), plot, legend]);
}

function shortName(name: string): string {
  return name.length > 14 ? `${name.slice(0, 13)}…` : name;
}

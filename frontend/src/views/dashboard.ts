/**
 * The dashboard of a project: the range's totals, then one chart per metric over time
 * (traces as bars; tokens, cost, latency percentiles, error rate and score means as lines).
 *
 * Drawn with Observable Plot like the score charts (views/charts.ts): SVG, colours from the
 * theme's CSS variables, names (score names, token kinds) only as text and title channels.
 * The data is the view model of views/dashboard_model.ts; this module only places it.
 */
import { dot, lineY, plot, rectY, ruleY } from "@observablehq/plot";
import { clear, el } from "./dom";
import { formatCost, formatDuration, formatScore, formatTokens } from "./format";
import type { Chart, DashboardData, Kpi, Series, Unit } from "./dashboard_model";

export const SERIES = 8;
const SIZE = { width: 400, height: 170, marginLeft: 52, marginRight: 12, marginTop: 10, marginBottom: 26 };
/** The side panel's size: drawn at about the width it is shown, so the labels stay legible. */
const COMPACT = { ...SIZE, width: 250, height: 140, marginLeft: 46, marginRight: 8 };
const STEP_MS: Record<string, number> = { HOURLY: 3_600_000, DAILY: 86_400_000, WEEKLY: 7 * 86_400_000 };
/** The ranges (days) the picker offers, with their labels. */
export const RANGES: [number, string][] = [
  [1, "Last 24 hours"],
  [7, "Last 7 days"],
  [30, "Last 30 days"],
  [90, "Last 90 days"],
];

export interface DashboardOptions {
  /** Called with the days picked in the range menu (no menu without it). */
  onRange?: (days: number) => void;
  /** Called by the refresh button (no button without it). */
  onRefresh?: () => void;
  /** Shown instead of the charts. */
  error?: string;
  /** Narrow layout (the side panel): one chart per row, smaller. */
  compact?: boolean;
  /** Shown in the header instead of the title (the panel's project menu). */
  heading?: HTMLElement;
}

/** The theme colour of series ``i`` (a CSS variable of dashboard.css). */
export function seriesColor(i: number): string {
  return `var(--oj-dash-series-${i % SERIES})`;
}

/** A value in its unit, as the axis ticks, tooltips and totals write it. */
export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  switch (unit) {
    case "usd":
      return formatCost(value);
    case "ms":
      return formatDuration(value);
    case "percent":
      return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
    case "tokens":
      return formatTokens(Math.round(value));
    case "score":
      return formatScore(value);
    default:
      return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(1);
  }
}

/** The unit named after a chart's title ("Cost (USD)"). */
export function unitLabel(unit: Unit): string {
  return { count: "", tokens: "", usd: "USD", ms: "", percent: "% of traces", score: "mean" }[unit];
}

/** Whether a chart has anything to draw: a value that is not null (and, for counts and
 * error rates, not 0: a bucket without traces reads 0%). */
export function hasData(chart: Chart): boolean {
  const zeroIsNothing = chart.unit === "count" || chart.unit === "percent";
  return chart.series.some((s) => s.points.some((p) => p.v !== null && !(zeroIsNothing && p.v === 0)));
}

/** The time axis: from the first bucket's start to the range's end. */
export function timeDomain(data: DashboardData): [Date, Date] {
  const starts = data.charts.flatMap((c) => c.series.flatMap((s) => s.points.map((p) => Date.parse(p.t))));
  const first = Math.min(Date.parse(data.start), ...starts);
  const last = Math.max(Date.parse(data.end), ...starts.map((t) => t + (STEP_MS[data.interval] ?? 0)));
  return [new Date(first), new Date(last)];
}

export function render(container: HTMLElement, data: DashboardData, options: DashboardOptions = {}): void {
  clear(container);
  const doc = container.ownerDocument;
  const root = el("div", { className: `oj-table oj-dash${options.compact ? " oj-dash-compact" : ""}` }, [
    header(data, options),
  ]);
  if (options.error) {
    root.appendChild(el("div", { className: "oj-dash-error", text: options.error }));
  } else {
    root.appendChild(el("div", { className: "oj-dash-kpis" }, data.kpis.map(kpiCard)));
    const domain = timeDomain(data);
    root.appendChild(
      el(
        "div",
        { className: "oj-dash-grid" },
        data.charts.map((chart) => chartCard(chart, data, domain, doc, options.compact ?? false)),
      ),
    );
  }
  container.appendChild(root);
}

function header(data: DashboardData, options: DashboardOptions): HTMLElement {
  const range = RANGES.find(([days]) => days === data.days)?.[1] ?? `Last ${data.days} days`;
  const picker = options.onRange ? rangePicker(data.days, options.onRange) : null;
  const refresh = options.onRefresh
    ? el("button", {
        className: "oj-dash-refresh",
        text: "↻",
        title: "Read the metrics again",
        onClick: options.onRefresh,
      })
    : null;
  return el("div", { className: "oj-header" }, [
    options.heading ?? el("span", { className: "oj-title", text: `Dashboard · ${data.project}` }),
    picker ?? el("span", { className: "oj-dash-range", text: range }),
    el("span", { className: "oj-dash-interval", text: `${data.interval.toLowerCase()} · UTC` }),
    refresh,
  ]);
}

function rangePicker(days: number, onRange: (days: number) => void): HTMLSelectElement {
  const select = el(
    "select",
    { className: "oj-dash-range", attrs: { "aria-label": "time range" } },
    RANGES.map(([value, label]) => {
      const option = el("option", { text: label, attrs: { value: `${value}` } });
      option.selected = value === days;
      return option;
    }),
  );
  select.addEventListener("change", () => onRange(Number(select.value)));
  return select;
}

function kpiCard(kpi: Kpi): HTMLElement {
  return el("div", { className: "oj-dash-kpi", attrs: { "data-kpi": kpi.id } }, [
    el("span", { className: "oj-dash-kpi-label", text: kpi.label }),
    el("span", { className: "oj-dash-kpi-value", text: formatValue(kpi.value, kpi.unit) }),
  ]);
}

function chartCard(
  chart: Chart,
  data: DashboardData,
  domain: [Date, Date],
  doc: Document,
  compact: boolean,
): HTMLElement {
  const unit = unitLabel(chart.unit);
  const caption = el("figcaption", {}, [
    el("span", { text: chart.title }),
    unit ? el("span", { className: "oj-dash-unit", text: ` (${unit})` }) : null,
  ]);
  const body = hasData(chart)
    ? [drawChart(chart, data, domain, doc, compact), chart.series.length > 1 ? legend(chart.series) : null]
    : [el("div", { className: "oj-dash-empty", text: emptyText(chart) })];
  return el("figure", { className: "oj-dash-card", attrs: { "data-chart": chart.id } }, [caption, ...body]);
}

function emptyText(chart: Chart): string {
  if (chart.id === "traces") return "No traces in this range";
  if (chart.id === "scores") return "No feedback scores in this range";
  if (chart.id === "errors") return "No errors in this range";
  return "No data in this range";
}

function legend(series: Series[]): HTMLElement {
  return el(
    "div",
    { className: "oj-chart-legend" },
    series.map((s, i) =>
      el("span", { className: "oj-chart-key" }, [
        el("span", { className: `oj-swatch oj-dash-series-${i % SERIES}` }),
        el("span", { text: s.name }),
      ]),
    ),
  );
}

interface Row {
  time: Date;
  end: Date;
  value: number | null;
  series: string;
}

function rows(series: Series, step: number): Row[] {
  return series.points.map((p) => {
    const time = new Date(p.t);
    return { time, end: new Date(time.getTime() + step), value: p.v, series: series.name };
  });
}

/** The y range: from 0 (percent and score charts up to at least 100 and 1). */
function yDomain(chart: Chart): [number, number] {
  const values = chart.series.flatMap((s) => s.points.map((p) => p.v ?? 0));
  const top = Math.max(0, ...values);
  if (chart.unit === "percent") return [0, Math.max(top, 5)];
  if (chart.unit === "score") return [Math.min(0, ...values), Math.max(top, 1)];
  return [0, top > 0 ? top : 1];
}

/** The y axis labels: Plot's own for counts and scores (one precision for all ticks), the
 * unit's format for the rest (and a bare 0 at the baseline). */
function yTicks(unit: Unit): ((v: number) => string) | undefined {
  if (unit === "count" || unit === "score") return undefined;
  return (v: number) => (v === 0 ? "0" : formatValue(v, unit));
}

function drawChart(chart: Chart, data: DashboardData, domain: [Date, Date], doc: Document, compact: boolean): Element {
  const step = STEP_MS[data.interval] ?? Math.max(1, domain[1].getTime() - domain[0].getTime());
  const tickFormat = data.interval === "HOURLY" ? "%H:%M" : "%b %d";
  const title = (r: Row) =>
    `${r.series} · ${r.time
      .toISOString()
      .slice(0, data.interval === "HOURLY" ? 16 : 10)
      .replace("T", " ")}: ${formatValue(r.value, chart.unit)}`;
  const marks = chart.series.flatMap((s, i) => {
    const data_ = rows(s, step);
    if (chart.unit === "count") {
      return [
        rectY(data_, {
          x1: "time",
          x2: "end",
          y: (r: Row) => r.value ?? 0,
          inset: 1,
          fill: seriesColor(i),
          className: `oj-dash-bars oj-dash-bars-${i}`,
          title,
        }),
      ];
    }
    const defined = data_.filter((r) => r.value !== null);
    const mid = (r: Row) => new Date((r.time.getTime() + r.end.getTime()) / 2);
    return [
      lineY(data_, {
        x: mid,
        y: (r: Row) => r.value ?? NaN,
        stroke: seriesColor(i),
        strokeWidth: 2,
        className: `oj-dash-line oj-dash-line-${i}`,
      }),
      dot(defined, {
        x: mid,
        y: "value",
        r: 2.5,
        fill: seriesColor(i),
        className: `oj-dash-points oj-dash-points-${i}`,
        title,
      }),
    ];
  });
  const node = plot({
    document: doc,
    ...(compact ? COMPACT : SIZE),
    ariaLabel: `${chart.title} over time`,
    x: { type: "utc", domain, label: null, ticks: compact ? 3 : 5, tickFormat },
    y: {
      domain: yDomain(chart),
      label: null,
      ticks: 4,
      grid: true,
      tickFormat: yTicks(chart.unit),
    },
    marks: [...marks, ruleY([0], { className: "oj-baseline" })],
  });
  node.classList.add("oj-chart", "oj-dash-chart");
  node.setAttribute("role", "img");
  chart.series.forEach((s, i) => {
    for (const g of node.querySelectorAll(`.oj-dash-line-${i}, .oj-dash-points-${i}, .oj-dash-bars-${i}`))
      g.setAttribute("data-series", s.name);
  });
  return node;
}

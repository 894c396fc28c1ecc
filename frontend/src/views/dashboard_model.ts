/**
 * The dashboard's view model from the answers of ``POST /projects/{id}/metrics``: the same
 * function as ``model()`` in opik_jupyter/widgets/_dashboard_model.py (the widget builds it
 * in Python, the panel here); tests/fixtures/dashboard_model.json pins both.
 */

export type Unit = "count" | "tokens" | "usd" | "ms" | "percent" | "score";

export interface MetricPoint {
  time: string;
  value?: number | null;
}

/** One series of the endpoint's answer. */
export interface MetricResult {
  name: string;
  data?: MetricPoint[] | null;
}

export interface Point {
  t: string;
  v: number | null;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface Chart {
  id: string;
  title: string;
  unit: Unit;
  series: Series[];
}

export interface Kpi {
  id: string;
  label: string;
  value: number | null;
  unit: Unit;
}

export interface DashboardMeta {
  project: string;
  project_id: string | null;
  days: number;
  interval: string;
  start: string;
  end: string;
}

export interface DashboardData extends DashboardMeta {
  kpis: Kpi[];
  charts: Chart[];
}

/** Each chart: id, title, metric type, unit. */
export const CHARTS: [string, string, string, Unit][] = [
  ["traces", "Traces", "TRACE_COUNT", "count"],
  ["tokens", "Tokens", "TOKEN_USAGE", "tokens"],
  ["cost", "Cost", "COST", "usd"],
  ["latency", "Latency", "DURATION", "ms"],
  ["errors", "Error rate", "TRACE_ERROR_RATE", "percent"],
  ["scores", "Feedback scores", "FEEDBACK_SCORES", "score"],
];
/** Metrics also read over the whole range (``TOTAL``), for the totals. */
export const TOTALS = ["DURATION", "FEEDBACK_SCORES"];
const LATENCY = ["p50", "p95", "p99"];
const TOKEN_ORDER = ["prompt_tokens", "completion_tokens", "total_tokens"];

/** Hourly buckets up to two days, daily up to 90, weekly beyond. */
export function intervalFor(days: number): string {
  if (days <= 2) return "HOURLY";
  return days <= 90 ? "DAILY" : "WEEKLY";
}

/** Whether a trace count answer has any trace (the totals are read only then). */
export function hasTraces(results: MetricResult[]): boolean {
  return results.some((r) => (r.data ?? []).some((p) => !!p.value));
}

export function dashboardModel(meta: DashboardMeta, raw: Record<string, MetricResult[]>): DashboardData {
  const charts = CHARTS.map((chart) => toChart(chart, raw[chart[2]] ?? []));
  return { ...meta, kpis: meta.project_id ? kpis(charts, raw) : [], charts };
}

function toChart([id, title, , unit]: [string, string, string, Unit], results: MetricResult[]): Chart {
  const series = results.map((r) => ({
    name: id === "latency" ? r.name.slice(r.name.lastIndexOf(".") + 1) : r.name,
    points: (r.data ?? []).map((p) => ({ t: p.time, v: p.value ?? null })),
  }));
  return { id, title, unit, series: ordered(id, series) };
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ordered(id: string, series: Series[]): Series[] {
  if (id === "latency") {
    return LATENCY.flatMap((p) => series.filter((s) => s.name === p));
  }
  if (id === "tokens") {
    const rank = (name: string) => (TOKEN_ORDER.includes(name) ? TOKEN_ORDER.indexOf(name) : TOKEN_ORDER.length);
    return [...series].sort((a, b) => rank(a.name) - rank(b.name) || byName(a.name, b.name));
  }
  return [...series].sort((a, b) => byName(a.name, b.name));
}

function values(chart: Chart, name: string): Map<string, number | null> {
  const series = chart.series.find((s) => s.name === name);
  return new Map((series?.points ?? []).map((p) => [p.t, p.v]));
}

function sum(values: (number | null)[]): number {
  return values.reduce<number>((total, v) => total + (v ?? 0), 0);
}

export function kpis(charts: Chart[], raw: Record<string, MetricResult[]>): Kpi[] {
  const by = new Map(charts.map((c) => [c.id, c]));
  const counts = values(by.get("traces")!, "traces");
  const traces = sum([...counts.values()]);
  const rates = values(by.get("errors")!, "trace_error_rate");
  const errors = [...counts.entries()].reduce((total, [t, n]) => total + ((rates.get(t) ?? 0) * (n ?? 0)) / 100, 0);
  const tokens = by.get("tokens")!.series;
  const totalTokens = tokens.find((s) => s.name === "total_tokens");
  const tokenSum = sum((totalTokens ? [totalTokens] : tokens).flatMap((s) => s.points.map((p) => p.v)));
  const cost = sum(by.get("cost")!.series.flatMap((s) => s.points.map((p) => p.v)));
  const out: Kpi[] = [
    { id: "traces", label: "Traces", value: traces, unit: "count" },
    { id: "tokens", label: "Tokens", value: tokenSum, unit: "tokens" },
    { id: "cost", label: "Cost", value: cost, unit: "usd" },
    { id: "errors", label: "Error rate", value: traces ? (100 * errors) / traces : null, unit: "percent" },
  ];
  if (!traces) return out;
  const p50 = (raw.TOTAL_DURATION ?? []).find((r) => r.name === "duration.p50");
  out.push({ id: "p50", label: "Latency p50", value: p50?.data?.[0]?.value ?? null, unit: "ms" });
  const scores = [...(raw.TOTAL_FEEDBACK_SCORES ?? [])].sort((a, b) => byName(a.name, b.name));
  for (const score of scores) {
    out.push({ id: `score:${score.name}`, label: score.name, value: score.data?.[0]?.value ?? null, unit: "score" });
  }
  return out;
}

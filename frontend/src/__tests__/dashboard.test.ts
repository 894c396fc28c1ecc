import { describe, expect, it, vi } from "vitest";
import { formatValue, hasData, render, timeDomain } from "../views/dashboard";
import { dashboardModel, type DashboardData, type DashboardMeta, type MetricResult } from "../views/dashboard_model";
// Shared with tests/notebook/test_dashboard.py: Python's model() (the widget, the static
// HTML) and dashboardModel() (the panel) must build the same view model.
import contract from "../../../tests/fixtures/dashboard_model.json";
import { XSS } from "./fixtures";

interface Case {
  about: string;
  meta: DashboardMeta;
  raw: Record<string, MetricResult[]>;
  model: DashboardData;
}
const cases = contract.cases as unknown as Case[];
const full = () => structuredClone(cases[0].model);

function drawn(data: DashboardData, options = {}) {
  const host = document.createElement("div");
  render(host, data, options);
  return host;
}

describe("the dashboard model contract", () => {
  it.each(cases.map((c) => [c.about, c] as const))("%s: built as Python builds it", (_, c) => {
    expect(dashboardModel(c.meta, c.raw)).toEqual(c.model);
  });
});

describe("dashboard values", () => {
  it("writes each unit as a person reads it", () => {
    expect(formatValue(0.000027, "usd")).toBe("$0.000027");
    expect(formatValue(2400.5, "ms")).toBe("2.40 s");
    expect(formatValue(33.3333, "percent")).toBe("33.3%");
    expect(formatValue(25, "percent")).toBe("25%");
    expect(formatValue(12345, "tokens")).toBe("12.3k");
    expect(formatValue(1234, "count")).toBe("1,234");
    expect(formatValue(0.7, "score")).toBe("0.70");
    expect(formatValue(null, "usd")).toBe("–");
  });

  it("calls a chart of only zero counts or only nulls empty", () => {
    const quiet = cases[2].model;
    expect(quiet.charts.map(hasData)).toEqual([false, false, false, false, false, false]);
    expect(full().charts.map(hasData)).toEqual([true, true, true, true, true, true]);
  });

  it("spans the time axis from the range's start to its end", () => {
    const [from, to] = timeDomain(full());
    expect(from.toISOString()).toBe("2026-11-01T12:00:00.000Z");
    expect(to.toISOString()).toBe("2026-11-05T00:00:00.000Z"); // the last day's bucket ends then
  });
});

describe("the dashboard view", () => {
  it("shows the totals in their units", () => {
    const host = drawn(full());
    const kpi = (id: string) => host.querySelector(`[data-kpi="${id}"] .oj-dash-kpi-value`)?.textContent;
    expect(kpi("traces")).toBe("6");
    expect(kpi("tokens")).toBe("620");
    expect(kpi("cost")).toBe("$0.0123");
    expect(kpi("errors")).toBe("33.3%");
    expect(kpi("p50")).toBe("321 ms");
    expect(kpi("score:relevance")).toBe("0.70");
  });

  it("draws a chart per metric: bars for traces, a line and points per series elsewhere", () => {
    const host = drawn(full());
    const charts = [...host.querySelectorAll("[data-chart]")].map((c) => c.getAttribute("data-chart"));
    expect(charts).toEqual(["traces", "tokens", "cost", "latency", "errors", "scores"]);
    const traces = host.querySelector('[data-chart="traces"]')!;
    const bars = traces.querySelectorAll(".oj-dash-bars rect");
    expect(bars.length).toBe(3);
    const heights = [...bars].map((b) => Number(b.getAttribute("height")));
    expect(heights[0]).toBeGreaterThan(heights[2]); // 4 traces on day one, 2 on day three
    expect(heights[1]).toBe(0);
    const latency = host.querySelector('[data-chart="latency"]')!;
    expect([...latency.querySelectorAll(".oj-dash-line")].map((g) => g.getAttribute("data-series"))).toEqual([
      "p50",
      "p95",
      "p99",
    ]);
    // null buckets get no point: two days of three have a latency
    expect(latency.querySelectorAll(".oj-dash-points-0 circle").length).toBe(2);
    expect([...latency.querySelectorAll(".oj-chart-key")].map((k) => k.textContent)).toEqual(["p50", "p95", "p99"]);
  });

  it("labels the axes in the chart's unit", () => {
    const host = drawn(full());
    const ticks = (id: string) =>
      [...host.querySelectorAll(`[data-chart="${id}"] [aria-label="y-axis tick label"] text`)].map(
        (t) => t.textContent,
      );
    // the baseline is a bare 0; every other tick is in the unit
    expect(ticks("cost")[0]).toBe("0");
    expect(
      ticks("cost")
        .slice(1)
        .every((t) => t!.startsWith("$")),
    ).toBe(true);
    expect(
      ticks("errors")
        .slice(1)
        .every((t) => t!.endsWith("%")),
    ).toBe(true);
    expect(
      ticks("latency")
        .slice(1)
        .every((t) => / (ms|s)$/.test(t!)),
    ).toBe(true);
    expect(ticks("latency").some((t) => /ms|s$/.test(t!))).toBe(true);
    const days = [...host.querySelectorAll('[data-chart="traces"] [aria-label="x-axis tick label"] text')];
    expect(days.map((t) => t.textContent)).toContain("Nov 02");
    expect(host.querySelector('[data-chart="cost"] figcaption')!.textContent).toBe("Cost (USD)");
  });

  it("says so when a range has no traces", () => {
    const host = drawn(cases[2].model);
    const empties = [...host.querySelectorAll(".oj-dash-empty")].map((e) => e.textContent);
    expect(empties[0]).toBe("No traces in this range");
    expect(empties).toContain("No feedback scores in this range");
    expect(host.querySelectorAll("svg").length).toBe(0);
    expect(host.querySelector('[data-kpi="errors"] .oj-dash-kpi-value')!.textContent).toBe("–");
  });

  it("offers the ranges and reports the one picked", () => {
    const onRange = vi.fn();
    const onRefresh = vi.fn();
    const host = drawn(full(), { onRange, onRefresh });
    const select = host.querySelector<HTMLSelectElement>("select.oj-dash-range")!;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "Last 24 hours",
      "Last 7 days",
      "Last 30 days",
      "Last 90 days",
    ]);
    select.value = "30";
    select.dispatchEvent(new Event("change"));
    expect(onRange).toHaveBeenCalledWith(30);
    host.querySelector<HTMLButtonElement>(".oj-dash-refresh")!.click();
    expect(onRefresh).toHaveBeenCalled();
  });

  it("shows an error instead of the charts", () => {
    const host = drawn(full(), { error: "could not read the metrics of 'x': backend down" });
    expect(host.querySelector(".oj-dash-error")!.textContent).toContain("backend down");
    expect(host.querySelectorAll("[data-chart]").length).toBe(0);
  });

  it("writes names only as text", () => {
    const data = full();
    data.project = XSS;
    data.charts[5].series[0].name = XSS;
    const host = drawn(data);
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector(".oj-title")!.textContent).toContain(XSS);
    expect([...host.querySelectorAll(".oj-chart-key")].some((k) => k.textContent === XSS)).toBe(true);
  });
});

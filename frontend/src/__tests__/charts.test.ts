import { describe, expect, it } from "vitest";
import { histogramBars, historyDomain, linePoints, meanX, render } from "../views/charts";
import { chartData } from "./experiment_fixtures";
import { XSS } from "./fixtures";

describe("chart geometry", () => {
  it("draws a bar per bin and experiment, as tall as its count", () => {
    const metric = chartData().metrics[0];
    const bars = histogramBars(metric, 340, 150);
    expect(bars.length).toBe(20);
    const top = bars.find((b) => b.series === 0 && b.count === 2)!;
    const half = bars.find((b) => b.series === 1 && b.count === 1 && b.x > 200)!;
    expect(top.height).toBeCloseTo(half.height * 2);
    expect(bars.filter((b) => b.count === 0).every((b) => b.height === 0)).toBe(true);
    expect(Math.max(...bars.map((b) => b.x + b.width))).toBeLessThanOrEqual(340);
    expect(bars.find((b) => b.series === 1)!.x).toBeGreaterThan(bars.find((b) => b.series === 0)!.x);
  });

  it("places means on the value axis and lines over the runs", () => {
    const metric = chartData().metrics[0];
    expect(meanX(metric, 0, 340)).toBe(30);
    expect(meanX(metric, 1, 340)).toBe(332);
    const history = chartData().history;
    expect(historyDomain(history, ["equals", "judge"])).toEqual([0, 1]);
    expect(historyDomain([{ id: "x", name: "x", scores: { tokens: 40 } }], ["tokens"])).toEqual([0, 40]);
    const points = linePoints(history, "judge", [0, 1]);
    expect(points.length).toBe(1); // the first run has no judge score
    expect(points[0].value).toBe(0.9);
  });
});

describe("score chart view", () => {
  it("renders a card per metric with the means, and names as text", () => {
    const host = document.createElement("div");
    render(host, chartData());
    const card = host.querySelector('[data-metric="equals"]')!;
    expect(card.querySelectorAll("rect").length).toBe(20);
    expect(card.querySelectorAll("line.oj-mean").length).toBe(2);
    expect(card.textContent).toContain("variant-a: mean 0.67 (n=3)");
    expect(card.textContent).toContain(`${XSS}: mean 0.50 (n=2, 1 failed)`);
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector(".oj-title")!.textContent).toBe("Scores · capitals");
  });

  it("draws the metrics over the runs, with a point per scored run", () => {
    const host = document.createElement("div");
    render(host, chartData());
    const runs = host.querySelector(".oj-chart-runs")!;
    expect(runs.querySelector("figcaption")!.textContent).toBe("Over 2 runs");
    expect(runs.querySelectorAll('[data-metric="equals"] circle').length).toBe(2);
    expect(runs.querySelectorAll('[data-metric="judge"] circle').length).toBe(1);
    expect(runs.querySelector('[data-metric="judge"] title')!.textContent).toBe(`${XSS} · judge: 0.90`);
  });

  it("says when there is nothing to draw, and leaves out a history of one run", () => {
    const host = document.createElement("div");
    render(host, chartData({ metrics: [], history: chartData().history.slice(0, 1) }));
    expect(host.querySelector(".oj-note")!.textContent).toBe("no scores yet");
    expect(host.querySelector(".oj-chart-runs")).toBeNull();
  });
});

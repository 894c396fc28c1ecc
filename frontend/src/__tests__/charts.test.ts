import { describe, expect, it } from "vitest";
import {
  countTicks,
  histogramBars,
  histogramDomain,
  historyDomain,
  linePoints,
  render,
  seriesColor,
} from "../views/charts";
import { chartData } from "./experiment_fixtures";
import { XSS } from "./fixtures";

const num = (node: Element, name: string) => Number(node.getAttribute(name));
/** The x of an element Plot placed with translate(x,y) (text) or x1 (lines). */
const translateX = (node: Element) => Number(/translate\(([-\d.e]+)/.exec(node.getAttribute("transform") ?? "")![1]);

function drawn() {
  const host = document.createElement("div");
  render(host, chartData());
  return host;
}

describe("chart data", () => {
  it("places a bar per bin and experiment, side by side inside its bin", () => {
    const metric = chartData().metrics[0];
    const bars = histogramBars(metric);
    expect(bars.length).toBe(20);
    expect(histogramDomain(metric)).toEqual([0, 1]);
    for (const bar of bars) {
      expect(bar.x1).toBeGreaterThanOrEqual(bar.bin / 10);
      expect(bar.x2).toBeLessThanOrEqual((bar.bin + 1) / 10 + 1e-9);
      expect(bar.x2 - bar.x1).toBeCloseTo(0.0425);
    }
    const [a, b] = [0, 1].map((series) => bars.find((bar) => bar.series === series && bar.bin === 9)!);
    expect(b.x1).toBeCloseTo(a.x2); // experiment b right next to a
    expect([a.count, b.count]).toEqual([2, 1]);
  });

  it("bins a flat range in unit bins, like the Python side", () => {
    const metric = {
      name: "tokens",
      range: [40, 40] as [number, number],
      experiments: [{ id: "a", name: "a", count: 2, failed: 0, mean: 40, bins: [2, 0, 0] }],
    };
    expect(histogramDomain(metric)).toEqual([40, 43]);
    expect(histogramBars(metric)[0].x1).toBeGreaterThanOrEqual(40);
    expect(histogramBars(metric)[0].x2).toBeLessThanOrEqual(41);
  });

  it("counts whole numbers on the y axis, and ranges the runs' means", () => {
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(2)).toEqual([0, 1, 2]);
    expect(countTicks(30)).toEqual([0, 10, 20, 30]);
    const history = chartData().history;
    expect(historyDomain(history, ["equals", "judge"])).toEqual([0, 1]);
    expect(historyDomain([{ id: "x", name: "x", scores: { tokens: 40 } }], ["tokens"])).toEqual([0, 40]);
    const points = linePoints(history, "judge");
    expect(points.length).toBe(1); // the first run has no judge score
    expect(points[0]).toMatchObject({ index: 1, value: 0.9 });
  });
});

describe("score chart view", () => {
  it("draws each experiment's histogram: ten bars, as tall as their counts, in its theme colour", () => {
    const card = drawn().querySelector('[data-metric="equals"]')!;
    const chart = card.querySelector("svg.oj-chart")!;
    expect(chart.getAttribute("aria-label")).toBe("equals distribution");
    expect(card.querySelectorAll("svg rect").length).toBe(20);
    const [a, b] = [0, 1].map((series) => card.querySelector(`g.oj-bars-${series}`)!);
    expect(a.getAttribute("fill")).toBe("var(--oj-series-0)");
    expect(b.getAttribute("fill")).toBe("var(--oj-series-1)");
    const rects = (g: Element) => [...g.querySelectorAll("rect")];
    expect(rects(a).length).toBe(10);
    expect(rects(b).length).toBe(10);
    // a: one score in the first bin, two in the last; b: one in each.
    const heights = (g: Element) => rects(g).map((r) => num(r, "height"));
    expect(heights(a)[9]).toBeCloseTo(heights(a)[0] * 2);
    expect(heights(b)[9]).toBeCloseTo(heights(a)[0]);
    expect(
      heights(a)
        .slice(1, 9)
        .every((h) => h === 0),
    ).toBe(true);
    expect(heights(a)[0]).toBeGreaterThan(0);
    // bars stand on the same baseline, b to the right of a in each bin
    rects(a).forEach((r, i) => {
      expect(num(r, "y") + num(r, "height")).toBeCloseTo(num(rects(b)[i], "y") + num(rects(b)[i], "height"));
      expect(num(rects(b)[i], "x")).toBeCloseTo(num(r, "x") + num(r, "width"));
    });
    expect(rects(a)[9].querySelector("title")!.textContent).toBe("variant-a: 2");
    expect(rects(b)[0].querySelector("title")!.textContent).toBe(`${XSS}: 1`);
  });

  it("marks each experiment's mean where it falls on the value axis", () => {
    const card = drawn().querySelector('[data-metric="equals"]')!;
    const means = [0, 1].map((series) => card.querySelector(`g.oj-mean-${series} line`)!);
    expect(card.querySelectorAll("g.oj-mean line").length).toBe(2);
    expect(means[0].parentElement!.getAttribute("stroke")).toBe(seriesColor(0));
    expect(means[1].parentElement!.getAttribute("stroke")).toBe(seriesColor(1));
    // The x axis labels 0 and 1 at the range's ends; a mean of 0.5 is half-way, 2/3 two thirds.
    const ticks = [...card.querySelectorAll('g[aria-label="x-axis tick label"] text')];
    const zero = translateX(ticks.find((t) => t.textContent === "0")!);
    const one = translateX(ticks.find((t) => t.textContent === "1")!);
    expect(num(means[1], "x1")).toBeCloseTo(zero + (one - zero) * 0.5);
    expect(num(means[0], "x1")).toBeCloseTo(zero + ((one - zero) * 2) / 3);
    expect(means[0].querySelector("title")!.textContent).toBe("variant-a: mean 0.67");
    expect(means[1].querySelector("title")!.textContent).toBe(`${XSS}: mean 0.50`);
  });

  it("leaves out the mean mark of an experiment without scores", () => {
    const data = chartData();
    data.metrics[0].experiments[1] = {
      ...data.metrics[0].experiments[1],
      count: 0,
      mean: null,
      bins: Array(10).fill(0),
    };
    const host = document.createElement("div");
    render(host, data);
    const card = host.querySelector('[data-metric="equals"]')!;
    expect(card.querySelectorAll("g.oj-mean line").length).toBe(1);
    expect(card.querySelectorAll("g.oj-bars-1 rect").length).toBe(10);
    expect(card.textContent).toContain(`${XSS}: mean – (n=0, 1 failed)`);
  });

  it("renders a card per metric with the means in the legend, and names as text", () => {
    const host = drawn();
    const card = host.querySelector('[data-metric="equals"]')!;
    expect(card.querySelector("figcaption")!.textContent).toBe("equals");
    expect(card.textContent).toContain("variant-a: mean 0.67 (n=3)");
    expect(card.textContent).toContain(`${XSS}: mean 0.50 (n=2, 1 failed)`);
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector(".oj-title")!.textContent).toBe("Scores · capitals");
  });

  it("draws the metrics over the runs, oldest first, with a point per scored run", () => {
    const runs = drawn().querySelector(".oj-chart-runs")!;
    expect(runs.querySelector("figcaption")!.textContent).toBe("Over 2 runs");
    const equals = [...runs.querySelectorAll('g.oj-run-points[data-metric="equals"] circle')];
    const judge = [...runs.querySelectorAll('g.oj-run-points[data-metric="judge"] circle')];
    expect(equals.length).toBe(2);
    expect(judge.length).toBe(1);
    expect(runs.querySelectorAll('g.oj-run-line[data-metric="equals"] path').length).toBe(1);
    expect(runs.querySelector('g.oj-run-line[data-metric="judge"]')!.getAttribute("stroke")).toBe(seriesColor(1));
    // oldest on the left; 2/3 above 0.5, 0.9 above both
    expect(num(equals[0], "cx")).toBeLessThan(num(equals[1], "cx"));
    expect(num(judge[0], "cx")).toBeCloseTo(num(equals[1], "cx"));
    expect(num(equals[0], "cy")).toBeLessThan(num(equals[1], "cy"));
    expect(num(judge[0], "cy")).toBeLessThan(num(equals[0], "cy"));
    expect(equals[0].querySelector("title")!.textContent).toBe("variant-a · equals: 0.67");
    expect(judge[0].querySelector("title")!.textContent).toBe(`${XSS} · judge: 0.90`);
  });

  it("labels the runs with their names as text, cut, with the full name on hover", () => {
    const host = drawn();
    const labels = [...host.querySelectorAll(".oj-chart-runs g.oj-run-label text")];
    expect(labels.map((l) => l.firstChild!.textContent)).toEqual(["variant-a", "<img src=x on…"]);
    expect(labels.map((l) => l.querySelector("title")!.textContent)).toEqual(["variant-a", XSS]);
    expect(translateX(labels[0])).toBeLessThan(translateX(labels[1]));
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector(".oj-chart-runs")!.innerHTML).not.toContain("<img");
  });

  it("says when there is nothing to draw, and leaves out a history of one run", () => {
    const host = document.createElement("div");
    render(host, chartData({ metrics: [], history: chartData().history.slice(0, 1) }));
    expect(host.querySelector(".oj-note")!.textContent).toBe("no scores yet");
    expect(host.querySelector(".oj-chart-runs")).toBeNull();
    expect(host.querySelector("svg")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import table from "../widgets/experiment_table";
import chart from "../widgets/score_chart";
import { chartData, fakeModel, tableData } from "./experiment_fixtures";
import { span, traceData } from "./fixtures";

describe("ExperimentTable entry point", () => {
  const state = () => ({ data: tableData(), baseline: "a", threshold: 0, selected: {}, error: "" });
  const mount = () => {
    const model = fakeModel(state());
    const el = document.createElement("div");
    return { model, el, cleanup: table.render({ model, el }) };
  };
  const opened = (el: HTMLElement) =>
    Array.from(el.querySelectorAll(".oj-opened .oj-row[data-id]"), (row) => row.getAttribute("data-id"));

  it("asks the kernel for a clicked run's trace and shows it until closed", () => {
    const { model, el } = mount();
    for (const trace of ["t-Paris", "t-err"]) el.querySelector<HTMLElement>(`[data-trace="${trace}"]`)!.click();
    expect(model.sent).toEqual(["t-Paris", "t-err"].map((id) => ({ type: "open", trace_id: id })));
    model.set("selected", traceData([span("llm-call", null, 0, 3)]));
    expect(opened(el)).toEqual(["t", "llm-call"]);
    el.querySelector<HTMLButtonElement>(".oj-opened-bar .oj-button")!.click();
    expect([opened(el), model.get("selected"), model.saves]).toEqual([[], {}, 1]);
  });

  it("syncs the baseline from its menu and redraws when the kernel changes it", () => {
    const { model, el, cleanup } = mount();
    const menu = el.querySelector<HTMLSelectElement>(".oj-exp-baseline")!;
    menu.value = "";
    menu.dispatchEvent(new Event("change"));
    expect(model.get("baseline")).toBe("");
    expect(el.querySelector(".oj-regression")).toBeNull();
    model.set("baseline", "a");
    expect(el.querySelector(".oj-regression")).not.toBeNull();
    model.set("error", "could not open trace x");
    expect(el.textContent).toContain("could not open trace x");
    cleanup();
    model.set("baseline", "");
    expect(el.querySelector(".oj-regression")).not.toBeNull(); // no longer listening
  });
});

describe("ScoreChart entry point", () => {
  it("draws the charts and redraws on new data", () => {
    const model = fakeModel({ data: chartData() });
    const el = document.createElement("div");
    const cleanup = chart.render({ model, el });
    expect(el.classList.contains("oj-root")).toBe(true);
    expect(el.querySelectorAll(".oj-chart-card[data-metric]").length).toBe(1);
    expect(el.querySelectorAll('[data-metric="equals"] g.oj-bars rect').length).toBe(20);
    expect(el.querySelectorAll('[data-metric="equals"] g.oj-mean line').length).toBe(2);
    expect(el.querySelectorAll(".oj-chart-runs g.oj-run-points circle").length).toBe(3);
    const metric = {
      ...chartData().metrics[0],
      name: "contains",
      experiments: [{ ...chartData().metrics[0].experiments[0], bins: [0, 0, 0, 0, 0, 3] }],
    };
    model.set("data", chartData({ metrics: [chartData().metrics[0], metric] }));
    // redrawn in place: the old charts are gone, the new metric has its own bars and mean
    expect(el.querySelectorAll(".oj-charts").length).toBe(1);
    expect(el.querySelectorAll(".oj-chart-card[data-metric]").length).toBe(2);
    expect(el.querySelectorAll("svg.oj-chart").length).toBe(3);
    const contains = el.querySelector('[data-metric="contains"]')!;
    expect(contains.querySelectorAll("g.oj-bars rect").length).toBe(6);
    expect(contains.querySelectorAll("g.oj-mean line").length).toBe(1);
    cleanup();
    model.set("data", chartData({ metrics: [] }));
    expect(el.querySelectorAll(".oj-chart-card[data-metric]").length).toBe(2); // no longer listening
  });
});

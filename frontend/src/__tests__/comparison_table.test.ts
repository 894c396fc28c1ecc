import { afterEach, describe, expect, it, vi } from "vitest";
import { classify, filterRows, means, render, sortRows, type ViewState } from "../views/comparison_table";
import { tableData } from "./experiment_fixtures";
import { XSS } from "./fixtures";

const state = (extra: Partial<ViewState> = {}): ViewState => ({
  sort: "index",
  descending: false,
  filter: "",
  regressionsOnly: false,
  errorsOnly: false,
  ...extra,
});
const withBaseline = { baseline: "a", threshold: 0 };

afterEach(() => vi.useRealTimers());

describe("regressions", () => {
  it("marks a worse score as a regression, a better one as an improvement", () => {
    expect(classify(0, 1, false)).toBe("regression");
    expect(classify(1, 0, false)).toBe("improvement");
    expect(classify(0.95, 1, false, 0.1)).toBe("");
    expect(classify(1, 0, true)).toBe("regression"); // hallucination went up
    expect(classify(undefined, 1, false)).toBe("");
    expect(classify(1, undefined, false)).toBe("");
  });
});

describe("filtering and sorting", () => {
  it("keeps rows whose text matches, with regressions or with errors", () => {
    const data = tableData();
    expect(filterRows(data, state({ filter: "QUITO" }), withBaseline).map((r) => r.id)).toEqual(["i2"]);
    expect(filterRows(data, state({ filter: "boom" }), withBaseline).map((r) => r.id)).toEqual(["i3"]);
    expect(filterRows(data, state({ regressionsOnly: true }), withBaseline).map((r) => r.id)).toEqual(["i2"]);
    expect(filterRows(data, state({ regressionsOnly: true }), { baseline: "", threshold: 0 })).toEqual([]);
    expect(filterRows(data, state({ errorsOnly: true }), withBaseline).map((r) => r.id)).toEqual(["i3"]);
  });

  it("sorts by a score or its change, rows without one last", () => {
    const rows = tableData().rows;
    expect(sortRows(rows, state({ sort: "score:b:equals" }), "a").map((r) => r.id)).toEqual(["i2", "i1", "i3"]);
    expect(sortRows(rows, state({ sort: "score:b:equals", descending: true }), "a").map((r) => r.id)).toEqual([
      "i1",
      "i2",
      "i3",
    ]);
    expect(sortRows(rows, state({ sort: "delta:b:equals" }), "a").map((r) => r.id)).toEqual(["i2", "i1", "i3"]);
    expect(sortRows(rows, state({ descending: true }), "a").map((r) => r.id)).toEqual(["i3", "i2", "i1"]);
  });
});

describe("experiment table view", () => {
  it("renders a row per item with outputs and scores as text, regressions marked", () => {
    const host = document.createElement("div");
    render(host, tableData(), withBaseline);
    const rows = host.querySelectorAll("tbody tr");
    expect(rows.length).toBe(3);
    expect(host.querySelector("img")).toBeNull();
    expect(rows[1].textContent).toContain(XSS);
    expect(host.querySelector("thead")!.textContent).toContain(`${XSS}`);
    expect(host.querySelector("thead")!.textContent).toContain("variant-a (baseline)");
    const regression = rows[1].querySelector(".oj-regression")!;
    expect(regression.textContent).toBe("0 (-1)");
    expect(regression.getAttribute("title")).toBe("different");
    expect(rows[0].querySelector(".oj-regression")).toBeNull();
    const failed = rows[2].querySelector<HTMLElement>(".oj-error-badge")!;
    expect(failed.title).toBe("not JSON");
    expect(rows[2].querySelector(".oj-exp-output.oj-error-text")!.textContent).toBe("ValueError: boom");
    expect(host.querySelector(".oj-table-status")!.textContent).toBe("3 of 3 items");
    expect(host.querySelector(".oj-exp-means")!.textContent).toBe("mean0.67–0.50–");
  });

  it("averages each experiment's scores over every item", () => {
    expect(means(tableData(), "a", "equals")).toBeCloseTo(2 / 3);
    expect(means(tableData(), "b", "judge")).toBeUndefined();
  });

  it("opens a run's trace, changes the baseline and sorts from the headers", () => {
    const host = document.createElement("div");
    const onOpen = vi.fn();
    const onBaseline = vi.fn();
    render(host, tableData(), withBaseline, { onOpen, onBaseline });
    host.querySelector<HTMLElement>('[data-trace="t-Quito"]')!.click();
    expect(onOpen).toHaveBeenCalledWith("t-Quito");
    const menu = host.querySelector<HTMLSelectElement>(".oj-exp-baseline")!;
    expect(menu.value).toBe("a");
    menu.value = "b";
    menu.dispatchEvent(new Event("change"));
    expect(onBaseline).toHaveBeenCalledWith("b");
    const delta = host.querySelector<HTMLButtonElement>(".oj-exp-delta")!;
    delta.click();
    expect(Array.from(host.querySelectorAll("tbody tr")).map((r) => r.getAttribute("data-id"))).toEqual([
      "i2",
      "i1",
      "i3",
    ]);
    expect(host.querySelector(".oj-exp-delta")!.textContent).toContain("▴");
  });

  it("filters after typing pauses and with the regressions switch, keeping its controls", () => {
    vi.useFakeTimers();
    const host = document.createElement("div");
    render(host, tableData(), withBaseline);
    const input = host.querySelector<HTMLInputElement>(".oj-search")!;
    input.value = "lima";
    input.dispatchEvent(new Event("input"));
    expect(host.querySelectorAll("tbody tr").length).toBe(3);
    vi.advanceTimersByTime(250);
    expect(host.querySelectorAll("tbody tr").length).toBe(1);
    render(host, tableData(), withBaseline);
    expect(host.querySelector(".oj-search")).toBe(input);
    expect(host.querySelector(".oj-table-status")!.textContent).toBe("1 of 3 items");
  });

  it("shows which experiments did not run an item", () => {
    const data = tableData();
    delete data.rows[0].runs.b;
    const host = document.createElement("div");
    render(host, data, { baseline: "", threshold: 0 });
    const missing = Array.from(host.querySelectorAll('tr[data-id="i1"] .oj-exp-missing'), (c) => c.textContent);
    expect(missing).toEqual(["–", "not run", "", ""]); // a's judge score; b's output and scores
    expect(host.querySelector(".oj-exp-delta")).toBeNull();
  });
});

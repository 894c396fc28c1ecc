import { describe, expect, it } from "vitest";
import tree from "../widgets/trace_tree";
import table from "../widgets/traces_table";
import type { WidgetModel } from "../widgets/anywidget_types";
import { span, traceData } from "./fixtures";

class FakeModel implements WidgetModel {
  sent: unknown[] = [];
  saved = 0;
  private listeners = new Map<string, Set<() => void>>();
  constructor(private state: Record<string, unknown>) {}
  get(name: string) {
    return this.state[name];
  }
  set(name: string, value: unknown) {
    this.state[name] = value;
    this.listeners.get(`change:${name}`)?.forEach((cb) => cb());
  }
  save_changes() {
    this.saved += 1;
  }
  send(message: unknown) {
    this.sent.push(message);
  }
  on(event: string, cb: () => void) {
    const set = this.listeners.get(event) ?? new Set();
    set.add(cb);
    this.listeners.set(event, set);
  }
  off(event: string, cb: () => void) {
    this.listeners.get(event)?.delete(cb);
  }
  count() {
    return Array.from(this.listeners.values()).reduce((n, s) => n + s.size, 0);
  }
}

describe("TraceTree entry point", () => {
  it("re-renders when the data changes and cleans up", () => {
    const model = new FakeModel({ data: {} });
    const el = document.createElement("div");
    const cleanup = tree.render({ model, el });
    expect(el.textContent).toContain("no trace");
    model.set("data", traceData([span("retrieve", null, 0, 5)]));
    expect(el.querySelector('[data-id="retrieve"]')).not.toBeNull();
    cleanup();
    expect(model.count()).toBe(0);
  });
});

describe("TracesTable entry point", () => {
  const state = () => ({
    project: "p",
    page: 1,
    page_size: 1,
    total: 2,
    search: "",
    loading: false,
    error: "",
    selected: {},
    rows: [
      {
        id: "r1",
        name: "one",
        start_time: null,
        duration_ms: 1,
        total_tokens: null,
        cost: null,
        scores: [],
        error: false,
      },
    ],
  });

  it("asks the kernel for a clicked trace and shows it, with a close button", () => {
    const model = new FakeModel(state());
    const el = document.createElement("div");
    table.render({ model, el });
    el.querySelector<HTMLElement>('tr[data-id="r1"]')!.click();
    expect(model.sent).toEqual([{ type: "open", trace_id: "r1" }]);
    model.set("selected", traceData([span("inner", null, 0, 1)]));
    expect(el.querySelector('.oj-opened [data-id="inner"]')).not.toBeNull();
    el.querySelector<HTMLButtonElement>(".oj-opened-bar button")!.click();
    expect(el.querySelector(".oj-opened [data-id]")).toBeNull();
    expect(model.saved).toBe(1);
  });

  it("syncs the page when paging", () => {
    const model = new FakeModel(state());
    const el = document.createElement("div");
    table.render({ model, el });
    el.querySelectorAll<HTMLButtonElement>(".oj-pager button")[1].click();
    expect(model.get("page")).toBe(2);
    expect(model.saved).toBe(1);
  });
});

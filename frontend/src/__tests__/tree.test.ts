import { describe, expect, it, vi } from "vitest";
import { buildRows, render, timelineLength, visibleRows } from "../views/tree";
import { XSS, span, traceData } from "./fixtures";

const names = (host: HTMLElement) =>
  Array.from(host.querySelectorAll(".oj-row:not(.oj-row-head) .oj-name")).map((n) => n.textContent);

describe("buildRows", () => {
  it("nests spans under their parents in start order, the trace first", () => {
    const data = traceData([span("b", null, 50, 10), span("a", null, 0, 40), span("a1", "a", 5, 5)]);
    expect(buildRows(data).map((r) => [r.node.id, r.depth, r.hasChildren])).toEqual([
      ["t", 0, true],
      ["a", 1, true],
      ["a1", 2, false],
      ["b", 1, false],
    ]);
  });

  it("puts spans with an unknown parent under the trace and survives cycles", () => {
    const data = traceData([span("x", "missing", 0, 1), span("p", "q", 0, 1), span("q", "p", 0, 1)]);
    const ids = buildRows(data).map((r) => r.node.id);
    expect(ids[0]).toBe("t");
    expect(ids).toContain("x");
  });

  it("hides the rows under a collapsed node", () => {
    const rows = buildRows(traceData([span("a", null, 0, 40), span("a1", "a", 5, 5), span("b", null, 50, 1)]));
    expect(visibleRows(rows, new Set(["a"])).map((r) => r.node.id)).toEqual(["t", "a", "b"]);
  });

  it("uses the elapsed time as the timeline while the trace runs", () => {
    const data = traceData([span("a", null, 0, null)], { live: true, elapsed_ms: 900 });
    data.trace.duration_ms = null;
    expect(timelineLength(data)).toBe(900);
  });
});

describe("tree view", () => {
  it("renders names, types, models, tokens and a bar per row", () => {
    const host = document.createElement("div");
    const llm = span("chat", null, 10, 80, {
      type: "llm",
      model: "gpt-4o-mini",
      usage: { total_tokens: 30 },
      cost: 0.0012,
    });
    render(host, traceData([llm]));
    expect(names(host)).toEqual(["cell", "chat"]);
    const row = host.querySelector('[data-id="chat"]')!;
    expect(row.querySelector(".oj-type-llm")!.textContent).toBe("llm");
    expect(row.textContent).toContain("gpt-4o-mini");
    expect(row.textContent).toContain("30");
    const bar = row.querySelector<HTMLElement>(".oj-bar")!;
    expect(bar.style.left).toBe("10%");
    expect(bar.style.width).toBe("80%");
  });

  it("collapses and expands a subtree, keeping that state across updates", () => {
    const host = document.createElement("div");
    const data = traceData([span("a", null, 0, 40), span("a1", "a", 5, 5)]);
    render(host, data);
    host.querySelector<HTMLButtonElement>('[data-id="a"] .oj-toggle')!.click();
    expect(names(host)).toEqual(["cell", "a"]);
    render(host, traceData([span("a", null, 0, 40), span("a1", "a", 5, 5), span("a2", "a", 9, 1)]));
    expect(names(host)).toEqual(["cell", "a"]);
    host.querySelector<HTMLButtonElement>('[data-id="a"] .oj-toggle')!.click();
    expect(names(host)).toEqual(["cell", "a", "a1", "a2"]);
  });

  it("shows the selected span's input, output and error", () => {
    const host = document.createElement("div");
    const onSelect = vi.fn();
    const bad = span("bad", null, 0, 5, {
      input: { q: "why" },
      output: { answer: 42 },
      error: { exception_type: "ValueError", message: "boom", traceback: "Traceback ..." },
    });
    render(host, traceData([bad]), { onSelect });
    host.querySelector<HTMLElement>('[data-id="bad"]')!.click();
    expect(onSelect).toHaveBeenCalledWith("bad");
    const details = host.querySelector(".oj-details")!;
    expect(details.textContent).toContain("q: why");
    expect(details.textContent).toContain("answer: 42");
    expect(details.querySelector(".oj-error-title")!.textContent).toBe("ValueError: boom");
    expect(host.querySelector('[data-id="bad"]')!.classList.contains("oj-error")).toBe(true);
  });

  it("shows feedback scores and a running status while live", () => {
    const host = document.createElement("div");
    const data = traceData([span("slow", null, 0, null)], { live: true, elapsed_ms: 500 });
    data.trace.scores = [{ name: "relevance", value: 0.75 }];
    render(host, data);
    expect(host.querySelector(".oj-status")!.textContent).toBe("running");
    expect(host.querySelector(".oj-score")!.textContent).toBe("relevance 0.75");
    expect(host.querySelector('[data-id="slow"] .oj-bar')!.classList.contains("oj-running")).toBe(true);
  });

  it("renders markup in every trace field as text, never as elements", () => {
    const host = document.createElement("div");
    const evil = span(XSS, null, 0, 1, {
      name: XSS,
      type: XSS,
      model: XSS,
      input: { [XSS]: XSS },
      output: XSS,
      tags: [XSS],
      error: { exception_type: XSS, message: XSS },
      scores: [{ name: XSS, value: 1, reason: XSS }],
    });
    const data = traceData([evil]);
    data.trace.name = XSS;
    render(host, data);
    host.querySelectorAll<HTMLElement>(".oj-row:not(.oj-row-head)")[1].click();
    expect(host.querySelector(".oj-details-title")!.textContent).toBe(XSS);
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelectorAll("[onerror]").length).toBe(0);
    expect(host.textContent).toContain(XSS);
  });
});

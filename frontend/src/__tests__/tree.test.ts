import { describe, expect, it, vi } from "vitest";
import { BIG_TREE, MIN_NAME_WIDTH, buildRows, filterRows, render, timelineLength, visibleRows } from "../views/tree";
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

describe("big trees: find, expand and collapse all", () => {
  const big = () => {
    const spans = [];
    for (let i = 0; i < 6; i++) {
      spans.push(span(`p${i}`, null, i * 10, 9));
      spans.push(span(`p${i}-retrieve`, `p${i}`, i * 10 + 1, 2));
    }
    return traceData(spans);
  };

  it("keeps matching rows and their ancestors", () => {
    const rows = buildRows(big());
    expect(filterRows(rows, "P3-RETR").map((r) => r.node.id)).toEqual(["t", "p3", "p3-retrieve"]);
    expect(filterRows(rows, "  ")).toHaveLength(rows.length);
  });

  it("shows the tools only from BIG_TREE rows on", () => {
    const small = document.createElement("div");
    render(small, traceData([span("a", null, 0, 1)]));
    expect(small.querySelector(".oj-tree-tools")).toBeNull();
    const host = document.createElement("div");
    render(host, big());
    expect(buildRows(big()).length).toBeGreaterThanOrEqual(BIG_TREE);
    expect(host.querySelector(".oj-tree-tools input[type=search]")).not.toBeNull();
  });

  it("collapses and expands every row, and filters after typing pauses", () => {
    vi.useFakeTimers();
    const host = document.createElement("div");
    render(host, big());
    const button = (text: string) =>
      Array.from(host.querySelectorAll<HTMLButtonElement>(".oj-tree-tools button")).find(
        (b) => b.textContent === text,
      )!;
    button("collapse all").click();
    expect(names(host)).toEqual(["cell", "p0", "p1", "p2", "p3", "p4", "p5"]);
    expect(host.querySelectorAll(".oj-row:not(.oj-row-head)")).toHaveLength(7);
    button("expand all").click();
    expect(host.querySelectorAll(".oj-row:not(.oj-row-head)")).toHaveLength(13);
    const box = host.querySelector<HTMLInputElement>(".oj-tree-tools input")!;
    box.value = "p4-retrieve";
    box.dispatchEvent(new Event("input"));
    expect(host.querySelectorAll(".oj-row:not(.oj-row-head)")).toHaveLength(13);
    vi.advanceTimersByTime(200);
    expect(Array.from(host.querySelectorAll(".oj-row[data-id]")).map((r) => r.getAttribute("data-id"))).toEqual([
      "t",
      "p4",
      "p4-retrieve",
    ]);
    expect(host.querySelector(".oj-tree-tools input")).toBe(box); // the same box: typing keeps focus
    box.value = "nothing like it";
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(host.querySelector(".oj-rows .oj-note")?.textContent).toContain("no span matches");
    vi.useRealTimers();
  });
});

describe("tree details and header", () => {
  it("resizes the name column from the keyboard, and keeps the width across renders", () => {
    const host = document.createElement("div");
    const data = traceData([span("a", null, 0, 1)]);
    render(host, data);
    const handle = host.querySelector<HTMLElement>(".oj-col-resize")!;
    expect(handle.getAttribute("role")).toBe("separator");
    handle.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
    const width = host.querySelector<HTMLElement>(".oj-rows")!.style.getPropertyValue("--oj-name-col");
    expect(width).toMatch(/^\d+px$/);
    expect(Number.parseInt(width)).toBeGreaterThanOrEqual(MIN_NAME_WIDTH);
    render(host, data);
    expect(host.querySelector<HTMLElement>(".oj-rows")!.style.getPropertyValue("--oj-name-col")).toBe(width);
  });

  it("shows the selected span's id with a copy button, and its start", async () => {
    const written: string[] = [];
    Object.defineProperty(navigator, "clipboard", {
      value: { writeText: async (text: string) => void written.push(text) },
      configurable: true,
    });
    const host = document.createElement("div");
    render(host, traceData([span("a", null, 250, 1)]));
    host.querySelector<HTMLElement>('.oj-row[data-id="a"]')!.click();
    expect(host.querySelector(".oj-details .oj-id")?.textContent).toBe("a");
    expect(host.querySelector(".oj-details .oj-facts")?.textContent).toContain("starts at +250 ms");
    host.querySelector<HTMLButtonElement>(".oj-details .oj-copy")!.click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(written).toEqual(["a"]);
    expect(host.querySelector(".oj-details .oj-copy")?.textContent).toBe("Copied");
  });

  it("shows a streamed LLM call's time to first token, and nothing when there is none", () => {
    const host = document.createElement("div");
    render(host, traceData([span("s", null, 0, 900, { type: "llm", ttft: 310 }), span("g", null, 0, 5)]));
    host.querySelector<HTMLElement>('.oj-row[data-id="s"]')!.click();
    expect(host.querySelector(".oj-details .oj-facts")?.textContent).toContain("first token after 310 ms");
    host.querySelector<HTMLElement>('.oj-row[data-id="g"]')!.click();
    expect(host.querySelector(".oj-details .oj-facts")?.textContent).not.toContain("first token");
  });

  it("leaves the trace id to a host that shows it", () => {
    const host = document.createElement("div");
    render(host, traceData([span("a", null, 0, 1)]), { traceIdShown: true });
    expect(host.querySelector(".oj-details .oj-id")).toBeNull();
  });

  it("says 'spilled · not yet stored', not ok, while the trace waits on disk", () => {
    const host = document.createElement("div");
    render(host, traceData([span("a", null, 0, 1)], { delivery: "spilled" }));
    expect(host.querySelector(".oj-status-ok")).toBeNull();
    expect(host.querySelector(".oj-status-unstored")?.textContent).toBe("spilled · not yet stored");
    render(host, traceData([span("a", null, 0, 1)]));
    expect(host.querySelector(".oj-status-ok")).not.toBeNull();
    expect(host.querySelector(".oj-status-unstored")).toBeNull();
  });
});

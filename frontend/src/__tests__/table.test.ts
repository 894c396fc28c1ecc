import { afterEach, describe, expect, it, vi } from "vitest";
import { SEARCH_DELAY_MS } from "../views/search";
import { pageRange, render } from "../views/table";
import type { TableData } from "../views/types";
import { XSS } from "./fixtures";

function table(extra: Partial<TableData> = {}): TableData {
  const rows = [
    {
      id: "1",
      name: "first",
      start_time: "2026-01-02T03:04:05Z",
      duration_ms: 1200,
      total_tokens: 30,
      cost: 0.002,
      scores: [{ name: "ok", value: 1 }],
      error: false,
    },
    {
      id: "2",
      name: XSS,
      start_time: null,
      duration_ms: null,
      total_tokens: null,
      cost: null,
      scores: [],
      error: true,
    },
  ];
  return { project: "demo", rows, page: 1, page_size: 2, total: 5, search: "", ...extra };
}

afterEach(() => vi.useRealTimers());

describe("traces table", () => {
  it("computes the rows and pages shown", () => {
    expect(pageRange(2, 25, 60, 25)).toEqual({ first: 26, last: 50, pages: 3 });
    expect(pageRange(1, 25, 0, 0)).toEqual({ first: 0, last: 0, pages: 1 });
  });

  it("renders a row per trace with the error flag, as text", () => {
    const host = document.createElement("div");
    render(host, table());
    const rows = host.querySelectorAll("tbody tr");
    expect(rows.length).toBe(2);
    expect(rows[0].textContent).toContain("first");
    expect(rows[0].textContent).toContain("1.20 s");
    expect(rows[0].textContent).toContain("ok 1");
    expect(rows[1].classList.contains("oj-error")).toBe(true);
    expect(rows[1].textContent).toContain(XSS);
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector(".oj-page-info")!.textContent).toBe("1–2 of 5 · page 1 of 3");
  });

  it("asks to open a clicked row and to change pages", () => {
    const host = document.createElement("div");
    const onOpen = vi.fn();
    const onPage = vi.fn();
    render(host, table(), { onOpen, onPage });
    host.querySelector<HTMLElement>('tr[data-id="1"]')!.click();
    expect(onOpen).toHaveBeenCalledWith("1");
    const [newer, older] = host.querySelectorAll<HTMLButtonElement>(".oj-pager button");
    expect(newer.disabled).toBe(true);
    older.click();
    expect(onPage).toHaveBeenCalledWith(2);
  });

  it("sends the filter text once typing pauses, and at once on Enter", () => {
    vi.useFakeTimers();
    const host = document.createElement("div");
    const onSearch = vi.fn();
    render(host, table(), { onSearch });
    const input = host.querySelector<HTMLInputElement>(".oj-search")!;
    input.value = "cha";
    input.dispatchEvent(new Event("input"));
    input.value = "chat";
    input.dispatchEvent(new Event("input"));
    expect(onSearch).not.toHaveBeenCalled();
    vi.advanceTimersByTime(SEARCH_DELAY_MS);
    expect(onSearch).toHaveBeenCalledTimes(1);
    expect(onSearch).toHaveBeenCalledWith("chat");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(onSearch).toHaveBeenCalledTimes(2);
  });

  it("keeps its input element across updates and says when nothing matches", () => {
    const host = document.createElement("div");
    render(host, table());
    const input = host.querySelector(".oj-search");
    render(host, table({ rows: [], total: 0, search: "zzz" }));
    expect(host.querySelector(".oj-search")).toBe(input);
    expect(host.querySelector(".oj-empty")!.textContent).toBe("no trace matches");
  });
});

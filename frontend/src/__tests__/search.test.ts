import { describe, expect, it, vi } from "vitest";
import { SEARCH_DELAY_MS, searchBox } from "../views/search";

describe("searchBox", () => {
  it("asks once typing pauses, and at once on Enter", () => {
    vi.useFakeTimers();
    const asked: string[] = [];
    const box = searchBox({ placeholder: "find", label: "find things", onSearch: (text) => asked.push(text) });
    expect(box.getAttribute("aria-label")).toBe("find things");
    for (const text of ["p", "pa", "par"]) {
      box.value = text;
      box.dispatchEvent(new Event("input"));
      vi.advanceTimersByTime(SEARCH_DELAY_MS - 1);
    }
    expect(asked).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(asked).toEqual(["par"]);
    box.value = "paris";
    box.dispatchEvent(new Event("input"));
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    vi.advanceTimersByTime(SEARCH_DELAY_MS * 2);
    expect(asked).toEqual(["par", "paris"]); // Enter cancelled the pending ask
    vi.useRealTimers();
  });
});
